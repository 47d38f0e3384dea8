// Reading what opentrons-command should send from a msg and the node's editor settings. Pure
// functions (no Node-RED, no network) so every rule about where a command comes from is testable.
import { InputError } from './errors';
import type { CommandIntent, JsonObject } from './types';

/** One command as the node sends it (the robot's CommandCreate) before validation. */
export interface CommandInput {
  commandType: string;
  params: JsonObject;
  intent?: CommandIntent;
  key?: string;
}

/** Where the command comes from; `editor-params` means "evaluate the editor's params typedInput". */
export type CommandSource =
  | { kind: 'single'; commandType: string; params: JsonObject | 'editor-params' }
  | { kind: 'payload'; commands: CommandInput[]; batch: boolean };

const INTENTS: readonly string[] = ['setup', 'protocol', 'fixit'];

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function ownValue(obj: object, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}

export function paramsObject(value: unknown, what: string): JsonObject {
  if (value === undefined || value === null || value === '') return {};
  if (!isPlainObject(value)) {
    throw new InputError(`${what} must be an object like {"volume": 10} (got ${Array.isArray(value) ? 'an array' : typeof value})`);
  }
  return value;
}

export function parseIntent(value: unknown, what: string): CommandIntent | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !INTENTS.includes(value)) {
    throw new InputError(`${what} must be "setup", "protocol" or "fixit" (got ${JSON.stringify(value)})`);
  }
  return value as CommandIntent;
}

/**
 * Precedence, as design.md's "a msg property overrides the editor": `msg.commandType` (+ `msg.params`),
 * else the editor's command type (+ `msg.params` or the editor's params), else `msg.payload` as one
 * command `{commandType, params, intent?, key?}` or an array of them.
 */
export function commandSource(msg: object, editorCommandType: string): CommandSource {
  const msgType = ownValue(msg, 'commandType');
  const msgParams = ownValue(msg, 'params');
  const editorType = editorCommandType.trim();
  if (msgType !== undefined && msgType !== null && msgType !== '') {
    if (typeof msgType !== 'string' || msgType.trim() === '') {
      throw new InputError(`msg.commandType must be a command type name like "home" (got ${typeof msgType})`);
    }
    const type = msgType.trim();
    // Editor params were written for the editor's type; with another type from the msg they would not fit.
    const params = msgParams !== undefined ? paramsObject(msgParams, 'msg.params') : type === editorType ? 'editor-params' : {};
    return { kind: 'single', commandType: type, params };
  }
  if (editorType) {
    return { kind: 'single', commandType: editorType, params: msgParams !== undefined ? paramsObject(msgParams, 'msg.params') : 'editor-params' };
  }
  const payload = ownValue(msg, 'payload');
  if (Array.isArray(payload)) {
    if (payload.length === 0) throw new InputError('msg.payload is an empty array: give at least one command {commandType, params}');
    return { kind: 'payload', batch: true, commands: payload.map((item, i) => payloadCommand(item, `msg.payload[${i}]`)) };
  }
  if (isPlainObject(payload) && ownValue(payload, 'commandType') !== undefined) {
    return { kind: 'payload', batch: false, commands: [payloadCommand(payload, 'msg.payload')] };
  }
  throw new InputError(
    'no command to send: choose a command type in the node, or set msg.commandType (and msg.params), ' +
      'or msg.payload = {commandType, params} or an array of them',
  );
}

function payloadCommand(item: unknown, what: string): CommandInput {
  if (!isPlainObject(item)) throw new InputError(`${what} must be a command {commandType, params, intent?, key?} (got ${Array.isArray(item) ? 'an array' : typeof item})`);
  // A command the robot already answered (a previous node's output) must not be sent again by accident.
  if (ownValue(item, 'id') !== undefined && ownValue(item, 'status') !== undefined) {
    throw new InputError(
      `${what} is a command the robot already ran (it has an id and a status): set this node's command type, ` +
        'or msg.commandType, to send a new command',
    );
  }
  const type = ownValue(item, 'commandType');
  if (typeof type !== 'string' || type.trim() === '') throw new InputError(`${what}.commandType is required: a command type name like "home"`);
  const cmd: CommandInput = { commandType: type.trim(), params: paramsObject(ownValue(item, 'params'), `${what}.params`) };
  const intent = parseIntent(ownValue(item, 'intent'), `${what}.intent`);
  if (intent) cmd.intent = intent;
  const key = ownValue(item, 'key');
  if (key !== undefined && key !== null && key !== '') {
    if (typeof key !== 'string') throw new InputError(`${what}.key must be a string`);
    cmd.key = key;
  }
  return cmd;
}

export function parseWait(value: unknown, what: string): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InputError(`${what} must be true or false (got ${JSON.stringify(value)})`);
}

/** The longest command wait accepted: a day. Node's timers cannot go beyond 24.8 days: a larger value
 *  would fire at once, after the command was sent, and report a timeout for a command that runs. */
export const MAX_TIMEOUT_MS = 86_400_000;

/** A timeout in ms: a whole number above 0 (the robot refuses 0 and negatives), at most a day. */
export function parseTimeoutMs(value: unknown, what: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0 || n > MAX_TIMEOUT_MS) {
    throw new InputError(`${what} must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS} (a day) (got ${JSON.stringify(value)})`);
  }
  return n;
}

/** A name for `msg.ids.<name>`: letters, digits and `_`, so `ids.<name>` works as is in JSONata. */
export function parseIdName(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(value) || value === '__proto__' || value === 'constructor' || value === 'prototype') {
    throw new InputError(`"store id as" must be a name like "tiprack" (letters, digits or _; got ${JSON.stringify(value)})`);
  }
  return value;
}
