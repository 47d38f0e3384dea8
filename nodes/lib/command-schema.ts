// The robot's command schema (shared-data command schema 9, shipped in data/; attribution in NOTICE):
// validation of one command before it is sent, the list of types POST /commands accepts, and a
// catalogue of types grouped by kind for the editor. No Node-RED imports.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { InputError } from './errors';

/** A JSON Schema fragment as the command schema writes it (draft-07, pydantic-generated). */
export interface SchemaNode {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  title?: string;
  description?: string;
  default?: unknown;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  allOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  additionalProperties?: boolean | SchemaNode;
  minimum?: number;
  exclusiveMinimum?: number;
  [key: string]: unknown;
}

interface CommandSchemaFile {
  $id?: string;
  discriminator: { propertyName: string; mapping: Record<string, string> };
  definitions: Record<string, SchemaNode>;
  [key: string]: unknown;
}

export const COMMAND_SCHEMA_VERSION = 9;

/** The types `POST /commands` accepts (robot-server 7.0+; the same list through 8.x). */
export const STATELESS_COMMAND_TYPES: readonly string[] = [
  'home',
  'setRailLights',
  'setStatusBar',
  'magneticModule/engage',
  'magneticModule/disengage',
  'temperatureModule/setTargetTemperature',
  'temperatureModule/deactivate',
  'thermocycler/setTargetBlockTemperature',
  'thermocycler/setTargetLidTemperature',
  'thermocycler/deactivateBlock',
  'thermocycler/deactivateLid',
  'thermocycler/openLid',
  'thermocycler/closeLid',
  'heaterShaker/setTargetTemperature',
  'heaterShaker/setAndWaitForShakeSpeed',
  'heaterShaker/deactivateHeater',
  'heaterShaker/deactivateShaker',
  'heaterShaker/openLabwareLatch',
  'heaterShaker/closeLabwareLatch',
];

const STATELESS = new Set(STATELESS_COMMAND_TYPES);

export function isStatelessCommandType(commandType: string): boolean {
  return STATELESS.has(commandType);
}

// ---- loading ------------------------------------------------------------------------------------

const SCHEMA_KEY = 'opentrons-command-9';

let loaded: { file: CommandSchemaFile; ajv: Ajv } | undefined;

function schema(): { file: CommandSchemaFile; ajv: Ajv } {
  if (!loaded) {
    const file = JSON.parse(readFileSync(join(__dirname, 'data', 'command-schema-9.json'), 'utf8')) as CommandSchemaFile;
    // Ajv's own `discriminator` support rejects OpenAPI's `mapping`, and the file has pydantic quirks
    // (a misspelt `descrption` keyword), so strict mode is off and the union itself is never compiled:
    // each command is checked against the one definition its commandType maps to.
    const rest: Record<string, unknown> = { ...file };
    for (const k of ['discriminator', 'oneOf', '$id']) delete rest[k];
    const ajv = new Ajv({ strict: false, allErrors: true, verbose: true });
    ajv.addSchema(rest, SCHEMA_KEY);
    loaded = { file, ajv };
  }
  return loaded;
}

/** Every command type in the shipped schema, in the schema's order. */
export function knownCommandTypes(): string[] {
  return Object.keys(schema().file.discriminator.mapping);
}

export function isKnownCommandType(commandType: string): boolean {
  return Object.prototype.hasOwnProperty.call(schema().file.discriminator.mapping, commandType);
}

function definitionName(commandType: string): string | undefined {
  if (!isKnownCommandType(commandType)) return undefined;
  const ref = schema().file.discriminator.mapping[commandType];
  return ref.slice(ref.lastIndexOf('/') + 1);
}

const validators = new Map<string, ValidateFunction>();

function validatorFor(definition: string): ValidateFunction {
  let v = validators.get(definition);
  if (!v) {
    const found = schema().ajv.getSchema(`${SCHEMA_KEY}#/definitions/${definition}`);
    if (!found) throw new Error(`command schema has no definition ${definition}`);
    v = found;
    validators.set(definition, v);
  }
  return v;
}

// ---- validation ---------------------------------------------------------------------------------

export interface ValidateOptions {
  /** `robot` = POST /commands, which accepts only the stateless types. */
  target: 'robot' | 'run';
  /** Send types this package does not know (newer robot software), leaving validation to the robot. */
  allowUnknownTypes?: boolean;
  /** Prefix for messages, e.g. `command 2 of 3` when checking an array. */
  label?: string;
  /** Check only that the type exists and fits the target (params are not known yet). */
  typeOnly?: boolean;
}

export interface CommandLike {
  commandType: string;
  params: Record<string, unknown>;
  intent?: string;
  key?: string;
}

/**
 * Checks one command against the shipped schema; throws an InputError that names the command type
 * and the offending param. Semantic checks (labware exists, tip attached) are the robot's: they come
 * back as a failed command, not from here.
 */
export function validateCommand(command: CommandLike, opts: ValidateOptions): void {
  const where = opts.label ?? command.commandType;
  const definition = definitionName(command.commandType);
  if (!definition) {
    // A newer robot may know this type, for a run or for POST /commands: the robot decides.
    if (opts.allowUnknownTypes) return;
    const near = suggest(command.commandType);
    throw new InputError(
      `unknown command type "${command.commandType}"${opts.label ? ` in ${opts.label}` : ''}: not in the robot's command schema ${COMMAND_SCHEMA_VERSION}` +
        `${near ? ` (did you mean "${near}"?)` : ''}; for a type newer than this package, enable "allow command types unknown to this package"`,
    );
  }
  if (opts.target === 'robot' && !isStatelessCommandType(command.commandType)) {
    throw new InputError(
      `${where}: the robot's stateless POST /commands accepts only ${STATELESS_COMMAND_TYPES.join(', ')}; ` +
        'send other commands to a run (target "run")',
    );
  }
  if (opts.typeOnly) return;
  const validate = validatorFor(definition);
  const body: Record<string, unknown> = { commandType: command.commandType, params: command.params };
  if (command.intent !== undefined) body.intent = command.intent;
  if (command.key !== undefined) body.key = command.key;
  if (!validate(body)) {
    throw new InputError(`${where}: ${describeErrors(validate.errors ?? [])}`);
  }
}

function suggest(commandType: string): string | undefined {
  const lower = commandType.toLowerCase();
  return knownCommandTypes().find((t) => t.toLowerCase() === lower || t.toLowerCase().endsWith(`/${lower}`));
}

/** Ajv paths like `/params/wellLocation/origin` → `params.wellLocation.origin`. */
function dotted(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').filter(Boolean).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra) parts.push(extra);
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/**
 * One readable sentence from Ajv's errors. Errors inside an `anyOf` branch are noise when the
 * value matches no branch, so the `anyOf` itself is reported instead of every branch's complaint.
 */
function describeErrors(errors: ErrorObject[]): string {
  const anyOfPaths = errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath);
  const messages: string[] = [];
  for (const e of errors) {
    const insideAnyOf = e.keyword !== 'anyOf' && anyOfPaths.some((p) => e.instancePath === p || e.instancePath.startsWith(`${p}/`));
    if (insideAnyOf) continue;
    messages.push(describeError(e));
  }
  const unique = [...new Set(messages)];
  return unique.join('; ') || 'params do not match the command schema';
}

function describeError(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `${dotted(e.instancePath, String(p.missingProperty))} is required`;
    case 'type':
      return `${dotted(e.instancePath) || 'the command'} must be ${String(p.type)}`;
    case 'enum':
      return `${dotted(e.instancePath)} must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'anyOf': {
      const forms = e.parentSchema ? typeText(e.parentSchema as SchemaNode, schema().file.definitions, 0) : undefined;
      return `${dotted(e.instancePath)} matches none of its allowed forms${forms ? `: ${forms}` : ''}`;
    }
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
    case 'exclusiveMaximum':
      return `${dotted(e.instancePath)} ${e.message ?? 'is out of range'}`;
    default:
      return `${dotted(e.instancePath) || 'the command'} ${e.message ?? 'is invalid'}`;
  }
}

// ---- catalogue for the editor -------------------------------------------------------------------

export type CommandKind = 'setup' | 'liquid handling' | 'movement' | 'modules' | 'Flex gripper' | 'other';

export const COMMAND_KINDS: readonly CommandKind[] = ['setup', 'liquid handling', 'movement', 'modules', 'Flex gripper', 'other'];

const KIND_OF: Record<string, CommandKind> = {
  loadLabware: 'setup',
  reloadLabware: 'setup',
  loadLiquid: 'setup',
  loadModule: 'setup',
  loadPipette: 'setup',
  configureForVolume: 'setup',
  configureNozzleLayout: 'setup',
  aspirate: 'liquid handling',
  aspirateInPlace: 'liquid handling',
  dispense: 'liquid handling',
  dispenseInPlace: 'liquid handling',
  blowout: 'liquid handling',
  blowOutInPlace: 'liquid handling',
  pickUpTip: 'liquid handling',
  dropTip: 'liquid handling',
  dropTipInPlace: 'liquid handling',
  touchTip: 'liquid handling',
  prepareToAspirate: 'liquid handling',
  liquidProbe: 'liquid handling',
  tryLiquidProbe: 'liquid handling',
  verifyTipPresence: 'liquid handling',
  getTipPresence: 'liquid handling',
  home: 'movement',
  retractAxis: 'movement',
  moveRelative: 'movement',
  moveToCoordinates: 'movement',
  moveToWell: 'movement',
  moveToAddressableArea: 'movement',
  moveToAddressableAreaForDropTip: 'movement',
  savePosition: 'movement',
  moveLabware: 'Flex gripper',
  'calibration/calibrateGripper': 'Flex gripper',
};

function kindOf(commandType: string): CommandKind {
  const k = KIND_OF[commandType];
  if (k) return k;
  if (/^(heaterShaker|magneticModule|temperatureModule|thermocycler|absorbanceReader)\//.test(commandType)) return 'modules';
  return 'other';
}

export interface ParamInfo {
  name: string;
  /** Short type text, e.g. `string`, `number ≥ 0`, `"top" | "bottom" | "center"`, `{slotName} | {moduleId} | …`. */
  type: string;
  required: boolean;
  description?: string;
}

export interface CatalogueEntry {
  commandType: string;
  kind: CommandKind;
  description?: string;
  /** Accepted by the stateless POST /commands too. */
  stateless: boolean;
  params: ParamInfo[];
  /** Params with the required ones filled by placeholder values, for the editor's params field. */
  template: Record<string, unknown>;
}

export interface Catalogue {
  schemaVersion: number;
  kinds: readonly CommandKind[];
  statelessTypes: readonly string[];
  commands: CatalogueEntry[];
}

let catalogue: Catalogue | undefined;

export function commandCatalogue(): Catalogue {
  if (!catalogue) {
    const defs = schema().file.definitions;
    const commands = knownCommandTypes().map((commandType): CatalogueEntry => {
      const create = defs[definitionName(commandType) as string];
      const paramsNode = resolve(create.properties?.params ?? {}, defs);
      const required = new Set(paramsNode.required ?? []);
      const params = Object.entries(paramsNode.properties ?? {}).map(([name, node]): ParamInfo => ({
        name,
        type: typeText(node, defs, 0),
        required: required.has(name),
        description: firstSentence(node.description ?? resolve(node, defs).description),
      }));
      params.sort((a, b) => Number(b.required) - Number(a.required));
      return {
        commandType,
        kind: kindOf(commandType),
        description: firstSentence(paramsNode.description ?? create.description),
        stateless: isStatelessCommandType(commandType),
        params,
        template: templateOf(paramsNode, defs, 0) as Record<string, unknown>,
      };
    });
    catalogue = { schemaVersion: COMMAND_SCHEMA_VERSION, kinds: COMMAND_KINDS, statelessTypes: STATELESS_COMMAND_TYPES, commands };
  }
  return catalogue;
}

function refTarget(ref: string, defs: Record<string, SchemaNode>): SchemaNode {
  return defs[ref.slice(ref.lastIndexOf('/') + 1)] ?? {};
}

/** Follows `$ref` and pydantic's single-element `allOf: [{$ref}]` wrapper. */
function resolve(node: SchemaNode, defs: Record<string, SchemaNode>): SchemaNode {
  let n = node;
  for (let i = 0; i < 10; i++) {
    if (n.$ref) n = refTarget(n.$ref, defs);
    else if (n.allOf && n.allOf.length === 1 && !n.type && !n.properties) n = n.allOf[0];
    else break;
  }
  return n;
}

function typeText(node: SchemaNode, defs: Record<string, SchemaNode>, depth: number): string {
  const n = resolve(node, defs);
  if (n.enum) return n.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (n.anyOf) {
    return n.anyOf.map((alt) => (depth > 1 ? resolve(alt, defs).title ?? 'object' : typeText(alt, defs, depth + 1))).join(' | ');
  }
  const t = Array.isArray(n.type) ? n.type.join(' | ') : n.type;
  if (t === 'array') return `array of ${n.items ? typeText(n.items, defs, depth + 1) : 'values'}`;
  if (t === 'object' || n.properties) {
    if (!n.properties) return 'object';
    const req = new Set(n.required ?? []);
    return `{${Object.keys(n.properties).map((k) => (req.has(k) ? k : `${k}?`)).join(', ')}}`;
  }
  let text = t ?? 'any';
  if (typeof n.minimum === 'number') text += ` ≥ ${n.minimum}`;
  if (typeof n.exclusiveMinimum === 'number') text += ` > ${n.exclusiveMinimum}`;
  return text;
}

function templateOf(node: SchemaNode, defs: Record<string, SchemaNode>, depth: number): unknown {
  const n = resolve(node, defs);
  if (depth > 4) return null;
  if (n.default !== undefined) return n.default;
  if (n.enum) return n.enum[0];
  if (n.anyOf) return templateOf(n.anyOf[0], defs, depth + 1);
  const t = Array.isArray(n.type) ? n.type[0] : n.type;
  if (t === 'object' || n.properties) {
    const out: Record<string, unknown> = {};
    for (const name of n.required ?? []) {
      const prop = n.properties?.[name];
      if (prop) out[name] = templateOf(prop, defs, depth + 1);
    }
    return out;
  }
  switch (t) {
    case 'string':
      return '';
    case 'number':
    case 'integer':
      return typeof n.exclusiveMinimum === 'number' ? n.exclusiveMinimum + 1 : typeof n.minimum === 'number' ? n.minimum : 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    default:
      return null;
  }
}

function firstSentence(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const oneLine = text.replace(/\s+/g, ' ').trim();
  const end = oneLine.search(/\.(\s|$)/);
  return end > 0 ? oneLine.slice(0, end + 1) : oneLine;
}
