/**
 * One run's engine: the command list, setup and protocol queues, the run status machine of API reference §6–§8,
 * and simulated execution (each command takes `durationOf` simulated ms, divided by the speed factor).
 */
import { chainedKey, commandResource, type CommandIntent, type CommandRecord, type ErrorOccurrence, errorOccurrence } from './commands';
import { newId, timestamp, type Scheduler } from './clock';
import { CommandWaiters } from './command-wait';
import type { PlannedCommand, RunPlan } from './context';
import { EngineState, durationOf, execute, holdMs } from './executor';

export type RunStatus =
  | 'idle' | 'running' | 'paused' | 'blocked-by-open-door' | 'stop-requested' | 'finishing'
  | 'awaiting-recovery' | 'awaiting-recovery-paused' | 'awaiting-recovery-blocked-by-open-door'
  | 'stopped' | 'failed' | 'succeeded';

export const TERMINAL: ReadonlySet<RunStatus> = new Set<RunStatus>(['stopped', 'failed', 'succeeded']);

export interface EngineEnv {
  scheduler: Scheduler;
  commandMs: number;
  doorOpen(): boolean;
  /** Flex: defined errors wait for recovery by default */
  recoveryByDefault: boolean;
  /** the run's error recovery policy (PUT /runs/{id}/errorRecoveryPolicy) */
  policy(): PolicyRule[];
  /** status or current-command changes, for notifications */
  onStatus(): void;
  onCommandsLinks(): void;
  /** the run's loaded state changed outside a status change (a setup command completed) */
  onRunChanged(): void;
  onFinished(): void;
}

export interface PolicyRule {
  commandType: string;
  errorType: string;
  ifMatch: 'ignoreAndContinue' | 'failRun' | 'waitForRecovery';
}

export class RunEngine {
  /** the failed command the run is recovering from (awaiting-recovery*) */
  recoveryTarget?: CommandRecord;
  hasEverEnteredErrorRecovery = false;
  readonly commands: CommandRecord[] = [];
  private readonly byId = new Map<string, CommandRecord>();
  private setupQueue: CommandRecord[] = [];
  private protocolQueue: CommandRecord[] = [];
  /** Python plans: commands not yet generated */
  private pending: PlannedCommand[] = [];
  private runningCmd?: CommandRecord;
  private cancelRunning?: () => void;
  private readonly waiters = new CommandWaiters();
  private lastProtocolKey = '';
  status: RunStatus = 'idle';
  played = false;
  errors: ErrorOccurrence[] = [];
  startedAt?: string;
  completedAt?: string;
  /** a waitForResume is holding the run */
  private heldBy?: CommandRecord;
  /** Python plans from an analysis: the ids loads give, and the errors commands fail with, by command id */
  private readonly loadIds = new Map<string, Record<string, string>>();
  private readonly failWith = new Map<string, ErrorOccurrence>();
  /** Python plans: the run's error when the protocol raises (RunPlan.failure, or its late plan's) */
  private failure?: () => ErrorOccurrence;
  private homeKey?: string;
  /** a late plan (RunPlan.later) has not come yet: the run must not finish, and its home waits for the key */
  private waitingForPlan = false;
  private homeDeferred = false;

  constructor(
    readonly state: EngineState,
    private readonly env: EngineEnv,
    private readonly plan?: RunPlan,
  ) {
    if (plan?.kind === 'json') {
      this.enqueue({ commandType: 'home', params: {} }, undefined);
      for (const c of plan.commands) this.enqueue(c, c.intent);
    } else if (plan) {
      this.pending = plan.commands.slice();
      this.failure = plan.failure;
      this.homeKey = plan.homeKey;
      if (plan.later) {
        this.waitingForPlan = true;
        void plan.later.then((late) => this.planArrived(late));
      }
    }
  }

  get(commandId: string): CommandRecord | undefined {
    return this.byId.get(commandId);
  }

  get running(): CommandRecord | undefined {
    return this.runningCmd;
  }

  isTerminal(): boolean {
    return TERMINAL.has(this.status);
  }

  /** stop requested, finishing or terminal: no more actions or commands */
  isStopping(): boolean {
    return this.isTerminal() || this.status === 'stop-requested' || this.status === 'finishing';
  }

  /** idle (never played) with no setup command running or queued: a new run may replace it */
  isIdleForReplacement(): boolean {
    return this.status === 'idle' && !this.runningCmd && this.setupQueue.length === 0;
  }

  /** Queue a command; setup commands start at once (with priority), protocol commands wait for play. */
  enqueue(c: PlannedCommand | { commandType: string; params: Record<string, unknown>; key?: string }, intent: CommandIntent | undefined, failedCommandId?: string): CommandRecord {
    const id = 'id' in c && c.id ? c.id : newId();
    let key = c.key;
    if (!key) {
      if (intent === 'setup' || intent === 'fixit') key = id;
      else key = this.lastProtocolKey = chainedKey(this.lastProtocolKey, c.commandType, c.params);
    }
    const rec: CommandRecord = { id, key, commandType: c.commandType, createdAt: timestamp(), status: 'queued', params: c.params };
    if (intent) rec.intent = intent;
    if (failedCommandId) rec.failedCommandId = failedCommandId;
    this.commands.push(rec);
    this.byId.set(id, rec);
    if (intent === 'setup') this.setupQueue.push(rec);
    else this.protocolQueue.push(rec);
    // started on the next turn, so a no-wait POST answers with the command still queued
    this.env.scheduler.afterReal(0, () => this.pump());
    return rec;
  }

  /** Call fn once the command succeeded or failed (at once if it has); returns a function that unregisters it. */
  watch(commandId: string, fn: () => void): () => void {
    const c = this.byId.get(commandId);
    if (!c || c.status === 'succeeded' || c.status === 'failed') {
      fn();
      return () => undefined;
    }
    return this.waiters.add(commandId, fn);
  }

  /** Waiters still registered (an aborted waitUntilComplete request must leave none). */
  get waiterCount(): number {
    return this.waiters.size;
  }

  /** Release every waiter (server stopping). */
  releaseWaiters(): void {
    this.waiters.releaseAll();
  }

  private settle(c: CommandRecord): void {
    this.waiters.settle(c.id);
  }

  private setStatus(s: RunStatus): void {
    if (this.status === s) return;
    this.status = s;
    this.env.onStatus();
  }

  // ---- actions (validity is checked by the caller, actions.ts) ----

  play(): void {
    if (!this.played) {
      this.played = true;
      this.startedAt = timestamp();
      // Python protocols get their home when played; live runs home without a listed command
      if (this.plan?.kind === 'python') {
        if (this.waitingForPlan) this.homeDeferred = true;
        else this.enqueue({ commandType: 'home', params: {}, key: this.homeKey }, undefined);
      }
    }
    if (this.status === 'awaiting-recovery-paused') {
      this.setStatus('awaiting-recovery');
    } else if (this.env.doorOpen()) {
      this.setStatus('blocked-by-open-door');
      return;
    } else {
      this.setStatus('running');
    }
    if (this.heldBy) {
      const held = this.heldBy;
      this.heldBy = undefined;
      this.complete(held, { result: {} });
      return;
    }
    this.pump();
  }

  pause(): void {
    this.setStatus('paused');
  }

  /** Door opened (Flex): a running run blocks; closing it leaves the run paused. */
  doorChanged(open: boolean): void {
    if (open && (this.status === 'running' || this.status === 'paused')) this.setStatus('blocked-by-open-door');
    else if (open && this.status === 'awaiting-recovery') this.setStatus('awaiting-recovery-blocked-by-open-door');
    else if (!open && this.status === 'blocked-by-open-door') this.setStatus('paused');
    else if (!open && this.status === 'awaiting-recovery-blocked-by-open-door') this.setStatus('awaiting-recovery-paused');
  }

  resumeFromRecovery(): void {
    this.recoveryTarget = undefined;
    this.setStatus('running');
    this.pump();
  }

  hasQueuedFixit(): boolean {
    return this.protocolQueue.some((c) => c.intent === 'fixit');
  }

  stop(stopMs: number): void {
    if (this.status === 'idle' && !this.played) {
      this.failQueued();
      this.cancelCurrent();
      this.completedAt = timestamp();
      this.setStatus('stopped');
      this.env.onFinished();
      return;
    }
    this.setStatus('stop-requested');
    this.cancelCurrent();
    this.failQueued();
    this.pending = [];
    this.env.scheduler.after(stopMs, () => {
      this.completedAt = timestamp();
      this.setStatus('stopped');
      this.env.onFinished();
    });
  }

  /** E-stop pressed: the run fails at once, whatever it was doing. */
  estop(): void {
    if (this.isTerminal() || (this.status === 'idle' && !this.played)) return;
    this.cancelCurrent();
    this.failQueued();
    this.pending = [];
    this.errors = [errorOccurrence('EStopActivatedError', '3008', 'E-stop activated.')];
    this.completedAt = timestamp();
    this.setStatus('failed');
    this.env.onFinished();
  }

  /** Server restart: the engine is gone; an unfinished run is reported stopped. */
  abandon(): void {
    if (this.isTerminal()) return;
    this.cancelCurrent();
    this.failQueued();
    this.pending = [];
    this.completedAt = timestamp();
    this.status = 'stopped';
    this.releaseWaiters();
  }

  private cancelCurrent(): void {
    this.cancelRunning?.();
    this.cancelRunning = undefined;
    const c = this.runningCmd ?? this.heldBy;
    this.heldBy = undefined;
    this.runningCmd = undefined;
    if (c) {
      c.status = 'failed';
      c.completedAt = timestamp();
      c.error = errorOccurrence('RunStoppedError', '4000', 'Run was cancelled');
      c.notes = [];
      this.settle(c);
    }
  }

  /** Queued commands of a stopped or failed run end `failed` without an error. */
  private failQueued(which: 'all' | 'setup' = 'all'): void {
    const queues = which === 'setup' ? [this.setupQueue] : [this.setupQueue, this.protocolQueue];
    for (const q of queues) {
      for (const c of q) {
        c.status = 'failed';
        c.completedAt = timestamp();
        this.settle(c);
      }
      q.length = 0;
    }
  }

  // ---- execution ----

  private nextCommand(): CommandRecord | undefined {
    if (this.setupQueue.length) return this.setupQueue.shift();
    if (this.status !== 'running' && this.status !== 'awaiting-recovery') return undefined;
    if (this.status === 'awaiting-recovery') {
      const i = this.protocolQueue.findIndex((c) => c.intent === 'fixit');
      return i >= 0 ? this.protocolQueue.splice(i, 1)[0] : undefined;
    }
    const i = this.protocolQueue.findIndex((c) => c.intent !== 'fixit');
    if (i >= 0) return this.protocolQueue.splice(i, 1)[0];
    const planned = this.pending.shift();
    if (planned) {
      const rec = this.enqueueSilently(planned);
      return rec;
    }
    return undefined;
  }

  /** The analysis of a Python run's parameters is there: its commands become the run's (unless the run ended meanwhile). */
  private planArrived(late: import('./context').LatePlan): void {
    this.waitingForPlan = false;
    if (this.isStopping()) return;
    for (const d of late.labwareDefinitions) this.state.addDefinition(d);
    this.pending = late.commands.slice();
    this.failure = late.failure;
    this.homeKey = late.homeKey;
    if (this.homeDeferred) {
      this.homeDeferred = false;
      this.enqueue({ commandType: 'home', params: {}, key: this.homeKey }, undefined);
    }
    this.pump();
  }

  /** Generate a Python-plan command at the moment it runs (so totalLength grows as the run goes). */
  private enqueueSilently(c: PlannedCommand): CommandRecord {
    const id = c.id ?? newId();
    const key = c.key ?? (this.lastProtocolKey = chainedKey(this.lastProtocolKey, c.commandType, c.params));
    const rec: CommandRecord = { id, key, commandType: c.commandType, createdAt: timestamp(), status: 'queued', params: c.params };
    if (c.intent) rec.intent = c.intent;
    if (c.loadIds) this.loadIds.set(id, c.loadIds);
    if (c.failWith) this.failWith.set(id, c.failWith);
    this.commands.push(rec);
    this.byId.set(id, rec);
    return rec;
  }

  /** Execute a command, or fail it as its analysis did; a load gives the ids the analysis gave. */
  private outcomeOf(c: CommandRecord): ReturnType<typeof execute> {
    const planned = this.failWith.get(c.id);
    if (planned) return { error: planned };
    const ids = this.loadIds.get(c.id);
    return execute(this.state, ids ? { ...c, params: { ...c.params, ...ids } } : c);
  }

  private pump(): void {
    if (this.runningCmd || this.heldBy || this.isStopping()) return;
    const next = this.nextCommand();
    if (!next) {
      if (this.played && this.status === 'running' && this.protocolQueue.length === 0 && this.pending.length === 0 && !this.waitingForPlan) {
        const failure = this.failure;
        if (failure) this.errors = [failure()];
        this.finish(failure !== undefined);
      }
      return;
    }
    this.runningCmd = next;
    next.status = 'running';
    next.startedAt = timestamp();
    this.env.onCommandsLinks();
    const settle = (): void => {
      // a waitForTemperature holds until its module gets there (the ramp may have been changed meanwhile)
      const hold = holdMs(this.state, next);
      if (hold > 0) {
        this.cancelRunning = this.env.scheduler.after(hold, settle);
        return;
      }
      this.cancelRunning = undefined;
      const outcome = this.outcomeOf(next);
      if ('pause' in outcome) {
        // waitForResume: the command stays running and the run pauses until play
        this.runningCmd = undefined;
        this.heldBy = next;
        this.setStatus('paused');
        this.env.onCommandsLinks();
        return;
      }
      this.complete(next, outcome);
    };
    this.cancelRunning = this.env.scheduler.after(durationOf(next, this.env.commandMs), settle);
  }

  private complete(c: CommandRecord, outcome: { result: Record<string, unknown> } | { error: ErrorOccurrence }): void {
    if (this.runningCmd === c) this.runningCmd = undefined;
    c.completedAt = timestamp();
    c.notes = [];
    if ('result' in outcome) {
      c.status = 'succeeded';
      c.result = outcome.result;
    } else {
      c.status = 'failed';
      c.error = outcome.error;
    }
    this.settle(c);
    if (c.intent === 'setup') this.env.onRunChanged();
    else this.env.onCommandsLinks();
    if (c.status === 'failed') {
      if (c.intent === 'setup') {
        this.failQueued('setup');
      } else if (c.intent !== 'fixit') {
        const decision = this.decide(c);
        if (decision === 'ignoreAndContinue') {
          this.pump();
          return;
        }
        if (decision === 'waitForRecovery') {
          this.recoveryTarget = c;
          this.hasEverEnteredErrorRecovery = true;
          this.setStatus(this.status === 'paused' ? 'awaiting-recovery-paused' : 'awaiting-recovery');
          this.env.onCommandsLinks();
          return;
        }
        // a command that failed as in its analysis fails the run with the analysis's (protocol) error
        const planned = this.failWith.has(c.id) ? this.failure?.() : undefined;
        this.errors = [planned ?? c.error as ErrorOccurrence];
        this.failQueued();
        this.pending = [];
        this.finish(true);
        return;
      }
    }
    this.pump();
  }

  /** Error recovery policy: first matching rule wins; by default a Flex waits for recovery on defined errors. */
  private decide(c: CommandRecord): PolicyRule['ifMatch'] {
    const err = c.error;
    if (!err) return 'failRun';
    const rule = this.env.policy().find((r) => r.commandType === c.commandType && r.errorType === err.errorType);
    if (rule) return rule.ifMatch;
    return err.isDefined && this.env.recoveryByDefault ? 'waitForRecovery' : 'failRun';
  }

  private finish(failed: boolean): void {
    this.setStatus('finishing');
    this.env.scheduler.after(this.env.commandMs, () => {
      if (this.status !== 'finishing') return;
      this.completedAt = timestamp();
      this.setStatus(failed ? 'failed' : 'succeeded');
      this.env.onFinished();
    });
  }

  /** The "current" command for links and the default cursor: running, else held, else the last one that ran. */
  currentCommand(): { command: CommandRecord; index: number } | undefined {
    const c = this.runningCmd ?? this.heldBy;
    if (c) return { command: c, index: this.commands.indexOf(c) };
    // A failed run's queued commands are failed after the one that broke it, without starting: the robot
    // then names the last of them (capture 189), the most recently finished command.
    const finishedWithoutStart = this.status === 'failed';
    for (let i = this.commands.length - 1; i >= 0; i--) {
      if (this.commands[i].status !== 'queued' && (this.commands[i].startedAt || finishedWithoutStart)) return { command: this.commands[i], index: i };
    }
    return undefined;
  }

  /** Default cursor of a command page (§8): running command, else just before the first queued, else the failed one, else the last page. */
  defaultCursor(pageLength: number): number {
    const running = this.runningCmd ?? this.heldBy;
    if (running) return this.commands.indexOf(running);
    const firstQueued = this.commands.findIndex((c) => c.status === 'queued');
    if (firstQueued >= 0) return Math.max(0, firstQueued - 1);
    if (this.status === 'failed') {
      const failedIdx = this.commands.findIndex((c) => c.status === 'failed' && c.error !== undefined);
      if (failedIdx >= 0) return failedIdx;
    }
    return this.commands.length - pageLength;
  }

  snapshot(commandId: string): Record<string, unknown> | undefined {
    const c = this.byId.get(commandId);
    return c ? commandResource(c) : undefined;
  }
}
