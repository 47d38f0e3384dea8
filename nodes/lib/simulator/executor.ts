/**
 * What one command does to the simulated robot's state: load labware/pipettes/modules, track tips and volumes,
 * and fail with an error occurrence where the real engine would (unknown ids, no tip, well outside the labware,
 * pipette not for this robot). These failures are command results, never HTTP errors.
 */
import pipetteNames from '../data/pipette-names.json';
import { copyDefinition, findDefinition, normalizeSlot, type LabwareDefinition } from './labware';
import { errorOccurrence, type CommandRecord, type ErrorOccurrence } from './commands';
import { newId } from './clock';
import type { Hardware } from './hardware';
import type { SimModule } from './modules';
import { robotTypeOf, type RobotModel } from './context';
import { alternateDropOffset, areaMoveToPosition, GeometryError, wellPosition, type DeckContents, type Point } from './geometry';
import { isObject } from './http';

export interface LoadedLabware {
  id: string;
  loadName: string;
  definitionUri: string;
  location: unknown;
  offsetId?: string;
  displayName?: string;
  definition: LabwareDefinition;
  usedTips: Set<string>;
}

export interface LoadedPipette {
  id: string;
  pipetteName: string;
  mount: string;
  maxVolume: number;
  channels: number;
  tip?: { volume: number; length: number; diameter: number };
  volume: number;
  /** Where the last move left it (moveRelative starts there). */
  position?: Point;
}

export interface LoadedModule {
  id: string;
  model: string;
  location?: unknown;
  serialNumber?: string;
}

export interface LabwareOffset {
  id: string;
  createdAt: string;
  definitionUri: string;
  location: Record<string, unknown>;
  vector: { x: number; y: number; z: number };
}

/** The engine state one run (or the stateless engine) keeps. */
export class EngineState {
  labware = new Map<string, LoadedLabware>();
  pipettes = new Map<string, LoadedPipette>();
  modules = new Map<string, LoadedModule>();
  liquids: unknown[] = [];
  labwareOffsets: LabwareOffset[] = [];
  /** definitions from the protocol or POST /runs/{id}/labware_definitions, keyed by definitionUri */
  customDefinitions = new Map<string, LabwareDefinition>();
  /** The side of each trash area the last alternating tip drop used (the engine alternates right, left, …). */
  lastDropSide = new Map<string, 'left' | 'right'>();
  /** This state's deck as the geometry module reads it. */
  readonly deck: DeckContents;

  /** Add a definition if it looks like one; returns its definitionUri. */
  addDefinition(def: unknown): string | undefined {
    if (!isObject(def) || !isObject(def.parameters) || !isObject(def.wells)) return undefined;
    const uri = `${String(def.namespace)}/${String(def.parameters.loadName)}/${String(def.version)}`;
    this.customDefinitions.set(uri, def as unknown as LabwareDefinition);
    return uri;
  }

  constructor(readonly model: RobotModel, readonly hardware: Hardware) {
    this.deck = {
      robotType: robotTypeOf(model),
      labware: (id) => {
        const lw = this.labware.get(id);
        if (!lw) return undefined;
        const offset = lw.offsetId === undefined ? undefined : this.labwareOffsets.find((o) => o.id === lw.offsetId)?.vector;
        return { loadName: lw.loadName, definition: lw.definition, location: lw.location, offset };
      },
      module: (id) => this.modules.get(id),
    };
  }
}

export type Outcome = { result: Record<string, unknown> } | { error: ErrorOccurrence } | { pause: true };

interface PipetteSpec {
  name: string;
  maxVolume: number;
  /** older load names this pipette also answers to (shared-data's backCompatNames: a GEN2 P300 loads as p300_single) */
  backCompatNames?: string[];
  channels: number;
}
const names = pipetteNames as unknown as { ot2: PipetteSpec[]; flex: PipetteSpec[] };

function pipetteSpec(model: RobotModel, name: string): PipetteSpec | undefined {
  return (model === 'Flex' ? names.flex : names.ot2).find((p) => p.name === name);
}

/**
 * Why a run cannot load `name` on `mount`, in the words of robot-server 8.1.0's hardware controller
 * (`cache_instruments`, which the engine's equipment handler turns into FailedToLoadPipetteError, errorCode 3010):
 * the mount must hold that pipette, or one whose backCompatNames list the name. The mismatch text is that of the
 * robot-server the captures come from; an empty mount gets the OT-2 controller's text.
 */
function mountProblem(state: EngineState, mount: string, name: string): string | undefined {
  const attached = state.hardware.pipettes.find((x) => x.mount === mount);
  const label = mount.toUpperCase();
  if (!attached) return `mount ${label}: instrument ${name} was requested, but no instrument is present`;
  const accepted = [attached.instrumentName, ...(pipetteSpec(state.model, attached.instrumentName)?.backCompatNames ?? [])];
  if (accepted.includes(name)) return undefined;
  return `mount ${label}: expected instrument ${name} but got ${attached.instrumentModel}`;
}

/** compatibleWith of shared-data's module definitions (v8.1.0): a load of the key may use hardware of these models. */
const COMPATIBLE_MODULES: Record<string, string[]> = {
  temperatureModuleV1: ['temperatureModuleV2'],
  temperatureModuleV2: ['temperatureModuleV1'],
};

/**
 * The attached module a run's loadModule gets, as the engine's select_hardware_module_to_load picks it: the first
 * attached module of that model (or one its definition is compatible with) that this run has not loaded yet; on a
 * Flex, when the deck configuration records a module serial for the slot, that module.
 */
function moduleToLoad(state: EngineState, model: string, location: unknown): SimModule | undefined {
  const taken = new Set([...state.modules.values()].map((m) => m.serialNumber));
  const slot = isObject(location) && typeof location.slotName === 'string' ? location.slotName : undefined;
  const configured = state.model === 'Flex' && slot !== undefined
    ? state.hardware.deckConfiguration.find((f) => f.cutoutId === `cutout${slot}`)?.opentronsModuleSerialNumber
    : undefined;
  return state.hardware.modules.find((m) =>
    !taken.has(m.serialNumber) &&
    (m.moduleModel === model || (COMPATIBLE_MODULES[m.moduleModel] ?? []).includes(model)) &&
    (configured === undefined || m.serialNumber === configured));
}

const fail = (errorType: string, errorCode: string, detail: string, info: Record<string, unknown> = {}): Outcome => ({
  error: errorOccurrence(errorType, errorCode, detail, info),
});

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function num(v: unknown, d = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : d;
}

/** A position from geometry.ts, or the engine's error when it has none. */
function located(compute: () => Point): Point | Outcome {
  try {
    return compute();
  } catch (e) {
    if (e instanceof GeometryError) return fail(e.errorType, '4000', e.message);
    throw e;
  }
}

/** A well's deck position for the command's wellLocation. */
function positionAt(state: EngineState, labwareId: string, wellName: string, params: Record<string, unknown>): Point | Outcome {
  return located(() => wellPosition(state.deck, labwareId, wellName, params.wellLocation));
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

function resolveLocation(state: EngineState, raw: unknown): { location?: unknown; error?: Outcome } {
  if (raw === 'offDeck') return { location: 'offDeck' };
  if (!isObject(raw)) return { error: fail('InvalidSpecificationError', '4000', 'Invalid labware location.') };
  if (typeof raw.slotName === 'string') {
    const slot = normalizeSlot(state.model, raw.slotName);
    if (!slot) return { error: fail('InvalidSpecificationError', '4000', `Slot ${raw.slotName} does not exist on this robot.`) };
    for (const lw of state.labware.values()) {
      if (isObject(lw.location) && lw.location.slotName === slot) {
        return { error: fail('LocationIsOccupiedError', '4000', `Labware ${lw.loadName} is already present at slot ${slot}.`) };
      }
    }
    for (const m of state.modules.values()) {
      if (isObject(m.location) && m.location.slotName === slot) {
        return { error: fail('LocationIsOccupiedError', '4000', `Module ${m.model} is already present at slot ${slot}.`) };
      }
    }
    return { location: { slotName: slot } };
  }
  if (typeof raw.moduleId === 'string') {
    if (!state.modules.has(raw.moduleId)) return { error: fail('ModuleNotLoadedError', '4000', `Module ${raw.moduleId} not found.`) };
    return { location: { moduleId: raw.moduleId } };
  }
  if (typeof raw.labwareId === 'string') {
    if (!state.labware.has(raw.labwareId)) return { error: fail('LabwareNotLoadedError', '4000', `Labware ${raw.labwareId} not found.`) };
    return { location: { labwareId: raw.labwareId } };
  }
  if (typeof raw.addressableAreaName === 'string') return { location: { addressableAreaName: raw.addressableAreaName } };
  return { error: fail('InvalidSpecificationError', '4000', 'Invalid labware location.') };
}

function pipetteOf(state: EngineState, params: Record<string, unknown>): LoadedPipette | Outcome {
  const id = str(params.pipetteId);
  const p = state.pipettes.get(id);
  return p ?? fail('PipetteNotLoadedError', '4000', `Pipette ${id} not found.`);
}

function wellOf(state: EngineState, params: Record<string, unknown>): { lw: LoadedLabware; well: string } | Outcome {
  const id = str(params.labwareId);
  const lw = state.labware.get(id);
  if (!lw) return fail('LabwareNotLoadedError', '4000', `Labware ${id} not found.`);
  const well = str(params.wellName);
  if (!lw.definition.wells[well]) return fail('WellDoesNotExistError', '4000', `${well} does not exist in ${lw.id}.`);
  return { lw, well };
}

function isOutcome(v: unknown): v is Outcome {
  return isObject(v) && ('error' in v || 'result' in v || 'pause' in v);
}

function tipInfo(p: LoadedPipette): Record<string, unknown> {
  return { pipette_name: p.pipetteName, mount: p.mount.toUpperCase() };
}

/** Defined errors of robot-server 8.1.0 (error recovery can handle them) and their errorCodes. */
export const DEFINED_ERRORS: Record<string, { code: string; detail: string }> = {
  tipPhysicallyMissing: { code: '3003', detail: 'No tip detected.' },
  overpressure: { code: '3006', detail: 'Overpressure detected.' },
  liquidNotFound: { code: '2017', detail: 'Liquid not found.' },
};

/** Execute one command against the state. Durations are the caller's business. */
export function execute(state: EngineState, cmd: CommandRecord): Outcome {
  const p = cmd.params;
  const injected = state.hardware.takeCommandFault(cmd.commandType);
  if (injected) {
    const defined = DEFINED_ERRORS[injected.errorType];
    const err = errorOccurrence(injected.errorType, defined?.code ?? '4000', defined?.detail ?? `Simulated ${injected.errorType}.`);
    err.isDefined = defined !== undefined;
    return { error: err };
  }
  switch (cmd.commandType) {
    case 'loadLabware': {
      const namespace = str(p.namespace) || 'opentrons';
      const loadName = str(p.loadName);
      const version = num(p.version, 1);
      const def = state.customDefinitions.get(`${namespace}/${loadName}/${version}`) ?? findDefinition(namespace, loadName, version);
      if (!def) {
        return fail('LabwareDefinitionDoesNotExistError', '4000', `Unable to find a labware definition for "${namespace}/${loadName}/${version}". (The simulator ships a small set of definitions.)`);
      }
      const loc = resolveLocation(state, p.location);
      if (loc.error) return loc.error;
      const id = typeof p.labwareId === 'string' && p.labwareId ? p.labwareId : newId();
      const definitionUri = `${namespace}/${loadName}/${version}`;
      // the newest offset for this definition at this location (slot names compared in the robot's own style)
      const sameSlot = (o: LabwareOffset): boolean => {
        const want = isObject(loc.location) ? loc.location : {};
        const slot = typeof o.location.slotName === 'string' ? normalizeSlot(state.model, o.location.slotName) : undefined;
        return slot !== undefined && slot === want.slotName && o.location.moduleModel === undefined && o.location.definitionUri === undefined;
      };
      const offset = state.labwareOffsets.filter((o) => o.definitionUri === definitionUri && sameSlot(o)).pop();
      const lw: LoadedLabware = { id, loadName, definitionUri, location: loc.location, definition: def, usedTips: new Set() };
      if (offset) lw.offsetId = offset.id;
      if (typeof p.displayName === 'string') lw.displayName = p.displayName;
      state.labware.set(id, lw);
      const result: Record<string, unknown> = { labwareId: id, definition: copyDefinition(def) };
      if (offset) result.offsetId = offset.id;
      return { result };
    }
    case 'loadPipette': {
      const name = str(p.pipetteName);
      const spec = pipetteSpec(state.model, name);
      if (!spec) {
        return fail('InvalidSpecificationForRobotTypeError', '4000', `Cannot load a ${name} on a ${state.model === 'Flex' ? 'Flex' : 'OT-2'}.`);
      }
      const mount = str(p.mount);
      const problem = mountProblem(state, mount, name);
      if (problem) return fail('FailedToLoadPipetteError', '3010', problem);
      for (const [id, other] of state.pipettes) if (other.mount === mount) state.pipettes.delete(id);
      const id = typeof p.pipetteId === 'string' && p.pipetteId ? p.pipetteId : newId();
      state.pipettes.set(id, { id, pipetteName: name, mount, maxVolume: spec.maxVolume, channels: spec.channels, volume: 0 });
      return { result: { pipetteId: id } };
    }
    case 'loadModule': {
      const model = str(p.model);
      if (model === 'magneticBlockV1') {
        // no electronics: always "attached", no serial number
        const loc = resolveLocation(state, p.location);
        if (loc.error) return loc.error;
        const id = typeof p.moduleId === 'string' && p.moduleId ? p.moduleId : newId();
        state.modules.set(id, { id, model, location: loc.location });
        return { result: { moduleId: id, model } };
      }
      // as the engine: the location is checked before the hardware is looked for
      const loc = resolveLocation(state, p.location);
      if (loc.error) return loc.error;
      const attached = moduleToLoad(state, model, loc.location);
      if (!attached) return fail('ModuleNotAttachedError', '4000', `No available ${model} found.`);
      const id = typeof p.moduleId === 'string' && p.moduleId ? p.moduleId : attached.id;
      state.modules.set(id, { id, model: attached.moduleModel, location: loc.location, serialNumber: attached.serialNumber });
      return { result: { moduleId: id, model: attached.moduleModel, serialNumber: attached.serialNumber } };
    }
    case 'loadLiquid': {
      const id = str(p.labwareId);
      if (!state.labware.has(id)) return fail('LabwareNotLoadedError', '4000', `Labware ${id} not found.`);
      return { result: {} };
    }
    case 'pickUpTip': {
      const pip = pipetteOf(state, p);
      if (isOutcome(pip)) return pip;
      const w = wellOf(state, p);
      if (isOutcome(w)) return w;
      if (!w.lw.definition.parameters.isTiprack) return fail('LabwareIsNotTipRackError', '4000', `Labware ${w.lw.id} is not a tip rack.`);
      // robot-server 8.1.0's words and (empty) errorInfo, capture 189
      if (pip.tip) return fail('UnexpectedTipAttachError', '3012', 'Cannot perform pick_up_tip with a tip already attached.');
      const position = positionAt(state, w.lw.id, w.well, p);
      if (isOutcome(position)) return position;
      const well = w.lw.definition.wells[w.well];
      const length = (w.lw.definition.parameters.tipLength ?? well.depth) - (w.lw.definition.parameters.tipOverlap ?? 0);
      pip.tip = { volume: Math.min(well.totalLiquidVolume, pip.maxVolume), length, diameter: well.diameter ?? 0 };
      pip.volume = 0;
      w.lw.usedTips.add(w.well);
      pip.position = position;
      return { result: { position, tipVolume: pip.tip.volume, tipLength: pip.tip.length, tipDiameter: pip.tip.diameter } };
    }
    case 'aspirate':
    case 'aspirateInPlace':
    case 'dispense':
    case 'dispenseInPlace':
    case 'blowout':
    case 'blowOutInPlace':
    case 'touchTip':
    case 'moveToWell': {
      const pip = pipetteOf(state, p);
      if (isOutcome(pip)) return pip;
      let position: Point | undefined;
      if (!cmd.commandType.endsWith('InPlace')) {
        const w = wellOf(state, p);
        if (isOutcome(w)) return w;
        const at = positionAt(state, w.lw.id, w.well, p);
        if (isOutcome(at)) return at;
        position = at;
      }
      const liquid = cmd.commandType !== 'moveToWell';
      if (liquid && !pip.tip && cmd.commandType !== 'touchTip') {
        return fail('TipNotAttachedError', '3005', `Cannot perform ${cmd.commandType.toUpperCase()} without a tip attached.`, tipInfo(pip));
      }
      const volume = num(p.volume);
      if (cmd.commandType.startsWith('aspirate')) {
        const cap = Math.min(pip.maxVolume, pip.tip?.volume ?? pip.maxVolume);
        if (pip.volume + volume > cap + 1e-9) {
          return fail('InvalidAspirateVolumeError', '4000', `Cannot aspirate ${volume} µL when only ${round(cap - pip.volume)} µL is available.`);
        }
        pip.volume += volume;
      } else if (cmd.commandType.startsWith('dispense')) {
        if (volume > pip.volume + 1e-9) return fail('InvalidDispenseVolumeError', '4000', `Cannot dispense ${volume} µL when only ${round(pip.volume)} µL has been aspirated.`);
        pip.volume -= volume;
      } else if (cmd.commandType.startsWith('blow')) {
        pip.volume = 0;
      }
      const result: Record<string, unknown> = {};
      if (position) result.position = pip.position = position;
      if (cmd.commandType.startsWith('aspirate') || cmd.commandType.startsWith('dispense')) result.volume = volume;
      return { result };
    }
    case 'dropTip':
    case 'dropTipInPlace':
    case 'unsafe/dropTipInPlace': {
      const pip = pipetteOf(state, p);
      if (isOutcome(pip)) return pip;
      let position: Point | undefined;
      if (cmd.commandType === 'dropTip') {
        const lw = state.labware.get(str(p.labwareId));
        if (!lw) return fail('LabwareNotLoadedError', '4000', `Labware ${str(p.labwareId)} not found.`);
        const wname = str(p.wellName) || 'A1';
        if (!lw.definition.wells[wname]) return fail('WellDoesNotExistError', '4000', `${wname} does not exist in ${lw.id}.`);
        const at = positionAt(state, lw.id, wname, p);
        if (isOutcome(at)) return at;
        position = pip.position = at;
      }
      pip.tip = undefined;
      pip.volume = 0;
      return { result: position ? { position } : {} };
    }
    case 'moveToAddressableArea':
    case 'moveToAddressableAreaForDropTip': {
      const pip = pipetteOf(state, p);
      if (isOutcome(pip)) return pip;
      const name = str(p.addressableAreaName);
      const position = located(() => {
        const offset = cmd.commandType === 'moveToAddressableAreaForDropTip' && p.alternateDropLocation === true
          ? alternateDropOffset(state.deck.robotType, name, pip, state.lastDropSide)
          : p.offset;
        return areaMoveToPosition(state.deck.robotType, name, offset);
      });
      if (isOutcome(position)) return position;
      pip.position = position;
      return { result: { position } };
    }
    case 'moveToCoordinates': {
      const pip = pipetteOf(state, p);
      if (isOutcome(pip)) return pip;
      const c = isObject(p.coordinates) ? p.coordinates : {};
      pip.position = { x: num(c.x), y: num(c.y), z: num(c.z) };
      return { result: { position: pip.position } };
    }
    case 'moveRelative': {
      const pip = pipetteOf(state, p);
      if (isOutcome(pip)) return pip;
      // From where the last move left the pipette; the engine starts from the hardware's position, which the
      // simulator only knows after a move (before one, the deck origin).
      const from = pip.position ?? { x: 0, y: 0, z: 0 };
      const axis = str(p.axis);
      const d = num(p.distance);
      pip.position = { x: from.x + (axis === 'x' ? d : 0), y: from.y + (axis === 'y' ? d : 0), z: from.z + (axis === 'z' ? d : 0) };
      return { result: { position: pip.position } };
    }
    case 'setRailLights':
      state.hardware.railLights = p.on === true;
      return { result: {} };
    case 'waitForResume':
    case 'pause':
      return { pause: true };
    case 'liquidProbe': {
      const pip = pipetteOf(state, p);
      if (isOutcome(pip)) return pip;
      const w = wellOf(state, p);
      if (isOutcome(w)) return w;
      // Like the robot's own simulation (capture 190), the sensor always "finds" liquid, just below the
      // probing position; a real empty well gives liquidNotFound (SimulatedRobot.failNextCommand).
      if (!pip.tip) return fail('TipNotAttachedError', '3005', 'Cannot perform LIQUIDPROBE without a tip attached.', tipInfo(pip));
      const position = positionAt(state, w.lw.id, w.well, p);
      if (isOutcome(position)) return position;
      pip.position = position;
      return { result: { position, z_position: position.z + 0.5 } };
    }
    default:
      if (cmd.commandType.includes('/') && typeof p.moduleId === 'string' && !cmd.commandType.startsWith('calibration/') && !cmd.commandType.startsWith('unsafe/')) {
        if (!state.modules.has(p.moduleId)) return fail('ModuleNotLoadedError', '4000', `Module ${p.moduleId} not found.`);
        const hw = hardwareModule(state, p.moduleId);
        const waited = isTemperatureWait(cmd.commandType) ? hw?.msUntilTemperature(numOrUndefined(p.celsius)) : undefined;
        const problem = typeof waited === 'object' ? waited : hw?.apply(cmd.commandType, p);
        if (problem) return fail(problem.errorType, '4000', problem.detail);
        // the temperature module's result names the target it set (capture 108); other module commands return {}
        if (cmd.commandType === 'temperatureModule/setTargetTemperature') return { result: { targetTemperature: num(p.celsius) } };
      }
      return { result: {} };
  }
}

/**
 * The attached module behind a loaded moduleId, by the serial number its load recorded (attached serials are
 * unique). Not by id as well: the default engine loads each module under its own /modules id, so the serial finds
 * that same module; a run's moduleId is the protocol's choice, and one that happens to be another attached module's
 * id (or a magnetic block's, which has no serial) must not drive that module.
 */
function hardwareModule(state: EngineState, moduleId: string): SimModule | undefined {
  const serial = state.modules.get(moduleId)?.serialNumber;
  return serial === undefined ? undefined : state.hardware.modules.find((m) => m.serialNumber === serial);
}

function isTemperatureWait(commandType: string): boolean {
  return commandType === 'temperatureModule/waitForTemperature' || commandType === 'heaterShaker/waitForTemperature';
}

function numOrUndefined(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * Simulated ms a run command must still hold after its own duration: a `waitForTemperature` holds until its
 * module's ramp gets there (0 for every other command, and for one that will fail instead).
 */
export function holdMs(state: EngineState, cmd: CommandRecord): number {
  const id = cmd.params.moduleId;
  if (!isTemperatureWait(cmd.commandType) || typeof id !== 'string' || !state.modules.has(id)) return 0;
  const left = hardwareModule(state, id)?.msUntilTemperature(numOrUndefined(cmd.params.celsius));
  return typeof left === 'number' ? left : 0;
}

/** Simulated duration (ms at speed 1) of a command; `base` is SimulatorOptions.commandMs. */
export function durationOf(cmd: CommandRecord, base: number): number {
  const t = cmd.commandType;
  if (t === 'waitForDuration') return num(cmd.params.seconds) * 1000;
  if (t === 'home') return base * 2;
  if (t.startsWith('load') || t === 'comment' || t === 'setRailLights' || t === 'setStatusBar') return base / 10;
  return base;
}
