// Node-RED embedded in the bench process, as users run it (no test helper spies on Node.prototype):
// a temporary userDir with this package linked into node_modules, flows deployed through the runtime
// API, and the runtime's onComplete hook telling when a node has finished a msg.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const PACKAGE_ROOT = resolve(__dirname, '..', '..');

type FlowNode = Record<string, unknown> & { id: string; type: string };
interface CompleteEvent {
  msg: { _msgid?: string };
  node: { id: string };
  error?: Error;
}
interface SendEvent {
  msg: Record<string, unknown>;
  source: { id: string };
}
interface RuntimeApi {
  init(server: undefined, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  hooks: {
    add(name: string, fn: (ev: CompleteEvent) => void): void;
    add(name: string, fn: (events: SendEvent[]) => void): void;
    remove(name: string): void;
  };
  nodes: { getNode(id: string): { receive(msg: Record<string, unknown>): void } | null };
  runtime: { flows: { setFlows(opts: { flows: { flows: FlowNode[] }; deploymentType?: string }): Promise<unknown> } };
}

export class EmbeddedNodeRed {
  private readonly waiting = new Map<string, (err?: Error) => void>();
  private serial = 0;

  private constructor(
    private readonly red: RuntimeApi,
    private readonly userDir: string,
  ) {
    red.hooks.add('onComplete.bench', (ev) => {
      const id = ev.msg?._msgid;
      const w = id ? this.waiting.get(id) : undefined;
      if (!w) return;
      this.waiting.delete(id as string);
      w(ev.error);
    });
  }

  static async start(): Promise<EmbeddedNodeRed> {
    const userDir = mkdtempSync(join(tmpdir(), 'bench-node-red-'));
    mkdirSync(join(userDir, 'node_modules', '@labwire'), { recursive: true });
    symlinkSync(PACKAGE_ROOT, join(userDir, 'node_modules', '@labwire', 'node-red-opentrons'), 'dir');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const red = require(require.resolve('node-red', { paths: [PACKAGE_ROOT] })) as RuntimeApi;
    red.init(undefined, {
      userDir,
      flowFile: 'flows.json',
      httpAdminRoot: false,
      httpNodeRoot: false,
      credentialSecret: 'bench',
      logging: { console: { level: 'warn' } },
      editorTheme: { projects: { enabled: false } },
    });
    await red.start();
    return new EmbeddedNodeRed(red, userDir);
  }

  /** Deploys `nodes` on one tab; opentrons-robot nodes stay config nodes (no tab, no position). */
  async deploy(nodes: FlowNode[]): Promise<void> {
    const tab: FlowNode = { id: 'bench-tab', type: 'tab', label: 'bench' };
    const placed = nodes.map((n) => (n.type === 'opentrons-robot' ? n : { x: 100, y: 100, ...n, z: tab.id }));
    await this.red.runtime.flows.setFlows({ flows: { flows: nodes.length ? [tab, ...placed] : [] }, deploymentType: 'full' });
    // setFlows resolves before the new flows have started: wait until every node exists.
    const end = Date.now() + 30_000;
    while (!nodes.every((n) => this.red.nodes.getNode(n.id))) {
      if (Date.now() > end) throw new Error('deployed flows did not start within 30 s');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Hands msg to node `id` (what an inject node does) and resolves when that node calls done(). */
  send(id: string, msg: Record<string, unknown> = {}): Promise<void> {
    const node = this.red.nodes.getNode(id);
    if (!node) return Promise.reject(new Error(`no node ${id}`));
    const msgid = `bench-${++this.serial}`;
    return new Promise((resolve, reject) => {
      this.waiting.set(msgid, (err) => (err ? reject(err) : resolve()));
      node.receive({ ...msg, _msgid: msgid });
    });
  }

  /**
   * Calls `listener` with each msg node `id` sends (it must be wired to something, e.g. a junction), until the
   * returned function is called. Node-RED's onSend hook: the msg is read before it is delivered.
   */
  onSend(id: string, listener: (msg: Record<string, unknown>) => void): () => void {
    const name = `onSend.bench${++this.serial}`;
    this.red.hooks.add(name, (events: SendEvent[]) => {
      for (const e of events) if (e.source?.id === id) listener(e.msg);
    });
    return () => this.red.hooks.remove(name);
  }

  async stop(): Promise<void> {
    await this.deploy([]);
    await this.red.stop();
    rmSync(this.userDir, { recursive: true, force: true });
  }
}
