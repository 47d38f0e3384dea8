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

export function compareValues(expected: unknown, actual: unknown, ids: IdMap, path = '$'): string[] {
  if (typeof expected === 'string' && typeof actual === 'string') return compareString(expected, actual, ids, path);
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const problems: string[] = [];
    if (expected.length !== actual.length) problems.push(`${path}: expected ${expected.length} element(s), got ${actual.length}`);
    for (let i = 0; i < Math.min(expected.length, actual.length); i++) problems.push(...compareValues(expected[i], actual[i], ids, `${path}[${i}]`));
    return problems;
  }
  if (expected && actual && typeof expected === 'object' && typeof actual === 'object' && !Array.isArray(expected) && !Array.isArray(actual)) {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    return Object.keys(e).filter((k) => k in a).flatMap((k) => compareValues(e[k], a[k], ids, `${path}.${k}`));
  }
  if (typeof expected === 'object' || typeof actual === 'object') return []; // a kind mismatch: shape.ts reports it
  return Object.is(expected, actual) ? [] : [`${path}: expected ${clip(expected)}, got ${clip(actual)}`];
}
