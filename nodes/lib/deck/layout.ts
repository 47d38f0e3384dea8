// Where everything goes on the deck, in deck millimetres (x to the right, y to the back), computed from the
// deck, module and labware definitions. No drawing here: svg.ts draws a DeckLayout, and the same layout is
// the node's msg.deck.
import { InputError } from '../errors';
import { findDefinition } from '../labware/definitions';
import pipetteNameList from '../data/pipette-names.json';
import type { JsonObject } from '../types';
import { cutoutProviding, deckDefinition, deckIdOf, moduleDefinition, slotName, transformed, type DeckDefinition, type Rect, type RobotType } from './definitions';
import { isObject, type CutoutFixture, type DeckSource } from './source';

export interface SlotBox {
  name: string;
  rect: Rect;
  staging: boolean;
  /** An addressable area that is not a slot (a lid dock…): the short text drawn in its corner instead of the name. */
  area?: string;
}

export type FixtureKind = 'fixedTrash' | 'trashBin' | 'wasteChute';

export interface FixtureBox {
  kind: FixtureKind;
  cutoutId: string;
  label: string;
  rect: Rect;
  /** The waste chute's opening, inside or in front of its footprint. */
  inner?: Rect;
}

export interface ModuleBox {
  id: string;
  model: string;
  displayName: string;
  slot: string;
  rect: Rect;
}

export interface WellBox {
  name: string;
  x: number;
  y: number;
  /** Circular wells have a radius, rectangular ones a width and height. */
  r?: number;
  w?: number;
  h?: number;
  /** Colour and id of the liquid the protocol loads into this well. */
  liquid?: string;
  liquidId?: string;
}

export interface LabwareBox {
  id: string;
  displayName: string;
  loadName: string;
  definitionUri: string;
  slot: string;
  rect: Rect;
  wells: WellBox[];
  hasDefinition: boolean;
  isTiprack: boolean;
}

export interface DeckLayout {
  robotType: RobotType;
  deckId: string;
  slots: SlotBox[];
  fixtures: FixtureBox[];
  modules: ModuleBox[];
  /** Bottom of each stack first, so drawing in order puts adapters under what they hold. */
  labware: LabwareBox[];
  /** `note`: why something on the deck is listed here (an addressable area the map cannot place). */
  offDeck: Array<{ id: string; displayName: string; note?: string }>;
  pipettes: Array<{ mount: string; id: string; pipetteName: string; displayName: string }>;
  liquids: Array<{ id: string; displayName: string; color: string }>;
  highlight?: { labwareId?: string; wellName?: string; slot?: string; commandType: string; index?: number };
  title?: string;
  status?: string;
  problem?: string;
}

const PLAIN_SLOT_FIXTURES = new Set(['singleStandardSlot', 'singleLeftSlot', 'singleCenterSlot', 'singleRightSlot', 'stagingAreaRightSlot']);
const LIQUID_FALLBACK = '#4a90d9';

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Which cutout each slot (and staging slot) belongs to, from the deck's standard slot fixtures. */
function slotCutouts(deck: DeckDefinition): Map<string, string> {
  const out = new Map<string, string>();
  for (const id of PLAIN_SLOT_FIXTURES) {
    const f = deck.fixtures.get(id);
    if (!f) continue;
    for (const [cutout, areas] of Object.entries(f.provides)) for (const a of areas) if (!out.has(a)) out.set(a, cutout);
  }
  return out;
}

function areaRect(deck: DeckDefinition, areaId: string, cutoutId: string): Rect | undefined {
  const area = deck.areas.get(areaId);
  const cutout = deck.cutouts.get(cutoutId);
  if (!area || !cutout) return undefined;
  return { x: cutout.x + area.dx, y: cutout.y + area.dy, w: area.w, h: area.h };
}

/** The Flex deck configuration the protocol needs, when the robot's own is not known (an analysis). */
function inferredFixtures(source: DeckSource, stagingRows: Set<string>): CutoutFixture[] {
  const fixtures: CutoutFixture[] = [];
  let chute = false;
  for (const area of source.addressableAreas) {
    const trash = /^movableTrash([A-D][13])$/.exec(area);
    if (trash) fixtures.push({ cutoutId: `cutout${trash[1]}`, cutoutFixtureId: 'trashBinAdapter' });
    else if (/WasteChute$/.test(area)) chute = true;
  }
  if (chute) {
    fixtures.push({ cutoutId: 'cutoutD3', cutoutFixtureId: stagingRows.has('D') ? 'stagingAreaSlotWithWasteChuteRightAdapterNoCover' : 'wasteChuteRightAdapterNoCover' });
    stagingRows.delete('D');
  }
  for (const row of stagingRows) fixtures.push({ cutoutId: `cutout${row}3`, cutoutFixtureId: 'stagingAreaRightSlot' });
  return fixtures;
}

/** Slots and fixtures: the robot's slots, plus what the Flex deck configuration adds (staging slots, trash, chute). */
function deckFurniture(deck: DeckDefinition, source: DeckSource, usedSlots: Set<string>): { slots: SlotBox[]; fixtures: FixtureBox[] } {
  const cutoutOf = slotCutouts(deck);
  const slots: SlotBox[] = [];
  const fixtures: FixtureBox[] = [];
  const staging = new Set<string>();
  for (const [area, cutout] of cutoutOf) {
    const a = deck.areas.get(area);
    if (a?.areaType !== 'slot') continue;
    const rect = areaRect(deck, area, cutout);
    if (rect) slots.push({ name: area, rect, staging: false });
  }
  if (deck.robotType === 'OT-2 Standard') {
    const rect = areaRect(deck, 'fixedTrash', 'cutout12');
    if (rect) fixtures.push({ kind: 'fixedTrash', cutoutId: 'cutout12', label: 'Fixed trash', rect });
    return { slots, fixtures };
  }
  const usedStaging = new Set([...usedSlots].filter((s) => /^[A-D]4$/.test(s)).map((s) => s[0]));
  const config = source.cutoutFixtures ?? inferredFixtures(source, new Set(usedStaging));
  const covered = new Set<string>();
  for (const { cutoutId, cutoutFixtureId } of config) {
    const provides = deck.fixtures.get(cutoutFixtureId)?.provides[cutoutId] ?? [];
    // A trash bin or the waste chute takes the cutout's slot away; a module fixture keeps it (the module stands in it).
    if (provides.some((a) => ['movableTrash', 'wasteChute'].includes(deck.areas.get(a)?.areaType ?? ''))) {
      for (const [area, c] of cutoutOf) if (c === cutoutId && deck.areas.get(area)?.areaType === 'slot' && !usedSlots.has(area)) covered.add(area);
    }
    for (const area of provides) {
      const a = deck.areas.get(area);
      if (!a) continue;
      if (a.areaType === 'stagingSlot') staging.add(area);
      if (a.areaType === 'movableTrash') {
        const rect = areaRect(deck, area, cutoutId);
        if (rect) fixtures.push({ kind: 'trashBin', cutoutId, label: 'Trash bin', rect });
      }
    }
    if (provides.includes('96ChannelWasteChute') || provides.includes('1ChannelWasteChute')) {
      // The chute's adapter fills the cutout's slot; its opening is the widest of its addressable areas (the covered
      // adapter lists only the narrow ones, but the chute under the cover is the same).
      const slotArea = [...cutoutOf].find(([a, c]) => c === cutoutId && deck.areas.get(a)?.areaType === 'slot')?.[0];
      const footprint = slotArea ? areaRect(deck, slotArea, cutoutId) : undefined;
      const opening = areaRect(deck, '96ChannelWasteChute', cutoutId);
      if (footprint) fixtures.push({ kind: 'wasteChute', cutoutId, label: 'Waste chute', rect: footprint, inner: opening });
    }
  }
  const kept = slots.filter((s) => !covered.has(s.name));
  slots.length = 0;
  slots.push(...kept);
  // A staging slot the protocol uses is drawn even when the deck configuration lacks it (the robot would refuse the run).
  for (const row of usedStaging) staging.add(`${row}4`);
  for (const area of staging) {
    const rect = areaRect(deck, area, cutoutOf.get(area) ?? `cutout${area[0]}3`);
    if (rect) slots.push({ name: area, rect, staging: true });
  }
  return { slots, fixtures };
}

/**
 * A box for a location given as an addressable area that is not one of the deck's slots: the area where the
 * deck definition has it; else, on a Flex, a column-4 area (an absorbance reader's lid dock, e.g.
 * absorbanceReaderV1LidDockD4, which newer deck definitions than the shipped one add) where that row's
 * staging slot is. Undefined when the map cannot place it, or it has no surface (a waste chute's opening).
 */
function areaBox(deck: DeckDefinition, name: string): SlotBox | undefined {
  const known = deck.areas.get(name);
  if (known) {
    const cutout = cutoutProviding(deck, name);
    const rect = cutout ? areaRect(deck, name, cutout) : undefined;
    return rect && rect.w >= 1 && rect.h >= 1 ? { name, rect, staging: false, area: known.displayName } : undefined;
  }
  const column4 = deck.robotType === 'OT-3 Standard' ? /([A-D])4$/.exec(name) : null;
  if (!column4) return undefined;
  const rect = areaRect(deck, `${column4[1]}4`, `cutout${column4[1]}3`);
  return rect ? { name, rect, staging: false, area: /LidDock[A-D]4$/.test(name) ? `${column4[1]}4 lid dock` : `${column4[1]}4 ${name}` } : undefined;
}

function slotOfLocation(robotType: RobotType, loc: unknown): string | undefined {
  if (!isObject(loc)) return undefined;
  const name = str(loc.slotName) ?? str(loc.addressableAreaName);
  return name === undefined ? undefined : slotName(robotType, name);
}

function deckNames(slots: SlotBox[]): string {
  const names = slots.map((s) => s.name);
  return names.length > 4 ? `${names.slice(0, 3).join(', ')} … ${names[names.length - 1]}` : names.join(', ');
}

function definitionFor(source: DeckSource, uri: string): JsonObject | undefined {
  const known = source.definitions.get(uri);
  if (known) return known;
  const [namespace, loadName, version] = uri.split('/');
  // The shipped definition itself (cached, read-only here), not a copy: drawing must stay cheap.
  return findDefinition(namespace, loadName ?? '', Number(version)) as JsonObject | undefined;
}

function wellsOf(def: JsonObject | undefined): WellBox[] {
  const wells = def && isObject(def.wells) ? def.wells : {};
  const out: WellBox[] = [];
  for (const [name, w] of Object.entries(wells)) {
    if (!isObject(w) || typeof w.x !== 'number' || typeof w.y !== 'number') continue;
    if (w.shape === 'circular' && typeof w.diameter === 'number') out.push({ name, x: w.x, y: w.y, r: w.diameter / 2 });
    else if (typeof w.xDimension === 'number' && typeof w.yDimension === 'number') out.push({ name, x: w.x, y: w.y, w: w.xDimension, h: w.yDimension });
  }
  return out;
}

const SBS = { x: 127.76, y: 85.48 };

export function layoutDeck(source: DeckSource): DeckLayout {
  const deck = deckDefinition(source.robotType);
  const deckId = deckIdOf(source.robotType);
  const modulesById = new Map(source.modules.map((m) => [String(m.id), m]));
  const labwareById = new Map(source.labware.map((l) => [String(l.id), l]));

  // Which slot each item stands in, following adapters and modules down to the deck.
  const slotCache = new Map<string, string | 'offDeck' | undefined>();
  /** Names that came as {addressableAreaName}: not always a slot, and never a reason to refuse the map. */
  const areaNames = new Set<string>();
  const rootSlot = (loc: unknown, seen: Set<string>): string | 'offDeck' | undefined => {
    if (loc === 'offDeck' || !isObject(loc)) return 'offDeck';
    const slot = slotOfLocation(source.robotType, loc);
    if (slot && str(loc.slotName) === undefined) areaNames.add(slot);
    if (slot) return slot;
    // A module or labware that stands on itself (directly or round a loop) is off the deck, not a stack overflow.
    if (typeof loc.moduleId === 'string' && !seen.has(`m:${loc.moduleId}`)) {
      seen.add(`m:${loc.moduleId}`);
      return rootSlot(modulesById.get(loc.moduleId)?.location, seen);
    }
    if (typeof loc.labwareId === 'string' && !seen.has(loc.labwareId)) {
      seen.add(loc.labwareId);
      return rootSlot(labwareById.get(loc.labwareId)?.location, seen);
    }
    return 'offDeck';
  };
  const slotOf = (id: string, loc: unknown): string | 'offDeck' | undefined => {
    if (!slotCache.has(id)) slotCache.set(id, rootSlot(loc, new Set([id])));
    return slotCache.get(id);
  };

  const used = new Set<string>();
  for (const m of source.modules) {
    const s = slotOf(`m:${String(m.id)}`, m.location);
    if (s && s !== 'offDeck') used.add(s);
  }
  for (const l of source.labware) {
    const s = slotOf(String(l.id), l.location);
    if (s && s !== 'offDeck') used.add(s);
  }
  const { slots, fixtures } = deckFurniture(deck, source, used);
  const slotByName = new Map(slots.map((s) => [s.name, s]));
  const robot = source.robotType === 'OT-2 Standard' ? 'OT-2' : 'Flex';
  /** Addressable areas the map cannot place: what stands there is listed off the deck with this note. */
  const unplaced = new Map<string, string>();
  for (const s of used) {
    if (slotByName.has(s) || (robot === 'Flex' && /^[A-D]4$/.test(s))) continue;
    if (areaNames.has(s)) {
      const box = areaBox(deck, s);
      if (box) {
        slots.push(box);
        slotByName.set(s, box);
      } else {
        const known = deck.areas.get(s);
        unplaced.set(s, known ? `in ${known.displayName} (${s}), not drawn` : `in addressable area "${s}", which the ${robot} deck definition here does not have`);
      }
      continue;
    }
    throw new InputError(`slot "${s}" is not on the ${robot} deck (its slots are ${deckNames(slots.filter((x) => !x.staging && !x.area))}): check the protocol's load locations`);
  }

  const modules: ModuleBox[] = [];
  const labwareOrigin = new Map<string, { x: number; y: number }>();
  for (const m of source.modules) {
    const slot = slotOf(`m:${String(m.id)}`, m.location);
    const box = slot && slot !== 'offDeck' ? slotByName.get(slot) : undefined;
    if (!box || !slot) continue;
    const model = String(m.model ?? '');
    const def = moduleDefinition(model);
    const transforms = def?.slotTransforms[deckId]?.[slot];
    let rect: Rect = { ...box.rect };
    let lwOrigin = { x: box.rect.x, y: box.rect.y };
    if (def) {
      const corner = transformed(transforms?.cornerOffsetFromSlot, def.cornerOffset);
      // Modules in the right column are turned round: the definition flips the labware offset, and the body with it.
      const flipped = !transforms?.cornerOffsetFromSlot && transforms?.labwareOffset?.[0]?.[0] === -1;
      const x = flipped ? box.rect.w - corner.x - def.size.x : corner.x;
      rect = { x: box.rect.x + x, y: box.rect.y + corner.y, w: def.size.x, h: def.size.y };
      const off = transformed(transforms?.labwareOffset, def.labwareOffset);
      lwOrigin = { x: box.rect.x + off.x, y: box.rect.y + off.y };
    }
    labwareOrigin.set(`m:${String(m.id)}`, lwOrigin);
    modules.push({ id: String(m.id), model, displayName: def?.displayName ?? model, slot, rect });
  }

  const liquidColor = new Map<string, string>();
  for (const l of source.liquids) liquidColor.set(String(l.id), str(l.displayColor) ?? LIQUID_FALLBACK);
  const wellLiquid = new Map<string, Map<string, { color: string; id: string }>>();
  for (const load of source.liquidLoads) {
    const perWell = wellLiquid.get(load.labwareId) ?? new Map<string, { color: string; id: string }>();
    for (const well of Object.keys(load.volumeByWell)) perWell.set(well, { color: liquidColor.get(load.liquidId) ?? LIQUID_FALLBACK, id: load.liquidId });
    wellLiquid.set(load.labwareId, perWell);
  }

  const labware: LabwareBox[] = [];
  const offDeck: DeckLayout['offDeck'] = [];
  const placed = new Set<string>();
  const place = (l: JsonObject, depth: number): void => {
    const id = String(l.id);
    if (placed.has(id) || depth > 8) return;
    const loc = l.location;
    const uri = str(l.definitionUri) ?? '';
    const def = definitionFor(source, uri);
    const meta = def && isObject(def.metadata) ? def.metadata : {};
    const params = def && isObject(def.parameters) ? def.parameters : {};
    const displayName = str(l.displayName) ?? str(meta.displayName) ?? str(l.loadName) ?? uri;
    const slot = slotOf(id, loc);
    if (!slot || slot === 'offDeck') {
      placed.add(id);
      offDeck.push({ id, displayName });
      return;
    }
    const note = unplaced.get(slot);
    if (note) {
      placed.add(id);
      offDeck.push({ id, displayName, note });
      return;
    }
    let origin: { x: number; y: number } | undefined;
    if (isObject(loc) && typeof loc.moduleId === 'string') {
      origin = labwareOrigin.get(`m:${loc.moduleId}`);
    } else if (isObject(loc) && typeof loc.labwareId === 'string') {
      const parent = labwareById.get(loc.labwareId);
      if (parent) place(parent, depth + 1);
      origin = labwareOrigin.get(loc.labwareId);
    } else {
      const box = slotByName.get(slot);
      origin = box ? { x: box.rect.x, y: box.rect.y } : undefined;
    }
    placed.add(id);
    if (!origin) {
      offDeck.push({ id, displayName });
      return;
    }
    labwareOrigin.set(id, origin);
    const corner = def && isObject(def.cornerOffsetFromSlot) ? def.cornerOffsetFromSlot : {};
    const dims = def && isObject(def.dimensions) ? def.dimensions : {};
    const rect: Rect = {
      x: origin.x + (typeof corner.x === 'number' ? corner.x : 0),
      y: origin.y + (typeof corner.y === 'number' ? corner.y : 0),
      w: typeof dims.xDimension === 'number' ? dims.xDimension : SBS.x,
      h: typeof dims.yDimension === 'number' ? dims.yDimension : SBS.y,
    };
    const liquids = wellLiquid.get(id);
    const wells = wellsOf(def).map((w) => {
      const liquid = liquids?.get(w.name);
      return liquid ? { ...w, liquid: liquid.color, liquidId: liquid.id } : w;
    });
    const box: LabwareBox = {
      id, displayName, loadName: str(l.loadName) ?? String(params.loadName ?? ''), definitionUri: uri, slot, rect, wells,
      hasDefinition: def !== undefined, isTiprack: params.isTiprack === true,
    };
    // The OT-2's fixed trash is part of the deck picture already; it names the fixture instead of covering it.
    if (source.robotType === 'OT-2 Standard' && meta.displayCategory === 'trash' && slot === '12') {
      const trash = fixtures.find((f) => f.kind === 'fixedTrash');
      if (trash) trash.label = displayName;
      return;
    }
    labware.push(box);
  };
  for (const l of source.labware) place(l, 0);

  const pipettes = source.pipettes
    .filter((p) => typeof p.mount === 'string')
    .map((p) => ({ mount: String(p.mount), id: String(p.id ?? ''), pipetteName: String(p.pipetteName ?? ''), displayName: pipetteDisplayName(String(p.pipetteName ?? '')) }));
  const liquids = source.liquids.map((l) => ({
    id: String(l.id),
    displayName: str(l.displayName) ?? String(l.id),
    color: str(l.displayColor) ?? LIQUID_FALLBACK,
  }));
  let highlight: DeckLayout['highlight'];
  if (source.highlight) {
    const lw = source.highlight.labwareId ? labware.find((b) => b.id === source.highlight?.labwareId) : undefined;
    highlight = { ...source.highlight, slot: lw?.slot };
  }
  return {
    robotType: source.robotType, deckId, slots, fixtures, modules, labware, offDeck, pipettes, liquids, highlight,
    title: source.title, status: source.status, problem: source.problem,
  };
}

const pipetteNames = new Map<string, string>(
  [...pipetteNameList.ot2, ...pipetteNameList.flex].map((p: { name: string; displayName: string }) => [p.name, p.displayName]),
);

/** The pipette's display name from the shipped pipette list; its load name when the list does not know it. */
function pipetteDisplayName(name: string): string {
  return pipetteNames.get(name) ?? name;
}
