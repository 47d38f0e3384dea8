// HTTP transport to one robot: one keep-alive pool, the version header on every request, a timeout
// and an abort on every request, robot error envelopes turned into error values, and retries for
// GET only — a POST repeated after a lost answer could run a liquid-handling step twice.
import { EventEmitter } from 'node:events';
import { Pool, FormData, errors as undiciErrors } from 'undici';
import type { Dispatcher } from 'undici';
import {
  OpentronsError,
  RequestAbortedError,
  RobotError,
  RobotErrorBody,
  RobotResponseError,
  RobotTimeoutError,
  RobotUnreachableError,
} from './errors';
import { sleep } from './poll';

export interface TransportOptions {
  /** Origin of the robot, e.g. `http://10.0.0.5:31950`. */
  origin: string;
  /** Value of the `Opentrons-Version` header: an integer ≥ 2 or `*`. */
  apiVersion: string;
  /** Default request timeout in ms. */
  timeoutMs: number;
  /** Optional bearer token (newer robot software with authentication). */
  token?: string;
  /** Most sockets the pool may open to the robot at once. */
  connections?: number;
  /** How often a GET is tried again after a connection error or a "not yet initialized" 503. */
  getRetries?: number;
  /** First retry delay in ms; doubles each time. */
  retryDelayMs?: number;
}

export type QueryValue = string | number | boolean | undefined;

export interface RequestOptions {
  /** Abort the request (e.g. when the node closes). */
  signal?: AbortSignal;
  /** Overrides the default timeout for this request. */
  timeoutMs?: number;
}

export interface SendOptions extends RequestOptions {
  query?: Record<string, QueryValue>;
  /** JSON body, sent as is (callers add the `data` wrapper where the route wants it). */
  json?: unknown;
  form?: FormData;
  /** A 2xx answer whose content type is not JSON (a log file) comes back as its text instead of failing. */
  acceptText?: boolean;
}

export interface RobotResponse<T> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

/** 503 ids the robot answers while it boots; GETs wait these out. */
const BOOTING_IDS = new Set(['HardwareNotYetInitialized', 'DatabaseNotYetInitialized']);

const CONNECT_CODES: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'ETIMEDOUT',
  UND_ERR_SOCKET: 'ECONNRESET',
  UND_ERR_CLOSED: 'ECONNRESET',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'ECONNRESET',
};

/**
 * One request's abort switch, handed to undici as its `signal` (undici takes an EventEmitter with
 * `aborted`/`reason` as well as an AbortSignal). An AbortController per request cost a measurable share
 * of each command's time in a flow (bench: `npm run bench -- overhead`); this does the same job.
 */
class RequestAbort extends EventEmitter {
  aborted = false;
  reason: OpentronsError | undefined;

  abort(reason: OpentronsError): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}

export class Transport {
  readonly origin: string;
  readonly apiVersion: string;
  readonly timeoutMs: number;
  private readonly pool: Pool;
  private readonly token: string | undefined;
  private readonly getRetries: number;
  private readonly retryDelayMs: number;
  private readonly inFlight = new Map<RequestAbort, () => void>();
  /** Fires on close(), so a GET waiting to retry stops waiting (no timer outlives the transport). */
  private readonly closing = new AbortController();
  private closed = false;

  constructor(opts: TransportOptions) {
    this.origin = opts.origin;
    this.apiVersion = opts.apiVersion;
    this.timeoutMs = opts.timeoutMs;
    this.token = opts.token;
    this.getRetries = opts.getRetries ?? 3;
    this.retryDelayMs = opts.retryDelayMs ?? 200;
    this.pool = new Pool(opts.origin, {
      connections: opts.connections ?? 6,
      pipelining: 1,
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 60_000,
      // Our own timer bounds every request (see `once`); undici's would cut long command waits short.
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: { timeout: Math.min(opts.timeoutMs, 10_000) },
    });
  }

  async send<T>(method: string, path: string, opts: SendOptions = {}): Promise<RobotResponse<T>> {
    const target = withQuery(path, opts.query);
    const retries = method === 'GET' ? this.getRetries : 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once<T>(method, target, opts);
      } catch (err) {
        if (attempt >= retries || !isRetryable(err) || this.closed || opts.signal?.aborted) throw err;
        const stop = opts.signal ? AbortSignal.any([opts.signal, this.closing.signal]) : this.closing.signal;
        // An abort or close ends the wait; the next attempt then reports it as RequestAbortedError.
        await sleep(Math.min(this.retryDelayMs * 2 ** attempt, 2_000), stop).catch(() => undefined);
        if (this.closed) throw new RequestAbortedError(method, target);
      }
    }
  }

  /** Aborts every request in flight and closes the pool's sockets. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    for (const abort of this.inFlight.values()) abort();
    this.inFlight.clear();
    await this.pool.destroy();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private headers(hasJson: boolean): Record<string, string> {
    const h: Record<string, string> = {
      'opentrons-version': this.apiVersion,
      accept: 'application/json',
    };
    if (hasJson) h['content-type'] = 'application/json';
    if (this.token) {
      // robot-server's own access check reads the token from `authenticationBearer` (robot_server/authentication);
      // `Authorization: Bearer` is what proxies and HTTP tooling in front of a robot expect. Both carry it.
      h.authorization = `Bearer ${this.token}`;
      h.authenticationbearer = this.token;
    }
    return h;
  }

  private async once<T>(method: string, path: string, opts: SendOptions): Promise<RobotResponse<T>> {
    if (this.closed) throw new RequestAbortedError(method, path);
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const controller = new RequestAbort();
    // Error values are made only when needed: most requests neither time out nor get aborted.
    const timer = setTimeout(() => controller.abort(new RobotTimeoutError(method, path, timeoutMs)), timeoutMs);
    const onAbort = (): void => controller.abort(new RequestAbortedError(method, path));
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    this.inFlight.set(controller, onAbort);

    let status = 0;
    let text = '';
    let headers: Record<string, string> = {};
    let answered = false;
    try {
      const body: Dispatcher.DispatchOptions['body'] =
        opts.form ?? (opts.json === undefined ? undefined : JSON.stringify(opts.json));
      const res = await this.pool.request({
        method: method as Dispatcher.HttpMethod,
        path,
        headers: this.headers(opts.json !== undefined),
        body,
        signal: controller,
      });
      status = res.statusCode;
      headers = flatHeaders(res.headers);
      answered = true;
      text = await res.body.text();
    } catch (err) {
      throw this.transportError(err, controller, method, path, answered ? status : undefined);
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      this.inFlight.delete(controller);
    }
    return this.interpret<T>(method, path, status, headers, text, opts.acceptText === true);
  }

  private interpret<T>(
    method: string,
    path: string,
    status: number,
    headers: Record<string, string>,
    text: string,
    acceptText: boolean,
  ): RobotResponse<T> {
    let body: unknown;
    try {
      body = text.length === 0 ? {} : JSON.parse(text);
    } catch {
      // Text is accepted only where the robot says it sends text: a body declared JSON that does not parse is broken.
      if (acceptText && status >= 200 && status < 300 && !/json/i.test(headers['content-type'] ?? '')) return { status, headers, body: text as T };
      const type = headers['content-type'] ?? 'no content type';
      const reason = /html/i.test(type) ? 'an HTML page' : `unparseable JSON (${type}, ${text.length} bytes)`;
      throw new RobotResponseError(method, path, status, reason, text.slice(0, 200));
    }
    if (status >= 400) throw new RobotError(status, method, path, errorBodies(body), { sentToken: this.token !== undefined });
    if (status < 200 || status >= 300 || ((typeof body !== 'object' || body === null) && !acceptText)) {
      throw new RobotResponseError(method, path, status, 'unexpected status or body', text.slice(0, 200));
    }
    return { status, headers, body: body as T };
  }

  private transportError(err: unknown, abort: RequestAbort, method: string, path: string, status: number | undefined): OpentronsError {
    if (abort.reason) return abort.reason;
    if (err instanceof OpentronsError) return err;
    if (err instanceof undiciErrors.ClientDestroyedError || err instanceof undiciErrors.ClientClosedError) {
      return new RequestAbortedError(method, path);
    }
    const e = err as { code?: string; message?: string };
    if (status !== undefined) {
      // The status line came, the body did not: the robot was reached, its answer is unusable.
      return new RobotResponseError(method, path, status, `the answer was cut off (${e.message ?? e.code ?? 'connection closed'})`, '', true);
    }
    const code = (e.code && CONNECT_CODES[e.code]) ?? e.code ?? 'ECONNRESET';
    return new RobotUnreachableError(this.origin, code, e.message ?? String(err), err);
  }
}

function errorBodies(body: unknown): RobotErrorBody[] {
  if (typeof body === 'object' && body !== null) {
    const b = body as { errors?: unknown };
    if (Array.isArray(b.errors) && b.errors.length > 0) {
      return b.errors.filter((e): e is RobotErrorBody => typeof e === 'object' && e !== null);
    }
    return [body as RobotErrorBody];
  }
  return [{ detail: String(body) }];
}

function isRetryable(err: unknown): boolean {
  if (err instanceof RobotUnreachableError) return true;
  if (err instanceof RobotResponseError && err.truncated) return true;
  return err instanceof RobotError && err.statusCode === 503 && BOOTING_IDS.has(err.errorId ?? '');
}

function withQuery(path: string, query: Record<string, QueryValue> | undefined): string {
  if (!query) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

function flatHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
