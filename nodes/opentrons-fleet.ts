// opentrons-fleet: a set of robots that share one run queue. Owns the queue (kept in a context store) and
// the dispatch to its robots; opentrons-queue nodes submit to it and send its job events.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { POLICIES, type Policy } from './lib/fleet/dispatcher';
import { Fleet } from './lib/fleet/fleet';
import type { FleetConfigNode } from './lib/fleet/config-node';
import { QueueStore, processContext, type ContextLike } from './lib/fleet/queue-store';
import type { RobotConfigNode } from './lib/node-support';
import { secondsSettingMs } from './lib/node-support';
import { DEFAULT_INTERVAL_MS } from './lib/watch';

interface FleetDef extends NodeDef {
  robots?: unknown;
  store?: string;
  policy?: string;
  start?: string;
  clearing?: string;
  /** Seconds a running job's robot may stay unreachable before the job is `lost`. */
  lostAfter?: string | number;
  /** ms between reads of each robot's run (the shared run watcher's interval): what a fleet costs each robot. */
  interval?: string | number;
}

type FleetNode = Node & { -readonly [K in keyof Omit<FleetConfigNode, keyof Node>]: FleetConfigNode[K] };

const DEFAULT_LOST_AFTER_S = 300;
/** The shortest watch interval, as for opentrons-hardware: below it a fleet of robots would be polled hard. */
const MIN_INTERVAL_MS = 500;
const ANALYSIS_TIMEOUT_MS = 120_000;

interface StoreSetting {
  module?: unknown;
}

export = function register(RED: NodeAPI): void {
  function OpentronsFleetNode(this: FleetNode, def: FleetDef): void {
    RED.nodes.createNode(this, def);
    this.fleet = undefined;
    this.configError = undefined;
    const ids = Array.isArray(def.robots) ? def.robots.filter((r): r is string => typeof r === 'string' && r !== '') : [];
    const stores = contextStores(RED);
    const storeName = typeof def.store === 'string' && def.store !== '' && def.store !== 'default' ? def.store : undefined;
    this.storeName = storeName ?? 'default';
    this.persistent = isPersistent(stores, storeName);

    // Node-RED orders config nodes only by their string references, not by ids in a list: look the robots up
    // once the whole flow is built.
    const robots = (): Array<{ id: string; config: RobotConfigNode }> => {
      const found: Array<{ id: string; config: RobotConfigNode }> = [];
      for (const id of ids) {
        const config = RED.nodes.getNode(id) as RobotConfigNode | null;
        if (config && typeof config.ready === 'function') found.push({ id, config });
        else this.warn(`fleet: robot config ${id} not found; it is left out`);
      }
      return found;
    };
    const interval = def.interval === undefined || def.interval === '' ? DEFAULT_INTERVAL_MS : Number(def.interval);
    if (ids.length === 0) this.configError = 'the fleet has no robots: add opentrons-robot configs to its list';
    else if (storeName && stores && !Object.prototype.hasOwnProperty.call(stores, storeName)) {
      this.configError = `context store "${storeName}" is not set up in settings.js (contextStorage): choose one of ${['default', ...Object.keys(stores)].join(', ')}`;
    }
    else if (!Number.isInteger(interval) || interval < MIN_INTERVAL_MS) {
      this.configError = `interval must be whole milliseconds, at least ${MIN_INTERVAL_MS} (got ${JSON.stringify(def.interval)}); the default ${DEFAULT_INTERVAL_MS} reads each robot as often as the Opentrons App does`;
    }
    if (this.configError) {
      this.error(`fleet: ${this.configError}`);
      return;
    }
    if (!this.persistent) this.log(`fleet queue kept in memory (store "${this.storeName}"): it is lost when Node-RED restarts`);

    // No context store configured: Node-RED drops node context at each close, so the queue is kept by the process.
    const processStore = stores ? undefined : processContext(this.id);
    const fleet = new Fleet({
      robots,
      store: new QueueStore(processStore ?? (this.context() as unknown as ContextLike), storeName),
      policy: (POLICIES as readonly string[]).includes(def.policy ?? '') ? (def.policy as Policy) : 'in-order',
      start: def.start === 'auto' ? 'auto' : 'operator',
      clearing: def.clearing === 'auto' ? 'auto' : 'operator',
      lostAfterMs: secondsSettingMs(def.lostAfter, DEFAULT_LOST_AFTER_S),
      watchIntervalMs: interval,
      analysisTimeoutMs: ANALYSIS_TIMEOUT_MS,
      log: { warn: (t) => this.warn(t), log: (t) => this.log(t) },
    });
    this.fleet = fleet;

    this.on('close', (removed: boolean, done: () => void) => {
      if (removed) processStore?.forget();
      fleet.close().then(
        () => done(),
        () => done(),
      );
    });
  }

  RED.nodes.registerType('opentrons-fleet', OpentronsFleetNode);
};

/** settings.js contextStorage, or undefined when none is set (only the memory store exists). */
function contextStores(RED: NodeAPI): Record<string, StoreSetting> | undefined {
  try {
    const value = (RED.settings as unknown as { get(key: string): unknown }).get('contextStorage');
    return typeof value === 'object' && value !== null ? (value as Record<string, StoreSetting>) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the store named (undefined: the default one) keeps data across restarts. */
function isPersistent(stores: Record<string, StoreSetting> | undefined, name: string | undefined): boolean {
  if (!stores) return false;
  let entry: StoreSetting | string | undefined = stores[name ?? 'default'];
  // "default" may name another store, or be absent (then the first one listed is the default).
  if (typeof entry === 'string') entry = stores[entry];
  if (entry === undefined && name === undefined) entry = Object.values(stores)[0];
  const module = typeof entry === 'object' && entry !== null ? entry.module : undefined;
  return module !== undefined && module !== 'memory';
}
