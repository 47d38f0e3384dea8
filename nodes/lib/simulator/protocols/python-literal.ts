// Reads Python literals (dict, list, tuple, str, int, float, True/False/None, unary minus) from a
// token stream. Anything that is not a plain literal (a variable, a call, an f-string) is reported
// as NOT_LITERAL rather than guessed.
import type { Token } from './python-source';

export const NOT_LITERAL = Symbol('not a literal');
export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };
export type LiteralResult = { value: PyValue | typeof NOT_LITERAL; next: number };

const CLOSE: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** Index just past the expression starting at `i` (stops at a depth-0 ',' or closing bracket). */
export function skipExpression(tokens: Token[], i: number): number {
  let depth = 0;
  for (let k = i; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.kind === 'newline' && depth === 0) return k;
    if (t.kind !== 'op') continue;
    if (CLOSE[t.text]) depth++;
    else if (t.text === ')' || t.text === ']' || t.text === '}') {
      if (depth === 0) return k;
      depth--;
    } else if ((t.text === ',' || t.text === ':') && depth === 0) return k;
  }
  return tokens.length;
}

function parseNumber(text: string): number | undefined {
  const clean = text.replace(/_/g, '');
  if (/[jJ]$/.test(clean)) return undefined;
  if (/^0[xX]/.test(clean)) return parseInt(clean.slice(2), 16);
  if (/^0[oO]/.test(clean)) return parseInt(clean.slice(2), 8);
  if (/^0[bB]/.test(clean)) return parseInt(clean.slice(2), 2);
  const v = Number(clean);
  return Number.isFinite(v) ? v : undefined;
}

/** Whether a number token is written as a float (so `6.0` stays a float parameter). */
export function isFloatText(text: string): boolean {
  return /[.eE]/.test(text) && !/^0[xX]/.test(text);
}

export function parseLiteral(tokens: Token[], i: number): LiteralResult {
  const t = tokens[i];
  const end = skipExpression(tokens, i);
  const fail = (): LiteralResult => ({ value: NOT_LITERAL, next: end });
  if (!t) return fail();
  let result: LiteralResult;
  if (t.kind === 'string') {
    // Adjacent string literals concatenate; f-strings are not literals.
    let value = '';
    let k = i;
    while (tokens[k]?.kind === 'string') {
      if (/^[rRbBuU]*[fF]/.test(tokens[k].text)) return fail();
      value += tokens[k].value ?? '';
      k++;
    }
    result = { value, next: k };
  } else if (t.kind === 'number') {
    const v = parseNumber(t.text);
    if (v === undefined) return fail();
    result = { value: v, next: i + 1 };
  } else if (t.kind === 'op' && t.text === '-' && tokens[i + 1]?.kind === 'number') {
    const v = parseNumber(tokens[i + 1].text);
    if (v === undefined) return fail();
    result = { value: -v, next: i + 2 };
  } else if (t.kind === 'name' && (t.text === 'True' || t.text === 'False' || t.text === 'None')) {
    result = { value: t.text === 'None' ? null : t.text === 'True', next: i + 1 };
  } else if (t.kind === 'op' && (t.text === '[' || t.text === '(')) {
    const items: PyValue[] = [];
    let k = i + 1;
    const closer = CLOSE[t.text];
    while (tokens[k] && !(tokens[k].kind === 'op' && tokens[k].text === closer)) {
      const item = parseLiteral(tokens, k);
      if (item.value === NOT_LITERAL) return fail();
      items.push(item.value);
      k = item.next;
      if (tokens[k]?.kind === 'op' && tokens[k].text === ',') k++;
      else if (!(tokens[k]?.kind === 'op' && tokens[k].text === closer)) return fail();
    }
    if (!tokens[k]) return fail();
    result = { value: items, next: k + 1 };
  } else if (t.kind === 'op' && t.text === '{') {
    const obj: { [key: string]: PyValue } = {};
    let k = i + 1;
    while (tokens[k] && !(tokens[k].kind === 'op' && tokens[k].text === '}')) {
      const key = parseLiteral(tokens, k);
      if (key.value === NOT_LITERAL || !(tokens[key.next]?.kind === 'op' && tokens[key.next].text === ':')) return fail();
      const value = parseLiteral(tokens, key.next + 1);
      if (value.value === NOT_LITERAL) return fail();
      obj[String(key.value)] = value.value;
      k = value.next;
      if (tokens[k]?.kind === 'op' && tokens[k].text === ',') k++;
      else if (!(tokens[k]?.kind === 'op' && tokens[k].text === '}')) return fail();
    }
    if (!tokens[k]) return fail();
    result = { value: obj, next: k + 1 };
  } else {
    return fail();
  }
  // A literal followed by more expression (e.g. `"a" + x`, `2 * 3`) is not a plain literal.
  if (result.next !== end) return fail();
  return result;
}

export interface CallArguments {
  positional: (PyValue | typeof NOT_LITERAL)[];
  keyword: Record<string, PyValue | typeof NOT_LITERAL>;
  /** Token index just past the closing ')'. */
  next: number;
}

/** Read the arguments of a call whose '(' is at index `open`. */
export function parseCallArguments(tokens: Token[], open: number): CallArguments {
  const args: CallArguments = { positional: [], keyword: {}, next: open + 1 };
  let k = open + 1;
  while (tokens[k] && !(tokens[k].kind === 'op' && tokens[k].text === ')')) {
    if (tokens[k].kind === 'name' && tokens[k + 1]?.kind === 'op' && tokens[k + 1].text === '=') {
      const v = parseLiteral(tokens, k + 2);
      args.keyword[tokens[k].text] = v.value;
      k = v.next;
    } else {
      const v = parseLiteral(tokens, k);
      args.positional.push(v.value);
      k = v.next;
    }
    if (tokens[k]?.kind === 'op' && tokens[k].text === ',') k++;
    else if (!(tokens[k]?.kind === 'op' && tokens[k].text === ')')) {
      // Something we cannot read (e.g. a generator expression); skip to the matching ')'.
      let depth = 0;
      while (tokens[k]) {
        const t = tokens[k];
        if (t.kind === 'op' && CLOSE[t.text]) depth++;
        if (t.kind === 'op' && (t.text === ')' || t.text === ']' || t.text === '}')) {
          if (depth === 0) break;
          depth--;
        }
        k++;
      }
    }
  }
  args.next = k + 1;
  return args;
}
