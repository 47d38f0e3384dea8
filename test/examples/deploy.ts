// Deploys one example flow from examples/ in node-red-node-test-helper, with a probe (a `helper`
// node) wired next to each of its debug nodes, so a test clicks the example's inject buttons and
// reads what the debug sidebar would show.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { helper, loadFlow, PACKAGE_ROOT, type FlowNode, type NodeModule } from '../helpers/nodered';

export const EXAMPLES_DIR = join(PACKAGE_ROOT, 'examples');

/** Core node modules an example may use, by type (catch, status and complete the helper loads itself). */
const CORE_FILES: Record<string, string> = {
  inject: 'common/20-inject.js',
  debug: 'common/21-debug.js',
  comment: 'common/90-comment.js',
  'link in': 'common/60-link.js',
  'link out': 'common/60-link.js',
  'link call': 'common/60-link.js',
  junction: 'common/05-junction.js',
  change: 'function/15-change.js',
  switch: 'function/10-switch.js',
  template: 'function/80-template.js',
  function: 'function/10-function.js',
  delay: 'function/89-delay.js',
  trigger: 'function/89-trigger.js',
  range: 'function/16-range.js',
  split: 'sequence/17-split.js',
  join: 'sequence/17-split.js',
  'mqtt in': 'network/10-mqtt.js',
  'mqtt out': 'network/10-mqtt.js',
  'mqtt-broker': 'network/10-mqtt.js',
  'http in': 'network/21-httpin.js',
  'http response': 'network/21-httpin.js',
  'http request': 'network/21-httprequest.js',
  json: 'parsers/70-JSON.js',
};
/** Core types the test helper registers by itself. */
const HELPER_TYPES = ['catch', 'status', 'complete', 'tab', 'helper'];

export type Msg = Record<string, unknown>;

export function exampleNames(): string[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

export function readFlow(name: string): FlowNode[] {
  const parsed: unknown = JSON.parse(readFileSync(join(EXAMPLES_DIR, `${name}.json`), 'utf8'));
  if (!Array.isArray(parsed)) throw new Error(`examples/${name}.json is not a JSON array of nodes`);
  return parsed as FlowNode[];
}

export function isOurType(type: string): boolean {
  return type.startsWith('opentrons-');
}

export function isCoreType(type: string): boolean {
  return type in CORE_FILES || HELPER_TYPES.includes(type);
}

/**
 * FlowFuse Dashboard 2 (`@flowfuse/node-red-dashboard`, a devDependency only): an example may use its widgets.
 * Here they stand in as probes (a widget's input is read like a debug node's, `operate` sends what a user's
 * click would); the browser test (test/browser-dashboard.test.ts) runs the real Dashboard.
 */
export function isDashboardType(type: string): boolean {
  return type.startsWith('ui-');
}

function coreModules(flow: FlowNode[]): NodeModule[] {
  const files = new Set<string>();
  for (const n of flow) {
    if (isOurType(n.type) || HELPER_TYPES.includes(n.type)) continue;
    const file = CORE_FILES[n.type];
    if (!file) throw new Error(`node ${n.id} has type "${n.type}", neither ours nor a core node this test knows`);
    files.add(file);
  }
  const root = join(require.resolve('@node-red/nodes/package.json'), '..', 'core'); // the line's own copy (test/setup/node-red-line.ts)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return [...files].map((f) => require(join(root, f)) as NodeModule);
}

function wiresOf(n: FlowNode): string[][] {
  return Array.isArray(n.wires) ? (n.wires as string[][]) : [];
}

export function byName(flow: FlowNode[], type: string, name: string): FlowNode[] {
  return flow.filter((n) => n.type === type && n.name === name);
}

export interface DeployedExample {
  flow: FlowNode[];
  /** Clicks the inject button named `name` (its own props make the msg, as in the editor). */
  click(name: string): void;
  /** The next msg that reaches a debug node named `name` (queued if it came earlier). */
  next(debugName: string, timeoutMs?: number): Promise<Msg>;
  /** Every msg a debug node named `name` got so far and nobody took with next(). */
  pending(debugName: string): Msg[];
  /** Sends msg out of the Dashboard widget named `name`, as a click or a choice in the browser would. */
  operate(widgetName: string, msg: Msg): void;
  node(type: string, name: string): FlowNode;
}

export interface DeployOptions {
  /** Edits the flow before deploy (e.g. a broker port). */
  rewrite?: (flow: FlowNode[]) => void;
}

/** Servers started for examples with `http in` endpoints; closeExampleServers() stops them. */
const servers = new Set<Server>();

export async function closeExampleServers(): Promise<void> {
  const all = [...servers];
  servers.clear();
  await Promise.all(all.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  for (const s of all) s.closeAllConnections();
}

/**
 * The test helper does not serve Node-RED's httpNode app, so an example's `http in` endpoints
 * (e.g. a stand-in instrument) get a loopback server of their own, and the example's
 * `http request` nodes that call Node-RED's default port are pointed at it.
 */
async function serveHttpIn(flow: FlowNode[]): Promise<NodeModule> {
  let app: RequestListener | undefined;
  const server = createServer((req, res) => {
    if (app) app(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  servers.add(server);
  const port = (server.address() as AddressInfo).port;
  const toPort = (url: string): string => url.replace(/^http:\/\/(127\.0\.0\.1|localhost):1880(?=\/)/, `http://127.0.0.1:${port}`);
  for (const n of flow) {
    if (n.type === 'http request' && typeof n.url === 'string') n.url = toPort(n.url);
    // An address kept in a flow's environment variables (plate-reader-loop's PLATE_READER_URL).
    if (n.type === 'tab' && Array.isArray(n.env)) {
      n.env = (n.env as Array<{ value?: unknown }>).map((e) => (typeof e.value === 'string' ? { ...e, value: toPort(e.value) } : e));
    }
  }
  return (RED) => {
    app = RED.httpNode as unknown as RequestListener;
  };
}

export async function deployExample(name: string, opts: DeployOptions = {}): Promise<DeployedExample> {
  const flow: FlowNode[] = readFlow(name).map((n): FlowNode => ({ ...n, wires: wiresOf(n).map((w) => [...w]) }));
  opts.rewrite?.(flow);
  // Dashboard widgets become probes named "ui:<name>" (their wires kept); its config nodes are left out.
  const widgets = flow.filter((n) => isDashboardType(n.type) && typeof n.z === 'string');
  for (let i = flow.length - 1; i >= 0; i -= 1) if (isDashboardType(flow[i].type) && typeof flow[i].z !== 'string') flow.splice(i, 1);
  for (const w of widgets) Object.assign(w, { type: 'helper', name: `ui:${String(w.name ?? '')}` });
  const extraNodes = coreModules(flow);
  if (flow.some((n) => n.type === 'http in')) extraNodes.push(await serveHttpIn(flow));
  const debugs = flow.filter((n) => n.type === 'debug');
  const probes: FlowNode[] = [];
  const queues = new Map<string, Msg[]>();
  const waiters = new Map<string, Array<(m: Msg) => void>>();
  for (const d of debugs) {
    const probeId = `probe-${d.id}`;
    probes.push({ id: probeId, type: 'helper', z: d.z, name: String(d.name ?? ''), wires: [] });
    for (const n of flow) for (const out of wiresOf(n)) if (out.includes(d.id)) out.push(probeId);
  }
  const tabs = new Set(flow.filter((n) => n.type === 'tab').map((n) => n.id));
  const extra: FlowNode[] = [];
  for (const z of new Set(flow.map((n) => n.z).filter((z): z is string => typeof z === 'string'))) {
    if (!tabs.has(z)) extra.push({ id: z, type: 'tab', label: name });
  }
  const deployed = [...extra, ...flow, ...probes];
  await loadFlow(deployed, { extraNodes });

  for (const p of [...probes, ...widgets]) {
    const key = String(p.name);
    const probe = helper.getNode(p.id);
    if (!probe) throw new Error(`probe ${p.id} was not deployed`);
    probe.on('input', (msg: Msg) => {
      const waiting = waiters.get(key);
      const resolve = waiting?.shift();
      if (resolve) resolve(msg);
      else queues.set(key, [...(queues.get(key) ?? []), msg]);
    });
  }

  const single = (type: string, nodeName: string): FlowNode => {
    const found = byName(flow, type, nodeName);
    if (found.length !== 1) throw new Error(`example ${name}: expected one ${type} named "${nodeName}", found ${found.length}`);
    return found[0];
  };

  return {
    flow,
    node: single,
    click(injectName) {
      const id = single('inject', injectName).id;
      const n = helper.getNode(id);
      if (!n) throw new Error(`inject ${id} is not deployed`);
      n.receive({});
    },
    operate(widgetName, msg) {
      const w = widgets.find((x) => x.name === `ui:${widgetName}`);
      const n = w ? helper.getNode(w.id) : undefined;
      if (!n) throw new Error(`example ${name} has no Dashboard widget named "${widgetName}"`);
      n.send(msg);
    },
    pending(debugName) {
      const q = queues.get(debugName) ?? [];
      queues.set(debugName, []);
      return q;
    },
    next(debugName, timeoutMs = 10_000) {
      if (!debugs.some((d) => d.name === debugName) && !widgets.some((w) => w.name === debugName)) throw new Error(`example ${name} has no debug node named "${debugName}"`);
      const queued = queues.get(debugName);
      if (queued && queued.length > 0) return Promise.resolve(queued.shift() as Msg);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const list = waiters.get(debugName) ?? [];
          waiters.set(
            debugName,
            list.filter((w) => w !== take),
          );
          reject(new Error(`example ${name}: nothing reached debug "${debugName}" within ${timeoutMs} ms`));
        }, timeoutMs);
        const take = (m: Msg): void => {
          clearTimeout(timer);
          resolve(m);
        };
        waiters.set(debugName, [...(waiters.get(debugName) ?? []), take]);
      });
    },
  };
}
