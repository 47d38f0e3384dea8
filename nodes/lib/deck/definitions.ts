// The Opentrons deck and module definitions shipped in nodes/lib/data/ (shared-data files, see NOTICE), read
// once and reduced to the fields the deck map draws from and the simulated robot's geometry computes with.
// No simulator import: the runtime shares this module with the simulator, never the other way round.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const DATA_DIR = join(__dirname, '..', 'data');

export type RobotType = 'OT-2 Standard' | 'OT-3 Standard';

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

interface DeckFile {
  locations: {
    cutouts: Array<{ id: string; position: number[] }>;
    addressableAreas: Array<{ id: string; areaType: string; displayName: string; offsetFromCutoutFixture: number[]; boundingBox: { xDimension: number; yDimension: number; zDimension: number } }>;
  };
  cutoutFixtures: Array<{ id: string; displayName: string; providesAddressableAreas: Record<string, string[]>; fixtureGroup?: Record<string, Array<Record<string, string>>> }>;
}

export interface DeckDefinition {
  robotType: RobotType;
  /** cutout id → its front-left corner on the deck (mm). */
  cutouts: Map<string, { x: number; y: number; z: number }>;
  /** Offsets (dx, dy, dz) from the cutout that provides the area; w × h × d its bounding box. */
  areas: Map<string, { areaType: string; displayName: string; dx: number; dy: number; dz: number; w: number; h: number; d: number }>;
  /** fixture id → the areas it provides per cutout it may mount to, and the fixtures it must sit with (thermocycler front and rear). */
  fixtures: Map<string, { displayName: string; provides: Record<string, string[]>; group: Record<string, Array<Record<string, string>>> }>;
}

type Matrix = number[][];

export interface ModuleDefinition {
  model: string;
  displayName: string;
  moduleType: string;
  /** Requested models an attached module of this model also satisfies (the engine's loadModule match). */
  compatibleWith: string[];
  /** The module's body relative to the slot's front-left corner. */
  cornerOffset: { x: number; y: number };
  size: { x: number; y: number };
  /** Where labware on the module sits, relative to the slot's front-left corner. */
  labwareOffset: { x: number; y: number; z: number };
  /** Per deck, per slot: transforms the robot applies to these offsets (right-column modules are turned round). */
  slotTransforms: Record<string, Record<string, { labwareOffset?: Matrix; cornerOffsetFromSlot?: Matrix }>>;
}

const DECK_FILES: Record<RobotType, string> = { 'OT-2 Standard': 'ot2_standard', 'OT-3 Standard': 'ot3_standard' };
const decks = new Map<RobotType, DeckDefinition>();

export function deckIdOf(robotType: RobotType): string {
  return DECK_FILES[robotType];
}

export function deckDefinition(robotType: RobotType): DeckDefinition {
  let deck = decks.get(robotType);
  if (!deck) {
    const raw = JSON.parse(readFileSync(join(DATA_DIR, 'deck', `${DECK_FILES[robotType]}.json`), 'utf8')) as DeckFile;
    deck = {
      robotType,
      cutouts: new Map(raw.locations.cutouts.map((c) => [c.id, { x: c.position[0], y: c.position[1], z: c.position[2] }])),
      areas: new Map(
        raw.locations.addressableAreas.map((a) => [
          a.id,
          {
            areaType: a.areaType,
            displayName: a.displayName,
            dx: a.offsetFromCutoutFixture[0],
            dy: a.offsetFromCutoutFixture[1],
            dz: a.offsetFromCutoutFixture[2],
            w: a.boundingBox.xDimension,
            h: a.boundingBox.yDimension,
            d: a.boundingBox.zDimension,
          },
        ]),
      ),
      fixtures: new Map(raw.cutoutFixtures.map((f) => [f.id, { displayName: f.displayName, provides: f.providesAddressableAreas, group: f.fixtureGroup ?? {} }])),
    };
    decks.set(robotType, deck);
  }
  return deck;
}

/** The cutout whose fixture provides an addressable area (the first, for areas several cutouts offer). */
export function cutoutProviding(deck: DeckDefinition, areaId: string): string | undefined {
  for (const f of deck.fixtures.values()) for (const [cutout, areas] of Object.entries(f.provides)) if (areas.includes(areaId)) return cutout;
  return undefined;
}

const FLEX_OT2_NAMES: Record<string, string> = {
  D1: '1', D2: '2', D3: '3', C1: '4', C2: '5', C3: '6', B1: '7', B2: '8', B3: '9', A1: '10', A2: '11', A3: '12',
};
const OT2_FLEX_NAMES = Object.fromEntries(Object.entries(FLEX_OT2_NAMES).map(([f, o]) => [o, f]));

/**
 * A slot name as the robot of this type reads it: flows and the robot accept either naming style, and a Flex
 * reads an OT-2 slot number as the slot in the same place (api/src/opentrons/types.py `_slot_equivalencies`:
 * 1 → D1 … 12 → A3); an OT-2 reads the Flex names the other way round.
 */
export function slotName(robotType: RobotType, name: string): string {
  if (robotType === 'OT-3 Standard') return OT2_FLEX_NAMES[name] ?? name;
  return FLEX_OT2_NAMES[name] ?? name;
}

const MODULE_MODELS = new Set([
  'temperatureModuleV1', 'temperatureModuleV2', 'magneticModuleV1', 'magneticModuleV2', 'thermocyclerModuleV1', 'thermocyclerModuleV2',
  'heaterShakerModuleV1', 'magneticBlockV1', 'absorbanceReaderV1',
]);
const modules = new Map<string, ModuleDefinition>();

/** The shipped definition of a module model, or undefined for a model we do not ship (drawn as a plain box). */
export function moduleDefinition(model: string): ModuleDefinition | undefined {
  if (!MODULE_MODELS.has(model)) return undefined;
  let def = modules.get(model);
  if (!def) {
    const raw = JSON.parse(readFileSync(join(DATA_DIR, 'module', `${model}.json`), 'utf8')) as {
      displayName: string;
      moduleType: string;
      cornerOffsetFromSlot: { x: number; y: number };
      labwareOffset: { x: number; y: number; z: number };
      dimensions: { xDimension: number; yDimension: number };
      slotTransforms?: ModuleDefinition['slotTransforms'];
      compatibleWith?: string[];
    };
    def = {
      model,
      displayName: raw.displayName,
      moduleType: raw.moduleType,
      compatibleWith: raw.compatibleWith ?? [],
      cornerOffset: { x: raw.cornerOffsetFromSlot.x, y: raw.cornerOffsetFromSlot.y },
      size: { x: raw.dimensions.xDimension, y: raw.dimensions.yDimension },
      labwareOffset: { x: raw.labwareOffset.x, y: raw.labwareOffset.y, z: raw.labwareOffset.z },
      slotTransforms: raw.slotTransforms ?? {},
    };
    modules.set(model, def);
  }
  return def;
}

/** Applies a 4×4 slot transform from a module definition to an (x, y) offset. */
export function transformed(m: Matrix | undefined, p: { x: number; y: number }): { x: number; y: number } {
  if (!m) return p;
  return { x: m[0][0] * p.x + m[0][1] * p.y + m[0][3], y: m[1][0] * p.x + m[1][1] * p.y + m[1][3] };
}
