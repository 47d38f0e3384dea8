// The fit check: what a protocol's analysis needs of a robot (robot type, pipettes on their mounts,
// modules, Flex deck fixtures, the gripper) against what the robot has. Used before a run is played
// (preflight) and by the fleet queue to pick a robot; written once so both judge a robot the same way.
import type { RobotClient, RequestOptions } from './client';
import { deckDefinition, moduleDefinition, slotName } from './deck/definitions';
import pipetteNames from './data/pipette-names.json';
import { robotModel, type Analysis, type AttachedModule, type DeckConfiguration, type JsonObject } from './types';

/** What a protocol's analysis needs of a robot. */
export interface Requirements {
  /** 'OT-2' | 'Flex' (from the analysis's robotType "OT-2 Standard" / "OT-3 Standard"). */
  robotType: string;
  pipettes: Array<{ mount: string; pipetteName: string }>;
  /** Modules the robot must have attached (the magnetic block has no electronics and is only a Flex fixture). */
  modules: Array<{ model: string; slotName?: string }>;
  /** Flex: the cutout fixtures the commands use (trash bins, waste chute, staging slots, module fixtures, slots). */
  fixtures: Array<{ cutoutId: string; cutoutFixtureIds: string[]; why: string }>;
  /** A moveLabware with strategy usingGripper. */
  gripper: boolean;
}

export interface RobotEquipment {
  /** 'OT-2' | 'Flex', or the robot's own model string. */
  model: string;
  instruments: JsonObject[];
  modules: AttachedModule[];
  deckConfiguration?: DeckConfiguration;
}

export interface Check {
  check: string;
  ok: boolean;
  detail: string;
}

// ---- requirements ------------------------------------------------------------------------------

/** A 96-channel pipette is loaded on the left mount and takes the right one too (pipette-names.json `mounts.note`). */
const NINETY_SIX = /_96$/;

export function requirementsOf(analysis: Analysis): Requirements {
  const robotType = robotModel(typeof analysis.robotType === 'string' ? analysis.robotType : 'OT-2 Standard');
  const flex = robotType === 'Flex';
  const commands = (analysis.commands ?? []) as Array<{ commandType?: unknown; params?: unknown; result?: unknown }>;

  const pipettes: Requirements['pipettes'] = [];
  const addPipette = (mount: unknown, pipetteName: unknown): void => {
    if (typeof mount !== 'string' || typeof pipetteName !== 'string') return;
    if (!pipettes.some((p) => p.mount === mount && p.pipetteName === pipetteName)) pipettes.push({ mount, pipetteName });
  };
  for (const p of analysis.pipettes ?? []) addPipette(p.mount, p.pipetteName);

  // The analysis's own module list names Flex slots as the engine resolved them; loadModule commands fill
  // in what it does not list (an analysis cut short by an error).
  const loaded = new Map<string, { model: string; slotName?: string }>();
  for (const m of analysis.modules ?? []) {
    if (typeof m.model === 'string') loaded.set(typeof m.id === 'string' ? m.id : `#${loaded.size}`, { model: m.model, slotName: slotOf(m.location, flex) });
  }

  const uses = new Map<string, { fixtureIds: string[]; why: string[] }>();
  const need = (cutoutId: string, fixtureIds: string[], why: string): void => {
    const u = uses.get(cutoutId);
    if (!u) uses.set(cutoutId, { fixtureIds, why: [why] });
    else {
      u.fixtureIds = u.fixtureIds.filter((f) => fixtureIds.includes(f));
      if (!u.why.includes(why)) u.why.push(why);
    }
  };
  let gripper = false;

  for (const c of commands) {
    const params = isObject(c.params) ? c.params : {};
    const type = typeof c.commandType === 'string' ? c.commandType : '';
    if (type === 'loadPipette') addPipette(params.mount, params.pipetteName);
    if (type === 'loadModule' && typeof params.model === 'string') {
      const result = isObject(c.result) ? c.result : {};
      const id = typeof params.moduleId === 'string' ? params.moduleId : typeof result.moduleId === 'string' ? result.moduleId : `#${loaded.size}`;
      if (!loaded.has(id)) loaded.set(id, { model: params.model, slotName: slotOf(params.location, flex) });
      const slot = loaded.get(id)?.slotName;
      if (flex && slot) for (const [cutout, ids] of moduleFixtures(params.model, slot)) need(cutout, ids, `loadModule ${params.model} in ${slot}`);
      continue;
    }
    if (type === 'moveLabware' && params.strategy === 'usingGripper') gripper = true;
    if (!flex) continue;
    for (const area of areasOf(params, flex)) {
      const provided = areaFixtures(area);
      if (provided) need(provided.cutoutId, provided.fixtureIds, `${type} uses ${area}`);
    }
  }

  const modules: Requirements['modules'] = [];
  for (const m of loaded.values()) if (moduleDefinition(m.model)?.moduleType !== MAGNETIC_BLOCK_TYPE) modules.push(m);
  const fixtures = [...uses].map(([cutoutId, u]) => ({ cutoutId, cutoutFixtureIds: u.fixtureIds, why: u.why.join('; ') }));
  return { robotType, pipettes, modules, fixtures, gripper };
}

/**
 * The magnetic block has no electronics: the engine loads it without asking the hardware
 * (api/src/opentrons/protocol_engine/execution/equipment.py, load_magnetic_block), so /modules never lists it.
 */
const MAGNETIC_BLOCK_TYPE = 'magneticBlockType';

/** Addressable area names a command's params point at: locations, new locations, and moveToAddressableArea*. */
function areasOf(params: JsonObject, flex: boolean): string[] {
  const out: string[] = [];
  if (typeof params.addressableAreaName === 'string') out.push(params.addressableAreaName);
  for (const key of ['location', 'newLocation']) {
    const loc = params[key];
    if (!isObject(loc)) continue;
    if (typeof loc.addressableAreaName === 'string') out.push(loc.addressableAreaName);
    const slot = slotOf(loc, flex);
    if (slot) out.push(slot);
  }
  return out;
}

/** A location's slot name as the robot resolves it (a Flex reads OT-2 slot numbers as its own slots). */
function slotOf(location: unknown, flex: boolean): string | undefined {
  if (!isObject(location) || typeof location.slotName !== 'string') return undefined;
  return flex ? slotName('OT-3 Standard', location.slotName) : location.slotName;
}

/** Flex addressable area → the cutout that provides it (the first in the deck definition) and every fixture providing it there. */
let flexAreas: Map<string, { cutoutId: string; fixtureIds: string[] }> | undefined;

/**
 * The cutout that provides an addressable area, and every fixture that provides it there (Flex deck definition).
 * Asked for every location of every command: the deck definition is indexed once, not scanned per ask.
 */
function areaFixtures(area: string): { cutoutId: string; fixtureIds: string[] } | undefined {
  if (!flexAreas) {
    flexAreas = new Map();
    for (const [id, f] of deckDefinition('OT-3 Standard').fixtures) {
      for (const [cutout, areas] of Object.entries(f.provides)) {
        for (const a of areas) {
          const known = flexAreas.get(a);
          if (!known) flexAreas.set(a, { cutoutId: cutout, fixtureIds: [id] });
          else if (known.cutoutId === cutout && !known.fixtureIds.includes(id)) known.fixtureIds.push(id);
        }
      }
    }
  }
  const found = flexAreas.get(area);
  // a copy: callers keep and narrow the list
  return found && { cutoutId: found.cutoutId, fixtureIds: [...found.fixtureIds] };
}

/**
 * The fixtures a module loaded in a Flex slot needs. The engine turns the slot into the module's addressable area
 * (api/src/opentrons/protocol_engine/state/modules.py, ensure_and_convert_module_fixture_location); here the deck
 * definition gives it: the area the module's own cutout fixture (named after the model: `temperatureModuleV2`,
 * `thermocyclerModuleV2Front`) provides in that cutout, then every fixture providing that area there (the magnetic
 * block's also comes with a staging slot), plus the fixture's `fixtureGroup` partners (the thermocycler's rear half).
 * A model with no such fixture (an OT-2 module) needs none; the module check covers it.
 */
function moduleFixtures(model: string, slot: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const slotCutout = areaFixtures(slot)?.cutoutId;
  if (!slotCutout) return out;
  for (const [id, f] of deckDefinition('OT-3 Standard').fixtures) {
    if (!id.startsWith(model) || !(slotCutout in f.provides)) continue;
    for (const area of f.provides[slotCutout]) {
      const provided = areaFixtures(area);
      if (provided) out.set(provided.cutoutId, provided.fixtureIds);
    }
    for (const group of f.group[slotCutout] ?? []) {
      for (const [cutout, partner] of Object.entries(group)) if (!out.has(cutout)) out.set(cutout, [partner]);
    }
  }
  return out;
}

// ---- reading the robot ---------------------------------------------------------------------------

/** Reads what the checks need, nothing more (deck configuration only on a Flex with fixture needs); reads in parallel. */
export async function readEquipment(client: RobotClient, needs: Requirements, opts?: RequestOptions): Promise<RobotEquipment> {
  const model = client.robotModel();
  const [m, instruments, modules, deckConfiguration] = await Promise.all([
    model,
    needs.pipettes.length > 0 || needs.gripper ? client.getInstruments(opts) : [],
    needs.modules.length > 0 ? client.getModules(opts) : [],
    // Asked only once the robot is known to be a Flex: an OT-2 answers 403.
    needs.fixtures.length > 0 ? model.then((x) => (x === 'Flex' ? client.getDeckConfiguration(opts) : undefined)) : undefined,
  ]);
  return { model: m, instruments, modules, deckConfiguration };
}

// ---- the checks ----------------------------------------------------------------------------------

/** One Check per requirement: 'robot type', 'pipette left', 'module temperatureModuleV2', 'fixture D3', 'gripper'. */
export function fitChecks(needs: Requirements, equipment: RobotEquipment): Check[] {
  const checks: Check[] = [robotTypeCheck(needs, equipment)];
  for (const p of needs.pipettes) checks.push(pipetteCheck(p, equipment.instruments));
  checks.push(...moduleChecks(needs.modules, equipment.modules));
  for (const f of needs.fixtures) checks.push(fixtureCheck(f, equipment));
  if (needs.gripper) checks.push(gripperCheck(equipment.instruments));
  return checks;
}

function robotTypeCheck(needs: Requirements, equipment: RobotEquipment): Check {
  const ok = needs.robotType === equipment.model;
  const a = (model: string): string => `${/^(OT|[aeiou])/i.test(model) ? 'an' : 'a'} ${model}`;
  return { check: 'robot type', ok, detail: ok ? `the protocol is for ${a(needs.robotType)}, as this robot is` : `the protocol is for ${a(needs.robotType)}; this robot is ${a(equipment.model)}` };
}

function pipetteOn(instruments: JsonObject[], mount: string): JsonObject | undefined {
  return instruments.find((i) => i.mount === mount && (i.instrumentType === undefined || i.instrumentType === 'pipette'));
}

/** Names a mounted pipette answers to: its own and its back-compat names (pipette-names.json `backCompatNames`). */
function acceptedNames(instrumentName: string): string[] {
  const entry = [...pipetteNames.ot2, ...pipetteNames.flex].find((p) => p.name === instrumentName) as { backCompatNames?: string[] } | undefined;
  return [instrumentName, ...(entry?.backCompatNames ?? [])];
}

function pipetteCheck(need: { mount: string; pipetteName: string }, instruments: JsonObject[]): Check {
  const check = `pipette ${need.mount}`;
  const here = pipetteOn(instruments, need.mount);
  const name = typeof here?.instrumentName === 'string' ? here.instrumentName : undefined;
  if (name && here && acceptedNames(name).includes(need.pipetteName)) {
    if (here.ok === false) return { check, ok: false, detail: `${need.mount} mount has ${name}, but the robot reports it not ok (it may need a firmware update)` };
    const as = name === need.pipetteName ? 'as the protocol loads' : `which the robot accepts for ${need.pipetteName}, as the protocol loads`;
    return { check, ok: true, detail: `${need.mount} mount has ${name}, ${as}` };
  }
  const otherMount = need.mount === 'left' ? 'right' : 'left';
  const other = pipetteOn(instruments, otherMount);
  const otherName = typeof other?.instrumentName === 'string' ? other.instrumentName : '';
  let detail: string;
  if (!name && need.mount === 'right' && NINETY_SIX.test(otherName)) detail = `the right mount is taken by the 96-channel ${otherName} on the left, the protocol loads ${need.pipetteName}`;
  else detail = `${need.mount} mount ${name ? `has ${name}` : 'is empty'}, the protocol loads ${need.pipetteName}`;
  // The pipette on the other mount: the protocol or the pipettes were set up the other way round.
  if (otherName && !NINETY_SIX.test(otherName) && acceptedNames(otherName).includes(need.pipetteName)) detail += ` (the ${otherMount} mount has ${otherName})`;
  return { check, ok: false, detail };
}

/**
 * Each module the protocol loads gets its own attached module, in load order, as the engine assigns them: an
 * attached module serves a requested model that is its own or one its definition lists in `compatibleWith`
 * (api/src/opentrons/protocol_engine/state/modules.py, ModuleView.select_hardware_module_to_load).
 */
function moduleChecks(needs: Requirements['modules'], attached: AttachedModule[]): Check[] {
  const serves = (m: AttachedModule, model: string): boolean => m.moduleModel === model || (moduleDefinition(m.moduleModel)?.compatibleWith ?? []).includes(model);
  const used = new Set<AttachedModule>();
  const matches = needs.map((need) => {
    const match = attached.find((m) => !used.has(m) && serves(m, need.model));
    if (match) used.add(match);
    return match;
  });
  const free = attached.filter((m) => !used.has(m)).map((m) => m.moduleModel);
  const repeated = (model: string): boolean => needs.filter((n) => n.model === model).length > 1;
  return needs.map((need, i) => {
    const check = `module ${need.model}${repeated(need.model) && need.slotName ? ` in ${need.slotName}` : ''}`;
    const where = need.slotName ? ` in slot ${need.slotName}` : '';
    const match = matches[i];
    if (!match) {
      const has = free.length > 0 ? `attached and not used by the protocol: ${free.join(', ')}` : 'no other module is free';
      return { check, ok: false, detail: `no ${need.model} is attached (${has}), the protocol loads one${where}` };
    }
    const as = match.moduleModel === need.model ? '' : `, which the robot accepts for ${need.model}`;
    return { check, ok: true, detail: `${match.moduleModel} attached (serial ${match.serialNumber})${as}, the protocol loads it${where}` };
  });
}

function fixtureCheck(need: Requirements['fixtures'][number], equipment: RobotEquipment): Check {
  const where = need.cutoutId.replace(/^cutout/, '');
  const check = `fixture ${where}`;
  const wants = need.cutoutFixtureIds.length > 0 ? `needs ${need.cutoutFixtureIds.join(' or ')}` : 'needs more than one fixture can provide';
  if (!equipment.deckConfiguration) return { check, ok: false, detail: `the robot has no deck configuration to check; cutout ${where} ${wants} (${need.why})` };
  const has = equipment.deckConfiguration.cutoutFixtures.find((f) => f.cutoutId === need.cutoutId)?.cutoutFixtureId;
  const ok = has !== undefined && need.cutoutFixtureIds.includes(has);
  return { check, ok, detail: `cutout ${where} has ${has ?? 'nothing configured'}; the protocol ${wants} (${need.why})` };
}

function gripperCheck(instruments: JsonObject[]): Check {
  const gripper = instruments.find((i) => i.instrumentType === 'gripper' || i.mount === 'extension');
  if (!gripper) return { check: 'gripper', ok: false, detail: 'no gripper is attached, the protocol moves labware with the gripper' };
  if (gripper.ok === false) return { check: 'gripper', ok: false, detail: 'the gripper is attached but the robot reports it not ok' };
  const model = typeof gripper.instrumentModel === 'string' ? ` ${gripper.instrumentModel}` : '';
  return { check: 'gripper', ok: true, detail: `gripper${model} attached, the protocol moves labware with it` };
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
