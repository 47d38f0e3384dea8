// The test helper ships no types; this declares the part of its API our tests use.
declare module 'node-red-node-test-helper' {
  import type { Node, NodeAPI } from 'node-red';

  type NodeModule = (RED: NodeAPI) => void | Promise<void>;
  type FlowNode = { id: string; type: string; [key: string]: unknown };

  /** supertest's request against the helper's admin app (RED.httpAdmin). */
  interface AdminTest extends PromiseLike<{ status: number; body: unknown; text: string }> {
    set(header: string, value: string): AdminTest;
    send(body: unknown): AdminTest;
  }
  interface AdminAgent {
    get(path: string): AdminTest;
    post(path: string): AdminTest;
  }

  interface RuntimeNodes {
    getType(type: string): unknown;
    getFlows(): { flows: FlowNode[]; credentials?: unknown; rev?: string } | null;
    exportCredentials(): Promise<unknown>;
    getCredentials(id: string): Record<string, unknown> | undefined;
  }

  interface NodeTestHelper {
    init(runtimePath?: string, userSettings?: Record<string, unknown>): void;
    load(nodes: NodeModule | NodeModule[], flow: FlowNode[], credentials?: Record<string, Record<string, string>>): Promise<void>;
    unload(): Promise<void>;
    getNode(id: string): Node | null;
    setFlows(flow: FlowNode[], type?: 'full' | 'flows' | 'nodes', credentials?: Record<string, Record<string, string>>): Promise<void>;
    settings(userSettings?: Record<string, unknown>): Record<string, unknown>;
    request(): AdminAgent;
    startServer(): Promise<void>;
    stopServer(): Promise<void>;
    url(): string;
    log(): { args: unknown[][]; resetHistory(): void };
    readonly _redNodes: RuntimeNodes;
  }

  const helper: NodeTestHelper;
  export = helper;
}
