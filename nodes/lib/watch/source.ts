// A Source decides *when* the watcher refetches the robot's state over HTTP; the watcher decides
// *what* to fetch. Polling is one Source; MQTT push (robot-server's "refetch" hints) is another that
// triggers on every hint and keeps a slow safety timer — the watcher does not change for it.

/** Why a refetch was asked for. Reasons that arrive while a refetch is in flight are merged into the next one. */
export type RefetchReason =
  | 'start' // the first read after the source is ready
  | 'poll' // a timer ran out
  | 'follow-up' // the previous refetch learnt something that needs another read (e.g. a new current run)
  | 'input' // a flow asked (a msg for the run being watched)
  | 'runs' // push: the run list / which run is current changed
  | 'run' // push: the watched run changed
  | 'command'; // push: the current command (commands links) changed

/** What the watcher hands to its Source. */
export interface RefetchSink {
  /** Ask for a refetch; coalesced with any refetch already pending or in flight. */
  trigger(reason: RefetchReason): void;
  /** Push: the robot said the watched run is gone (`{"unsubscribe": true}`). */
  gone?(runId: string): void;
  /** Push: the source switched between `push` and `polling` (for the node status). */
  sourceChanged?(kind: string): void;
}

/**
 * How the robot looked after a refetch, for the Source to choose the next timer:
 * - `active`: the run is changing by itself (running, finishing, stop-requested);
 * - `waiting`: the run waits for someone — play, resume, a door closed (idle, paused, recovery, door open) —
 *   who may be at the Opentrons App or the touchscreen rather than in this flow;
 * - `quiet`: only a new run changes anything (the current run has ended, or no run is current);
 * - `unreachable`: the last refetch failed `failures` times in a row.
 */
export interface Settled {
  phase: 'active' | 'waiting' | 'quiet' | 'unreachable';
  failures: number;
  /** The shortest interval any subscriber asked for, in ms. */
  intervalMs: number;
}

export interface WatchSource {
  readonly kind: string;
  /**
   * Starts the source. Resolves once it can no longer miss a change (push: after SUBACK), so the
   * watcher's first GET happens after that — a change between the two is then seen either way.
   */
  start(sink: RefetchSink): Promise<void>;
  /** The run the watcher is now reading (undefined: none, looking for the current run). */
  watching(runId: string | undefined): void;
  /** This package just changed the watched robot's runs (push: a hint must follow, or push is silent). */
  ownChange?(): void;
  /** A refetch finished; schedule the next one if nothing else triggers it first. */
  settled(state: Settled): void;
  /** Releases every timer and subscription; no trigger after this. */
  stop(): void;
}

export type SourceFactory = () => WatchSource;

/** The longest wait between two reads, whatever the phase or the number of failures. */
export const MAX_DELAY_MS = 30_000;

/** Quiet watches (ended run, no current run) are read this many times less often than active ones. */
export const QUIET_FACTOR = 5;

/**
 * A waiting run is read at least this often (unless the interval is longer), however short it is: its next
 * status comes from a person, whom a flow should hear from within 3 s (the Opentrons App: 5 s).
 */
export const WAITING_READ_MS = 2_500;

/** The delay before the next read, for a Source that reads on a timer. */
export function nextDelay(state: Settled): number {
  const base = Math.max(1, state.intervalMs);
  switch (state.phase) {
    case 'active':
      return base;
    case 'waiting':
      return Math.max(base, Math.min(base * QUIET_FACTOR, WAITING_READ_MS));
    case 'quiet':
      return Math.max(base, Math.min(base * QUIET_FACTOR, MAX_DELAY_MS));
    case 'unreachable':
      // Bounded exponential backoff: interval × 2^failures, never above MAX_DELAY_MS.
      return Math.max(base, Math.min(base * 2 ** Math.min(state.failures, 16), MAX_DELAY_MS));
  }
}

/** Polling: refetch when a timer runs out; the timer's length follows the run's phase. */
export class PollingSource implements WatchSource {
  readonly kind = 'polling';
  private sink: RefetchSink | undefined;
  private timer: NodeJS.Timeout | undefined;

  start(sink: RefetchSink): Promise<void> {
    this.sink = sink;
    return Promise.resolve();
  }

  watching(_runId: string | undefined): void {
    // Polling reads whatever the watcher reads next; nothing to subscribe to.
  }

  settled(state: Settled): void {
    this.clear();
    if (!this.sink) return;
    const sink = this.sink;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      sink.trigger('poll');
    }, nextDelay(state));
  }

  stop(): void {
    this.clear();
    this.sink = undefined;
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
