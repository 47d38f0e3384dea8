// Building completed analyses. A JSON protocol's analysis walks its real command list (ids, keys,
// load results with real labware definitions, a few state checks); a Python protocol gets a
// stand-in analysis that says plainly it was not computed.
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { timestamp } from '../clock';
import type { PlannedCommand } from '../context';
import { alternateDropOffset, areaMoveToPosition, GeometryError, wellPosition, type DeckContents, type LabwareGeometry, type Point } from '../geometry';
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

interface PipetteNames { ot2: { name: string; channels: number }[]; flex: { name: string; channels: number }[] }
let pipetteNames: PipetteNames | undefined;
function pipettesFor(robotType: RobotType): { name: string; channels: number }[] {
  pipetteNames ??= JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'data', 'pipette-names.json'), 'utf8')) as PipetteNames;
  return robotType === 'OT-3 Standard' ? pipetteNames.flex : pipetteNames.ot2;
}
function allowedPipettes(robotType: RobotType): Set<string> {
  return new Set(pipettesFor(robotType).map((p) => p.name));
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
  /** The side of each trash area the last alternating tip drop used. */
  lastDropSide: Map<string, 'left' | 'right'>;
  /** Where each pipette's last move left it (moveRelative and savePosition start there; before any move, 0, 0, 0). */
  at: Map<string, Point>;
}

/** The walk's deck as the geometry module reads it. */
function deckOf(state: WalkState): DeckContents {
  return {
    robotType: state.robotType,
    labware: (id) => {
      const entry = state.labware.find((l) => l.id === id);
      const def = state.definitions.get(id);
      if (!entry || !def || typeof def.wells !== 'object' || def.wells === null) return undefined;
      return { loadName: String(entry.loadName), definition: def as unknown as LabwareGeometry, location: entry.location };
    },
    module: (id) => {
      const m = state.modules.find((x) => x.id === id);
      return m ? { model: String(m.model), location: m.location } : undefined;
    },
  };
}

/** A position from geometry.ts; a position the engine cannot compute fails the command with the engine's error. */
function located(compute: () => Point): Point {
  try {
    return compute();
  } catch (e) {
    if (e instanceof GeometryError) throw new CommandFailure(occurrence(e.errorType, '4000', e.message));
    throw e;
  }
}

function wellAt(state: WalkState, p: JsonObject): Point {
  return located(() => wellPosition(deckOf(state), String(p.labwareId), String(p.wellName), p.wellLocation));
}

function pipetteGeometry(state: WalkState, pipetteId: unknown): { channels: number; mount: string } {
  const entry = state.pipettes.find((x) => x.id === pipetteId);
  const spec = pipettesFor(state.robotType).find((x) => x.name === entry?.pipetteName);
  return { channels: spec?.channels ?? 1, mount: String(entry?.mount ?? '') };
}

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
      const position = wellAt(state, p);
      state.tips.set(String(p.pipetteId), tipVolume);
      return { position, tipVolume, tipLength: Number(params.tipLength ?? 0) - Number(params.tipOverlap ?? 0), tipDiameter: Number(well.diameter ?? 0) };
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
      return c.commandType.endsWith('InPlace') ? { volume: p.volume } : { position: wellAt(state, p), volume: p.volume };
    }
    case 'dropTip':
    case 'dropTipInPlace': {
      need(state, 'pipette', p.pipetteId);
      const position = c.commandType === 'dropTip' ? wellAt(state, { ...p, wellName: p.wellName ?? 'A1' }) : undefined;
      state.tips.delete(String(p.pipetteId));
      return position ? { position } : {};
    }
    case 'blowout':
    case 'touchTip':
    case 'moveToWell':
      need(state, 'pipette', p.pipetteId);
      need(state, 'labware', p.labwareId);
      return { position: wellAt(state, p) };
    case 'moveToCoordinates': {
      need(state, 'pipette', p.pipetteId);
      const c = (typeof p.coordinates === 'object' && p.coordinates !== null ? p.coordinates : {}) as JsonObject;
      return { position: { x: Number(c.x ?? 0), y: Number(c.y ?? 0), z: Number(c.z ?? 0) } };
    }
    case 'moveToAddressableArea':
    case 'moveToAddressableAreaForDropTip': {
      need(state, 'pipette', p.pipetteId);
      const name = String(p.addressableAreaName);
      const position = located(() => {
        const offset = c.commandType === 'moveToAddressableAreaForDropTip' && p.alternateDropLocation === true
          ? alternateDropOffset(state.robotType, name, pipetteGeometry(state, p.pipetteId), state.lastDropSide)
          : p.offset;
        return areaMoveToPosition(state.robotType, name, offset);
      });
      return { position };
    }
    case 'moveRelative': {
      need(state, 'pipette', p.pipetteId);
      const from = state.at.get(String(p.pipetteId)) ?? { x: 0, y: 0, z: 0 };
      const d = Number(p.distance ?? 0);
      return { position: { x: from.x + (p.axis === 'x' ? d : 0), y: from.y + (p.axis === 'y' ? d : 0), z: from.z + (p.axis === 'z' ? d : 0) } };
    }
    case 'savePosition':
      need(state, 'pipette', p.pipetteId);
      return { positionId: typeof p.positionId === 'string' ? p.positionId : randomUUID(), position: state.at.get(String(p.pipetteId)) ?? { x: 0, y: 0, z: 0 } };
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
    lastDropSide: new Map(),
    at: new Map(),
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
      if (typeof c.params.pipetteId === 'string' && typeof result.position === 'object' && result.position !== null) state.at.set(c.params.pipetteId, result.position as Point);
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
