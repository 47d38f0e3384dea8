// Reading what opentrons-request should send: the method, a path that stays on the robot (its
// `{name}` placeholders filled from the msg), query parameters and a JSON body. Pure functions, so
// every rule that keeps a msg from reaching another host or another path is testable on its own.
import { InputError } from './errors';
import { own } from './node-support';
import type { QueryValue } from './transport';

export const REQUEST_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type RequestMethod = (typeof REQUEST_METHODS)[number];

/** Longest path or placeholder value we send: robot paths and ids are short; a huge one only earns a 431. */
const MAX_PATH_LENGTH = 2_000;
const MAX_VALUE_LENGTH = 200;
const PLACEHOLDER = /\{([^{}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseMethod(value: unknown): RequestMethod {
  const m = typeof value === 'string' ? value.trim().toUpperCase() : value;
  if (typeof m !== 'string' || !(REQUEST_METHODS as readonly string[]).includes(m)) {
    const got = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value;
    throw new InputError(`method must be one of ${REQUEST_METHODS.join(', ')} (got ${got}): set msg.method or the node's method`);
  }
  return m as RequestMethod;
}

/**
 * The path template with each `{name}` replaced by msg[name], URL-encoded. Refuses (before anything
 * is sent) what could leave the robot's API: a scheme or host, `//`, `..` or `.` segments (also
 * percent-encoded), backslashes, control characters, a query or fragment (use msg.query).
 */
export function resolvePath(template: unknown, msg: object): string {
  if (typeof template !== 'string' || template.trim() === '') {
    const got = template === undefined ? 'nothing' : typeof template;
    throw new InputError(`path is required (got ${got}): set msg.path or the node's path, e.g. "/runs/{runId}"`);
  }
  const t = template.trim();
  if (t.length > MAX_PATH_LENGTH) throw new InputError(`path is ${t.length} characters long; a robot path is at most ${MAX_PATH_LENGTH}`);
  if (!t.startsWith('/') || t.startsWith('//') || /^[a-z][a-z0-9+.-]*:/i.test(t)) {
    throw new InputError(`path must be a path on the robot starting with one "/", like "/runs/{runId}", not a URL (got ${JSON.stringify(t.slice(0, 80))}): the robot's address comes from the robot config node`);
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\\\u0000-\u001f\u007f]/.test(t)) throw new InputError('path must not contain backslashes or control characters');
  if (/[?#]/.test(t)) throw new InputError(`path must not contain "?" or "#": put query parameters in msg.query, e.g. {"pageLength": 5} (got ${JSON.stringify(t.slice(0, 80))})`);
  const missing: string[] = [];
  const filled = t.replace(PLACEHOLDER, (_all, name: string) => {
    if (!NAME.test(name)) throw new InputError(`path placeholder {${name}} is not a name: use letters, digits and _, like {runId}`);
    const value = own(msg, name);
    if (value === undefined || value === null || value === '') {
      missing.push(name);
      return '';
    }
    return placeholderValue(name, value);
  });
  if (missing.length > 0) {
    throw new InputError(`path ${t} needs ${missing.map((n) => `msg.${n}`).join(', ')}: set ${missing.length === 1 ? 'it' : 'them'} (a string or number) before this node`);
  }
  if (/[{}]/.test(filled)) throw new InputError(`path ${t} has an unmatched "{" or "}"`);
  // Only characters a URL path may hold as they are (RFC 3986); anything else must come percent-encoded.
  if (!/^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/.test(filled)) {
    throw new InputError(`path ${JSON.stringify(t.slice(0, 80))} has characters a URL path cannot hold (spaces, quotes, non-ASCII…): percent-encode them, or pass such values through a {placeholder}`);
  }
  for (const segment of filled.split('/').slice(1)) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw new InputError(`path segment ${JSON.stringify(segment)} is not valid percent-encoding`);
    }
    if (decoded === '.' || decoded === '..' || decoded.includes('/') || decoded.includes('\\')) {
      throw new InputError(`path must not contain "." or ".." segments or encoded slashes (got ${JSON.stringify(t.slice(0, 80))})`);
    }
  }
  return filled;
}

function placeholderValue(name: string, value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') {
    throw new InputError(`msg.${name} (for {${name}} in the path) must be a string or number (got ${Array.isArray(value) ? 'an array' : typeof value})`);
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (value.length > MAX_VALUE_LENGTH || value === '.' || value === '..' || /[\u0000-\u001f]/.test(value)) {
    throw new InputError(`msg.${name} (for {${name}} in the path) must be 1 to ${MAX_VALUE_LENGTH} characters, not "." or "..", without control characters`);
  }
  return encodeURIComponent(value);
}

/** msg.query: an object of strings, numbers and booleans (arrays and objects have no one query form). */
export function parseQuery(value: unknown): Record<string, QueryValue> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value) || Buffer.isBuffer(value)) {
    throw new InputError(`msg.query must be an object like {"pageLength": 5} (got ${Array.isArray(value) ? 'an array' : typeof value})`);
  }
  const out: Record<string, QueryValue> = {};
  for (const key of Object.keys(value)) {
    const v = own(value, key);
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' && typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))) {
      throw new InputError(`msg.query.${key} must be a string, number or boolean (got ${Array.isArray(v) ? 'an array' : typeof v})`);
    }
    out[key] = v;
  }
  return out;
}

/**
 * The JSON body from msg.payload for POST, PUT and PATCH: an object or array as is, or a string of
 * JSON. GET and DELETE send none (msg.payload often holds the previous node's output).
 */
export function requestBody(method: RequestMethod, payload: unknown): unknown {
  if (method === 'GET' || method === 'DELETE' || payload === undefined || payload === null) return undefined;
  if (typeof payload === 'string') {
    if (payload.trim() === '') return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch (err) {
      throw new InputError(`msg.payload is a string but not JSON (${err instanceof Error ? err.message : String(err)}): give an object like {"data": {…}}`);
    }
    return requestBody(method, typeof parsed === 'string' ? undefined : parsed) ?? failBody(typeof parsed);
  }
  if (typeof payload === 'object' && !Buffer.isBuffer(payload) && !(payload instanceof Uint8Array)) {
    try {
      JSON.stringify(payload);
    } catch (err) {
      throw new InputError(`msg.payload cannot be sent as JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    return payload;
  }
  return failBody(Buffer.isBuffer(payload) ? 'a Buffer' : typeof payload);
}

function failBody(got: string): never {
  throw new InputError(`msg.payload must be the JSON body: an object like {"data": {…}} or an array (got ${got})`);
}
