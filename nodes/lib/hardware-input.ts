// What an opentrons-hardware msg asks for — the action, a module selector, a deck configuration — checked
// before anything is sent, each problem an InputError that says what to set.
import { InputError, ModuleSelectionError } from './errors';
import type { AttachedModule, CutoutFixture } from './types';
import type { HardwareResource } from './watch';

export const HARDWARE_ACTIONS = [
  'health', 'instruments', 'modules', 'lights', 'door', 'estop', 'deck-configuration', 'set-deck-configuration', 'calibration',
] as const;
export type HardwareAction = (typeof HARDWARE_ACTIONS)[number];

/** Actions only a Flex answers (the OT-2 has no E-stop and no configurable deck). */
export const FLEX_ONLY_ACTIONS: readonly HardwareAction[] = ['estop', 'deck-configuration', 'set-deck-configuration'];

/** Actions that can be watched, and the resource each watches. */
export const WATCHABLE: Partial<Record<HardwareAction, HardwareResource>> = {
  door: 'door', estop: 'estop', modules: 'modules', instruments: 'instruments', lights: 'lights', 'deck-configuration': 'deck-configuration',
};

export function parseAction(value: unknown): HardwareAction {
  if (typeof value === 'string' && (HARDWARE_ACTIONS as readonly string[]).includes(value.trim())) return value.trim() as HardwareAction;
  const got = typeof value === 'string' ? `"${value.slice(0, 40)}"` : Array.isArray(value) ? 'an array' : typeof value;
  throw new InputError(`unknown action ${got}: set msg.action (or the node's action) to one of ${HARDWARE_ACTIONS.join(', ')}`);
}

/** A module selector: empty (none), or a model, type, slot or serial number string. */
export function parseSelector(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return String(value);
  if (typeof value !== 'string' || value.trim() === '' || value.length > 100) {
    const got = Array.isArray(value) ? 'an array' : typeof value === 'string' ? `${value.length} characters` : typeof value;
    throw new InputError(
      `msg.module must be a module model (temperatureModuleV2), type (temperatureModuleType), slot (D3, 3) or serial number (got ${got})`,
    );
  }
  return value.trim();
}

/** A selector that names a deck slot: a Flex slot (D1…A3) or an OT-2 slot (1…11). */
export function isSlotName(selector: string): boolean {
  return /^[A-D][1-4]$/i.test(selector) || /^(?:[1-9]|1[01])$/.test(selector);
}

/**
 * Where the robot says each module sits, by serial number: a Flex records it in its deck configuration
 * (`opentronsModuleSerialNumber` in the module's cutouts; a thermocycler takes A1 and B1).
 */
export type ModuleSlots = ReadonlyMap<string, readonly string[]>;

export function moduleSlots(fixtures: readonly CutoutFixture[]): ModuleSlots {
  const slots = new Map<string, string[]>();
  for (const f of fixtures) {
    if (!f.opentronsModuleSerialNumber || !f.cutoutId.startsWith('cutout')) continue;
    slots.set(f.opentronsModuleSerialNumber, [...(slots.get(f.opentronsModuleSerialNumber) ?? []), f.cutoutId.slice('cutout'.length)]);
  }
  return slots;
}

/** A module's slots: where it was calibrated (`moduleOffset.slot`) and where the deck configuration puts it. */
function slotsOf(m: AttachedModule, deck: ModuleSlots | undefined): string[] {
  const calibrated = m.moduleOffset?.slot;
  return [...(typeof calibrated === 'string' ? [calibrated] : []), ...(deck?.get(m.serialNumber) ?? [])];
}

/**
 * The modules a selector matches: by model, type, serial number, id or slot (case-insensitive). `deck`: the
 * slots a Flex's deck configuration gives (leave it out for an OT-2, which records none).
 */
export function matchModules(modules: AttachedModule[], selector: string, deck?: ModuleSlots): AttachedModule[] {
  const want = selector.toLowerCase();
  return modules.filter((m) =>
    [m.moduleModel, m.moduleType, m.serialNumber, m.id, ...slotsOf(m, deck)].some((v) => typeof v === 'string' && v.toLowerCase() === want));
}

/** The one module a selector names; an error naming the matches when several do, or the attached ones when none does. */
export function selectModule(modules: AttachedModule[], selector: string, deck?: ModuleSlots): AttachedModule {
  const found = matchModules(modules, selector, deck);
  if (found.length === 1) return found[0];
  const list = (ms: AttachedModule[]): string => ms.map((m) => `${m.moduleModel} ${m.serialNumber} (id ${m.id})`).join(', ');
  if (found.length === 0) {
    const attached = modules.length ? list(modules) : 'none';
    const why = !isSlotName(selector)
      ? 'set msg.module to a model, type, slot or serial number'
      : deck === undefined
        ? 'an OT-2 does not report which slot a module is in: set msg.module to a model, type or serial number'
        : `the deck configuration and the module calibrations put no module in slot ${selector}: set msg.module to a model, type or serial number, or record the module's slot in the deck configuration`;
    throw new ModuleSelectionError(`no attached module matches "${selector}": attached are ${attached}; ${why}`, 'ModuleNotFound');
  }
  throw new ModuleSelectionError(`${found.length} modules match "${selector}": ${list(found)}; set msg.module to one serial number`, 'ModuleAmbiguous');
}

/** msg.payload for set-deck-configuration: the cutout fixtures, as an array or as `{cutoutFixtures: [...]}`. */
export function parseDeckConfiguration(value: unknown): CutoutFixture[] {
  const list = value && typeof value === 'object' && !Array.isArray(value) ? (value as { cutoutFixtures?: unknown }).cutoutFixtures : value;
  const hint = 'set msg.payload to the cutout fixtures, e.g. [{"cutoutId": "cutoutD3", "cutoutFixtureId": "wasteChuteRightAdapterNoCover"}, …] for all 12 cutouts';
  if (!Array.isArray(list) || list.length === 0 || list.length > 64) {
    throw new InputError(`deck configuration: msg.payload is not a list of cutout fixtures (got ${Array.isArray(list) ? `${list.length} entries` : typeof list}); ${hint}`);
  }
  return list.map((f: unknown, i: number) => {
    const o = f && typeof f === 'object' && !Array.isArray(f) ? (f as Record<string, unknown>) : undefined;
    const ok = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 100;
    if (!o || !ok(o.cutoutId) || !ok(o.cutoutFixtureId) || (o.opentronsModuleSerialNumber !== undefined && !ok(o.opentronsModuleSerialNumber))) {
      throw new InputError(`deck configuration: entry ${i + 1} needs string cutoutId and cutoutFixtureId (and optionally opentronsModuleSerialNumber); ${hint}`);
    }
    const fixture: CutoutFixture = { cutoutId: o.cutoutId, cutoutFixtureId: o.cutoutFixtureId };
    if (ok(o.opentronsModuleSerialNumber)) fixture.opentronsModuleSerialNumber = o.opentronsModuleSerialNumber;
    return fixture;
  });
}
