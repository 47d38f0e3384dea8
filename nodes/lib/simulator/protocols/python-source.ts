// A small, honest reader of Python protocol source text. It does not run or interpret Python:
// it tokenizes enough to find plainly broken syntax (unclosed brackets or strings, a compound
// statement header without its ':', a missing indented block) and to read the literal values of
// a few top-level assignments and call arguments.

export interface Token {
  kind: 'name' | 'number' | 'string' | 'op' | 'newline' | 'indent' | 'dedent';
  text: string;
  /** The string's value for kind 'string' (escapes decoded for the common cases). */
  value?: string;
  line: number;
}

export class PythonSyntaxProblem extends Error {
  constructor(message: string, readonly line: number) {
    super(message);
  }
}

const OPENERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const CLOSERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
const THREE_CHAR_OPS = ['**=', '//=', '>>=', '<<=', '...', '!=='];
const TWO_CHAR_OPS = ['==', '!=', '<=', '>=', '->', '**', '//', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<', '>>', ':=', '@='];

function decodeEscapes(raw: string): string {
  return raw.replace(/\\(n|t|r|\\|'|"|\n)/g, (_m, c: string) => {
    switch (c) {
      case 'n': return '\n';
      case 't': return '\t';
      case 'r': return '\r';
      case '\n': return '';
      default: return c;
    }
  });
}

/**
 * Tokenize Python source into logical lines with INDENT/DEDENT, as CPython's tokenizer does for
 * the subset of the language protocols use. Throws PythonSyntaxProblem with CPython-like wording.
 */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const indents: number[] = [0];
  const brackets: { ch: string; line: number }[] = [];
  let i = 0;
  let line = 1;
  let atLineStart = true;
  const n = source.length;

  while (i < n) {
    if (atLineStart && brackets.length === 0) {
      // Measure indentation; blank and comment-only lines do not count.
      let col = 0;
      let j = i;
      while (j < n && (source[j] === ' ' || source[j] === '\t')) {
        col += source[j] === '\t' ? 8 - (col % 8) : 1;
        j++;
      }
      if (j >= n) { i = j; break; }
      if (source[j] === '\n' || source[j] === '#' || source[j] === '\r') {
        while (j < n && source[j] !== '\n') j++;
        i = j + 1;
        line++;
        continue;
      }
      const current = indents[indents.length - 1];
      if (col > current) {
        indents.push(col);
        tokens.push({ kind: 'indent', text: '', line });
      } else if (col < current) {
        while (indents.length > 1 && col < indents[indents.length - 1]) {
          indents.pop();
          tokens.push({ kind: 'dedent', text: '', line });
        }
        if (col !== indents[indents.length - 1]) {
          throw new PythonSyntaxProblem(`unindent does not match any outer indentation level (line ${line})`, line);
        }
      }
      i = j;
      atLineStart = false;
    }
    const ch = source[i];
    if (ch === '\n') {
      if (brackets.length === 0) {
        tokens.push({ kind: 'newline', text: '\n', line });
        atLineStart = true;
      }
      line++;
      i++;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\f') { i++; continue; }
    if (ch === '#') {
      while (i < n && source[i] !== '\n') i++;
      continue;
    }
    if (ch === '\\' && source[i + 1] === '\n') { i += 2; line++; continue; }

    // String literals, with optional prefixes (r, b, f, u and combinations).
    const stringStart = /^([rRbBuUfF]{0,2})('''|"""|'|")/.exec(source.slice(i, i + 5));
    if (stringStart && (stringStart[1] === '' || /[A-Za-z]/.test(ch))) {
      const prefix = stringStart[1];
      const quote = stringStart[2];
      const startLine = line;
      let j = i + prefix.length + quote.length;
      let closed = false;
      while (j < n) {
        const c = source[j];
        if (c === '\\') {
          if (source[j + 1] === '\n') line++;
          j += 2;
          continue;
        }
        if (source.startsWith(quote, j)) { closed = true; break; }
        if (c === '\n') {
          if (quote.length === 1) break;
          line++;
        }
        j++;
      }
      if (!closed) {
        if (quote.length === 3) {
          throw new PythonSyntaxProblem(`unterminated triple-quoted string literal (detected at line ${line})`, startLine);
        }
        throw new PythonSyntaxProblem(`unterminated string literal (detected at line ${startLine})`, startLine);
      }
      const raw = source.slice(i + prefix.length + quote.length, j);
      const isRaw = /[rR]/.test(prefix);
      tokens.push({ kind: 'string', text: source.slice(i, j + quote.length), value: isRaw ? raw : decodeEscapes(raw), line: startLine });
      i = j + quote.length;
      continue;
    }
    const name = /^[A-Za-z_\u00c0-\uffff][A-Za-z0-9_\u00c0-\uffff]*/.exec(source.slice(i, i + 200));
    if (name) {
      tokens.push({ kind: 'name', text: name[0], line });
      i += name[0].length;
      continue;
    }
    const num = /^(0[xXoObB][0-9a-fA-F_]+|(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d+)?[jJ]?)/.exec(source.slice(i, i + 100));
    if (num && num[0] !== '.') {
      tokens.push({ kind: 'number', text: num[0], line });
      i += num[0].length;
      continue;
    }
    if (OPENERS[ch]) {
      brackets.push({ ch, line });
      tokens.push({ kind: 'op', text: ch, line });
      i++;
      continue;
    }
    if (CLOSERS[ch]) {
      const open = brackets.pop();
      if (!open) throw new PythonSyntaxProblem(`unmatched '${ch}'`, line);
      if (open.ch !== CLOSERS[ch]) {
        throw new PythonSyntaxProblem(
          `closing parenthesis '${ch}' does not match opening parenthesis '${open.ch}'` + (open.line !== line ? ` on line ${open.line}` : ''),
          line,
        );
      }
      tokens.push({ kind: 'op', text: ch, line });
      i++;
      continue;
    }
    const three = source.slice(i, i + 3);
    const two = source.slice(i, i + 2);
    if (THREE_CHAR_OPS.includes(three)) { tokens.push({ kind: 'op', text: three, line }); i += 3; continue; }
    if (TWO_CHAR_OPS.includes(two)) { tokens.push({ kind: 'op', text: two, line }); i += 2; continue; }
    if ('+-*/%&|^~<>=.,:;@!'.includes(ch)) { tokens.push({ kind: 'op', text: ch, line }); i++; continue; }
    if (ch === '$' || ch === '?' || ch === '`') throw new PythonSyntaxProblem('invalid syntax', line);
    // Any other character (e.g. a non-breaking space) is an invalid character in Python.
    throw new PythonSyntaxProblem(`invalid character '${ch}' (U+${ch.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')})`, line);
  }
  if (brackets.length > 0) {
    const open = brackets[brackets.length - 1];
    throw new PythonSyntaxProblem(`'${open.ch}' was never closed`, open.line);
  }
  if (tokens.length > 0 && tokens[tokens.length - 1].kind !== 'newline') tokens.push({ kind: 'newline', text: '\n', line });
  while (indents.length > 1) {
    indents.pop();
    tokens.push({ kind: 'dedent', text: '', line });
  }
  return tokens;
}

/** The logical lines of a token stream (each without its NEWLINE), with INDENT/DEDENT kept as markers. */
export function logicalLines(tokens: Token[]): Token[][] {
  const lines: Token[][] = [];
  let current: Token[] = [];
  for (const t of tokens) {
    if (t.kind === 'newline') {
      if (current.length > 0) lines.push(current);
      current = [];
    } else {
      current.push(t);
    }
  }
  if (current.length > 0) lines.push(current);
  return lines;
}

const COMPOUND_KEYWORDS = new Set(['def', 'class', 'if', 'elif', 'else', 'for', 'while', 'with', 'try', 'except', 'finally', 'async']);
const BLOCK_NAMES: Record<string, string> = {
  def: 'function definition', class: 'class definition', if: "'if' statement", elif: "'elif' statement",
  else: "'else' statement", for: "'for' statement", while: "'while' statement", with: "'with' statement",
  try: "'try' statement", except: "'except' statement", finally: "'finally' statement",
};

/**
 * Check the statement structure that plainly broken protocols get wrong. Returns nothing when the
 * source passes; throws PythonSyntaxProblem otherwise. This is deliberately not a full parser: it
 * rejects only what CPython would certainly reject, and lets everything else through.
 */
export function checkStructure(tokens: Token[]): void {
  const lines = logicalLines(tokens);
  for (let k = 0; k < lines.length; k++) {
    const body = lines[k].filter((t) => t.kind !== 'indent' && t.kind !== 'dedent');
    if (body.length === 0) continue;
    const first = body[0];
    if (first.kind !== 'name' || !COMPOUND_KEYWORDS.has(first.text)) continue;
    // `else`/`if` inside an expression line (e.g. `x = a if b else c`) never start a line.
    const keyword = first.text === 'async' && body[1] ? body[1].text : first.text;
    if (!BLOCK_NAMES[keyword]) continue;
    let depth = 0;
    let colonAt = -1;
    for (let m = 0; m < body.length; m++) {
      const t = body[m];
      if (t.kind === 'op' && OPENERS[t.text]) depth++;
      else if (t.kind === 'op' && CLOSERS[t.text]) depth--;
      else if (t.kind === 'op' && t.text === ':' && depth === 0 && !(t.text === ':' && isLambdaColon(body, m))) {
        colonAt = m;
        break;
      }
    }
    if (colonAt < 0) throw new PythonSyntaxProblem("expected ':'", body[body.length - 1].line);
    if (colonAt === body.length - 1) {
      // A header ending with ':' needs an indented block on the next logical line.
      const next = lines[k + 1];
      if (!next || next[0].kind !== 'indent') {
        const nextLine = next ? next.find((t) => t.kind !== 'dedent')?.line ?? first.line + 1 : first.line + 1;
        throw new PythonSyntaxProblem(`expected an indented block after ${BLOCK_NAMES[keyword]} on line ${first.line}`, nextLine);
      }
    }
  }
}

function isLambdaColon(body: Token[], colonIndex: number): boolean {
  // A ':' that closes a lambda's parameters at depth 0 (rare in headers) is not the header's colon.
  let lambdas = 0;
  let colons = 0;
  for (let m = 0; m < colonIndex; m++) {
    if (body[m].kind === 'name' && body[m].text === 'lambda') lambdas++;
    if (body[m].kind === 'op' && body[m].text === ':') colons++;
  }
  return lambdas > colons;
}
