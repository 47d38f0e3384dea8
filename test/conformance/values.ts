// Value comparison of a captured JSON body with the simulator's, on top of the shape comparison
// (shape.ts reports missing and unexpected keys; this reports different values where both have the key).
//
// The rule for what is not compared literally, and why:
// - identifiers the robot generates (see ids.ts: UUIDs, legacy engine ids, command keys, module ids),
//   wherever they appear in a string, are compared as a one-to-one pairing kept over the whole replay:
//   the same captured id must always be answered by the same simulator id, and two by two different ones;
// - ISO 8601 timestamps only have to be timestamps on both sides (the capture machine's clock);
// everything else — statuses, `current`, commandType sequences, totals, cursors, array lengths and order,
// error ids and codes, texts, numbers — must be equal.
import { IdMap, splitIds } from './ids';

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

function clip(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 90 ? `${s.slice(0, 87)}…` : s;
}

function compareString(expected: string, actual: string, ids: IdMap, path: string): string[] {
  if (TIMESTAMP.test(expected)) return TIMESTAMP.test(actual) ? [] : [`${path}: expected a timestamp, got ${clip(actual)}`];
  // a serial number seen before under an id key (a legacy /pipettes `id` is the pipette's serial)
  const serial = ids.literalOf(expected);
  if (serial !== undefined) return serial === actual ? [] : [`${path}: expected ${clip(expected)} (${serial} here), got ${clip(actual)}`];
  const e = splitIds(expected);
  const a = splitIds(actual);
  const differ = [`${path}: expected ${clip(expected)}, got ${clip(actual)}`];
  if (e.length !== a.length) return differ;
  for (let i = 0; i < e.length; i += 2) if (e[i] !== a[i]) return differ;
  for (let i = 1; i < e.length; i += 2) {
    const conflict = ids.pair(e[i], a[i]);
    if (conflict) return [`${path}: ${conflict}`];
  }
  return [];
}

export interface ValueOptions {
  /** keys whose values are not compared at all (e.g. the stand-in's commands of a Python analysis) */
  skip?: ReadonlySet<string>;
  /** also report keys missing on either side, for a replay with no shape pass (shape.ts) */
  keys?: boolean;
  /** with `keys`: keys the simulator may add that the capture lacks */
  extra?: ReadonlySet<string>;
  /** keys whose string values the robot generated without an id's look (serial numbers): paired like ids */
  idKeys?: ReadonlySet<string>;
  /** keys whose arrays compare as multisets (robot-server's 422 lists, whose order changed between recordings) */
  unordered?: ReadonlySet<string>;
}

export function compareValues(expected: unknown, actual: unknown, ids: IdMap, opts: ValueOptions = {}, path = '$'): string[] {
  if (typeof expected === 'string' && typeof actual === 'string') {
    // a serialised command list (commandsAsPreSerializedList) compares by what its strings hold
    const e = parseObject(expected);
    const a = parseObject(actual);
    if (e !== undefined && a !== undefined) return compareValues(e, a, ids, opts, `${path}(json)`);
    return compareString(expected, actual, ids, path);
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const problems: string[] = [];
    if (expected.length !== actual.length) problems.push(`${path}: expected ${expected.length} element(s), got ${actual.length}`);
    for (let i = 0; i < Math.min(expected.length, actual.length); i++) problems.push(...compareValues(expected[i], actual[i], ids, opts, `${path}[${i}]`));
    return problems;
  }
  if (isRecord(expected) && isRecord(actual)) {
    const problems: string[] = [];
    for (const k of Object.keys(expected)) {
      if (opts.skip?.has(k)) continue;
      const e = expected[k];
      const a = actual[k];
      if (opts.idKeys?.has(k) && typeof e === 'string' && typeof a === 'string') {
        const conflict = ids.pairValue(e, a);
        if (conflict) problems.push(`${path}.${k}: ${conflict}`);
        continue;
      }
      if (opts.unordered?.has(k) && Array.isArray(e) && Array.isArray(a)) {
        const order = (x: unknown[]): unknown[] => [...x].sort((p, q) => JSON.stringify(p).localeCompare(JSON.stringify(q)));
        problems.push(...compareValues(order(e), order(a), ids, opts, `${path}.${k}`));
        continue;
      }
      if (k in actual) problems.push(...compareValues(e, a, ids, opts, `${path}.${k}`));
      else if (opts.keys) problems.push(`${path}.${k}: missing`);
    }
    if (opts.keys) for (const k of Object.keys(actual)) if (!(k in expected) && !opts.extra?.has(k) && !opts.skip?.has(k)) problems.push(`${path}.${k}: not in the capture`);
    return problems;
  }
  // a kind mismatch: shape.ts reports it, unless this replay has no shape pass
  if (typeof expected === 'object' || typeof actual === 'object') return opts.keys && expected !== actual ? [`${path}: expected ${clip(expected)}, got ${clip(actual)}`] : [];
  // robot-server computes positions in floating point (4.550000000000002 for 4.55)
  if (typeof expected === 'number' && typeof actual === 'number' && Math.abs(expected - actual) < 1e-9) return [];
  return Object.is(expected, actual) ? [] : [`${path}: expected ${clip(expected)}, got ${clip(actual)}`];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A JSON object held in a string, or undefined when the string is not one. */
function parseObject(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return isRecord(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
