// One RunWatcher per (robot client, run | current run), shared by every node that watches the same
// thing, so the robot gets one set of requests however many nodes and flows look at it. Keyed by the
// RobotClient in a WeakMap: the config node needs no change, and a replaced client takes its map with it.
import type { RobotClient } from '../client';
import { RunWatcher, Subscriber } from './run-watcher';
import { PollingSource, type SourceFactory, type WatchSource } from './source';

export interface Subscription {
  /** The watcher this subscription shares (for diagnostics and tests). */
  readonly watcher: RunWatcher;
  /** Read the robot again now (coalesced with any read in flight). */
  refresh(): void;
  /** Leave; the last subscriber leaving stops the watcher. Idempotent. */
  release(): void;
}

export interface WatchOptions {
  /** How the new watcher learns when to read; polling unless given (push notifications plug in here). */
  source?: SourceFactory;
}

/** What the registry needs of a watcher: whether it still runs. Run and hardware watchers both qualify. */
export interface SharedWatcher {
  readonly isStopped: boolean;
}

const byClient = new WeakMap<RobotClient, Map<string, SharedWatcher>>();
/** Every watcher not yet stopped; only for `liveWatchers()` (a WeakMap cannot be counted). */
const live = new Set<SharedWatcher>();

function keyOf(runId: string | undefined): string {
  return runId === undefined ? 'current' : `run:${runId}`;
}

/**
 * The one running watcher of `client` under `key`, created with `create` when there is none. `create` gets the
 * callback the watcher calls when it stops, which takes it out of the registry. Keys must not collide across
 * watcher kinds (run watchers use `current` and `run:<id>`).
 */
export function sharedWatcher<W extends SharedWatcher>(client: RobotClient, key: string, create: (onStop: () => void) => W): W {
  let map = byClient.get(client);
  if (!map) {
    map = new Map();
    byClient.set(client, map);
  }
  const existing = map.get(key);
  if (existing && !existing.isStopped) return existing as W;
  const owner = map;
  const created: W = create(() => {
    if (owner.get(key) === created) owner.delete(key);
    live.delete(created);
  });
  map.set(key, created);
  live.add(created);
  return created;
}

/** Watches `runId` (undefined: the robot's current run) on `client`, sharing a watcher where one exists. */
export function watchRun(client: RobotClient, runId: string | undefined, subscriber: Subscriber, opts: WatchOptions = {}): Subscription {
  const shared = sharedWatcher(client, keyOf(runId), (onStop) => new RunWatcher(client, runId, newSource(opts.source), onStop));
  const membership = join(shared, subscriber);
  return {
    watcher: shared,
    refresh: () => {
      if (!membership.released()) shared.trigger('input');
    },
    release: membership.release,
  };
}

/** A new watcher's source: the one given (push), or polling. */
export function newSource(factory: SourceFactory | undefined): WatchSource {
  return factory ? factory() : new PollingSource();
}

/** Subscribes to a shared watcher; `release` leaves it once, however often it is called. */
export function join<S>(watcher: { subscribe(sub: S): void; unsubscribe(sub: S): void }, subscriber: S): { release: () => void; released: () => boolean } {
  let released = false;
  watcher.subscribe(subscriber);
  return {
    released: () => released,
    release: () => {
      if (released) return;
      released = true;
      watcher.unsubscribe(subscriber);
    },
  };
}

/**
 * Tells the watchers of `client` that this package itself just changed run `runId` (created, played,
 * paused, stopped, dismissed, deleted it): they read at once instead of at their next (slower, when
 * idle or paused) poll, and a push source that hears no hint for it learns that push is silent.
 * Changes made elsewhere still arrive by polling or push.
 */
export function runChanged(client: RobotClient, runId: string | undefined): void {
  const map = byClient.get(client);
  if (!map) return;
  for (const key of ['current', ...(runId ? [keyOf(runId)] : [])]) {
    const watcher = map.get(key);
    if (watcher instanceof RunWatcher && !watcher.isStopped) watcher.ownChange();
  }
}

/** How many watchers are running, over every robot (0 once every status node has closed). */
export function liveWatchers(): number {
  return live.size;
}
