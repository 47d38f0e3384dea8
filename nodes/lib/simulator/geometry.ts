/**
 * Deck coordinates of wells and addressable areas, from the definitions only: the deck definition's cutout positions
 * and addressable-area offsets (nodes/lib/data/deck/), the module definitions' labware offsets and slot transforms
 * (OT-2) or the module's addressable area (Flex), the labware definitions' corner offsets, stacking offsets and well
 * positions. The rules are the protocol engine's (robot-server 8.1.0, `GeometryView`), and sums are taken in the
 * engine's order so the floating-point results equal the robot's to the last bit (4.550000000000002 and all).
 * One job: positions. The executor and the analysis walk both describe their deck through `DeckContents`.
 */
import { deckDefinition, deckIdOf, moduleDefinition, type RobotType } from '../deck/definitions';

export interface Point {
  x: number;
  y: number;
  z: number;
}

/** The parts of a labware definition positions are computed from. */
export interface LabwareGeometry {
  parameters: { isTiprack: boolean };
  cornerOffsetFromSlot?: Point;
  dimensions?: { zDimension: number };
  wells: Record<string, { x: number; y: number; z: number; depth: number }>;
  stackingOffsetWithLabware?: Record<string, Point>;
  stackingOffsetWithModule?: Record<string, Point>;
}

export interface PlacedLabware {
  loadName: string;
  definition: LabwareGeometry;
  /** The engine's location: {slotName}, {moduleId}, {labwareId}, {addressableAreaName} or "offDeck". */
  location: unknown;
  /** The labware offset (Labware Position Check) applied at load, if any. */
  offset?: Point;
}

export interface PlacedModule {
  model: string;
  location?: unknown;
}

/** What a run (or an analysis) has on its deck, by id. */
export interface DeckContents {
  robotType: RobotType;
  labware(id: string): PlacedLabware | undefined;
  module(id: string): PlacedModule | undefined;
}

/** A position that cannot be computed, with the engine's error type for it. */
export class GeometryError extends Error {
  constructor(readonly errorType: string, detail: string) {
    super(detail);
  }
}

const ZERO: Point = { x: 0, y: 0, z: 0 };

function field(location: unknown, key: string): string | undefined {
  if (typeof location !== 'object' || location === null) return undefined;
  const v = (location as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : undefined;
}

function cutoutOf(robotType: RobotType, areaName: string): string | undefined {
  for (const fixture of deckDefinition(robotType).fixtures.values()) {
    for (const [cutout, areas] of Object.entries(fixture.provides)) if (areas.includes(areaName)) return cutout;
  }
  return undefined;
}

function area(robotType: RobotType, areaName: string): { position: Point; w: number; h: number; d: number; cutout: string } {
  const deck = deckDefinition(robotType);
  const a = deck.areas.get(areaName);
  const cutout = cutoutOf(robotType, areaName);
  const c = cutout === undefined ? undefined : deck.cutouts.get(cutout);
  if (!a || !c || cutout === undefined) throw new GeometryError('AddressableAreaDoesNotExistError', `Could not find addressable area with name ${areaName}`);
  return { position: { x: a.dx + c.x, y: a.dy + c.y, z: a.dz + c.z }, w: a.w, h: a.h, d: a.d, cutout: cutout };
}

/** Front-left-bottom corner of a deck slot or other addressable area. */
export function areaPosition(robotType: RobotType, areaName: string): Point {
  return area(robotType, areaName).position;
}

/** The slot (or staging area) under a labware, through the modules and labware it sits on. */
function ancestorArea(deck: DeckContents, lw: PlacedLabware, depth = 0): string {
  const slot = field(lw.location, 'slotName') ?? field(lw.location, 'addressableAreaName');
  if (slot !== undefined) return slot;
  const moduleId = field(lw.location, 'moduleId');
  if (moduleId !== undefined) {
    const moduleSlot = field(deck.module(moduleId)?.location, 'slotName');
    if (moduleSlot !== undefined) return moduleSlot;
    throw new GeometryError('ModuleNotLoadedError', `Module ${moduleId} not found.`);
  }
  const below = field(lw.location, 'labwareId');
  const under = below === undefined ? undefined : deck.labware(below);
  if (under && depth < 32) return ancestorArea(deck, under, depth + 1);
  throw new GeometryError('LabwareNotOnDeckError', 'Labware is not on the deck: it has been loaded off-deck or moved off-deck.');
}

// The Flex places labware on a module by the module's own addressable area in the cutout (deck definition), not by
// the module definition's labwareOffset; the area names follow the engine's per-model prefixes.
const FLEX_MODULE_AREA_PREFIX: Record<string, string> = {
  magneticBlockV1: 'magneticBlockV1',
  heaterShakerModuleV1: 'heaterShakerV1',
  temperatureModuleV2: 'temperatureModuleV2',
  absorbanceReaderV1: 'absorbanceReaderV1',
};

function moduleNominalOffset(robotType: RobotType, mod: PlacedModule): Point {
  const slot = field(mod.location, 'slotName') ?? '';
  if (robotType === 'OT-3 Standard') {
    const name = mod.model === 'thermocyclerModuleV2' ? 'thermocyclerModuleV2' : FLEX_MODULE_AREA_PREFIX[mod.model] ? `${FLEX_MODULE_AREA_PREFIX[mod.model]}${slot}` : undefined;
    const a = name === undefined ? undefined : deckDefinition(robotType).areas.get(name);
    if (!a) throw new GeometryError('InvalidModuleLocationError', `A ${mod.model} cannot hold labware in slot ${slot} of a Flex.`);
    return { x: a.dx, y: a.dy, z: a.dz };
  }
  const def = moduleDefinition(mod.model);
  if (!def) throw new GeometryError('ModuleNotLoadedError', `No definition for module model ${mod.model}.`);
  const m = def.slotTransforms[deckIdOf(robotType)]?.[slot]?.labwareOffset;
  const v = [def.labwareOffset.x, def.labwareOffset.y, def.labwareOffset.z, 1];
  if (!m) return { ...def.labwareOffset };
  const row = (i: number): number => m[i].reduce((sum, a, j) => sum + a * v[j], 0);
  return { x: row(0), y: row(1), z: row(2) };
}

/** The engine's stacking rule for labware on a module: the labware's own overlap, 10.7 mm on an OT-2 thermocycler. */
function moduleOverlap(robotType: RobotType, lw: PlacedLabware, model: string): Point {
  const own = lw.definition.stackingOffsetWithModule?.[model];
  if (own) return own;
  return robotType === 'OT-2 Standard' && model.startsWith('thermocyclerModule') ? { x: 0, y: 0, z: 10.7 } : ZERO;
}

/** Offset of a labware's parent from the slot under it: module offsets and stacking, recursively down the stack. */
function positionOffset(deck: DeckContents, lw: PlacedLabware, depth = 0): Point {
  const moduleId = field(lw.location, 'moduleId');
  if (moduleId !== undefined) {
    const mod = deck.module(moduleId);
    if (!mod) throw new GeometryError('ModuleNotLoadedError', `Module ${moduleId} not found.`);
    const off = moduleNominalOffset(deck.robotType, mod);
    const overlap = moduleOverlap(deck.robotType, lw, mod.model);
    return { x: off.x - overlap.x, y: off.y - overlap.y, z: off.z - overlap.z };
  }
  const belowId = field(lw.location, 'labwareId');
  if (belowId !== undefined) {
    const below = deck.labware(belowId);
    if (!below || depth >= 32) throw new GeometryError('LabwareNotLoadedError', `Labware ${belowId} not found.`);
    const overlap = lw.definition.stackingOffsetWithLabware?.[below.loadName] ?? ZERO;
    const rest = positionOffset(deck, below, depth + 1);
    const height = below.definition.dimensions?.zDimension ?? 0;
    return { x: overlap.x + rest.x, y: overlap.y + rest.y, z: height - overlap.z + rest.z };
  }
  return ZERO;
}

/** The labware's origin (front-left-bottom) with its labware offset: the engine's `get_labware_position`. */
export function labwarePosition(deck: DeckContents, labwareId: string): Point {
  const lw = deck.labware(labwareId);
  if (!lw) throw new GeometryError('LabwareNotLoadedError', `Labware ${labwareId} not found.`);
  if (lw.location === 'offDeck') throw new GeometryError('LabwareNotOnDeckError', `Labware ${labwareId} is not on the deck.`);
  const slot = areaPosition(deck.robotType, ancestorArea(deck, lw));
  const off = positionOffset(deck, lw);
  const corner = lw.definition.cornerOffsetFromSlot ?? ZERO;
  const lpc = lw.offset ?? ZERO;
  return {
    x: slot.x + off.x + corner.x + lpc.x,
    y: slot.y + off.y + corner.y + lpc.y,
    z: slot.z + off.z + corner.z + lpc.z,
  };
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/**
 * A well's position for a command's `wellLocation` ({origin: top|bottom|center, offset}); no wellLocation is the top.
 * `origin: "default"` (dropTip) is the top too: the robot goes further down into a tip rack (tip length × the
 * pipette's returnTipHeight), which needs pipette definitions the simulator does not ship.
 */
export function wellPosition(deck: DeckContents, labwareId: string, wellName: string, wellLocation?: unknown): Point {
  const base = labwarePosition(deck, labwareId);
  const well = deck.labware(labwareId)?.definition.wells[wellName];
  if (!well) throw new GeometryError('WellDoesNotExistError', `${wellName} does not exist in ${labwareId}.`);
  const loc = typeof wellLocation === 'object' && wellLocation !== null ? (wellLocation as Record<string, unknown>) : undefined;
  const o = loc && typeof loc.offset === 'object' && loc.offset !== null ? (loc.offset as Record<string, unknown>) : {};
  const origin = loc?.origin;
  const dz = origin === 'bottom' ? num(o.z) : origin === 'center' ? num(o.z) + well.depth / 2 : num(o.z) + well.depth;
  return { x: base.x + num(o.x) + well.x, y: base.y + num(o.y) + well.y, z: base.z + dz + well.z };
}

/** Where moveToAddressableArea takes the pipette: the area's top centre, plus the command's offset. */
export function areaMoveToPosition(robotType: RobotType, areaName: string, offset?: unknown): Point {
  const a = area(robotType, areaName);
  const o = typeof offset === 'object' && offset !== null ? (offset as Record<string, unknown>) : {};
  return { x: a.position.x + a.w / 2 + num(o.x), y: a.position.y + a.h / 2 + num(o.y), z: a.position.z + a.d + num(o.z) };
}

/** Pipette x spans (mm, with the engine's margin) by channel count, for alternating tip drops. */
const PIPETTE_X_SPAN: Record<number, number> = { 1: 75, 8: 75, 96: 161 };
const SLOT_WIDTH = 128;

/**
 * The x offset of the next alternating tip drop in a trash area (moveToAddressableAreaForDropTip with
 * alternateDropLocation): right part first, then left, then right …, per area, as the engine alternates.
 * `last` is the caller's memory of the side used last per area (the engine keeps it per run).
 */
export function alternateDropOffset(
  robotType: RobotType,
  areaName: string,
  pipette: { channels: number; mount: string },
  last: Map<string, 'left' | 'right'>,
): Point {
  const a = area(robotType, areaName);
  const margin = (PIPETTE_X_SPAN[pipette.channels] ?? 75) / 2;
  const column = slotColumn(robotType, a.cutout);
  const side = last.get(areaName) === 'right' ? 'left' : 'right';
  last.set(areaName, side);
  let x: number;
  if (side === 'left') {
    if (a.w > SLOT_WIDTH && pipette.channels !== 96 && pipette.mount === 'right' && column === 1) x = -a.w / 2 + margin * 2;
    else x = Math.min(0, -a.w / 2 + margin);
  } else if (a.w > SLOT_WIDTH && pipette.channels !== 96 && pipette.mount === 'left' && column === 3) {
    x = -a.w / 2 + SLOT_WIDTH - margin;
  } else {
    x = Math.max(0, a.w / 2 - margin);
  }
  return { x, y: 0, z: 0 };
}

/** Deck column (1–3) of a cutout: Flex cutouts end in their column, OT-2 cutouts are numbered row by row. */
function slotColumn(robotType: RobotType, cutout: string): number {
  const id = cutout.replace(/^cutout/, '');
  if (robotType === 'OT-3 Standard') return Math.min(3, Number(id.slice(1)));
  return ((Number(id) - 1) % 3) + 1;
}
