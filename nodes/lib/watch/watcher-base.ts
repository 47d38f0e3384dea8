// What the run watcher and the hardware watcher do alike: subscribers come and go and the last one leaving
// stops the watcher; the source is started once, by the first subscriber; a stop aborts the read in flight and
// releases the source; the robot going away and coming back is told once each, to every subscriber.
import type { RobotClient } from '../client';
import { RequestAbortedError } from '../errors';
import type { RefetchReason, RefetchSink, WatchSource } from './source';

/** The events every watcher sends besides its own. */
export type ReachabilityEvent = { type: 'robot-unreachable'; error: Error } | { type: 'robot-reachable' };

export interface WatcherSubscriber<E> {
  /** Poll interval this subscriber asks for (ms); the watcher uses the shortest. */
  intervalMs: number;
  onEvent(event: E): void;
}

/** `E`, a watcher's own event union, must include ReachabilityEvent (both watchers' unions do). */
export abstract class WatcherBase<E extends { type: string }, S extends WatcherSubscriber<E>> implements RefetchSink {
  protected readonly subscribers = new Set<S>();
  protected readonly abort = new AbortController();
  protected stopped = false;
  /** Failed reads in a row. */
  protected failures = 0;
  private reachable = true;
  private started = false;

  protected constructor(
    protected readonly client: RobotClient,
    protected readonly source: WatchSource,
    private readonly onStop: () => void,
    private readonly defaultIntervalMs: number,
  ) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  get sourceKind(): string {
    return this.source.kind;
  }

  /** Adds a subscriber; a late one is told what is known (and an outage) at once. */
  subscribe(sub: S): void {
    if (this.stopped) return;
    this.subscribers.add(sub);
    this.greet(sub);
    if (!this.reachable) deliver(sub, this.asEvent({ type: 'robot-unreachable', error: new Error('robot unreachable') }));
    if (this.started) return;
    this.started = true;
    this.beforeStart();
    this.source.start(this).then(
      () => this.trigger('start'),
      // A source that cannot start (e.g. a broker that refuses) must not keep the first read from happening.
      () => this.trigger('start'),
    );
  }

  /** Removes a subscriber; the last one leaving stops the watcher. */
  unsubscribe(sub: S): void {
    this.subscribers.delete(sub);
    if (this.subscribers.size === 0) this.stop();
  }

  /** RefetchSink: read again as soon as no read is in flight. */
  abstract trigger(reason: RefetchReason): void;

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    this.source.stop();
    this.subscribers.clear();
    this.onStop();
  }

  /** Tells a subscriber that joins late the state known so far. */
  protected abstract greet(sub: S): void;

  /** Just before the source starts (once). */
  protected beforeStart(): void {
    // nothing by default
  }

  protected intervalMs(): number {
    return shortestInterval(this.subscribers, this.defaultIntervalMs);
  }

  protected emit(event: E): void {
    for (const sub of [...this.subscribers]) deliver(sub, event);
  }

  /** A read succeeded: reachable again, said before anything the read brings. */
  protected markReachable(): void {
    this.failures = 0;
    if (this.reachable) return;
    this.reachable = true;
    this.emit(this.asEvent({ type: 'robot-reachable' }));
  }

  /** A read failed: unreachable, said once; a read aborted because the robot's config node closed stops the watcher. */
  protected readFailed(err: unknown): void {
    if (this.stopped) return;
    if (err instanceof RequestAbortedError && this.client.isClosed) {
      // The robot's config node closed under us (redeploy); its nodes close next.
      this.stop();
      return;
    }
    this.failures += 1;
    if (!this.reachable) return;
    this.reachable = false;
    this.emit(this.asEvent({ type: 'robot-unreachable', error: err instanceof Error ? err : new Error(String(err)) }));
  }

  // Every E includes ReachabilityEvent (see the class comment); TypeScript cannot state that bound itself.
  private asEvent(event: ReachabilityEvent): E {
    return event as unknown as E;
  }
}

/** The payload of a `robot-unreachable` msg, the same from every node that watches. */
export function unreachablePayload(error: Error, robot: string): { robot: string; error: { message: string; code: string | undefined } } {
  const code = (error as { code?: unknown }).code;
  return { robot, error: { message: error.message, code: typeof code === 'string' ? code : undefined } };
}

/** A shared watcher polls as often as its most eager subscriber asks (each node enforces the minimum). */
function shortestInterval(subscribers: Iterable<{ intervalMs: number }>, fallbackMs: number): number {
  let min = Infinity;
  for (const s of subscribers) if (s.intervalMs > 0 && s.intervalMs < min) min = s.intervalMs;
  return Number.isFinite(min) ? min : fallbackMs;
}

/** A subscriber's failure must not break the watcher or the other subscribers. */
export function deliver<E>(sub: { onEvent(event: E): void }, event: E): void {
  try {
    sub.onEvent(event);
  } catch {
    // The subscriber (a node) reports its own errors; the watcher carries on.
  }
}
