// RunWatcher: reads one run (or whichever run is current) from one robot, turns the answers into
// snapshots and tells its subscribers what changed. Its Source says when to read; requests never
// overlap — a trigger during a read is merged into one follow-up read. A read costs the robot one request
// in the steady state: the run (for its status), and the current command's page only when the status
// changed, on every COMMAND_READ_EVERY-th read of a running run, or when push says the command moved
// (then the page alone).
import type { RobotClient } from '../client';
import { latestAnalysis } from '../analysis-wait';
import { RobotError } from '../errors';
import { isTerminal, type CommandPage, type JsonObject, type Run } from '../types';
import {
  CurrentCommand,
  FailedCommand,
  RunSnapshot,
  currentCommandOf,
  isActive,
  isRecovering,
  progressChanged,
  snapshotOf,
  statusChanged,
} from './snapshot';
import type { RefetchReason, Settled, WatchSource } from './source';
import { WatcherBase, deliver, type ReachabilityEvent, type WatcherSubscriber } from './watcher-base';

export type WatchEvent =
  | { type: 'status'; snapshot: RunSnapshot; previousStatus: string | null }
  | { type: 'progress'; snapshot: RunSnapshot }
  | { type: 'current-run-changed'; runId: string | null; previousRunId: string | null }
  | ReachabilityEvent
  | { type: 'run-not-found'; runId: string }
  /** The watch is over: a watched run finished or is gone. The watcher has stopped. */
  | { type: 'ended'; reason: 'finished' | 'not-found' }
  /** How the watcher now learns of changes: `push` (MQTT hints) or `polling`. */
  | { type: 'source'; kind: string };

export interface Subscriber extends WatcherSubscriber<WatchEvent> {
  /** Also wants a `progress` event on every command change. */
  progress: boolean;
  /**
   * Passes progress on to a flow, so a running run's current command is read on every read rather than on
   * every COMMAND_READ_EVERY-th (twice the requests: the run and its command page each interval).
   */
  followCommands?: boolean;
}

/**
 * The run is read every 2.5 s while it runs, so a status change reaches a flow within 2.5 s plus one
 * request; with the command page every fourth read that is 24 + 6 = 30 requests a minute, below the
 * Opentrons App's 32 (run every 5 s, current command every 3 s).
 */
export const DEFAULT_INTERVAL_MS = 2500;

/** A running run's current command is read on every this-many-th read (progress, not status, needs it). */
export const COMMAND_READ_EVERY = 4;

/** Analyses still pending are asked again on later reads, at most this many times per run. */
const TOTAL_ATTEMPTS = 5;

export class RunWatcher extends WatcherBase<WatchEvent, Subscriber> {
  /** The run id asked for, or undefined to follow the robot's current run. */
  readonly target: string | undefined;

  /** The run being read; in follow mode undefined until the current run is known. */
  private runId: string | undefined;
  /** Follow mode: the current run last announced (null: none; undefined: not looked yet). */
  private knownCurrent: string | null | undefined;
  private last: RunSnapshot | undefined;
  private lastPrevious: string | null = null;
  private readonly totals = new Map<string, { value: number | null; attempts: number }>();
  private failed: { key: string; value: FailedCommand } | undefined;
  /** The run as last read, for a read of its command page alone (push said only the command moved). */
  private lastRun: Run | undefined;
  /** Reads of the run since its command page was last read. */
  private readsSinceCommands = 0;

  private phase: Settled['phase'] = 'quiet';
  private pending = new Set<RefetchReason>();
  private reading = false;

  constructor(client: RobotClient, target: string | undefined, source: WatchSource, onStop: () => void = () => undefined) {
    super(client, source, onStop, DEFAULT_INTERVAL_MS);
    this.target = target;
    this.runId = target;
  }

  get isReading(): boolean {
    return this.reading;
  }

  /** A late subscriber is told the run's last known status. */
  protected greet(sub: Subscriber): void {
    if (this.last) deliver(sub, { type: 'status', snapshot: this.last, previousStatus: this.lastPrevious });
  }

  protected override beforeStart(): void {
    this.source.watching(this.runId);
  }

  /** RefetchSink: read again as soon as no read is in flight. */
  trigger(reason: RefetchReason): void {
    if (this.stopped) return;
    this.pending.add(reason);
    this.pump();
  }

  /** This package changed a run on this robot: read now, and let the source expect its hint. */
  ownChange(): void {
    if (this.stopped) return;
    this.source.ownChange?.();
    this.trigger('input');
  }

  /** RefetchSink: push came up or went down; status nodes show which. */
  sourceChanged(kind: string): void {
    if (!this.stopped) this.emit({ type: 'source', kind });
  }

  /** RefetchSink: push said the run was deleted. */
  gone(runId: string): void {
    if (this.stopped || runId !== this.runId) return;
    this.runGone(runId);
    if (!this.stopped) this.trigger('follow-up');
  }

  /** Releases every timer and request. Idempotent. */
  private pump(): void {
    if (this.reading || this.stopped || this.pending.size === 0) return;
    const reasons = this.pending;
    this.pending = new Set();
    this.reading = true;
    this.read(reasons)
      .then(() => this.markReachable(), (err: unknown) => this.readFailed(err))
      .finally(() => {
        this.reading = false;
        if (this.stopped) return;
        if (this.pending.size > 0) this.pump();
        else this.source.settled({ phase: this.phase, failures: this.failures, intervalMs: this.intervalMs() });
      });
  }

  private get opts(): { signal: AbortSignal } {
    return { signal: this.abort.signal };
  }

  /** One read: the run, and its current command's page when that is due; the page alone on a push command hint. */
  private async read(reasons: Set<RefetchReason>): Promise<void> {
    if (this.runId === undefined) {
      await this.findCurrent();
      return;
    }
    const runId = this.runId;
    const prev = this.last?.runId === runId ? this.last : undefined;
    const known = this.lastRun?.id === runId ? this.lastRun : undefined;
    // Push announces a status change on the runs topics, read in full; a commands hint alone moves progress only.
    const commandOnly = prev !== undefined && known !== undefined && reasons.size === 1 && reasons.has('command');
    let run: Run;
    try {
      run = commandOnly && known ? known : await this.client.getRun(runId, this.opts);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.gotNotFound(runId);
      return;
    }
    // Reachable again before anything else is told, so "reachable" precedes the run's state.
    if (!commandOnly) this.markReachable();
    this.lastRun = run;
    const status = String(run.status);
    let page: CommandPage | undefined;
    let command: CurrentCommand | null = prev?.currentCommand ?? null;
    if (commandOnly || this.commandsDue(prev, status, reasons)) {
      try {
        page = await this.client.listRunCommands(runId, { ...this.opts, pageLength: 1 });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.gotNotFound(runId);
        return;
      }
      if (commandOnly) this.markReachable();
      command = currentCommandOf(page);
      this.readsSinceCommands = 0;
    } else {
      this.readsSinceCommands += 1;
    }
    const total = await this.totalCommands(run);
    const failed = isRecovering(status) ? await this.failedCommand(runId, page, command) : null;
    if (this.stopped) return;
    this.apply(snapshotOf(run, command, total, failed));

    if (this.stopped || commandOnly) return;
    if (this.target !== undefined) {
      if (isTerminal(status)) this.end('finished');
    } else if (!run.current) {
      // Another run became current, or none is (robot restarted, run dismissed): look again at once.
      this.runId = undefined;
      this.source.watching(undefined);
      this.pending.add('follow-up');
    }
    this.phase = phaseOf(status);
  }

  /**
   * Whether this read also takes the current command's page: on a new run or status (the pause message, the
   * command that failed), when a flow acted or push said the command moved, and while the run runs every
   * COMMAND_READ_EVERY-th read — every read when a subscriber passes progress on.
   */
  private commandsDue(prev: RunSnapshot | undefined, status: string, reasons: Set<RefetchReason>): boolean {
    if (!prev || prev.status !== status || reasons.has('command') || reasons.has('input')) return true;
    if (!isActive(status)) return false;
    const every = [...this.subscribers].some((s) => s.followCommands === true) ? 1 : COMMAND_READ_EVERY;
    return this.readsSinceCommands + 1 >= every;
  }

  /** The run is gone (404): tell it, and in follow mode look for the current run next. */
  private gotNotFound(runId: string): void {
    this.markReachable();
    this.runGone(runId);
    if (!this.stopped) this.pending.add('follow-up');
  }

  /** Follow mode: which run is current now? One request; the run itself is read on the next pass. */
  private async findCurrent(): Promise<void> {
    const id = (await this.client.getCurrentRunId(this.opts)) ?? null;
    this.markReachable();
    if (this.stopped) return;
    if (id !== this.knownCurrent) {
      const previousRunId = this.knownCurrent ?? null;
      const first = this.knownCurrent === undefined;
      this.knownCurrent = id;
      if (!(first && id === null)) this.emit({ type: 'current-run-changed', runId: id, previousRunId });
    }
    this.phase = 'quiet';
    if (id !== null) {
      this.runId = id;
      this.source.watching(id);
      this.pending.add('follow-up');
    }
  }

  private apply(next: RunSnapshot): void {
    const prev = this.last;
    this.last = next;
    if (statusChanged(prev, next)) {
      this.lastPrevious = prev && prev.runId === next.runId ? prev.status : null;
      this.emit({ type: 'status', snapshot: next, previousStatus: this.lastPrevious });
    }
    if (progressChanged(prev, next)) this.emit({ type: 'progress', snapshot: next }, true);
  }

  /**
   * Total commands from the protocol's analysis, read once per run (none for protocol-less runs). The
   * run names no analysis; the robot analyses a protocol again whenever a run needs other run-time
   * parameter values, so the newest analysis is the run's. Only that one is read: the protocol's
   * summaries (ids and statuses), then that analysis — never every stored analysis.
   */
  private async totalCommands(run: Run): Promise<number | null> {
    const known = this.totals.get(run.id);
    if (known && (known.value !== null || known.attempts >= TOTAL_ATTEMPTS)) return known.value;
    const protocolId = typeof run.protocolId === 'string' ? run.protocolId : undefined;
    if (!protocolId) {
      this.totals.set(run.id, { value: null, attempts: TOTAL_ATTEMPTS });
      return null;
    }
    const attempts = (known?.attempts ?? 0) + 1;
    let value: number | null = null;
    try {
      const { protocol } = await this.client.getProtocol(protocolId, this.opts);
      const newest = latestAnalysis(protocol);
      if (newest?.status === 'completed') {
        const analysis = await this.client.getAnalysis(protocolId, newest.id, this.opts);
        if (Array.isArray(analysis.commands)) value = analysis.commands.length;
      }
      // Pending: ask again on a later read. Completed or none at all: nothing more to learn.
      this.totals.set(run.id, { value, attempts: newest && newest.status !== 'completed' ? attempts : TOTAL_ATTEMPTS });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.totals.set(run.id, { value: null, attempts: TOTAL_ATTEMPTS });
    }
    return value;
  }

  /** The command a recovering run failed on, with its error; read once per failure. */
  private async failedCommand(runId: string, page: CommandPage | undefined, command: CurrentCommand | null): Promise<FailedCommand | null> {
    const link = page?.links.currentlyRecoveringFrom?.meta;
    const linkId = typeof link?.commandId === 'string' ? link.commandId : undefined;
    const key = `${runId}:${linkId ?? command?.id ?? ''}`;
    if (this.failed?.key === key) return this.failed.value;
    const errors = await this.client.listCommandErrors(runId, { ...this.opts, pageLength: 1 });
    const error: JsonObject | undefined = errors.data[errors.data.length - 1];
    let value: FailedCommand = {
      id: linkId,
      index: typeof link?.index === 'number' ? link.index : undefined,
      commandType: undefined,
      params: undefined,
      error,
    };
    if (linkId) {
      const failed = await this.client.getRunCommand(runId, linkId, this.opts);
      value = { ...value, commandType: failed.commandType, params: failed.params, error: failed.error ?? error };
    }
    this.failed = { key, value };
    return value;
  }

  private runGone(runId: string): void {
    if (this.target !== undefined) {
      this.emit({ type: 'run-not-found', runId });
      this.end('not-found');
      return;
    }
    // Follow mode: the current run was deleted; find out what is current now.
    this.runId = undefined;
    this.source.watching(undefined);
  }

  protected override readFailed(err: unknown): void {
    super.readFailed(err);
    if (!this.stopped) this.phase = 'unreachable';
  }

  private end(reason: 'finished' | 'not-found'): void {
    this.emit({ type: 'ended', reason });
    this.stop();
  }

  protected override emit(event: WatchEvent, progressOnly = false): void {
    for (const sub of [...this.subscribers]) {
      if (progressOnly && !sub.progress) continue;
      deliver(sub, event);
    }
  }
}

/** How soon the run may change again (see Settled). */
function phaseOf(status: string): Settled['phase'] {
  if (isActive(status)) return 'active';
  return isTerminal(status) ? 'quiet' : 'waiting';
}

function isNotFound(err: unknown): boolean {
  return err instanceof RobotError && err.statusCode === 404;
}
