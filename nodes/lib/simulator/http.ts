/**
 * What a route handler sees and returns. Handlers are plain functions of a parsed request; the server (server.ts)
 * does version checks, the boot phase, fault injection, error envelopes and headers around them.
 * The protocols part (protocols/) exports its routes in this shape and the server mounts them.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { invalidRequest } from './errors';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface SimRequest {
  method: string;
  /** path without the query string */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** values of `:name` segments of the route pattern */
  params: Record<string, string>;
  /** raw request body (multipart parsing is up to the handler) */
  body: Buffer;
  /** effective Opentrons-Version (2..4); 4 on version-exempt routes */
  version: number;
  /** true once the client has gone away (lets long waits stop early) */
  readonly closed: () => boolean;
  /** call fn when the client goes away (at once if it has); returns a function that unregisters fn */
  readonly onClose: (fn: () => void) => () => void;
}

export interface SimResponse {
  status: number;
  /** serialised as JSON unless `raw` is given */
  body?: unknown;
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface Route {
  method: HttpMethod;
  /** e.g. '/runs/:runId/commands/:commandId' */
  path: string;
  /** legacy (v1) route: unwrapped bodies, `{message}` validation errors, version headers echoed on success */
  legacy?: boolean;
  /** for /openapi.json, where robot-server 8.1.0 has no such route (the simulator's own) */
  summary?: string;
  handle(req: SimRequest): SimResponse | Promise<SimResponse>;
}

export function ok(body: unknown, status = 200): SimResponse {
  return { status, body };
}

/** Parse a JSON body; an unparsable body is a 422 like FastAPI's. An empty body gives `undefined`. */
export function parseJson(req: SimRequest): unknown {
  if (req.body.length === 0) return undefined;
  try {
    return JSON.parse(req.body.toString('utf8'));
  } catch (e) {
    throw invalidRequest(`Expecting value: ${(e as Error).message}`, { pointer: '/body' });
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function jsonBodyExpected(req: SimRequest): boolean {
  const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return !type || type === 'application/json' || type.endsWith('+json');
}

/**
 * FastAPI's first step: decode a JSON body (422 if it cannot), before it resolves a route's dependencies. Only
 * then does it validate the body and query against their models, so a dependency's refusal comes before those.
 */
export function decodeJsonBody(req: SimRequest): void {
  if (jsonBodyExpected(req)) parseJson(req);
}

/**
 * The `data` object of a new-style request body `{"data": {...}}`. A missing wrapper is a 422 with pointer `/data`.
 * With `optional`, an empty body gives `undefined` (POST /runs accepts no body).
 */
export function readData(req: SimRequest, optional = false): Record<string, unknown> | undefined {
  // FastAPI reads a JSON body only without a Content-Type or with a JSON one; anything else fails validation
  if (!jsonBodyExpected(req) && req.body.length > 0) {
    throw invalidRequest('value is not a valid dict', { pointer: '/data' });
  }
  const body = parseJson(req);
  if (body === undefined && optional) return undefined;
  if (!isObject(body) || !('data' in body)) throw invalidRequest('field required', { pointer: '/data' });
  const data = body.data;
  if (!isObject(data)) throw invalidRequest('value is not a valid dict', { pointer: '/data' });
  return data;
}

/** A boolean query parameter as FastAPI parses it. */
export function queryBool(req: SimRequest, name: string, dflt: boolean): boolean {
  const v = req.query.get(name);
  if (v === null) return dflt;
  const s = v.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(s)) return true;
  if (['false', '0', 'no', 'off'].includes(s)) return false;
  throw invalidRequest('value could not be parsed to a boolean', { parameter: name });
}

/** An integer query parameter; `min` is inclusive. */
export function queryInt(req: SimRequest, name: string, min?: number): number | undefined {
  const v = req.query.get(name);
  if (v === null) return undefined;
  if (!/^[+-]?\d+$/.test(v.trim())) throw invalidRequest('value is not a valid integer', { parameter: name });
  const n = parseInt(v, 10);
  if (min !== undefined && n < min) throw invalidRequest(`ensure this value is greater than or equal to ${min}`, { parameter: name });
  return n;
}
