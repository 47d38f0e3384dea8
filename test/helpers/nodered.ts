// Start and stop Node-RED (via node-red-node-test-helper) with this package's nodes, loaded from the
// compiled output the way Node-RED loads them: the list comes from package.json "node-red".nodes.
//
//   const flow = [{ id: 'r1', type: 'opentrons-robot', host: '127.0.0.1', port: 31950 }, …];
//   await loadFlow(flow, { credentials: { r1: { token: 'secret' } } });
//   const robot = getNode<RobotConfigNode>('r1');
//   …
//   await unloadFlow();   // in afterEach: runs every node's close handler
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Node, NodeAPI } from 'node-red';
import helper from 'node-red-node-test-helper';

export { helper };

/** Repository root (this file runs from dist/test/helpers). */
export const PACKAGE_ROOT = resolve(__dirname, '..', '..', '..');

export type NodeModule = (RED: NodeAPI) => void | Promise<void>;
export type FlowNode = { id: string; type: string; [key: string]: unknown };
export type Credentials = Record<string, Record<string, string>>;

export interface PackageNode {
  type: string;
  /** Absolute path of the compiled node module. */
  file: string;
}

interface PackageJson {
  'node-red': { nodes: Record<string, string> };
  [key: string]: unknown;
}

export function packageJson(): PackageJson {
  return JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as PackageJson;
}

/** Every node type package.json registers, with its compiled file (which may not exist yet). */
export function packageNodes(): PackageNode[] {
  return Object.entries(packageJson()['node-red'].nodes).map(([type, file]) => ({ type, file: join(PACKAGE_ROOT, file) }));
}

/** The node module registering `type`, required from dist like Node-RED does. */
export function requireNode(type: string): NodeModule {
  const entry = packageNodes().find((n) => n.type === type);
  if (!entry) throw new Error(`package.json registers no node type "${type}"`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(entry.file) as NodeModule;
}

/** Node modules of the package whose compiled file exists (every one, once all nodes are written). */
export function availableNodeModules(): NodeModule[] {
  return packageNodes()
    .filter((n) => existsSync(n.file))
    .map((n) => requireNode(n.type));
}

export interface LoadOptions {
  /** Node credentials by node id, e.g. `{ r1: { token: 'secret' } }`. */
  credentials?: Credentials;
  /** Which of the package's node types to load; default: every one that is built. */
  types?: string[];
  /** Extra node modules, e.g. a test-only node type, or Node-RED's catch node via `helper`. */
  extraNodes?: NodeModule[];
}

/** Config node types: on a tab they stay config nodes (no x/y). */
const CONFIG_TYPES = new Set(['opentrons-robot', 'opentrons-fleet', 'mqtt-broker', 'tls-config', 'http proxy']);

/**
 * Node-RED takes a node on a tab (`z`) that has no `x`/`y` for a flow-scoped config node: it is never
 * wired, and a catch or complete node among them fails to start ("Circular config node dependency").
 * Flow nodes written for tests rarely carry coordinates, so they get some here.
 */
function placeOnCanvas(flow: FlowNode[]): FlowNode[] {
  return flow.map((n) =>
    n.type !== 'tab' && n.type !== 'group' && typeof n.z === 'string' && !('x' in n) && !CONFIG_TYPES.has(n.type) ? { ...n, x: 100, y: 100 } : n,
  );
}

/**
 * A robot config node on this machine (a test's simulated robot) with notifications `auto` would
 * subscribe to whatever broker listens on 127.0.0.1:1883 — none, a developer's, CI's — and the test
 * would pass or fail by that. Such a node must say `notifications: 'off'` or give the test's own `mqttPort`.
 */
function assertHermetic(flow: FlowNode[]): void {
  for (const n of flow) {
    if (n.type !== 'opentrons-robot' || n.simulate === true) continue;
    const loopback = /^(\w+:\/\/)?(127\.|localhost\b|\[?::1\]?)/i.test(String(n.host ?? '').trim());
    if (loopback && n.notifications !== 'off' && n.mqttPort === undefined) {
      throw new Error(`test flow: opentrons-robot ${n.id} on ${String(n.host)} needs notifications: 'off' or the test broker's mqttPort (1883 may be anything here)`);
    }
  }
}

/**
 * Loads the package's nodes and deploys `flow`. Pair with `unloadFlow()` in afterEach.
 * Nodes may be given without a tab (the helper's usual style) or on one (`{ id: 'f1', type: 'tab' }`
 * and `z: 'f1'`, needed for catch/status/complete scopes); flow nodes on a tab get x/y if they lack them.
 */
export async function loadFlow(flow: FlowNode[], opts: LoadOptions = {}): Promise<void> {
  assertHermetic(flow);
  const modules = opts.types ? opts.types.map(requireNode) : availableNodeModules();
  await helper.load([...modules, ...(opts.extraNodes ?? [])], placeOnCanvas(flow), opts.credentials ?? {});
}

/** Stops the flow (every node's close handler runs and is awaited) and clears the registry. */
export async function unloadFlow(): Promise<void> {
  await helper.unload();
}

/** A deployed node by id, typed as the caller expects; throws if it is not there. */
export function getNode<T extends Node = Node>(id: string): T {
  const n = helper.getNode(id);
  if (!n) throw new Error(`no node with id "${id}" in the deployed flow`);
  return n as unknown as T;
}

/** True when Node-RED's registry knows the type (after loadFlow). */
export function isRegistered(type: string): boolean {
  return Boolean(helper._redNodes.getType(type));
}

/** The deployed flow as Node-RED would export it (no credentials in it). */
export function deployedFlow(): FlowNode[] {
  return helper._redNodes.getFlows()?.flows ?? [];
}

/**
 * Waits until `node` calls `node.<method>()` (the helper spies on Node.prototype). To see what a node
 * sends, wire it to a `{ type: 'helper' }` node and listen to that node's 'input' event instead.
 */
export function nextCall(node: Node, method: 'error' | 'warn' | 'log' | 'status', timeoutMs = 2000): Promise<{ args: unknown[] }> {
  return new Promise((resolveCall, reject) => {
    const timer = setTimeout(() => reject(new Error(`node ${node.id}: no ${method}() within ${timeoutMs} ms`)), timeoutMs);
    node.once(`call:${method}`, (call: { args: unknown[] }) => {
      clearTimeout(timer);
      resolveCall(call);
    });
  });
}
