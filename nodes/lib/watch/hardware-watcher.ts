// HardwareWatcher: reads one hardware resource of one robot (door, E-stop, modules, instruments, lights,
// deck configuration) on a timer and tells its subscribers what changed. Shared through the registry,
// so every node watching the same robot and resource costs the robot one set of requests.
import type { RobotClient } from '../client';
import type { AttachedModule } from '../types';
import { join, newSource, sharedWatcher } from './registry';
import { WatcherBase, deliver, type ReachabilityEvent, type WatcherSubscriber } from './watcher-base';
import { type RefetchReason, type SourceFactory, type WatchSource } from './source';

export type HardwareResource = 'door' | 'estop' | 'modules' | 'instruments' | 'lights' | 'deck-configuration';

/** What a module msg reports: its state changed (status, target, latch, magnets…), or only its temperature/speed moved. */
export type ModuleChange = 'state' | 'temperature' | 'attached' | 'detached';

export type HardwareEvent =
  /** The resource's value changed (first read: previous is null). */
  | { type: 'change'; resource: Exclude<HardwareResource, 'modules'>; current: unknown; previous: unknown }
  /** One module changed; `previous` null on the first read or when attached, `current` null when detached. */
  | { type: 'module'; change: ModuleChange; current: AttachedModule | null; previous: AttachedModule | null }
  | ReachabilityEvent;

export type HardwareSubscriber = WatcherSubscriber<HardwareEvent>;

/** Keys of a module's `data` whose change is a state change worth a msg; the rest (readings) only on request. */
const MODULE_STATE_KEYS = [
  'status', 'temperatureStatus', 'speedStatus', 'labwareLatchStatus', 'engaged', 'height',
  'targetTemperature', 'targetSpeed', 'lidStatus', 'lidTargetTemperature', 'lidTemperatureStatus', 'holdTime',
];

export class HardwareWatcher extends WatcherBase<HardwareEvent, HardwareSubscriber> {
  private last: unknown;
  private known = false;
  private reading = false;
  private pending = false;

  constructor(
    client: RobotClient,
    readonly resource: HardwareResource,
    source: WatchSource,
    onStop: () => void = () => undefined,
  ) {
    super(client, source, onStop, DEFAULT_HARDWARE_INTERVAL_MS);
  }

  trigger(_reason: RefetchReason): void {
    if (this.stopped) return;
    this.pending = true;
    this.pump();
  }

  sourceChanged(): void {
    // The node status does not show how hardware is watched; nothing to tell.
  }

  protected greet(sub: HardwareSubscriber): void {
    if (this.known) for (const e of this.initialEvents(this.last)) deliver(sub, e);
  }

  private pump(): void {
    if (this.reading || this.stopped || !this.pending) return;
    this.pending = false;
    this.reading = true;
    this.read()
      .then((value) => this.apply(value), (err: unknown) => this.readFailed(err))
      .finally(() => {
        this.reading = false;
        if (this.stopped) return;
        if (this.pending) this.pump();
        // Hardware changes at any time: every read is spaced by the interval (phase active), backing off when unreachable.
        else this.source.settled({ phase: this.failures > 0 ? 'unreachable' : 'active', failures: this.failures, intervalMs: this.intervalMs() });
      });
  }

  private read(): Promise<unknown> {
    return readResource(this.client, this.resource, { signal: this.abort.signal });
  }

  private apply(value: unknown): void {
    if (this.stopped) return;
    this.markReachable();
    const previous = this.known ? this.last : undefined;
    this.last = value;
    const first = !this.known;
    this.known = true;
    if (first) {
      for (const e of this.initialEvents(value)) this.emit(e);
      return;
    }
    if (this.resource === 'modules') {
      for (const e of moduleEvents(previous as AttachedModule[], value as AttachedModule[])) this.emit(e);
    } else if (!sameValue(previous, value, this.resource)) {
      this.emit({ type: 'change', resource: this.resource, current: value, previous });
    }
  }

  /** The state as first-read events: one per module, or the resource's value, with previous null. */
  private initialEvents(value: unknown): HardwareEvent[] {
    if (this.resource === 'modules') {
      return (value as AttachedModule[]).map((m) => ({ type: 'module', change: 'state', current: m, previous: null }));
    }
    return [{ type: 'change', resource: this.resource, current: value, previous: null }];
  }
}

export const DEFAULT_HARDWARE_INTERVAL_MS = 2000;

/** The one request that reads a hardware resource (the watcher's and the hardware node's). */
export function readResource(client: RobotClient, resource: HardwareResource, opts: { signal?: AbortSignal }): Promise<unknown> {
  switch (resource) {
    case 'door':
      return client.getDoorStatus(opts);
    case 'estop':
      return client.getEstopStatus(opts);
    case 'modules':
      return client.getModules(opts);
    case 'instruments':
      return client.getInstruments(opts);
    case 'lights':
      return client.getLights(opts);
    case 'deck-configuration':
      return client.getDeckConfiguration(opts);
  }
}

/** Per module: attached, detached, a state change, or only a reading (temperature, speed) that moved. */
function moduleEvents(before: AttachedModule[], after: AttachedModule[]): HardwareEvent[] {
  const events: HardwareEvent[] = [];
  const old = new Map(before.map((m) => [m.id, m]));
  for (const m of after) {
    const prev = old.get(m.id);
    old.delete(m.id);
    if (!prev) {
      events.push({ type: 'module', change: 'attached', current: m, previous: null });
      continue;
    }
    const changedState = MODULE_STATE_KEYS.some((k) => JSON.stringify(prev.data?.[k]) !== JSON.stringify(m.data?.[k]));
    if (changedState) events.push({ type: 'module', change: 'state', current: m, previous: prev });
    else if (JSON.stringify(prev.data) !== JSON.stringify(m.data)) events.push({ type: 'module', change: 'temperature', current: m, previous: prev });
  }
  for (const gone of old.values()) events.push({ type: 'module', change: 'detached', current: null, previous: gone });
  return events;
}

/** Equal for a watcher's purpose: the deck configuration's `lastModifiedAt` alone is not a change of fixtures. */
function sameValue(a: unknown, b: unknown, resource: HardwareResource): boolean {
  if (resource === 'deck-configuration') {
    const fixtures = (v: unknown): string => JSON.stringify((v as { cutoutFixtures?: unknown } | undefined)?.cutoutFixtures);
    return fixtures(a) === fixtures(b);
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

export interface HardwareSubscription {
  readonly watcher: HardwareWatcher;
  release(): void;
}

/** Watches `resource` on `client`, sharing the one watcher of that robot and resource. */
export function watchHardware(client: RobotClient, resource: HardwareResource, subscriber: HardwareSubscriber, source?: SourceFactory): HardwareSubscription {
  const watcher = sharedWatcher(client, `hardware:${resource}`, (onStop) => new HardwareWatcher(client, resource, newSource(source), onStop));
  return { watcher, release: join(watcher, subscriber).release };
}
