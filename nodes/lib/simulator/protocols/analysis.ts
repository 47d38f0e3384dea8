// Building completed analyses. A JSON protocol's analysis walks its real command list (ids, keys,
// load results with real labware definitions, a few state checks); a Python protocol gets a
// stand-in analysis that says plainly it was not computed.
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { timestamp } from '../clock';
import type { PlannedCommand } from '../context';
import { locationForRobot } from './json-protocol';
import { asServed, definitionUri, shippedDefinition, uriOfDefinition } from './labware-library';
import type { AnalysisCommand, CompletedAnalysisBody, ErrorOccurrence, JsonObject, RobotType } from './types';

export const FIXED_TRASH_ID = 'fixedTrash';
const FIXED_TRASH_LOAD_NAME = 'opentrons_1_trash_1100ml_fixed';

/** Command keys of protocol commands: a hash chained over the commands so far, stable across runs. */
export function chainKey(previousKey: string, commandType: string, params: JsonObject): string {
  return createHash('md5').update(previousKey).update(commandType).update(JSON.stringify(params)).digest('hex');
}

function occurrence(errorType: string, errorCode: string, detail: string, errorInfo: JsonObject = {}, wrapped: ErrorOccurrence[] = [], id: string = randomUUID()): ErrorOccurrence {
  return { id, createdAt: timestamp(), isDefined: false, errorType, errorCode, detail, errorInfo, wrappedErrors: wrapped };
}

export function internalErrorOccurrence(errorType: string, detail: string): ErrorOccurrence {
  return occurrence(errorType, '4000', detail, {}, [], 'internal-error');
}

interface PipetteNames { ot2: { name: string }[]; flex: { name: string }[] }
let pipetteNames: PipetteNames | undefined;
function allowedPipettes(robotType: RobotType): Set<string> {
  pipetteNames ??= JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'data', 'pipette-names.json'), 'utf8')) as PipetteNames;
  return new Set((robotType === 'OT-3 Standard' ? pipetteNames.flex : pipetteNames.ot2).map((p) => p.name));
}

export function fixedTrashLabware(robotType: RobotType): JsonObject {
  return {
    id: FIXED_TRASH_ID,
    loadName: FIXED_TRASH_LOAD_NAME,
    definitionUri: definitionUri('opentrons', FIXED_TRASH_LOAD_NAME, 1),
    location: { slotName: robotType === 'OT-3 Standard' ? 'A3' : '12' },
  };
}

class CommandFailure extends Error {
  constructor(readonly occurrence: ErrorOccurrence) {
    super(occurrence.detail);
  }
}

interface WalkState {
  robotType: RobotType;
  customDefinitions: Map<string, JsonObject>;
  labware: JsonObject[];
  definitions: Map<string, JsonObject>;
  pipettes: JsonObject[];
  modules: JsonObject[];
  tips: Map<string, number>;
}

const ORIGIN = { x: 0, y: 0, z: 0 };

function need(state: WalkState, kind: 'pipette' | 'labware', id: unknown): void {
  const list = kind === 'pipette' ? state.pipettes : state.labware;
  if (typeof id !== 'string' || !list.some((e) => e.id === id)) {
    const type = kind === 'pipette' ? 'PipetteNotLoadedError' : 'LabwareNotLoadedError';
    throw new CommandFailure(occurrence(type, '4000', `${kind === 'pipette' ? 'Pipette' : 'Labware'} ${String(id)} not found.`));
  }
}

function resolveDefinition(state: WalkState, namespace: string, loadName: string, version: number): JsonObject | undefined {
  const uri = definitionUri(namespace, loadName, version);
  const custom = state.customDefinitions.get(uri);
  return custom ? asServed(custom) : shippedDefinition(namespace, loadName, version);
}

/** Execute one command against the analysis state; returns its result or throws CommandFailure. */
function step(state: WalkState, c: PlannedCommand): JsonObject {
  const p = c.params as JsonObject;
  switch (c.commandType) {
    case 'loadLabware': {
      const namespace = String(p.namespace ?? 'opentrons');
      const loadName = String(p.loadName);
      const version = Number(p.version ?? 1);
      const def = resolveDefinition(state, namespace, loadName, version);
      if (!def) {
        throw new CommandFailure(occurrence('LabwareDefinitionDoesNotExistError', '4000', `Unable to find a labware definition for "${definitionUri(namespace, loadName, version)}".`));
      }
      const id = typeof p.labwareId === 'string' ? p.labwareId : randomUUID();
      const uri = uriOfDefinition(def) ?? definitionUri(namespace, loadName, version);
      const entry: JsonObject = { id, loadName, definitionUri: uri, location: locationForRobot(p.location, state.robotType) };
      if (typeof p.displayName === 'string') entry.displayName = p.displayName;
      state.labware = state.labware.filter((l) => l.id !== id);
      state.labware.push(entry);
      state.definitions.set(id, def);
      return { labwareId: id, definition: def };
    }
    case 'loadPipette': {
      const name = String(p.pipetteName);
      if (!allowedPipettes(state.robotType).has(name)) {
        throw new CommandFailure(occurrence('InvalidSpecificationForRobotTypeError', '4000', `Cannot load a ${name} pipette on ${state.robotType === 'OT-3 Standard' ? 'a Flex' : 'an OT-2'}.`));
      }
      const id = typeof p.pipetteId === 'string' ? p.pipetteId : randomUUID();
      state.pipettes = state.pipettes.filter((x) => x.mount !== p.mount && x.id !== id);
      state.pipettes.push({ id, pipetteName: name, mount: p.mount });
      return { pipetteId: id };
    }
    case 'loadModule': {
      const id = typeof p.moduleId === 'string' ? p.moduleId : randomUUID();
      state.modules.push({ id, model: p.model, location: locationForRobot(p.location, state.robotType) });
      return { moduleId: id, model: p.model };
    }
    case 'pickUpTip': {
      need(state, 'pipette', p.pipetteId);
      need(state, 'labware', p.labwareId);
      if (state.tips.has(String(p.pipetteId))) {
        throw new CommandFailure(occurrence('TipAttachedError', '3005', `Cannot pick up a tip on pipette ${String(p.pipetteId)}: it already has a tip attached.`));
      }
      const def = state.definitions.get(String(p.labwareId));
      const params = (def?.parameters ?? {}) as JsonObject;
      const well = ((def?.wells ?? {}) as Record<string, JsonObject>)[String(p.wellName)] ?? {};
      const tipVolume = Number(well.totalLiquidVolume ?? 0);
      state.tips.set(String(p.pipetteId), tipVolume);
      return { position: ORIGIN, tipVolume, tipLength: Number(params.tipLength ?? 0) - Number(params.tipOverlap ?? 0), tipDiameter: Number(well.diameter ?? 0) };
    }
    case 'aspirate':
    case 'dispense':
    case 'aspirateInPlace':
    case 'dispenseInPlace': {
      need(state, 'pipette', p.pipetteId);
      if (c.commandType === 'aspirate' || c.commandType === 'dispense') need(state, 'labware', p.labwareId);
      if (!state.tips.has(String(p.pipetteId))) {
        throw new CommandFailure(occurrence('UnexpectedTipRemovalError', '3005', `Cannot ${c.commandType.replace('InPlace', '')} without a tip attached.`, { pipetteId: p.pipetteId }));
      }
      return c.commandType.endsWith('InPlace') ? { volume: p.volume } : { position: ORIGIN, volume: p.volume };
    }
    case 'dropTip':
    case 'dropTipInPlace': {
      need(state, 'pipette', p.pipetteId);
      state.tips.delete(String(p.pipetteId));
      return c.commandType === 'dropTip' ? { position: ORIGIN } : {};
    }
    case 'blowout':
    case 'touchTip':
    case 'moveToWell':
      need(state, 'pipette', p.pipetteId);
      need(state, 'labware', p.labwareId);
      return { position: ORIGIN };
    case 'moveToCoordinates':
    case 'moveToAddressableArea':
    case 'moveToAddressableAreaForDropTip':
      need(state, 'pipette', p.pipetteId);
      return { position: ORIGIN };
    case 'moveRelative':
      need(state, 'pipette', p.pipetteId);
      return { position: ORIGIN };
    case 'savePosition':
      need(state, 'pipette', p.pipetteId);
      return { positionId: typeof p.positionId === 'string' ? p.positionId : randomUUID(), position: ORIGIN };
    default:
      return {};
  }
}

export interface AnalysisInput {
  robotType: RobotType;
  commands: PlannedCommand[];
  customDefinitions: Map<string, JsonObject>;
  liquids: JsonObject[];
  runTimeParameters: JsonObject[];
  fixedTrash: boolean;
}

/** The initial `home` every protocol run and analysis starts with. */
export const INITIAL_HOME: PlannedCommand = { commandType: 'home', params: {} };

/** Walk the command list as an analysis: every command succeeds until the first failure, which ends it. */
export function analyseCommands(input: AnalysisInput): CompletedAnalysisBody {
  const state: WalkState = {
    robotType: input.robotType,
    customDefinitions: input.customDefinitions,
    labware: input.fixedTrash ? [fixedTrashLabware(input.robotType)] : [],
    definitions: new Map(),
    pipettes: [],
    modules: [],
    tips: new Map(),
  };
  if (input.fixedTrash) {
    const def = shippedDefinition('opentrons', FIXED_TRASH_LOAD_NAME, 1);
    if (def) state.definitions.set(FIXED_TRASH_ID, def);
  }
  const commands: AnalysisCommand[] = [];
  const errors: ErrorOccurrence[] = [];
  let previousKey = '';
  for (const c of [INITIAL_HOME, ...input.commands]) {
    const createdAt = timestamp();
    const key = c.key ?? chainKey(previousKey, c.commandType, c.params as JsonObject);
    previousKey = key;
    const base = { id: c.id ?? randomUUID(), createdAt, commandType: c.commandType, key };
    try {
      const result = step(state, c);
      const startedAt = timestamp();
      commands.push({ ...base, status: 'succeeded', params: c.params as JsonObject, result, startedAt, completedAt: timestamp(), notes: [] });
    } catch (e) {
      if (!(e instanceof CommandFailure)) throw e;
      const startedAt = timestamp();
      commands.push({ ...base, status: 'failed', params: c.params as JsonObject, error: e.occurrence, startedAt, completedAt: timestamp(), notes: [] });
      errors.push(e.occurrence);
      break;
    }
  }
  return {
    result: errors.length > 0 ? 'not-ok' : 'ok',
    robotType: input.robotType,
    runTimeParameters: input.runTimeParameters,
    commands,
    labware: state.labware,
    pipettes: state.pipettes,
    modules: state.modules,
    liquids: input.liquids,
    errors,
  };
}
