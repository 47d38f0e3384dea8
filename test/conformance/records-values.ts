// By-value comparison of a captured JSON body with the simulator's: every value must be equal, with
// robot-generated ids mapped (a new id seen for the first time is learned, a known one must match)
// and timestamps skipped. What a caller tolerates is named per key with its reason.
import type { IdMap } from './ids';

const ID_LIKE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIMESTAMPS = new Set(['createdAt', 'startedAt', 'completedAt']);

export interface ValueOptions {
  /** keys whose value is not compared at all (e.g. the stand-in's commands of a Python analysis) */
  skip?: Set<string>;
  /** keys the simulator may add that the capture lacks */
  extra?: Set<string>;
}

export function compareValues(expected: unknown, actual: unknown, ids: IdMap, opts: ValueOptions = {}, path = '$'): string[] {
  if (typeof expected === 'string' && typeof actual === 'string') {
    // a list of serialised commands (commandsAsPreSerializedList) compares by what the strings hold
    if (expected.startsWith('{') && actual.startsWith('{')) {
      try {
        return compareValues(JSON.parse(expected), JSON.parse(actual), ids, opts, `${path}(json)`);
      } catch {
        // not JSON after all: compared as text below
      }
    }
    const mapped = ids.apply(expected);
    if (mapped === actual) return [];
    if (mapped === expected && ID_LIKE.test(expected) && ID_LIKE.test(actual)) {
      ids.learn(expected, actual);
      return [];
    }
    // ids inside a text (an href, an error detail) map too
    return mapped === actual ? [] : [`${path}: expected ${JSON.stringify(mapped)}, got ${JSON.stringify(actual)}`];
  }
  if (Array.isArray(expected) || Array.isArray(actual)) {
    if (!Array.isArray(expected) || !Array.isArray(actual)) return [`${path}: expected ${JSON.stringify(expected)?.slice(0, 80)}, got ${JSON.stringify(actual)?.slice(0, 80)}`];
    if (expected.length !== actual.length) return [`${path}: expected ${expected.length} items, got ${actual.length}`];
    return expected.flatMap((e, i) => compareValues(e, actual[i], ids, opts, `${path}[${i}]`));
  }
  if (expected && actual && typeof expected === 'object' && typeof actual === 'object') {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    const out: string[] = [];
    for (const k of Object.keys(e)) {
      if (TIMESTAMPS.has(k) || opts.skip?.has(k)) continue;
      if (!(k in a)) out.push(`${path}.${k}: missing`);
      else out.push(...compareValues(e[k], a[k], ids, opts, `${path}.${k}`));
    }
    for (const k of Object.keys(a)) if (!(k in e) && !opts.extra?.has(k) && !opts.skip?.has(k)) out.push(`${path}.${k}: not in the capture`);
    return out;
  }
  // robot-server computes positions in floating point (4.550000000000002 for 4.55)
  if (typeof expected === 'number' && typeof actual === 'number' && Math.abs(expected - actual) < 1e-9) return [];
  return Object.is(expected, actual) ? [] : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}
