// opentrons-hardware: the robot itself in a flow — health, instruments, modules (with live data), lights,
// door, E-stop, deck configuration, calibration — read on a msg, or watched: one msg per change. Watching
// is shared: every hardware node on the same robot and resource uses one HardwareWatcher.
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import type { RobotClient } from './lib/client';
import { InputError, RobotError, shortReason } from './lib/errors';
import {
  FLEX_ONLY_ACTIONS,
  WATCHABLE,
  isSlotName,
  matchModules,
  moduleSlots,
  parseAction,
  parseDeckConfiguration,
  parseSelector,
  selectModule,
  type HardwareAction,
  type ModuleSlots,
} from './lib/hardware-input';
import { own, pick, robotOf, showSimulated, type Msg, type RobotConfigNode, type Send } from './lib/node-support';
import { NodeWork } from './lib/node-work';
import { MIN_POLL_INTERVAL_MS } from './lib/poll';
import type { AttachedModule } from './lib/types';
import {
  DEFAULT_HARDWARE_INTERVAL_MS,
  TopicHintSource,
  readResource,
  unreachablePayload,
  watchHardware,
  type HardwareEvent,
  type HardwareResource,
  type HardwareSubscription,
  type ModuleChange,
  type SourceFactory,
} from './lib/watch';

interface HardwareDef extends NodeDef {
  robot?: string;
  action?: string;
  module?: string;
  watch?: boolean;
  interval?: string | number;
  /** Watching modules: also a msg whenever a temperature or speed reading moves (for charts). */
  readings?: boolean;
}

const DECK_CONFIGURATION_TOPIC = 'robot-server/deck_configuration';

export = function register(RED: NodeAPI): void {
  function OpentronsHardwareNode(this: Node, def: HardwareDef): void {
    RED.nodes.createNode(this, def);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the handlers below run outside this call
    const node = this;
    const work = new NodeWork();
    showSimulated(RED, node, def.robot);
    const editorAction = def.action || 'health';
    const editorModule = (def.module ?? '').trim();

    const handle = async (msg: Msg, send: Send): Promise<void> => {
      // Everything the msg asks is checked before the first request.
      const action = parseAction(pick(msg, 'action', editorAction));
      // a module selector only means something to `modules` (the editor keeps a hidden one)
      const selector = action === 'modules' ? parseSelector(pick(msg, 'module', editorModule)) : undefined;
      const fixtures = action === 'set-deck-configuration' ? parseDeckConfiguration(own(msg, 'payload')) : undefined;
      const robot = robotOf(RED, def.robot);
      const client = await robot.ready();
      const opts = { signal: work.signal };
      if (FLEX_ONLY_ACTIONS.includes(action)) await requireFlex(client, action);
      node.status({ fill: 'blue', shape: 'dot', text: `${action}…` });
      delete msg.action;
      try {
        msg.payload = await read(client, action, msg, fixtures, opts);
      } catch (err) {
        if (err instanceof RobotError && err.errors.length > 0 && err.errorId === 'InvalidDeckConfiguration') {
          msg.robotErrors = err.errors;
          err.message = `${err.message}; problems: ${err.errors.map(deckProblem).join('; ')}`;
        }
        throw err;
      }
      let chosen: AttachedModule | undefined;
      if (action === 'modules' && selector !== undefined) {
        // a slot is known to a Flex's deck configuration (an OT-2 records none), read only when a slot is asked for
        const deck = isSlotName(selector) ? await deckSlots(client, opts) : undefined;
        chosen = selectModule(msg.payload as AttachedModule[], selector, deck);
        msg.moduleId = chosen.id;
        // msg.module (the selector) stays, so a later hardware node on the wire reads the same module back
        msg.selectedModule = chosen;
      }
      node.status({ fill: 'green', shape: 'dot', text: summary(action, msg.payload, chosen) });
      send(msg);
    };

    work.serve(node, handle);

    if (def.watch === true) startWatching(RED, node, work, def, editorAction, editorModule);
  }

  RED.nodes.registerType('opentrons-hardware', OpentronsHardwareNode);
};

/** One action's request(s); `msg.pipettes` carries what an OT-2's GET /pipettes adds to /instruments. */
async function read(client: RobotClient, action: HardwareAction, msg: Msg, fixtures: ReturnType<typeof parseDeckConfiguration> | undefined, opts: { signal: AbortSignal }): Promise<unknown> {
  switch (action) {
    case 'health':
      return client.health(opts);
    case 'instruments': {
      const instruments = await readResource(client, 'instruments', opts);
      if ((await client.robotModel()) === 'OT-2') msg.pipettes = await client.getPipettes(opts);
      return instruments;
    }
    case 'set-deck-configuration':
      return client.setDeckConfiguration(fixtures ?? [], opts);
    case 'calibration':
      return client.getCalibrationStatus(opts);
    default:
      // the watchable resources: read as the watcher reads them
      return readResource(client, action, opts);
  }
}

/** A Flex's module slots from its deck configuration; undefined for an OT-2, which records none. */
async function deckSlots(client: RobotClient, opts: { signal: AbortSignal }): Promise<ModuleSlots | undefined> {
  if ((await client.robotModel()) !== 'Flex') return undefined;
  return moduleSlots((await client.getDeckConfiguration(opts)).cutoutFixtures);
}

async function requireFlex(client: RobotClient, action: HardwareAction): Promise<void> {
  if ((await client.robotModel()) === 'Flex') return;
  const what = action === 'estop' ? 'an E-stop' : 'a deck configuration';
  throw new InputError(`action "${action}" needs a Flex: this robot is an OT-2, which has no ${what}; nothing was sent`);
}

function deckProblem(e: { meta?: Record<string, unknown> }): string {
  const m = e.meta ?? {};
  const fixtures = m.cutout_fixture_ids ?? m.cutout_fixture_id;
  const allowed = Array.isArray(m.allowed_cutout_ids) ? ` (allowed in ${m.allowed_cutout_ids.join(', ')})` : '';
  return [m.deckConfigurationProblem, m.cutout_id, Array.isArray(fixtures) ? fixtures.join(' + ') : fixtures].filter(Boolean).join(' ') + allowed;
}

/** Short node status text for an answer. */
function summary(action: HardwareAction, payload: unknown, module: AttachedModule | undefined): string {
  const p = payload as Record<string, unknown> | unknown[];
  if (module) return `${module.moduleModel}: ${String(module.data?.status ?? '')}`.slice(0, 40);
  switch (action) {
    case 'health':
      return `${String((p as Record<string, unknown>).name)} ${String((p as Record<string, unknown>).api_version)}`.slice(0, 40);
    case 'instruments':
    case 'modules':
      return `${(p as unknown[]).length} ${action}`;
    case 'lights':
      return `lights ${(p as Record<string, unknown>).on ? 'on' : 'off'}`;
    case 'door':
    case 'estop':
      return `${action} ${String((p as Record<string, unknown>).status)}`;
    default:
      return action;
  }
}

/**
 * Watch mode: from deploy until close, one msg per change of the action's resource (output msgs are new,
 * not copies of an input). Errors in the settings show in the node status and the log.
 */
function startWatching(RED: NodeAPI, node: Node, work: NodeWork, def: HardwareDef, editorAction: string, editorModule: string): void {
  let subscription: HardwareSubscription | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  // work (its abort signal) is closed by work.serve's own close handler
  node.on('close', () => {
    clearTimeout(retry);
    subscription?.release();
    subscription = undefined;
  });
  const refuse = (text: string): void => {
    node.status({ fill: 'red', shape: 'ring', text: text.slice(0, 40) });
    node.error(`watch: ${text}`);
  };
  const intervalMs = def.interval === undefined || def.interval === '' ? DEFAULT_HARDWARE_INTERVAL_MS : Number(def.interval);
  if (!Number.isFinite(intervalMs) || intervalMs < MIN_POLL_INTERVAL_MS) {
    refuse(`interval "${String(def.interval)}" must be at least ${MIN_POLL_INTERVAL_MS} ms`);
    return;
  }
  const action = editorAction as HardwareAction;
  const resource: HardwareResource | undefined = WATCHABLE[action];
  if (!resource) {
    refuse(`action "${editorAction}" cannot be watched: choose door, estop, modules, instruments, lights or deck-configuration`);
    return;
  }
  let selector: string | undefined;
  let robot: RobotConfigNode;
  try {
    selector = resource === 'modules' ? parseSelector(editorModule) : undefined;
    robot = robotOf(RED, def.robot);
  } catch (err) {
    refuse(err instanceof Error ? err.message : String(err));
    return;
  }
  const begin = async (): Promise<void> => {
    const client = await robot.ready();
    // E-stop, deck configuration and slots need the robot's model: asked once the robot answers
    if (FLEX_ONLY_ACTIONS.includes(action)) await requireFlex(client, action);
    const accepts = await moduleFilter(client, selector, intervalMs, { signal: work.signal });
    if (work.closed) return;
    const notifications = robot.pushNotifications;
    const source: SourceFactory | undefined =
      resource === 'deck-configuration' && notifications ? () => new TopicHintSource(notifications, DECK_CONFIGURATION_TOPIC) : undefined;
    node.status({ fill: 'grey', shape: 'ring', text: `watching ${resource}…` });
    const ctx: WatchContext = { resource, accepts, queue: Promise.resolve(), closed: () => work.closed, readings: def.readings === true, robot: robot.robotLabel };
    subscription = watchHardware(client, resource, { intervalMs, onEvent: (e) => onEvent(node, e, ctx) }, source);
  };
  let failures = 0;
  const attempt = (): void => {
    begin().catch((err: unknown) => {
      if (work.closed) return;
      // a setting that cannot work is said once; a robot that does not answer yet is asked again
      if (err instanceof InputError) return refuse(err.message);
      if (failures++ === 0) node.warn(`watch: cannot start yet, asking the robot again: ${err instanceof Error ? err.message : String(err)}`);
      node.status({ fill: 'yellow', shape: 'ring', text: `${shortReason(err)} — retrying`.slice(0, 40) });
      retry = setTimeout(attempt, Math.min(intervalMs, START_RETRY_MS));
    });
  };
  attempt();
}

/** How soon a watch that needs the robot's model asks again when the robot did not answer at deploy. */
const START_RETRY_MS = 5000;

/** Whether a watched module is the one the selector names (by slot: as the robot's deck configuration says now). */
type ModuleFilter = (m: AttachedModule, change: ModuleChange) => boolean | Promise<boolean>;

async function moduleFilter(client: RobotClient, selector: string | undefined, intervalMs: number, opts: { signal: AbortSignal }): Promise<ModuleFilter> {
  if (selector === undefined) return () => true;
  if (!isSlotName(selector)) return (m) => matchModules([m], selector).length > 0;
  if ((await client.robotModel()) !== 'Flex') {
    throw new InputError(`an OT-2 reports no module slot: choose a model, type or serial number as the module, not slot "${selector}"`);
  }
  // the deck configuration changes rarely: read when a module changes, at most once per watch interval, and
  // always when one is plugged in (the Flex records its slot as it is set up)
  let deck: { slots: ModuleSlots; at: number } | undefined;
  return async (m, change) => {
    if (!deck || change === 'attached' || Date.now() - deck.at >= intervalMs) deck = { slots: await deckSlots(client, opts) ?? new Map(), at: Date.now() };
    return matchModules([m], selector, deck.slots).length > 0;
  };
}

interface WatchContext {
  resource: HardwareResource;
  accepts: ModuleFilter;
  /** module msgs in the order their events came */
  queue: Promise<void>;
  closed: () => boolean;
  readings: boolean;
  robot: string;
}

function onEvent(node: Node, e: HardwareEvent, ctx: WatchContext): void {
  switch (e.type) {
    case 'change': {
      const current = e.current as Record<string, unknown>;
      node.send({ topic: e.resource, payload: { what: e.resource, current: e.current, previous: e.previous, robot: ctx.robot } } as NodeMessage);
      node.status({ fill: 'green', shape: 'dot', text: summary(e.resource as HardwareAction, current, undefined) });
      return;
    }
    case 'module': {
      if (e.change === 'temperature' && !ctx.readings) return;
      const m = e.current ?? e.previous;
      if (!m) return;
      // module msgs keep their order even while a slot selector reads the deck configuration
      ctx.queue = ctx.queue.then(async () => {
        if (ctx.closed() || !(await ctx.accepts(m, e.change)) || ctx.closed()) return;
        sendModule(node, e, m, ctx.robot);
      }).catch((err: unknown) => {
        if (ctx.closed()) return;
        node.status({ fill: 'yellow', shape: 'ring', text: 'deck configuration unreadable' });
        node.warn(`watch: could not read which slot the module is in: ${err instanceof Error ? err.message : String(err)}`);
      });
      return;
    }
    case 'robot-unreachable':
      node.status({ fill: 'yellow', shape: 'ring', text: 'robot unreachable — retrying' });
      node.send({ topic: 'robot-unreachable', payload: unreachablePayload(e.error, ctx.robot) } as NodeMessage);
      return;
    case 'robot-reachable':
      node.status({ fill: 'grey', shape: 'ring', text: 'robot reachable' });
      node.send({ topic: 'robot-reachable', payload: { robot: ctx.robot } } as NodeMessage);
      return;
  }
}

function sendModule(node: Node, e: Extract<HardwareEvent, { type: 'module' }>, m: AttachedModule, robot: string): void {
  node.send({
    topic: 'module',
    moduleId: m.id,
    payload: { what: 'module', change: e.change, current: e.current, previous: e.previous, robot },
  } as NodeMessage);
  node.status({ fill: 'green', shape: 'dot', text: `${m.moduleModel}: ${e.current ? String(e.current.data?.status ?? '') : 'detached'}`.slice(0, 40) });
}
