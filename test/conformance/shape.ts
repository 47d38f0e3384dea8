// Structural comparison of a captured JSON body with the simulator's: keys present/absent and value
// types, recursively; arrays by element shape. Values are not compared (ids, timestamps and texts
// differ by design), except where the caller checks them itself (status codes, error ids).

export interface ShapeOptions {
  /** keys the simulator may add that the real robot does not send (documented extensions) */
  extensionKeys: Set<string>;
  /** key names whose array may be empty on one side and not the other (with a reason in the test) */
  emptyTolerant: Set<string>;
}

type Json = unknown;

function kind(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function isObj(v: Json): v is Record<string, Json> {
  return kind(v) === 'object';
}

/** Command-like objects carry commandType-specific `params`/`result`; compare those opaquely across types. */
const PER_TYPE_KEYS = new Set(['params', 'result', 'errorInfo']);

export function compareShape(expected: Json, actual: Json, opts: ShapeOptions, path = '$', opaque = false): string[] {
  const ek = kind(expected);
  const ak = kind(actual);
  if (ek !== ak) return [`${path}: expected ${ek}, got ${ak}`];
  if (opaque) return [];
  if (isObj(expected) && isObj(actual)) {
    if (typeof expected.commandType === 'string' && typeof actual.commandType === 'string' && expected.commandType !== actual.commandType) {
      return compareCommandAcrossTypes(expected, actual, opts, path);
    }
    const problems: string[] = [];
    for (const k of Object.keys(expected)) {
      if (!(k in actual)) problems.push(`${path}.${k}: missing`);
    }
    for (const k of Object.keys(actual)) {
      if (!(k in expected) && !opts.extensionKeys.has(k)) problems.push(`${path}.${k}: unexpected key`);
    }
    for (const k of Object.keys(expected)) {
      if (k in actual) problems.push(...compareShape(expected[k], actual[k], opts, `${path}.${k}`));
    }
    return problems;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const key = /\.([A-Za-z_]+)$/.exec(path)?.[1] ?? '';
    if (expected.length === 0 || actual.length === 0) {
      if (expected.length === actual.length || opts.emptyTolerant.has(key)) return [];
      return [`${path}: expected ${expected.length === 0 ? 'an empty' : 'a non-empty'} array, got ${actual.length} element(s)`];
    }
    const problems: string[] = [];
    actual.forEach((a, i) => {
      const sameType = isObj(a) && typeof a.commandType === 'string'
        ? expected.filter((e) => isObj(e) && e.commandType === a.commandType)
        : [];
      const candidates = sameType.length > 0 ? sameType : expected;
      let best: string[] | undefined;
      for (const e of candidates) {
        const crossType = sameType.length === 0 && isObj(a) && typeof a.commandType === 'string';
        const p = crossType ? compareCommandAcrossTypes(e, a, opts, `${path}[${i}]`) : compareShape(e, a, opts, `${path}[${i}]`);
        if (p.length === 0) return;
        if (!best || p.length < best.length) best = p;
      }
      problems.push(...(best ?? []));
    });
    return problems;
  }
  return [];
}

function compareCommandAcrossTypes(expected: Json, actual: Json, opts: ShapeOptions, path: string): string[] {
  if (!isObj(expected) || !isObj(actual)) return compareShape(expected, actual, opts, path);
  const problems: string[] = [];
  for (const k of Object.keys(expected)) if (!(k in actual)) problems.push(`${path}.${k}: missing`);
  for (const k of Object.keys(actual)) if (!(k in expected) && !opts.extensionKeys.has(k)) problems.push(`${path}.${k}: unexpected key`);
  for (const k of Object.keys(expected)) {
    if (k in actual) problems.push(...compareShape(expected[k], actual[k], opts, `${path}.${k}`, PER_TYPE_KEYS.has(k)));
  }
  return problems;
}
