// A bare node:http server on 127.0.0.1:<ephemeral> for tests that need answers the simulated robot
// never gives (HTML pages, truncated bodies, legacy error bodies). It counts what reaches it.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type LoopbackHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void | Promise<void>;

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface LoopbackServer {
  readonly url: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: SeenRequest[];
  /** TCP connections accepted since start. */
  connectionsOpened(): number;
  /** TCP connections open right now. */
  openConnections(): number;
  /** Replaces the handler (e.g. per test). */
  handle(handler: LoopbackHandler): void;
  /** Stops listening and destroys every socket. */
  close(): Promise<void>;
}

export async function startLoopback(handler: LoopbackHandler = (_q, res) => json(res, 200, {})): Promise<LoopbackServer> {
  let current = handler;
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  let opened = 0;
  const server: Server = createServer({ keepAlive: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      Promise.resolve(current(req, res, body)).catch((err: unknown) => {
        if (!res.headersSent) json(res, 500, { errors: [{ id: 'LoopbackHandlerFailed', detail: String(err) }] });
      });
    });
  });
  server.keepAliveTimeout = 5_000;
  server.on('connection', (s: Socket) => {
    opened += 1;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    connectionsOpened: () => opened,
    openConnections: () => sockets.size,
    handle: (h) => {
      current = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Sends a JSON answer with a correct content-length. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A /health body as robot software 8.1.0 sends it (see test/fixtures/captures/03-health.json). */
export function healthBody(model: 'OT-2' | 'Flex' = 'OT-2', name = 'loopback-robot'): Record<string, unknown> {
  return {
    name,
    robot_model: model === 'Flex' ? 'OT-3 Standard' : 'OT-2 Standard',
    api_version: '8.1.0',
    fw_version: 'v1.1.0',
    system_version: '8.1.0',
    links: {},
  };
}
