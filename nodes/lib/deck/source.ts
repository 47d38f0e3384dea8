// What a deck map is drawn from, gathered from a protocol analysis or from a run (with the few extra
// answers a run needs: its labware definitions, the Flex deck configuration, its current command).
import { InputError } from '../errors';
import type { Analysis, Command, CutoutFixture, JsonObject, Run } from '../types';

export type { CutoutFixture } from '../types';
import type { CurrentCommand } from '../watch/snapshot';
import type { RobotType } from './definitions';

export interface LiquidLoad {
  labwareId: string;
  volumeByWell: Record<string, number>;
  liquidId: string;
}

export interface Highlight {
  commandType: string;
  labwareId?: string;
  wellName?: string;
  /** 0-based index of the command in the run. */
  index?: number;
}

export interface DeckSource {
  robotType: RobotType;
  labware: JsonObject[];
  modules: JsonObject[];
  pipettes: JsonObject[];
  liquids: JsonObject[];
  liquidLoads: LiquidLoad[];
  /** Labware definitions by URI (the protocol's own and those the robot loaded); shipped ones fill the gaps. */
  definitions: Map<string, JsonObject>;
  /** A Flex's deck configuration as the robot reports it; undefined: inferred from what the protocol uses. */
  cutoutFixtures?: CutoutFixture[];
  /** Addressable areas the commands move to (trash bins, waste chute), for inferring a Flex deck configuration. */
  addressableAreas: string[];
  title?: string;
  /** Why the protocol cannot run as drawn (a failed analysis), shown as a banner. */
  problem?: string;
  /** Run status, for a run. */
  status?: string;
  highlight?: Highlight;
}

const ROBOT_TYPES: Record<string, RobotType> = { 'OT-2 Standard': 'OT-2 Standard', 'OT-3 Standard': 'OT-3 Standard' };

export function robotTypeOf(value: unknown, what: string): RobotType {
  const t = typeof value === 'string' ? ROBOT_TYPES[value] : undefined;
  if (!t) throw new InputError(`${what} has robotType ${JSON.stringify(value ?? null)}: expected "OT-2 Standard" or "OT-3 Standard"`);
  return t;
}

/** The deck of a robot model as client.robotModel() names it. */
export function robotTypeOfModel(model: string): RobotType {
  if (model === 'OT-2') return 'OT-2 Standard';
  if (model === 'Flex') return 'OT-3 Standard';
  throw new InputError(`the robot reports model ${JSON.stringify(model)}: the deck map knows the OT-2 and the Flex`);
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function objects(v: unknown): JsonObject[] {
  return Array.isArray(v) ? v.filter(isObject) : [];
}

/** True when `value` looks like an analysis (as opentrons-upload's msg.analysis gives it). */
export function isAnalysis(value: unknown): value is Analysis {
  return isObject(value) && typeof value.robotType === 'string' && Array.isArray(value.labware) && Array.isArray(value.commands);
}

/** The analysis in `value`: the analysis itself, or the robot's answer to GET /protocols/{id}/analyses/{id} (`{data: analysis}`). */
export function analysisIn(value: unknown): Analysis | undefined {
  if (isAnalysis(value)) return value;
  const data = isObject(value) ? value.data : undefined;
  return isAnalysis(data) ? data : undefined;
}

/** Reads what the commands tell: labware definitions from loadLabware results, liquid loads, addressable areas used. */
function readCommands(commands: Command[], into: Pick<DeckSource, 'definitions' | 'liquidLoads' | 'addressableAreas'>): void {
  for (const c of commands) {
    if (!isObject(c)) continue;
    const p = isObject(c.params) ? c.params : {};
    if (c.commandType === 'loadLabware' && isObject(c.result) && isObject(c.result.definition)) {
      addDefinitions(into.definitions, [c.result.definition]);
    } else if (c.commandType === 'loadLiquid' && typeof p.labwareId === 'string' && isObject(p.volumeByWell)) {
      const volumeByWell: Record<string, number> = {};
      for (const [well, v] of Object.entries(p.volumeByWell)) if (typeof v === 'number') volumeByWell[well] = v;
      into.liquidLoads.push({ labwareId: p.labwareId, liquidId: String(p.liquidId ?? ''), volumeByWell });
    } else if (typeof p.addressableAreaName === 'string' && !into.addressableAreas.includes(p.addressableAreaName)) {
      into.addressableAreas.push(p.addressableAreaName);
    }
  }
}

function uriOf(def: JsonObject): string | undefined {
  const params = isObject(def.parameters) ? def.parameters : {};
  if (typeof def.namespace !== 'string' || typeof params.loadName !== 'string' || typeof def.version !== 'number') return undefined;
  return `${def.namespace}/${params.loadName}/${def.version}`;
}

/** Files definitions under their URI; one without namespace, load name and version cannot be looked up, so is left out. */
function addDefinitions(into: Map<string, JsonObject>, defs: JsonObject[]): void {
  for (const def of defs) {
    const uri = uriOf(def);
    if (uri) into.set(uri, def);
  }
}

/** A failed analysis, in one line: its first error's detail. */
function analysisProblemText(analysis: Analysis): string | undefined {
  if (analysis.result !== 'not-ok') return undefined;
  const first = objects(analysis.errors)[0];
  const detail = first ? String(first.detail ?? first.errorType ?? '') : '';
  return `Analysis failed${detail ? `: ${detail}` : ''} — drawn up to the failing command`;
}

export function fromAnalysis(analysis: Analysis, title?: string): DeckSource {
  const src: DeckSource = {
    robotType: robotTypeOf(analysis.robotType, 'the analysis'),
    labware: objects(analysis.labware),
    modules: objects(analysis.modules),
    pipettes: objects(analysis.pipettes),
    liquids: objects(analysis.liquids),
    liquidLoads: [],
    definitions: new Map(),
    addressableAreas: [],
    title,
    problem: analysisProblemText(analysis),
  };
  readCommands(Array.isArray(analysis.commands) ? analysis.commands : [], src);
  addDefinitions(src.definitions, objects(analysis.labwareDefinitions));
  return src;
}

export interface RunExtras {
  definitions: JsonObject[];
  cutoutFixtures?: CutoutFixture[];
  /** Commands read for liquid loads and addressable areas (the run's first page). */
  commands: Command[];
  /** The run's current command (index: its place in the run), as currentCommandOf reads it. */
  current?: Pick<CurrentCommand, 'commandType' | 'params' | 'index'> | null;
}

export function fromRun(run: Run, robotType: RobotType, extras: RunExtras): DeckSource {
  const src: DeckSource = {
    robotType,
    labware: objects(run.labware),
    modules: objects(run.modules),
    pipettes: objects(run.pipettes),
    liquids: objects(run.liquids),
    liquidLoads: [],
    definitions: new Map(),
    cutoutFixtures: extras.cutoutFixtures,
    addressableAreas: [],
    // The first block of the run id: enough to tell runs apart, short enough for a phone-sized picture.
    title: `Run ${run.id.slice(0, 8)}`,
    status: String(run.status),
  };
  addDefinitions(src.definitions, extras.definitions);
  readCommands(extras.commands, src);
  const c = extras.current;
  if (c && isObject(c.params)) {
    src.highlight = {
      commandType: c.commandType,
      labwareId: typeof c.params.labwareId === 'string' ? c.params.labwareId : undefined,
      wellName: typeof c.params.wellName === 'string' ? c.params.wellName : undefined,
      index: c.index,
    };
  }
  return src;
}
