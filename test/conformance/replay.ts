// The one replay harness of the conformance tests: replays a recorded exchange against a running simulator and
// reports each way the answer differs as a Problem with the path of the field that differs (`status`,
// `header.<name>`, `errors.ids`, or a body path such as `$.data.commands[3].result.position.x`), which
// differences.ts matches against the fields each listed capture may differ in.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IdMap } from './ids';
import { compareShape, type ShapeOptions } from './shape';
import { compareValues, type ValueOptions } from './values';

export interface Capture {
  file: string;
  request: {
    method: string;
    path: string;
    headers?: Record<string, string>;
    body?: unknown;
    multipart?: { field: string; filename?: string; contentType?: string; content: string }[];
  };
  response: { status: number; headers: Record<string, string>; body: unknown };
  meta?: { note?: string };
}

export const CAPTURE_DIR = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'captures');

export function loadCaptures(): Capture[] {
  return fs.readdirSync(CAPTURE_DIR)
    .filter((f) => /^\d+-.*\.json$/.test(f))
    .sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
    .map((f) => ({ file: f, ...(JSON.parse(fs.readFileSync(path.join(CAPTURE_DIR, f), 'utf8')) as Omit<Capture, 'file'>) }));
}

const HEADERS_OF_INTEREST = ['opentrons-version', 'opentrons-min-version'];

/** Statuses that change with time: a GET is retried until these match the capture (the state the capture saw). */
function stateSignature(status: number, body: unknown): string {
  const parts: string[] = [String(status)];
  const data = (body as { data?: unknown } | undefined)?.data;
  const visit = (d: unknown): void => {
    if (!d || typeof d !== 'object' || Array.isArray(d)) return;
    const o = d as Record<string, unknown>;
    if (typeof o.status === 'string') parts.push(o.status);
    if (Array.isArray(o.analysisSummaries)) for (const s of o.analysisSummaries) visit(s);
  };
  if (Array.isArray(data)) data.forEach(visit);
  else visit(data);
  return parts.join(',');
}

export function capture(n: number): Capture {
  const file = fs.readdirSync(CAPTURE_DIR).find((f) => f.startsWith(`${n}-`));
  if (!file) throw new Error(`capture ${n} missing from test/fixtures/captures`);
  return { file, ...(JSON.parse(fs.readFileSync(path.join(CAPTURE_DIR, file), 'utf8')) as Omit<Capture, 'file'>) };
}

/**
 * Waits until every analysis of the protocol a capture's path names has completed, as the recording did before
 * sending some requests (capture 153's note: "Sent after polling GET /protocols/{id} until both analyses were
 * completed"); the polls were not recorded, so the replay makes its own.
 */
export async function untilAnalysesCompleted(base: string, c: Capture, ids: IdMap, timeoutMs = 60_000): Promise<void> {
  const protocol = /^\/protocols\/[^/?]+/.exec(ids.apply(c.request.path))?.[0];
  if (!protocol) throw new Error(`${c.file} names no protocol`);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(base + protocol, { headers: { 'opentrons-version': '3' } });
    const body = (await res.json()) as { data?: { analysisSummaries?: { status: string }[] } };
    if ((body.data?.analysisSummaries ?? []).every((a) => a.status === 'completed')) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One difference: where (a field path) and what. */
export interface Problem {
  path: string;
  detail: string;
}

/** shape.ts and values.ts report "<path>: <what>". */
function problem(text: string): Problem {
  const at = text.indexOf(': ');
  return at < 0 ? { path: text, detail: '' } : { path: text.slice(0, at), detail: text.slice(at + 2) };
}

export interface ReplayOptions {
  /** the captured ids paired with the simulator's so far (one map per replayed session) */
  ids: IdMap;
  /** compare the JSON shape too (keys, kinds), with these tolerances */
  shape?: ShapeOptions;
  /** how values compare (values.ts); `keys: true` when there is no shape pass */
  values?: ValueOptions;
  /** how long a GET is retried until it reports the statuses the capture saw */
  pollMs?: number;
}

export interface ReplayResult {
  problems: Problem[];
  status: number;
  attempts: number;
  /** the simulator's parsed answer */
  body: unknown;
}

async function send(base: string, c: Capture, ids: IdMap): Promise<{ status: number; headers: Headers; body: unknown }> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.request.headers ?? {})) {
    if (k.toLowerCase() === 'content-type' && c.request.multipart) continue;
    headers[k] = v;
  }
  let body: string | FormData | undefined;
  if (c.request.multipart) {
    const form = new FormData();
    for (const part of c.request.multipart) {
      if (part.filename !== undefined) form.append(part.field, new Blob([ids.apply(part.content)], { type: part.contentType ?? 'application/octet-stream' }), part.filename);
      else form.append(part.field, part.content);
    }
    body = form;
  } else if (c.request.body !== undefined) {
    body = ids.apply(JSON.stringify(c.request.body));
  }
  const res = await fetch(base + ids.apply(c.request.path), { method: c.request.method, headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

export async function replay(base: string, c: Capture, opts: ReplayOptions): Promise<ReplayResult> {
  const { ids } = opts;
  const want = stateSignature(c.response.status, c.response.body);
  const deadline = Date.now() + (opts.pollMs ?? 5000);
  let attempts = 0;
  let got: Awaited<ReturnType<typeof send>>;
  for (;;) {
    attempts++;
    got = await send(base, c, ids);
    if (c.request.method !== 'GET' || stateSignature(got.status, got.body) === want || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const problems: Problem[] = [];
  if (got.status !== c.response.status) problems.push({ path: 'status', detail: `expected ${c.response.status}, got ${got.status}` });
  for (const h of HEADERS_OF_INTEREST) {
    const e = c.response.headers[h];
    const a = got.headers.get(h) ?? undefined;
    if (e !== a) problems.push({ path: `header.${h}`, detail: `expected ${e ?? '(absent)'}, got ${a ?? '(absent)'}` });
  }
  const ct = c.response.headers['content-type'];
  const gotCt = got.headers.get('content-type') ?? '';
  if (ct && ct !== gotCt) problems.push({ path: 'header.content-type', detail: `expected ${ct}, got ${gotCt}` });
  const expectedErrors = (c.response.body as { errors?: { id?: string }[] } | undefined)?.errors;
  const actualErrors = (got.body as { errors?: { id?: string }[] } | undefined)?.errors;
  if (Array.isArray(expectedErrors)) {
    const e = expectedErrors.map((x) => x.id).join(',');
    const a = Array.isArray(actualErrors) ? actualErrors.map((x) => x.id).join(',') : '(none)';
    if (e !== a) problems.push({ path: 'errors.ids', detail: `expected ${e}, got ${a}` });
  }
  if (opts.shape) problems.push(...compareShape(c.response.body, got.body, opts.shape).map(problem));
  // Values only where the status matches: a different status already says the answer differs.
  if (got.status === c.response.status) problems.push(...compareValues(c.response.body, got.body, ids, opts.values ?? { keys: !opts.shape }).map(problem));
  return { problems, status: got.status, attempts, body: got.body };
}
