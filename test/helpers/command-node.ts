// Deploys opentrons-command nodes against a simulated robot the test started itself, with a Catch
// node and a Complete node, and turns "send a msg" into a promise of what came out: the output
// msg, or the msg a Catch node received.
import type { Node, NodeMessage } from 'node-red';
import { RobotClient } from '../../nodes/lib/client';
import { SimulatedRobot, type SimulatorOptions } from '../../nodes/lib/simulator';
import { FlowNode, getNode, helper, loadFlow, NodeModule, unloadFlow } from './nodered';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js') as NodeModule;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const completeNode = require('@node-red/nodes/core/common/24-complete.js') as NodeModule;

export type AnyMsg = NodeMessage & Record<string, unknown>;
export type Outcome = { kind: 'out'; msg: AnyMsg } | { kind: 'caught'; msg: AnyMsg };

export interface CommandHarness {
  sim: SimulatedRobot;
  /** A client of our own for setting up runs and reading state back. */
  client: RobotClient;
  /** Sends msg into node `id` and resolves with the first msg out of it or out of the Catch node. */
  send(msg: Record<string, unknown>, id?: string, timeoutMs?: number): Promise<Outcome>;
  /** How many msgs nodes have completed with done() without an error (Complete node). */
  completed(): number;
  node(id?: string): Node;
  /** The text of node `id`'s last status. */
  lastStatus(id?: string): string;
  /** Stops the flow, our client and the robot; safe to call twice. */
  close(): Promise<void>;
}

export const ROBOT_ID = 'robot1';

/**
 * Starts a simulated robot and deploys `commandNodes` (each wired to an `out` helper); ids default
 * to `cmd`. Node types other than opentrons-robot/opentrons-command may be listed in `types`.
 */
export async function commandHarness(
  commandNodes: Array<Partial<FlowNode> & Record<string, unknown>>,
  simOpts: SimulatorOptions = {},
  types: string[] = ['opentrons-robot', 'opentrons-command'],
  /** More flow nodes (given a `z` of the test tab), e.g. helper nodes other nodes are wired to. */
  extraFlow: FlowNode[] = [],
): Promise<CommandHarness> {
  const sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, speed: 20, ...simOpts });
  const client = new RobotClient({ baseUrl: sim.url, apiVersion: '3', timeoutMs: 10_000 });
  const ids = commandNodes.map((n, i) => (typeof n.id === 'string' ? n.id : i === 0 ? 'cmd' : `cmd${i}`));
  // Flow nodes live on a tab (z): Node-RED takes nodes without one for config nodes.
  const tab = { z: 'flow1' };
  const flow: FlowNode[] = [
    { id: 'flow1', type: 'tab', label: 'test' },
    { id: ROBOT_ID, type: 'opentrons-robot', host: '127.0.0.1', port: sim.port, apiVersion: '3', timeout: 10, notifications: 'off' },
    ...commandNodes.map((n, i) => ({ type: 'opentrons-command', robot: ROBOT_ID, wires: [['out']], ...tab, ...n, id: ids[i] })),
    { id: 'out', type: 'helper', ...tab },
    { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']], ...tab },
    { id: 'caught', type: 'helper', ...tab },
    { id: 'complete', type: 'complete', scope: ids, wires: [['completed']], ...tab },
    { id: 'completed', type: 'helper', ...tab },
    ...extraFlow.map((n) => ({ ...tab, ...n })),
  ];
  try {
    await loadFlow(flow, { types, extraNodes: [catchNode, completeNode] });
  } catch (err) {
    await client.close();
    await sim.stop();
    throw err;
  }
  let completions = 0;
  getNode('completed').on('input', () => (completions += 1));
  const statuses = new Map<string, string>();
  for (const id of ids) {
    (getNode(id) as unknown as NodeJS.EventEmitter).on('call:status', (call: { args: Array<{ text?: string }> }) => statuses.set(id, String(call.args[0]?.text ?? '')));
  }
  let closing: Promise<void> | undefined;

  const send = (msg: Record<string, unknown>, id = ids[0], timeoutMs = 10_000): Promise<Outcome> =>
    new Promise((resolve, reject) => {
      const out = getNode('out');
      const caught = getNode('caught');
      const finish = (o: Outcome | Error): void => {
        clearTimeout(timer);
        out.removeListener('input', onOut);
        caught.removeListener('input', onCaught);
        if (o instanceof Error) reject(o);
        else resolve(o);
      };
      const onOut = (m: AnyMsg): void => finish({ kind: 'out', msg: m });
      const onCaught = (m: AnyMsg): void => finish({ kind: 'caught', msg: m });
      const timer = setTimeout(() => finish(new Error(`no msg out of ${id} within ${timeoutMs} ms`)), timeoutMs);
      out.on('input', onOut);
      caught.on('input', onCaught);
      getNode(id).receive(msg as NodeMessage);
    });

  return {
    sim,
    client,
    send,
    completed: () => completions,
    node: (id = ids[0]) => getNode(id),
    lastStatus: (id = ids[0]) => statuses.get(id) ?? '',
    close: () =>
      (closing ??= (async () => {
        await unloadFlow();
        await client.close();
        await sim.stop();
      })()),
  };
}

export function expectOut(o: Outcome): AnyMsg {
  if (o.kind !== 'out') {
    const e = o.msg.error as { message?: string } | undefined;
    throw new Error(`expected an output msg, got an error: ${e?.message ?? JSON.stringify(o.msg.error)}`);
  }
  return o.msg;
}

export function expectCaught(o: Outcome): AnyMsg & { error: { message: string; code?: string } } {
  if (o.kind !== 'caught') throw new Error(`expected an error for the Catch node, got an output msg: ${JSON.stringify(o.msg.payload).slice(0, 300)}`);
  return o.msg as AnyMsg & { error: { message: string; code?: string } };
}

/** Polls until `check` returns a value (not undefined), or fails after timeoutMs. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export { helper };
