/**
 * node:http server for the simulated robot: routing, the Opentrons-Version rules, the boot phase, error envelopes,
 * response headers (§16: version headers only on legacy successes and on errors), fault injection, request counters
 * and connection tracking. Keep-alive HTTP/1.1 as uvicorn serves it.
 */
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { ApiError, databaseNotYetInitialized, frameworkError, legacyValidation, unexpectedError } from './errors';
import type { FaultKind, FaultPlan } from './faults';
import type { Route, SimRequest, SimResponse } from './http';
import type { Stats } from './stats';
import { API_VERSION, MIN_API_VERSION, checkVersion, isVersionExempt } from './versioning';
import type { Scheduler } from './clock';

interface CompiledRoute {
  route: Route;
  regex: RegExp;
  names: string[];
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const pattern = route.path
    .split('/')
    .map((seg) => {
      if (seg.startsWith(':')) {
        names.push(seg.slice(1));
        return '([^/]+)';
      }
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { route, regex: new RegExp(`^${pattern}$`), names };
}

export interface ServerHooks {
  /** true while the simulated boot phase lasts (503 DatabaseNotYetInitialized) */
  booting(): boolean;
  faults: FaultPlan;
  stats: Stats;
  scheduler: Scheduler;
}

export class SimServer {
  readonly http: http.Server;
  private readonly routes: CompiledRoute[] = [];
  readonly sockets = new Set<Socket>();

  constructor(private readonly hooks: ServerHooks) {
    this.http = http.createServer({ keepAlive: true }, (req, res) => {
      void this.onRequest(req, res);
    });
    this.http.keepAliveTimeout = 5000;
    this.http.on('connection', (socket: Socket) => {
      this.hooks.stats.connectionsOpened += 1;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  mount(routes: Route[]): void {
    for (const r of routes) this.routes.push(compile(r));
  }

  /** Every mounted route, in mount order (what /openapi.json describes). */
  routeList(): Route[] {
    return this.routes.map((c) => c.route);
  }

  destroySockets(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  private find(method: string, path: string): { route?: CompiledRoute; params: Record<string, string>; pathKnown: boolean } {
    let pathKnown = false;
    for (const c of this.routes) {
      const m = c.regex.exec(path);
      if (!m) continue;
      pathKnown = true;
      if (c.route.method !== method) continue;
      const params: Record<string, string> = {};
      c.names.forEach((n, i) => {
        params[n] = decodeURIComponent(m[i + 1]);
      });
      return { route: c, params, pathKnown };
    }
    return { params: {}, pathKnown };
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://robot');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    const record = this.hooks.stats.record(method, path);
    let closed = false;
    res.on('close', () => {
      closed = true;
    });
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      return;
    }
    if (this.hooks.stats.keepBodies) record.body = Buffer.concat(chunks).toString('utf8');
    if (method === 'OPTIONS' && req.headers.origin && req.headers['access-control-request-method']) {
      // CORS preflight: robot-server allows any origin
      record.status = 200;
      res.writeHead(200, {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT',
        'access-control-allow-headers': String(req.headers['access-control-request-headers'] ?? '*'),
        'access-control-max-age': '600',
        'content-length': '2',
        'content-type': 'text/plain; charset=utf-8',
      });
      res.end('OK');
      return;
    }
    const faults = this.hooks.faults.take(method, path);
    const slow = faults.find((f): f is Extract<FaultKind, { kind: 'slow' }> => f.kind === 'slow');
    if (slow) await this.hooks.scheduler.sleepReal(slow.delayMs);
    if (closed) return;

    const fail = faults.find((f): f is Extract<FaultKind, { kind: 'fail' }> => f.kind === 'fail');
    let reply: SimResponse;
    // whether write() adds the version headers: robot-server sends them with errors (legacy successes get theirs on the reply)
    let versionHeaders = false;
    let legacy = false;
    if (fail) {
      const err = new ApiError(fail.status, [
        { id: fail.status === 503 ? 'ServiceUnavailable' : 'UnexpectedError', title: fail.status === 503 ? 'Service Unavailable' : 'Unexpected Internal Error', detail: 'Fault injected by the simulator.', errorCode: '4000' },
      ]);
      reply = { status: err.status, body: err.body() };
      versionHeaders = true;
    } else {
      const found = this.find(method, path);
      legacy = found.route?.route.legacy ?? false;
      let version = API_VERSION;
      try {
        if (!found.route) {
          throw found.pathKnown ? frameworkError(405, 'Method Not Allowed') : frameworkError(404, 'Not Found');
        }
        if (!isVersionExempt(path)) version = checkVersion(req.headers['opentrons-version'], legacy);
        if (this.hooks.booting() && !isVersionExempt(path)) throw databaseNotYetInitialized();
        const simReq: SimRequest = {
          method, path, query: url.searchParams, headers: req.headers, params: found.params,
          body: Buffer.concat(chunks), version, closed: () => closed,
          onClose: (fn) => {
            if (closed) {
              fn();
              return () => undefined;
            }
            res.once('close', fn);
            return () => res.off('close', fn);
          },
        };
        reply = await found.route.route.handle(simReq);
        if (legacy && reply.status < 400) {
          reply.headers = { ...(reply.headers ?? {}), 'opentrons-version': String(version), 'opentrons-min-version': String(MIN_API_VERSION) };
        }
      } catch (e) {
        let err = e instanceof ApiError ? e : unexpectedError(e instanceof Error ? e.message : String(e));
        if (legacy && err.status === 422 && !err.legacyBody) {
          // legacy routes report request validation problems as {message, errorCode}
          err = legacyValidation(422, err.errors.map((x) => x.detail).join('; '));
        }
        reply = { status: err.status, body: err.body() };
        // a few errors leave the version headers off, as robot-server does (capture 172)
        versionHeaders = err.versionHeaders;
      }
    }
    if (closed) return;
    if (req.headers.origin) reply.headers = { ...(reply.headers ?? {}), 'access-control-allow-origin': '*' };
    this.write(res, reply, versionHeaders, faults, record);
  }

  private write(res: http.ServerResponse, reply: SimResponse, versionHeaders: boolean, faults: FaultKind[], record: { status: number }): void {
    const headers: Record<string, string> = {};
    if (versionHeaders) {
      headers['opentrons-min-version'] = String(MIN_API_VERSION);
      headers['opentrons-version'] = String(API_VERSION);
    }
    let text = reply.raw ?? JSON.stringify(reply.body ?? {});
    const malformed = faults.find((f): f is Extract<FaultKind, { kind: 'malformed' }> => f.kind === 'malformed');
    if (malformed) text = malformed.body;
    headers['content-type'] = reply.contentType ?? 'application/json';
    Object.assign(headers, reply.headers ?? {});
    const buf = Buffer.from(text, 'utf8');
    headers['content-length'] = String(buf.length);
    record.status = reply.status;
    res.writeHead(reply.status, headers);
    if (faults.some((f) => f.kind === 'drop')) {
      // half the body, then a reset: the client sees the connection die mid-response
      res.write(buf.subarray(0, Math.floor(buf.length / 2)));
      const sock = res.socket;
      setImmediate(() => sock?.destroy());
      return;
    }
    res.end(buf);
  }
}

