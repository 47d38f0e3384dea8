// What the simulated robot reads from a Python protocol without running it: the top-level
// `metadata` and `requirements` dicts, the presence of `def run(`, the run-time parameter
// definitions in `add_parameters`, the literal messages of `.pause("...")` calls, and one narrow
// static check (a pipette that aspirates before it ever picks up a tip). Everything is read from
// the source text; no Python is executed.
import { PythonSyntaxProblem, checkStructure, logicalLines, tokenize, type Token } from './python-source';
import { NOT_LITERAL, parseCallArguments, parseLiteral, type PyValue } from './python-literal';
import type { RobotType } from './types';

export const MAX_API_LEVEL: [number, number] = [2, 20];
export const MIN_FLEX_API_LEVEL: [number, number] = [2, 15];

export class PythonProtocolInvalid extends Error {}

export interface RtpDefinition {
  kind: 'int' | 'float' | 'bool' | 'str' | 'csv_file';
  variableName: string;
  displayName: string;
  description?: string;
  unit?: string;
  default?: PyValue;
  minimum?: number;
  maximum?: number;
  choices?: { displayName: string; value: PyValue }[];
}

export interface StaticTipProblem {
  line: number;
  method: string;
  pipetteName?: string;
  mount?: string;
}

export interface PythonReading {
  metadata: Record<string, PyValue>;
  robotType: RobotType;
  apiLevel: [number, number];
  /** Messages of `x.pause("...")` calls inside run(), in source order (`null`: pause without a literal message). */
  pauses: (string | null)[];
  /** Literal messages of `x.comment("...")` calls inside run(), in source order. */
  comments: string[];
  parameters: RtpDefinition[];
  /** Parameters whose definition could not be read literally (reported, not guessed). */
  unreadableParameters: string[];
  tipProblem?: StaticTipProblem;
  /** 1-based line of the first `.params.<name>` inside run(), per parameter: where a missing CSV file stops the protocol. */
  parameterUseLines: Record<string, number>;
}

function compareLevels(a: [number, number], b: [number, number]): number {
  return a[0] !== b[0] ? a[0] - b[0] : a[1] - b[1];
}

interface TopLevelParts {
  assignments: Map<string, { tokens: Token[]; start: number }>;
  functions: Map<string, { line: number; body: Token[] }[]>;
  imports: string[];
}

/** Split the token stream into top-level statements and the bodies of top-level functions. */
function topLevel(tokens: Token[]): TopLevelParts {
  const parts: TopLevelParts = { assignments: new Map(), functions: new Map(), imports: [] };
  const lines = logicalLines(tokens);
  let depth = 0;
  let currentFunction: { line: number; body: Token[] } | undefined;
  for (const raw of lines) {
    for (const t of raw) {
      if (t.kind === 'indent') depth++;
      if (t.kind === 'dedent') depth--;
    }
    const body = raw.filter((t) => t.kind !== 'indent' && t.kind !== 'dedent');
    if (body.length === 0) continue;
    if (depth === 0) {
      currentFunction = undefined;
      const first = body[0];
      if (first.kind === 'name' && (first.text === 'def' || (first.text === 'async' && body[1]?.text === 'def'))) {
        const nameToken = first.text === 'def' ? body[1] : body[2];
        if (nameToken) {
          currentFunction = { line: first.line, body: [] };
          const list = parts.functions.get(nameToken.text) ?? [];
          list.push(currentFunction);
          parts.functions.set(nameToken.text, list);
        }
      } else if (first.kind === 'name' && (first.text === 'import' || first.text === 'from')) {
        parts.imports.push(body.map((t) => t.text).join(' '));
      } else if (first.kind === 'name' && body[1]?.kind === 'op' && body[1].text === '=') {
        parts.assignments.set(first.text, { tokens: [...body, { kind: 'newline', text: '\n', line: first.line }], start: 2 });
      } else if (first.kind === 'name' && body[1]?.kind === 'op' && body[1].text === ':' && body.some((t) => t.text === '=')) {
        // Annotated assignment: `metadata: dict = {...}`.
        const eq = body.findIndex((t) => t.kind === 'op' && t.text === '=');
        parts.assignments.set(first.text, { tokens: [...body, { kind: 'newline', text: '\n', line: first.line }], start: eq + 1 });
      }
    } else if (currentFunction) {
      currentFunction.body.push(...body, { kind: 'newline', text: '\n', line: body[body.length - 1].line });
    }
  }
  return parts;
}

function readDict(parts: TopLevelParts, name: string, fileName: string): Record<string, PyValue> | undefined {
  const a = parts.assignments.get(name);
  if (!a) return undefined;
  const v = parseLiteral(a.tokens, a.start);
  if (v.value === NOT_LITERAL || typeof v.value !== 'object' || v.value === null || Array.isArray(v.value)) {
    throw new PythonProtocolInvalid(`${name} in ${fileName} must be a dict of literal values (the robot reads it without running the protocol).`);
  }
  return v.value;
}

function parseApiLevel(text: string): [number, number] {
  const m = /^(\d+)\.(\d+)$/.exec(text);
  if (!m) {
    throw new PythonProtocolInvalid(`apiLevel ${text} is incorrectly formatted. It should be major.minor, where both major and minor are numbers.`);
  }
  return [Number(m[1]), Number(m[2])];
}

/** Calls `<receiver>.<method>(...)` in a token list, in order. */
function findMethodCalls(tokens: Token[], methods: Set<string>): { receiver: string; method: string; open: number; line: number }[] {
  const calls: { receiver: string; method: string; open: number; line: number }[] = [];
  for (let k = 2; k < tokens.length - 1; k++) {
    const t = tokens[k];
    if (t.kind === 'name' && methods.has(t.text) && tokens[k - 1].text === '.' && tokens[k + 1]?.text === '(' && tokens[k - 2].kind === 'name') {
      calls.push({ receiver: tokens[k - 2].text, method: t.text, open: k + 1, line: t.line });
    }
  }
  return calls;
}

const RTP_METHODS: Record<string, RtpDefinition['kind']> = {
  add_int: 'int', add_float: 'float', add_bool: 'bool', add_str: 'str', add_csv_file: 'csv_file',
};

function readParameters(body: Token[], reading: Pick<PythonReading, 'parameters' | 'unreadableParameters'>): void {
  for (const call of findMethodCalls(body, new Set(Object.keys(RTP_METHODS)))) {
    const args = parseCallArguments(body, call.open);
    const kw = args.keyword;
    const variableName = kw.variable_name;
    const displayName = kw.display_name;
    if (typeof variableName !== 'string' || typeof displayName !== 'string') {
      reading.unreadableParameters.push(typeof variableName === 'string' ? variableName : `line ${call.line}`);
      continue;
    }
    const def: RtpDefinition = { kind: RTP_METHODS[call.method], variableName, displayName };
    if (typeof kw.description === 'string') def.description = kw.description;
    if (typeof kw.unit === 'string') def.unit = kw.unit;
    if (kw.default !== undefined && kw.default !== NOT_LITERAL) def.default = kw.default;
    if (typeof kw.minimum === 'number') def.minimum = kw.minimum;
    if (typeof kw.maximum === 'number') def.maximum = kw.maximum;
    if (Array.isArray(kw.choices)) {
      def.choices = kw.choices.flatMap((c) => {
        if (c && typeof c === 'object' && !Array.isArray(c) && typeof c.display_name === 'string' && c.value !== undefined) {
          return [{ displayName: c.display_name, value: c.value }];
        }
        return [];
      });
    }
    if (def.kind !== 'csv_file' && def.default === undefined) {
      reading.unreadableParameters.push(variableName);
      continue;
    }
    reading.parameters.push(def);
  }
}

/**
 * The one runtime failure we look for: inside run(), a pipette loaded with load_instrument whose
 * first liquid-handling call comes before any pick_up_tip (and that is never handed to another
 * function, which might pick up a tip for it). Everything else that could fail at runtime is not
 * detected.
 */
function findTipProblem(runBody: Token[]): StaticTipProblem | undefined {
  const pipettes = new Map<string, { pipetteName?: string; mount?: string }>();
  for (let k = 0; k + 4 < runBody.length; k++) {
    if (runBody[k].kind === 'name' && runBody[k + 1].text === '=' && runBody[k + 2].kind === 'name' && runBody[k + 3].text === '.'
      && runBody[k + 4].text === 'load_instrument' && runBody[k + 5]?.text === '(') {
      const args = parseCallArguments(runBody, k + 5);
      const name = args.positional[0] ?? args.keyword.instrument_name;
      const mount = args.positional[1] ?? args.keyword.mount;
      pipettes.set(runBody[k].text, {
        pipetteName: typeof name === 'string' ? name : undefined,
        mount: typeof mount === 'string' ? mount : undefined,
      });
    }
  }
  if (pipettes.size === 0) return undefined;
  // Nested functions or a pipette passed as an argument make source order meaningless.
  if (runBody.some((t) => t.kind === 'name' && (t.text === 'def' || t.text === 'lambda'))) return undefined;
  for (let k = 0; k < runBody.length; k++) {
    const t = runBody[k];
    if (t.kind === 'name' && pipettes.has(t.text) && runBody[k + 1]?.text !== '.' && runBody[k + 1]?.text !== '=') {
      const prev = runBody[k - 1]?.text;
      if (prev === '(' || prev === ',' || prev === '=' || prev === '[') pipettes.delete(t.text);
    }
  }
  const calls = findMethodCalls(runBody, new Set(['pick_up_tip', 'aspirate', 'dispense', 'mix', 'blow_out', 'touch_tip', 'transfer', 'distribute', 'consolidate', 'transfer_liquid']));
  const hasTip = new Set<string>();
  for (const call of calls) {
    const pipette = pipettes.get(call.receiver);
    if (!pipette || hasTip.has(call.receiver)) continue;
    if (['pick_up_tip', 'transfer', 'distribute', 'consolidate', 'transfer_liquid'].includes(call.method)) {
      hasTip.add(call.receiver);
      continue;
    }
    return { line: call.line, method: call.method, ...pipette };
  }
  return undefined;
}

/** Read a Python protocol. Throws PythonProtocolInvalid (→ 422 ProtocolFilesInvalid) for what the robot rejects at upload. */
export function readPythonProtocol(source: string, fileName: string): PythonReading {
  let tokens: Token[];
  try {
    tokens = tokenize(source);
    checkStructure(tokens);
  } catch (e) {
    if (e instanceof PythonSyntaxProblem) {
      const message = /\(line \d+\)$/.test(e.message) ? e.message.replace(/\(line (\d+)\)$/, `(${fileName}, line $1)`) : `${e.message} (${fileName}, line ${e.line})`;
      throw new PythonProtocolInvalid(message);
    }
    throw e;
  }
  const parts = topLevel(tokens);
  const runs = parts.functions.get('run') ?? [];
  if (runs.length > 1) throw new PythonProtocolInvalid(`More than one run function is defined (lines ${runs.map((r) => r.line).join(', ')}).`);
  if (runs.length === 0) throw new PythonProtocolInvalid("No function 'run(ctx)' defined");

  const metadata = readDict(parts, 'metadata', fileName) ?? {};
  const requirements = readDict(parts, 'requirements', fileName) ?? {};
  const unexpected = Object.keys(requirements).filter((k) => k !== 'apiLevel' && k !== 'robotType');
  if (unexpected.length > 0) {
    throw new PythonProtocolInvalid(`Unrecognized ${unexpected.length === 1 ? 'key' : 'keys'} in requirements dict: ${unexpected.map((k) => `'${k}'`).join(', ')}. Allowed keys: 'apiLevel', 'robotType'.`);
  }
  if ('apiLevel' in metadata && 'apiLevel' in requirements) {
    throw new PythonProtocolInvalid('You may only put apiLevel in the metadata dict or the requirements dict, not both.');
  }
  const levelText = requirements.apiLevel ?? metadata.apiLevel;
  if (levelText === undefined) {
    // Without apiLevel the robot treats a file as a Protocol API v1 protocol, which 8.x no longer runs.
    throw new PythonProtocolInvalid('The protocol does not declare apiLevel in its metadata or requirements dict; Protocol API v1 protocols are not supported by this robot software.');
  }
  const apiLevel = parseApiLevel(String(levelText));
  if (compareLevels(apiLevel, [2, 0]) < 0) {
    throw new PythonProtocolInvalid('Protocol API v1 protocols are not supported by this robot software.');
  }
  if (compareLevels(apiLevel, MAX_API_LEVEL) > 0) {
    throw new PythonProtocolInvalid(`API version ${apiLevel.join('.')} is not supported by this robot software. Please either reduce your requested API version or update your robot.`);
  }
  const rawRobotType = requirements.robotType ?? 'OT-2';
  let robotType: RobotType;
  if (rawRobotType === 'OT-2') robotType = 'OT-2 Standard';
  else if (rawRobotType === 'Flex' || rawRobotType === 'OT-3') robotType = 'OT-3 Standard';
  else throw new PythonProtocolInvalid(`robotType must be 'OT-2' or 'Flex', not '${String(rawRobotType)}'.`);
  if (robotType === 'OT-3 Standard' && compareLevels(apiLevel, MIN_FLEX_API_LEVEL) < 0) {
    throw new PythonProtocolInvalid(`The Opentrons Flex only supports apiLevel ${MIN_FLEX_API_LEVEL.join('.')} or newer.`);
  }

  const runBody = runs[0].body;
  const pauses: (string | null)[] = [];
  const comments: string[] = [];
  for (const call of findMethodCalls(runBody, new Set(['pause', 'comment']))) {
    const args = parseCallArguments(runBody, call.open);
    const message = args.positional[0] ?? args.keyword.msg;
    if (call.method === 'pause') pauses.push(typeof message === 'string' ? message : null);
    else if (typeof message === 'string') comments.push(message);
  }
  const reading: PythonReading = {
    metadata, robotType, apiLevel, pauses, comments, parameters: [], unreadableParameters: [], parameterUseLines: {},
  };
  const addParameters = parts.functions.get('add_parameters')?.[0];
  if (addParameters) readParameters(addParameters.body, reading);
  reading.tipProblem = findTipProblem(runBody);
  reading.parameterUseLines = parameterUseLines(source, reading.parameters.map((p) => p.variableName));
  return reading;
}

/** Text search is enough here: the line is only quoted in an error detail, as the robot quotes it. */
function parameterUseLines(source: string, names: string[]): Record<string, number> {
  const lines = source.split(/\r?\n/);
  const runLine = lines.findIndex((l) => /^def\s+run\s*\(/.test(l));
  const out: Record<string, number> = {};
  for (const name of names) {
    const use = new RegExp(`\\.params\\.${name}\\b`);
    const i = lines.findIndex((l, n) => n > runLine && use.test(l));
    if (runLine >= 0 && i >= 0) out[name] = i + 1;
  }
  return out;
}
