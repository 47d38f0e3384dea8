// Flows for the opentrons-upload / opentrons-run tests: a simulated robot, the node under test, and
// Node-RED's own Catch and Complete nodes scoped to it, so every msg is seen to end exactly once
// (done() → Complete, done(err) → Catch) the way a user's flow would see it.
import type { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Node, NodeAPI } from 'node-red';
import { SimulatedRobot } from '../../nodes/lib/simulator';
import { FlowNode, PACKAGE_ROOT, getNode, helper, loadFlow, unloadFlow } from './nodered';

export const PROTOCOLS = join(PACKAGE_ROOT, 'test', 'fixtures', 'protocols');

export function protocolFile(name: string): Buffer {
  return readFileSync(join(PROTOCOLS, name));
}

/** Message as the tests read it. */
export type TestMsg = { _msgid?: string; [key: string]: unknown };

// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js') as (RED: NodeAPI) => void;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const completeNode = require('@node-red/nodes/core/common/24-complete.js') as (RED: NodeAPI) => void;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const injectNode = require('@node-red/nodes/core/common/20-inject.js') as (RED: NodeAPI) => void;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const commentNode = require('@node-red/nodes/core/common/90-comment.js') as (RED: NodeAPI) => void;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const debugNode = require('@node-red/nodes/core/common/21-debug.js') as (RED: NodeAPI) => void;

export const CORE_NODES = [catchNode, completeNode, injectNode, commentNode, debugNode];

/** A simulated robot on 127.0.0.1:<ephemeral>; `commandMs` (at speed 1) sets how long a run stays running. */
export async function startRobot(model: 'OT-2' | 'Flex' = 'OT-2', speed = 50, commandMs = 200): Promise<SimulatedRobot> {
  return SimulatedRobot.start({ host: '127.0.0.1', port: 0, model, speed, analysisMs: 100, commandMs });
}

export function robotConfig(robot: SimulatedRobot, id = 'robot'): FlowNode {
  return { id, type: 'opentrons-robot', name: 'sim', host: '127.0.0.1', port: robot.port, apiVersion: '3', timeout: 5, notifications: 'off' };
}

/**
 * Requests the robot got other than the config node's own API-version check (GET /health at deploy):
 * what a node under test sent.
 */
export function robotRequests(robot: SimulatedRobot): number {
  return robot.stats.requests.filter((r) => r.path !== '/health').length;
}

export type Outcome = { ok: true; msg: TestMsg } | { ok: false; msg: TestMsg; error: { message: string; code?: string } };

/**
 * One node of `type` with `props`, wired to `out`, with a Catch and a Complete node watching it.
 * `send` delivers a msg and resolves with how it ended, and checks the msg ended exactly once.
 */
export class NodeUnderTest {
  private constructor(readonly id: string) {}

  static async deploy(robot: SimulatedRobot, type: string, props: Record<string, unknown>, extra: FlowNode[] = []): Promise<NodeUnderTest> {
    const id = 'n1';
    // Flow nodes need a tab and a position, or Node-RED takes them for config nodes.
    const z = 'tab';
    const at = { z, x: 100, y: 100 };
    const flow: FlowNode[] = [
      { id: z, type: 'tab', label: 'test' },
      robotConfig(robot),
      { id, ...at, type, robot: 'robot', wires: [['out']], ...props },
      { id: 'out', ...at, type: 'helper' },
      { id: 'catch', ...at, type: 'catch', scope: [id], uncaught: false, wires: [['caught']] },
      { id: 'caught', ...at, type: 'helper' },
      { id: 'complete', ...at, type: 'complete', scope: [id], uncaught: false, wires: [['completed']] },
      { id: 'completed', ...at, type: 'helper' },
      ...extra.map((n) => ({ ...at, ...n })),
    ];
    await loadFlow(flow, { types: ['opentrons-robot', 'opentrons-upload', 'opentrons-run', 'opentrons-deck'], extraNodes: CORE_NODES });
    return new NodeUnderTest(id);
  }

  get node(): Node {
    return getNode(this.id);
  }

  /** Calls fn with the arguments of every node.status / send / error call (the helper spies on them). */
  spy(method: 'status' | 'send' | 'error', fn: (args: unknown[]) => void): void {
    (this.node as unknown as EventEmitter).on(`call:${method}`, (call: { args: unknown[] }) => fn(call.args));
  }

  /** Status texts the node has shown, in order, from now on. */
  statusTexts(): string[] {
    const texts: string[] = [];
    this.spy('status', (args) => texts.push(String((args[0] as { text?: unknown } | undefined)?.text ?? '')));
    return texts;
  }

  /** Sends msg and resolves with its outcome; rejects if it ends twice, or not within timeoutMs. */
  send(msg: TestMsg, timeoutMs = 8000): Promise<Outcome> {
    const out = getNode('out');
    const caught = getNode('caught');
    const completed = getNode('completed');
    return new Promise((resolve, reject) => {
      let outcome: Outcome | undefined;
      let sent: TestMsg | undefined;
      let ends = 0;
      const finish = (): void => {
        cleanup();
        if (ends !== 1) return reject(new Error(`msg ended ${ends} times (done() must be called exactly once)`));
        if (!outcome) return reject(new Error('msg ended without output or error'));
        resolve(outcome);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no outcome within ${timeoutMs} ms`));
      }, timeoutMs);
      // A second done() would come right after the first: wait a moment before judging.
      let settle: NodeJS.Timeout | undefined;
      const ended = (): void => {
        ends += 1;
        if (settle) clearTimeout(settle);
        settle = setTimeout(finish, 30);
      };
      const onOut = (m: TestMsg): void => {
        sent = m;
      };
      const onCompleted = (m: TestMsg): void => {
        outcome = { ok: true, msg: sent ?? m };
        ended();
      };
      const onCaught = (m: TestMsg): void => {
        const error = m.error as { message: string; code?: string };
        outcome = { ok: false, msg: m, error };
        ended();
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        if (settle) clearTimeout(settle);
        out.removeListener('input', onOut);
        completed.removeListener('input', onCompleted);
        caught.removeListener('input', onCaught);
      };
      out.on('input', onOut);
      completed.on('input', onCompleted);
      caught.on('input', onCaught);
      this.node.receive(msg);
    });
  }

  /** Like send, but the msg must succeed; returns the output msg. */
  async ok(msg: TestMsg, timeoutMs?: number): Promise<TestMsg> {
    const r = await this.send(msg, timeoutMs);
    if (!r.ok) throw new Error(`expected success, got error: ${r.error.message} (code ${String(r.error.code)})`);
    return r.msg;
  }

  /** Like send, but the msg must fail; returns the caught msg and error. */
  async err(msg: TestMsg, timeoutMs?: number): Promise<{ msg: TestMsg; error: { message: string; code?: string } }> {
    const r = await this.send(msg, timeoutMs);
    if (r.ok) throw new Error(`expected an error, got output: ${JSON.stringify(r.msg.payload).slice(0, 200)}`);
    return { msg: r.msg, error: r.error };
  }
}

export { helper, unloadFlow };

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls cond every 10 ms until true or ms passed. */
export async function eventually(cond: () => boolean | Promise<boolean>, ms = 3000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`${what} not met within ${ms} ms`);
    await sleep(10);
  }
}
