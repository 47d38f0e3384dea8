// A run's command log and command errors, as opentrons-run's `commands` / `command-errors` actions and
// opentrons-status's "include the log" option read them. The robot pages both lists; with no cursor
// it answers the page around the running (or last) command, not the first one (captures 122–127),
// so reading a whole log starts at cursor 0 and walks forward, one page in memory at a time.
import type { PageOptions, RobotClient } from './client';
import { InputError } from './errors';
import { own } from './node-support';
import type { CollectionMeta, JsonObject, Run } from './types';

export type LogKind = 'commands' | 'command-errors';

/** Page length used to walk a whole log: big enough for few requests, small enough to keep one page cheap. */
export const WALK_PAGE_LENGTH = 200;
/** Longest page a msg may ask for; the robot serialises a page in one response. */
const MAX_PAGE_LENGTH = 10_000;

export interface LogPage {
  data: JsonObject[];
  meta: CollectionMeta;
}

export interface LogRequest {
  cursor?: number;
  pageLength?: number;
  allPages: boolean;
}

/** Reads msg.cursor, msg.pageLength and msg.allPages (else the editor's option), refusing what the robot would not take. */
export function logRequestOf(msg: object, editorAllPages: boolean): LogRequest {
  const cursor = own(msg, 'cursor');
  const pageLength = own(msg, 'pageLength');
  const allPages = own(msg, 'allPages');
  if (allPages !== undefined && typeof allPages !== 'boolean') throw new InputError(`msg.allPages must be true or false (got ${typeof allPages})`);
  const req: LogRequest = { allPages: typeof allPages === 'boolean' ? allPages : editorAllPages };
  if (cursor !== undefined && cursor !== null) req.cursor = wholeNumber(cursor, 'msg.cursor', 0, Number.MAX_SAFE_INTEGER);
  if (pageLength !== undefined && pageLength !== null) req.pageLength = wholeNumber(pageLength, 'msg.pageLength', 1, MAX_PAGE_LENGTH);
  if (req.allPages && req.cursor !== undefined) {
    throw new InputError('msg.cursor cannot be used with msg.allPages: the whole log is read from the first command; remove one of them');
  }
  return req;
}

function wholeNumber(v: unknown, what: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new InputError(`${what} must be a whole number from ${min} to ${max} (got ${JSON.stringify(v) ?? typeof v})`);
  }
  return v;
}

function fetchLogPage(client: RobotClient, kind: LogKind, runId: string, opts: PageOptions): Promise<LogPage> {
  return kind === 'commands' ? client.listRunCommands(runId, opts) : client.listCommandErrors(runId, opts);
}

export interface WholeLog {
  items: JsonObject[];
  totalLength: number;
  /** Requests made, and the most items one response held: what the walk kept in memory at once besides the result. */
  pages: number;
  largestPage: number;
}

/**
 * Every entry of a log in order. A run still going may grow between two pages: the walk follows
 * totalLength as each page reports it and stops at the end it last saw (the log so far).
 */
export async function readWholeLog(client: RobotClient, kind: LogKind, runId: string, opts: { pageLength?: number; signal?: AbortSignal } = {}): Promise<WholeLog> {
  const pageLength = opts.pageLength ?? WALK_PAGE_LENGTH;
  const items: JsonObject[] = [];
  let cursor = 0;
  let totalLength = 0;
  let pages = 0;
  let largestPage = 0;
  for (;;) {
    const page = await fetchLogPage(client, kind, runId, { cursor, pageLength, signal: opts.signal });
    pages += 1;
    totalLength = page.meta.totalLength;
    // The robot clamps a cursor past the end to the last entry (capture 127): anything before the
    // cursor asked for was read already.
    const skip = Math.max(0, cursor - page.meta.cursor);
    largestPage = Math.max(largestPage, page.data.length);
    for (let i = skip; i < page.data.length; i++) items.push(page.data[i]);
    const next = page.meta.cursor + page.data.length;
    if (page.data.length === 0 || next >= totalLength || next <= cursor) break;
    cursor = next;
  }
  return { items, totalLength, pages, largestPage };
}

/** The whole record of a finished run: the run itself (parameters, labware, offsets, errors), its commands and its command errors. */
export async function readRunRecord(client: RobotClient, runId: string, signal?: AbortSignal): Promise<{ run: Run; commands: JsonObject[]; commandErrors: JsonObject[] }> {
  const run = await client.getRun(runId, { signal });
  const commands = await readWholeLog(client, 'commands', runId, { signal });
  const errors = await readWholeLog(client, 'command-errors', runId, { signal });
  return { run, commands: commands.items, commandErrors: errors.items };
}

/** Records being read, per client and run: status nodes on the same run share one read of its whole log. */
const recordsInFlight = new WeakMap<RobotClient, Map<string, SharedRead>>();

type RunRecord = Awaited<ReturnType<typeof readRunRecord>>;

interface SharedRead {
  record: Promise<RunRecord>;
  abort: AbortController;
  /** callers still waiting; the read is aborted when the last one gives up */
  waiting: number;
}

/**
 * readRunRecord shared by every caller that asks while it is being read. A caller's `signal` ends its own wait;
 * the read itself stops only when every waiting caller has given up. Each caller gets its own arrays, so one
 * flow changing them does not change another's.
 */
export async function sharedRunRecord(client: RobotClient, runId: string, signal: AbortSignal): Promise<RunRecord> {
  let byRun = recordsInFlight.get(client);
  if (!byRun) recordsInFlight.set(client, (byRun = new Map()));
  let shared = byRun.get(runId);
  if (!shared) {
    const map = byRun;
    const abort = new AbortController();
    const record = readRunRecord(client, runId, abort.signal);
    const entry: SharedRead = { record, abort, waiting: 0 };
    void record.finally(() => map.get(runId) === entry && map.delete(runId)).catch(() => undefined);
    byRun.set(runId, (shared = entry));
  }
  const entry = shared;
  entry.waiting += 1;
  let onAbort: (() => void) | undefined;
  try {
    const record = await Promise.race([
      entry.record,
      new Promise<never>((_, reject) => {
        onAbort = () => reject(signal.reason);
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
    return { run: record.run, commands: [...record.commands], commandErrors: [...record.commandErrors] };
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
    entry.waiting -= 1;
    if (entry.waiting === 0 && signal.aborted) {
      entry.abort.abort(signal.reason);
      // a caller arriving now starts a read of its own rather than joining the aborted one
      if (byRun.get(runId) === entry) byRun.delete(runId);
    }
  }
}

/** One page (as asked, or the robot's default page) or the whole log, shaped for msg.payload / msg.meta. */
export async function readLog(client: RobotClient, kind: LogKind, runId: string, req: LogRequest, signal?: AbortSignal): Promise<{ payload: JsonObject[]; meta: JsonObject }> {
  if (req.allPages) {
    const log = await readWholeLog(client, kind, runId, { pageLength: req.pageLength, signal });
    return { payload: log.items, meta: { totalLength: log.totalLength } };
  }
  const page = await fetchLogPage(client, kind, runId, { cursor: req.cursor, pageLength: req.pageLength, signal });
  return { payload: page.data, meta: { ...page.meta } };
}
