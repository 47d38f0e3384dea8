// The watcher's push Source: refetch on every robot-server hint (bursts coalesced), a slow safety poll
// while push works, and plain polling the moment it does not. Which one is in use is `kind`.
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
  /** Told whenever the source switches between `push` and `polling`. */
  onKind?(kind: 'push' | 'polling'): void;
}

export const DEFAULT_SAFETY_POLL_MS = 30_000;

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
  private kindValue: 'push' | 'polling' = 'polling';
  /** Until `start` resolves, its own wait decides the kind and the watcher does the first read. */
  private starting = false;
  private readonly safetyPollMs: number;
  private readonly coalesceMs: number;
  private readonly subscribeWaitMs: number;

  constructor(
    private readonly notifications: RobotNotifications,
    private readonly opts: PushSourceOptions = {},
  ) {
    this.safetyPollMs = opts.safetyPollMs ?? DEFAULT_SAFETY_POLL_MS;
    this.coalesceMs = opts.coalesceMs ?? 10;
    this.subscribeWaitMs = opts.subscribeWaitMs ?? 3_000;
  }

  get kind(): 'push' | 'polling' {
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
    this.setKind(ok && this.base?.active === true);
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
    const runId = this.runId;
    if (!runId) return;
    this.runSub = this.notifications.subscribe({
      topics: () => [runTopic(runId)],
      onHint: (hint, topic) => this.hint(hint, topic),
    });
  }

  settled(state: Settled): void {
    this.last = state;
    this.schedule();
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
    if (hint === 'unsubscribe') {
      const runId = this.runId;
      if (runId && topic === runTopic(runId)) {
        if (this.sink.gone) this.sink.gone(runId);
        else this.sink.trigger('run');
        return;
      }
      // commands_links / other runs' unsubscribe: the current run went away; re-read which run is current
      this.queue('runs');
      return;
    }
    if (topic === runsTopic()) this.queue('runs');
    else if (this.runId && topic === runTopic(this.runId)) this.queue('run');
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
    this.setKind(active);
    if (was === this.kindValue) return;
    // Up again: hints sent while we were away are lost, so read now. Down: read now and poll from here,
    // so a change the broker would have announced in the gap is not waited for until the safety poll.
    this.sink.trigger(active ? 'start' : 'poll');
    this.schedule();
  }

  private setKind(push: boolean): void {
    const kind = push ? 'push' : 'polling';
    if (kind === this.kindValue) return;
    this.kindValue = kind;
    this.opts.onKind?.(kind);
    this.sink?.sourceChanged?.(kind);
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.coalesceTimer) clearTimeout(this.coalesceTimer);
    if (this.commandTimer) clearTimeout(this.commandTimer);
    this.commandTimer = undefined;
    this.timer = undefined;
    this.coalesceTimer = undefined;
    this.pending = undefined;
  }
}
