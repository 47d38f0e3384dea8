// A test rig for the reliability suite: one of our nodes deployed in node-red-node-test-helper against
// a simulated robot, with Node-RED's own Catch and Complete nodes scoped to it. Everything the node
// emits is recorded (outputs, caught errors, completions, status), so a test can count how each msg
// ended and what the robot saw.
import type { Node, NodeAPI, NodeMessage, NodeStatus } from 'node-red';
import { RobotClient } from '../../nodes/lib/client';
import { SimulatedRobot, type SimulatorOptions } from '../../nodes/lib/simulator';
import type { RequestRecord } from '../../nodes/lib/simulator/stats';
import { FlowNode, getNode, loadFlow, unloadFlow } from '../helpers/nodered';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js') as (RED: NodeAPI) => void;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const completeNode = require('@node-red/nodes/core/common/24-complete.js') as (RED: NodeAPI) => void;

export const CORE = [catchNode, completeNode];
export const OUR_TYPES = ['opentrons-robot', 'opentrons-upload', 'opentrons-run', 'opentrons-command', 'opentrons-status', 'opentrons-hardware', 'opentrons-request'];

export type Msg = Record<string, unknown>;
export type CaughtError = { message: string; code?: string; source?: { id?: string } };

/** The helper proxies Node.prototype methods and emits `call:<method>` events; the typings do not know them. */
type Spied = { on(event: string, fn: (call: { args: unknown[] }) => void): void };

export interface Rig {
  readonly sim: SimulatedRobot;
  /** A client of the test's own (setup and read-back), separate from the node's pool. */
  readonly client: RobotClient;
  readonly nodeId: string;
  /** msgs out of output 1 and output 2 */
  readonly out: Msg[];
  readonly out2: Msg[];
  /** msgs a Catch node got from the node under test */
  readonly caught: Msg[];
  /** msgs the node completed with done() and no error */
  readonly completed: Msg[];
  readonly statuses: NodeStatus[];
  node(): Node;
  send(msg: Msg): void;
  lastStatus(): string;
  /** Non-GET requests the simulator received since index `from` of its request log. */
  nonGets(from?: number): RequestRecord[];
  mark(): number;
  close(): Promise<void>;
}

export interface RigOptions {
  type: string;
  props?: Record<string, unknown>;
  /** An already running simulator (kept running on close); otherwise one is started with simOpts. */
  sim?: SimulatedRobot;
  simOpts?: SimulatorOptions;
  /** Robot request timeout, seconds (the config node's `timeout`). */
  timeoutS?: number;
  outputs?: number;
  /** Take the simulator down before deploy (robot off at deploy time). */
  downAtDeploy?: boolean;
  /** More nodes (e.g. an opentrons-fleet config over `robot`) and the package types they need. */
  extraFlow?: FlowNode[];
  extraTypes?: string[];
}

export async function deployRig(opts: RigOptions): Promise<Rig> {
  const ownSim = !opts.sim;
  const sim = opts.sim ?? (await SimulatedRobot.start({ host: '127.0.0.1', port: 0, speed: 50, analysisMs: 50, ...opts.simOpts }));
  const client = new RobotClient({ baseUrl: sim.url, apiVersion: '3', timeoutMs: 10_000 });
  if (opts.downAtDeploy) await sim.faults.down();
  const id = 'n1';
  const outputs = opts.outputs ?? 1;
  const wires = outputs === 2 ? [['out'], ['out2']] : [['out']];
  const flow: FlowNode[] = [
    { id: 'robot', type: 'opentrons-robot', host: '127.0.0.1', port: sim.port, apiVersion: '3', timeout: opts.timeoutS ?? 5, notifications: 'off' },
    { id, type: opts.type, robot: 'robot', wires, ...opts.props },
    { id: 'out', type: 'helper' },
    { id: 'out2', type: 'helper' },
    { id: 'catcher', type: 'catch', scope: [id], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
    { id: 'completer', type: 'complete', scope: [id], uncaught: false, wires: [['completed']] },
    { id: 'completed', type: 'helper' },
    ...(opts.extraFlow ?? []),
  ];
  const rec = { out: [] as Msg[], out2: [] as Msg[], caught: [] as Msg[], completed: [] as Msg[], statuses: [] as NodeStatus[] };
  try {
    await loadFlow(flow, { types: ['opentrons-robot', ...(opts.extraTypes ?? []), opts.type], extraNodes: CORE });
  } catch (err) {
    await client.close();
    if (ownSim) await sim.stop();
    throw err;
  }
  getNode('out').on('input', (m: Msg) => rec.out.push(m));
  getNode('out2').on('input', (m: Msg) => rec.out2.push(m));
  getNode('caught').on('input', (m: Msg) => rec.caught.push(m));
  getNode('completed').on('input', (m: Msg) => rec.completed.push(m));
  (getNode(id) as unknown as Spied).on('call:status', (call) => rec.statuses.push((call.args[0] ?? {}) as NodeStatus));
  let closing: Promise<void> | undefined;
  return {
    sim,
    client,
    nodeId: id,
    ...rec,
    node: () => getNode(id),
    send: (msg) => getNode(id).receive(msg as NodeMessage),
    lastStatus: () => String(rec.statuses[rec.statuses.length - 1]?.text ?? ''),
    nonGets: (from = 0) => sim.stats.requests.slice(from).filter((r) => r.method !== 'GET'),
    mark: () => sim.stats.requests.length,
    close: () =>
      (closing ??= (async () => {
        await unloadFlow();
        await client.close();
        if (ownSim) await sim.stop();
      })()),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` every 10 ms; fails with `what` (and the extra detail) after ms. */
export async function until(cond: () => boolean, ms: number, what: string, detail: () => string = () => ''): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms ${detail()}`);
    await sleep(10);
  }
}

/** The non-GET requests that reached the robot more than once (method + path): a repeated POST is a bug. */
export function repeatedNonGets(records: RequestRecord[]): string[] {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(`${r.method} ${r.path}`, (counts.get(`${r.method} ${r.path}`) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`);
}

export function errorOf(m: Msg): CaughtError {
  return (m.error ?? {}) as CaughtError;
}
