// Fleet tests: simulated robots, an opentrons-fleet over them, and opentrons-queue nodes whose answers,
// events and errors (Node-RED's Catch node) the test reads. Protocols are JSON (schema 6) so the simulator
// analyses them for real: the pipette a job loads decides which robots fit.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimulatedRobot } from '../../nodes/lib/simulator';
import { CORE_NODES, PROTOCOLS, robotConfig, type TestMsg } from './protocol-nodes';
import { type FlowNode, getNode, helper, loadFlow } from './nodered';

export interface ProtocolOptions {
  pipette?: string;
  mount?: 'left' | 'right';
  /** Keep the protocol's waitForResume (it pauses with "Pick up tip..."-style message). */
  pause?: boolean;
  /** Keep its two modules (magnetic and temperature, both on a default simulated OT-2). */
  modules?: boolean;
  /** Makes the content (and so the protocol on the robot) distinct. */
  name?: string;
}

/** A JSON protocol (from simpleV6.json) that loads one pipette; by default p300_single_gen2 on the right. */
export function jsonProtocol(o: ProtocolOptions = {}): { filename: string; content: string } {
  const d = JSON.parse(readFileSync(join(PROTOCOLS, 'simpleV6.json'), 'utf8')) as {
    metadata: Record<string, unknown>;
    pipettes: Record<string, unknown>;
    modules: Record<string, unknown>;
    commands: Array<{ commandType: string; params: Record<string, unknown> }>;
  };
  const pipette = o.pipette ?? 'p300_single_gen2';
  d.pipettes = { pipetteId: { name: pipette } };
  for (const c of d.commands) {
    if (c.commandType === 'loadPipette') {
      c.params.pipetteName = pipette;
      c.params.mount = o.mount ?? 'right';
    }
  }
  const drop = ['delay', ...(o.pause ? [] : ['waitForResume']), ...(o.modules === false ? ['loadModule'] : [])];
  d.commands = d.commands.filter((c) => !drop.includes(c.commandType));
  if (o.modules === false) d.modules = {};
  d.metadata.protocolName = o.name ?? `fleet test ${pipette}`;
  return { filename: 'fleet.json', content: JSON.stringify(d) };
}

export interface FleetRig {
  /** The opentrons-fleet config node's id. */
  fleetId: string;
  /** Everything queue node `q` sent (answers and events), in order. */
  out: TestMsg[];
  /** Msgs a Catch node got from `q`, with msg.error. */
  caught: TestMsg[];
  /** Events of the `all` queue node `qa`. */
  all: TestMsg[];
  send(msg: TestMsg): void;
  /** Sends and resolves with the answer (same _msgid) or rejects with the caught error. */
  ask(msg: TestMsg, timeoutMs?: number): Promise<TestMsg>;
  /** Resolves with the first event (of `all`) matching. */
  event(match: (m: TestMsg) => boolean, what: string, timeoutMs?: number): Promise<TestMsg>;
  /** A full redeploy of the same flow (every node closed and started again), as the editor's Deploy does. */
  redeploy(): Promise<void>;
}

export interface FleetProps {
  policy?: string;
  start?: string;
  clearing?: string;
  lostAfter?: number;
  /** ms between reads of each robot (the fleet's default is 2500; these tests read every 1000 ms, as they were tuned) */
  interval?: number | string;
  store?: string;
  /** Every robot config named `sim` (as robotConfig() names them), instead of robot-0, robot-1… */
  sameNames?: boolean;
  /** More nodes on the tab (e.g. an opentrons-run the test feeds job events to). */
  extra?: FlowNode[];
}

let counter = 0;
let fleets = 0;

/** Robots r0…rN-1 named robot-0…, a fleet (a new id each time), queue node `q` (events `own`) and `qa` (events `all`). */
export async function deployFleet(sims: SimulatedRobot[], props: FleetProps = {}): Promise<FleetRig> {
  const z = 'tab';
  const at = { x: 100, y: 100 };
  // Without a context store configured the queue outlives a close (a redeploy) in the process: each test its own fleet.
  const fleetId = `fleet-${++fleets}`;
  const robots = sims.map((s, i) => ({ ...robotConfig(s, `r${i}`), ...(props.sameNames ? {} : { name: `robot-${i}` }) }));
  const flow: FlowNode[] = [
    { id: z, type: 'tab', label: 'fleet' },
    ...robots,
    { id: fleetId, type: 'opentrons-fleet', name: 'test fleet', robots: robots.map((r) => r.id), store: props.store ?? 'default', policy: props.policy ?? 'in-order', start: props.start ?? 'operator', clearing: props.clearing ?? 'operator', lostAfter: props.lostAfter ?? 300, interval: props.interval ?? 1000 },
    { id: 'q', z, ...at, type: 'opentrons-queue', fleet: fleetId, action: 'submit', events: 'own', wires: [['out']] },
    { id: 'qa', z, ...at, type: 'opentrons-queue', fleet: fleetId, action: 'list', events: 'all', wires: [['allout']] },
    { id: 'out', z, ...at, type: 'helper' },
    { id: 'allout', z, ...at, type: 'helper' },
    { id: 'catch', z, ...at, type: 'catch', scope: ['q', 'qa'], uncaught: false, wires: [['caught']] },
    { id: 'caught', z, ...at, type: 'helper' },
    ...(props.extra ?? []).map((n) => ({ ...at, ...n })),
  ];
  await loadFlow(flow, { extraNodes: CORE_NODES });
  const out: TestMsg[] = [];
  const caught: TestMsg[] = [];
  const all: TestMsg[] = [];
  const waiters: Array<() => void> = [];
  const poke = (): void => waiters.splice(0).forEach((w) => w());
  const listen = (): void => {
    getNode('out').on('input', (m: TestMsg) => {
      out.push(m);
      poke();
    });
    getNode('allout').on('input', (m: TestMsg) => {
      all.push(m);
      poke();
    });
    getNode('caught').on('input', (m: TestMsg) => {
      caught.push(m);
      poke();
    });
  };
  listen();
  const until = async <T>(find: () => T | undefined, what: string, timeoutMs: number): Promise<T> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  };
  const rig: FleetRig = {
    fleetId,
    out,
    caught,
    all,
    send: (msg) => getNode('q').receive(msg),
    ask: async (msg, timeoutMs = 30_000) => {
      const id = `fleet-${++counter}`;
      msg._msgid = id;
      getNode('q').receive(msg);
      const got = await until(() => out.find((m) => m._msgid === id) ?? caught.find((m) => m._msgid === id), `answer to ${String(msg.action ?? 'submit')}`, timeoutMs);
      if (got.error) {
        const e = got.error as { message: string; code?: string };
        throw Object.assign(new Error(e.message), { code: e.code });
      }
      return got;
    },
    event: (match, what, timeoutMs = 30_000) => until(() => all.find(match), what, timeoutMs),
    redeploy: async () => {
      await helper.setFlows(flow, 'full');
      listen();
    },
  };
  return rig;
}

export const topicOf = (jobId: unknown, topic: string) => (m: TestMsg): boolean => m.jobId === jobId && m.topic === topic;
