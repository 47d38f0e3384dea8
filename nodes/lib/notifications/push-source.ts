// The watcher's push Source: refetch on every robot-server hint (bursts coalesced), a slow safety poll
// while push works, and plain polling the moment it does not. Which one is in use is `kind`.
// "Works" means more than a SUBACK: a broker that is not the robot's, or a robot whose publisher is
// stuck, accepts us and stays silent. When this package changes a run itself (`ownChange`) and no hint
// follows within `silentAfterMs`, push is taken as silent and the watcher polls until a hint arrives.
import { nextDelay, type RefetchReason, type RefetchSink, type Settled, type WatchSource } from '../watch/source';
import type { RobotNotifications, TopicSubscription } from './connection';
import { commandsTopic, runTopic, runsTopic, type Hint, type NotificationDialect } from './topics';

export interface PushSourceOptions {
  /** While push works, read anyway after this long without a hint (guards against a lost message). */
  safetyPollMs?: number;
  /** Hints closer together than this make one refetch (a play publishes ~10 hints within ~25 ms). */
  coalesceMs?: number;
  /** How long `start` waits for the SUBACK before the first read goes ahead by polling. */
  subscribeWaitMs?: number;
  /** After a run change made by this package, how long to wait for a hint before taking push as silent. */
  silentAfterMs?: number;
  /** Told whenever the source switches between `push`, `polling` and `polling (push silent)`. */
  onKind?(kind: PushKind): void;
}

/** `polling (push silent)`: subscribed, but the broker did not announce a change this package made. */
export type PushKind = 'push' | 'polling' | 'polling (push silent)';

export const DEFAULT_SAFETY_POLL_MS = 30_000;

/** The robot publishes within milliseconds of a change; a few seconds leave room for a busy robot. */
export const DEFAULT_SILENT_AFTER_MS = 3_000;

/** Command-progress reads are spaced by the poll interval, but never by more than this. */
export const MAX_COMMAND_GAP_MS = 5_000;

export class PushSource implements WatchSource {
  private sink: RefetchSink | undefined;
  private base: TopicSubscription | undefined;
  private runSub: TopicSubscription | undefined;
  private runId: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private coalesceTimer: NodeJS.Timeout | undefined;
  private pending: RefetchReason | undefined;
  private commandTimer: NodeJS.Timeout | undefined;
  /** When the last refetch was asked for (ms), to space out command-progress reads. */
  private lastTrigger = 0;
  private last: Settled | undefined;
  private kindValue: PushKind = 'polling';
  /** Subscribed (SUBACK) on a live connection. */
  private active = false;
  /** Active, but a change made here was not announced: poll until the next hint. */
  private silent = false;
  private lastHintAt = 0;
  private expectTimer: NodeJS.Timeout | undefined;
  /** Until `start` resolves, its own wait decides the kind and the watcher does the first read. */
  private starting = false;
  private readonly safetyPollMs: number;
  private readonly coalesceMs: number;
  private readonly subscribeWaitMs: number;
  private readonly silentAfterMs: number;

  constructor(
    private readonly notifications: RobotNotifications,
    private readonly opts: PushSourceOptions = {},
  ) {
    this.safetyPollMs = opts.safetyPollMs ?? DEFAULT_SAFETY_POLL_MS;
    this.coalesceMs = opts.coalesceMs ?? 10;
    this.subscribeWaitMs = opts.subscribeWaitMs ?? 3_000;
    this.silentAfterMs = opts.silentAfterMs ?? DEFAULT_SILENT_AFTER_MS;
  }

  get kind(): PushKind {
    return this.kindValue;
  }

  async start(sink: RefetchSink): Promise<void> {
    this.sink = sink;
    this.starting = true;
    // `runs` says when any run's status changes or another run becomes current; the commands topic
    // says when the current command changes. Together they cover a run-id watch and follow-current.
    this.base = this.notifications.subscribe({
      topics: (dialect: NotificationDialect) => [runsTopic(), commandsTopic(dialect)],
      onHint: (hint, topic) => this.hint(hint, topic),
      onActive: (active) => this.activeChanged(active),
    });
    this.subscribeRun();
    // Subscribe first, then the watcher's first GET: a change in between is then hinted or read.
    const ok = await this.base.ready(this.subscribeWaitMs);
    this.starting = false;
    this.active = ok && this.base?.active === true;
    this.setKind();
  }

  watching(runId: string | undefined): void {
    if (runId === this.runId) return;
    this.runId = runId;
    if (this.sink) this.subscribeRun();
  }

  /** The run's own topic is where the robot says `unsubscribe` when the run is deleted. */
  private subscribeRun(): void {
    this.runSub?.close();
    this.runSub = undefined;
    const topic = this.runId === undefined ? undefined : runTopic(this.runId);
    // No topic for an id no robot gives: the `runs` topic still announces its changes.
    if (!topic) return;
    this.runSub = this.notifications.subscribe({
      topics: () => [topic],
      onHint: (hint, topic) => this.hint(hint, topic),
    });
  }

  settled(state: Settled): void {
    this.last = state;
    this.schedule();
  }

  /**
   * This package just changed a run on the robot, so the robot publishes a hint now. None within
   * `silentAfterMs` (nor shortly before: it may beat the HTTP answer here) means push is silent.
   */
  ownChange(): void {
    if (!this.sink || this.kindValue !== 'push' || this.expectTimer) return;
    const since = Date.now() - this.silentAfterMs;
    this.expectTimer = setTimeout(() => {
      this.expectTimer = undefined;
      if (!this.sink || this.kindValue !== 'push' || this.lastHintAt >= since) return;
      this.silent = true;
      this.setKind();
      // Read now: the change itself may have been missed, and from here on the timer polls.
      this.sink.trigger('poll');
      this.schedule();
    }, this.silentAfterMs);
  }

  stop(): void {
    this.sink = undefined;
    this.clearTimers();
    this.base?.close();
    this.runSub?.close();
    this.base = undefined;
    this.runSub = undefined;
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const state = this.last;
    if (!this.sink || !state) return;
    // While the robot's HTTP fails, push says nothing useful about it: back off as polling does.
    const delay = this.kindValue === 'push' && state.phase !== 'unreachable' ? this.safetyPollMs : nextDelay(state);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sink?.trigger('poll');
    }, delay);
  }

  private hint(hint: Hint, topic: string): void {
    if (!this.sink) return;
    this.lastHintAt = Date.now();
    if (this.expectTimer) clearTimeout(this.expectTimer);
    this.expectTimer = undefined;
    if (this.silent) {
      // The broker speaks again: back to push and its slow safety poll.
      this.silent = false;
      this.setKind();
      this.schedule();
    }
    if (hint === 'unsubscribe') {
      const runId = this.runId;
      if (runId !== undefined && topic === runTopic(runId)) {
        if (this.sink.gone) this.sink.gone(runId);
        else this.sink.trigger('run');
        return;
      }
      // commands_links / other runs' unsubscribe: the current run went away; re-read which run is current
      this.queue('runs');
      return;
    }
    if (topic === runsTopic()) this.queue('runs');
    else if (this.runId !== undefined && topic === runTopic(this.runId)) this.queue('run');
    else this.commandHint();
  }

  /**
   * A status change always comes with a `runs` hint, read at once. Command hints only move progress
   * and come once per command: they are read at most once per poll interval (capped at
   * MAX_COMMAND_GAP_MS), so a fast-moving run costs the robot no more than polling it would.
   */
  private commandHint(): void {
    const gap = Math.min(this.last?.intervalMs ?? MAX_COMMAND_GAP_MS, MAX_COMMAND_GAP_MS);
    const wait = this.lastTrigger + gap - Date.now();
    if (wait <= 0) {
      this.queue('command');
      return;
    }
    this.commandTimer ??= setTimeout(() => {
      this.commandTimer = undefined;
      this.queue('command');
    }, wait);
  }

  /** Several hints within `coalesceMs` make one trigger; the watcher merges it with a refetch in flight. */
  private queue(reason: RefetchReason): void {
    this.pending ??= reason;
    if (this.coalesceTimer) return;
    this.coalesceTimer = setTimeout(() => {
      this.coalesceTimer = undefined;
      const why = this.pending ?? reason;
      this.pending = undefined;
      this.lastTrigger = Date.now();
      this.sink?.trigger(why);
    }, this.coalesceMs);
  }

  private activeChanged(active: boolean): void {
    if (!this.sink || this.starting) return;
    const was = this.kindValue;
    this.active = active;
    this.silent = false;
    this.setKind();
    if (was === this.kindValue) return;
    // Up again: hints sent while we were away are lost, so read now. Down: read now and poll from here,
    // so a change the broker would have announced in the gap is not waited for until the safety poll.
    this.sink.trigger(this.kindValue === 'push' ? 'start' : 'poll');
    this.schedule();
  }

  private setKind(): void {
    const kind: PushKind = !this.active ? 'polling' : this.silent ? 'polling (push silent)' : 'push';
    if (kind === this.kindValue) return;
    this.kindValue = kind;
    this.opts.onKind?.(kind);
    this.sink?.sourceChanged?.(kind);
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.coalesceTimer) clearTimeout(this.coalesceTimer);
    if (this.commandTimer) clearTimeout(this.commandTimer);
    if (this.expectTimer) clearTimeout(this.expectTimer);
    this.commandTimer = undefined;
    this.expectTimer = undefined;
    this.timer = undefined;
    this.coalesceTimer = undefined;
    this.pending = undefined;
  }
}
