/**
 * The command resource (full and summary forms), error occurrences, and validation of command requests
 * against the shipped command schema 9 (one `...Create` definition per commandType, looked up by hand:
 * Ajv's own discriminator support rejects the schema's `mapping`).
 */
import { createHash } from 'node:crypto';
import Ajv, { type ErrorObject as AjvError, type ValidateFunction } from 'ajv';
import schema9 from '../data/command-schema-9.json';
import { invalidRequest, invalidRequests } from './errors';
import { isObject } from './http';
import { newId, timestamp } from './clock';

export type CommandStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export type CommandIntent = 'setup' | 'protocol' | 'fixit';

export interface ErrorOccurrence {
  id: string;
  createdAt: string;
  isDefined: boolean;
  errorType: string;
  errorCode: string;
  detail: string;
  errorInfo: Record<string, unknown>;
  wrappedErrors: ErrorOccurrence[];
}

export function errorOccurrence(errorType: string, errorCode: string, detail: string, errorInfo: Record<string, unknown> = {}): ErrorOccurrence {
  return { id: newId(), createdAt: timestamp(), isDefined: false, errorType, errorCode, detail, errorInfo, wrappedErrors: [] };
}

export interface CommandRecord {
  id: string;
  key: string;
  commandType: string;
  createdAt: string;
  startedAt?: string;
  completedAt?: string;
  status: CommandStatus;
  params: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: ErrorOccurrence;
  intent?: CommandIntent;
  notes?: unknown[];
  failedCommandId?: string;
}

/** Full command, in robot-server's field order, absent fields left out. */
export function commandResource(c: CommandRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { id: c.id, createdAt: c.createdAt, commandType: c.commandType, key: c.key, status: c.status, params: c.params };
  if (c.result !== undefined) out.result = c.result;
  if (c.error !== undefined) out.error = c.error;
  if (c.startedAt !== undefined) out.startedAt = c.startedAt;
  if (c.completedAt !== undefined) out.completedAt = c.completedAt;
  if (c.intent !== undefined) out.intent = c.intent;
  if (c.notes !== undefined) out.notes = c.notes;
  if (c.failedCommandId !== undefined) out.failedCommandId = c.failedCommandId;
  return out;
}

/** Summary as listed by GET /runs/{id}/commands: everything but `result`. */
export function commandSummary(c: CommandRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { id: c.id, key: c.key, commandType: c.commandType, createdAt: c.createdAt };
  if (c.startedAt !== undefined) out.startedAt = c.startedAt;
  if (c.completedAt !== undefined) out.completedAt = c.completedAt;
  out.status = c.status;
  out.params = c.params;
  if (c.error !== undefined) out.error = c.error;
  if (c.intent !== undefined) out.intent = c.intent;
  if (c.notes !== undefined) out.notes = c.notes;
  if (c.failedCommandId !== undefined) out.failedCommandId = c.failedCommandId;
  return out;
}

/** Protocol-intent key: a hash chained over the previous key and this command, stable across runs of the same commands. */
export function chainedKey(previousKey: string, commandType: string, params: unknown): string {
  return createHash('md5').update(`${previousKey}|${commandType}|${JSON.stringify(params)}`).digest('hex');
}

interface Schema9 {
  discriminator: { mapping: Record<string, string> };
  definitions: Record<string, { properties?: Record<string, unknown> }>;
}
const schema = schema9 as unknown as Schema9;

/** Every commandType a run accepts, in the schema's order. */
export const RUN_COMMAND_TYPES: readonly string[] = Object.keys(schema.discriminator.mapping);

/** The 19 commandTypes POST /commands accepts (robot-server's stateless list since 7.0). */
export const STATELESS_COMMAND_TYPES: readonly string[] = [
  'home', 'setRailLights', 'setStatusBar', 'magneticModule/engage', 'magneticModule/disengage',
  'temperatureModule/setTargetTemperature', 'temperatureModule/deactivate', 'thermocycler/setTargetBlockTemperature',
  'thermocycler/setTargetLidTemperature', 'thermocycler/deactivateBlock', 'thermocycler/deactivateLid', 'thermocycler/openLid',
  'thermocycler/closeLid', 'heaterShaker/setTargetTemperature', 'heaterShaker/setAndWaitForShakeSpeed',
  'heaterShaker/deactivateHeater', 'heaterShaker/deactivateShaker', 'heaterShaker/openLabwareLatch', 'heaterShaker/closeLabwareLatch',
];

const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: true, useDefaults: true });
const { discriminator: _d, oneOf: _o, ...schemaBody } = schema9 as unknown as Record<string, unknown>;
void _d;
void _o;
ajv.addSchema({ ...schemaBody, $id: 'cmd9' });
const validators = new Map<string, ValidateFunction>();

function definitionName(commandType: string): string {
  return schema.discriminator.mapping[commandType].replace('#/definitions/', '');
}

function paramsValidator(commandType: string): { fn: ValidateFunction; createName: string } {
  const createName = definitionName(commandType);
  let fn = validators.get(commandType);
  if (!fn) {
    fn = ajv.compile({ $ref: `cmd9#/definitions/${createName}/properties/params` });
    validators.set(commandType, fn);
  }
  return { fn, createName };
}

/** robot-server 8.1.0 validates with pydantic 1.10: its messages for a value of the wrong JSON type. */
const PYDANTIC_TYPE_ERRORS: Record<string, string> = {
  boolean: 'value could not be parsed to a boolean',
  number: 'value is not a valid float',
  integer: 'value is not a valid integer',
  string: 'str type expected',
  object: 'value is not a valid dict',
  array: 'value is not a valid list',
};

function ajvDetail(e: AjvError): string {
  if (e.keyword === 'required') return 'field required';
  if (e.keyword === 'type') return PYDANTIC_TYPE_ERRORS[String(e.params.type)] ?? `value is not a valid ${String(e.params.type)}`;
  if (e.keyword === 'enum') return `value is not a valid enumeration member; permitted: ${(e.params.allowedValues as unknown[]).map((v) => `'${String(v)}'`).join(', ')}`;
  return e.message ?? 'invalid value';
}

export interface CommandCreate {
  commandType: string;
  params: Record<string, unknown>;
  intent?: CommandIntent;
  key?: string;
}

/** Fill defaults robot-server's models supply (wellLocation) that the JSON schema does not declare as defaults. */
function fillDefaults(commandType: string, params: Record<string, unknown>): void {
  const props = schema.definitions[definitionName(commandType).replace(/Create$/, 'Params')]?.properties ?? {};
  if ('wellLocation' in props && params.wellLocation === undefined) {
    params.wellLocation = { origin: commandType === 'dropTip' ? 'default' : 'top', offset: { x: 0, y: 0, z: 0 } };
  }
  const wl = params.wellLocation;
  if (isObject(wl)) {
    if (wl.origin === undefined) wl.origin = 'top';
    if (wl.offset === undefined) wl.offset = { x: 0, y: 0, z: 0 };
  }
}

/**
 * Validate the `data` of a command request. Unknown commandType → 422 with pointer `/data` and the allowed list;
 * bad params → one 422 entry per problem with pointer `/data/<CreateModel>/params/<field>`.
 */
export function validateCommandCreate(data: Record<string, unknown>, allowed: readonly string[]): CommandCreate {
  const commandType = data.commandType;
  if (typeof commandType !== 'string' || !allowed.includes(commandType)) {
    const list = allowed.map((t) => `'${t}'`).join(', ');
    if (commandType === undefined) {
      throw invalidRequest(`Discriminator 'commandType' is missing in value`, { pointer: '/data' });
    }
    throw invalidRequest(`No match for discriminator 'commandType' and value '${String(commandType)}' (allowed values: ${list})`, { pointer: '/data' });
  }
  const { fn, createName } = paramsValidator(commandType);
  const params = data.params === undefined ? undefined : data.params;
  if (!isObject(params)) {
    throw invalidRequest(params === undefined ? 'field required' : 'value is not a valid dict', { pointer: `/data/${createName}/params` });
  }
  const copy = JSON.parse(JSON.stringify(params)) as Record<string, unknown>;
  if (!fn(copy)) {
    const errs = (fn.errors ?? []).filter((e) => e.keyword !== 'allOf' && e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
    throw invalidRequests(
      (errs.length ? errs : fn.errors ?? []).map((e) => {
        const field = e.keyword === 'required' ? `${e.instancePath}/${String(e.params.missingProperty)}` : e.instancePath;
        return { detail: ajvDetail(e), source: { pointer: `/data/${createName}/params${field}` } };
      }),
    );
  }
  fillDefaults(commandType, copy);
  const out: CommandCreate = { commandType, params: copy };
  const intent = data.intent;
  if (intent !== undefined && intent !== null) {
    if (intent !== 'setup' && intent !== 'protocol' && intent !== 'fixit') {
      throw invalidRequest("value is not a valid enumeration member; permitted: 'protocol', 'setup', 'fixit'", { pointer: `/data/${createName}/intent` });
    }
    out.intent = intent;
  }
  if (typeof data.key === 'string') out.key = data.key;
  return out;
}
