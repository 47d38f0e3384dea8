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

/** Where a module sits, when the robot says (newer software reports the deck slot). */
function slotOf(m: AttachedModule): string | undefined {
  const loc = m.moduleOffset?.slot ?? (m.usbPort as { slot?: unknown } | undefined)?.slot ?? (m as { slotName?: unknown }).slotName;
  return typeof loc === 'string' || typeof loc === 'number' ? String(loc) : undefined;
}

/** The modules a selector matches: by model, type, serial number or slot (case-insensitive). */
export function matchModules(modules: AttachedModule[], selector: string): AttachedModule[] {
  const want = selector.toLowerCase();
  return modules.filter((m) =>
    [m.moduleModel, m.moduleType, m.serialNumber, m.id, slotOf(m)].some((v) => typeof v === 'string' && v.toLowerCase() === want));
}

/** The one module a selector names; an error naming the matches when several do, or the attached ones when none does. */
export function selectModule(modules: AttachedModule[], selector: string): AttachedModule {
  const found = matchModules(modules, selector);
  if (found.length === 1) return found[0];
  const list = (ms: AttachedModule[]): string => ms.map((m) => `${m.moduleModel} ${m.serialNumber} (id ${m.id})`).join(', ');
  if (found.length === 0) {
    throw new ModuleSelectionError(`no attached module matches "${selector}": attached are ${modules.length ? list(modules) : 'none'}; set msg.module to a model, type, slot or serial number`, 'ModuleNotFound');
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
