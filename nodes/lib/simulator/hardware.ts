/**
 * The simulated robot's fixed hardware: attached pipettes and modules, rail lights, Flex door, E-stop and deck
 * configuration. The attached set matches the robot-server simulation the captures were recorded from.
 */
import { createHash } from 'node:crypto';
import type { RobotModel } from './context';
import { RUN_COMMAND_TYPES } from './commands';
import { estopBlocked, invalidRequest, type EstopState } from './errors';
import { moduleFixtureFits } from './deck-configuration';
import { timestamp } from './clock';
import { SimModule, type ModuleSpec } from './modules';
import { DEFINED_ERRORS } from './executor';

export interface AttachedPipette {
  mount: 'left' | 'right';
  instrumentName: string;
  instrumentModel: string;
  serialNumber: string;
  channels: number;
  minVolume: number;
  maxVolume: number;
}

/** What GET /instruments shows of a Flex gripper (mount `extension`). */
export interface AttachedGripper {
  instrumentModel: string;
  serialNumber: string;
}

const OT2_PIPETTES: AttachedPipette[] = [
  { mount: 'left', instrumentName: 'p20_single_gen2', instrumentModel: 'p20_single_v2.0', serialNumber: 'P20SV2020070102', channels: 1, minVolume: 1, maxVolume: 20 },
  { mount: 'right', instrumentName: 'p300_single_gen2', instrumentModel: 'p300_single_v2.0', serialNumber: 'P3HSV2020070101', channels: 1, minVolume: 20, maxVolume: 300 },
];

const FLEX_PIPETTES: AttachedPipette[] = [
  { mount: 'left', instrumentName: 'p50_single_flex', instrumentModel: 'p50_single_v3.4', serialNumber: 'P50SV3420230102', channels: 1, minVolume: 5, maxVolume: 50 },
  { mount: 'right', instrumentName: 'p1000_single_flex', instrumentModel: 'p1000_single_v3.4', serialNumber: 'P1KSV3420230101', channels: 1, minVolume: 5, maxVolume: 1000 },
];

/** Module id: a stable hash of serial number and hardware revision, as robot-server derives it. */
export function moduleIdFor(serial: string, revision: string): string {
  return createHash('sha1').update(`${serial}${revision}`).digest('hex');
}

function ot2Modules(): ModuleSpec[] {
  return [
    {
      // the ids robot-server 8.1.0 reported for these simulated serials (captures 10-modules)
      id: 'efdc9a1f3d5feaec8d96a36e5692cfd8fd11d775',
      serialNumber: 'TDV2-SIM-0001', firmwareVersion: 'dummyVersionTD', hardwareRevision: 'temp_deck_v20',
      moduleType: 'temperatureModuleType', moduleModel: 'temperatureModuleV2',
    },
    {
      id: '7d41523d714554a840aef1b55b7b607f9a0180b9',
      serialNumber: 'MDV2-SIM-0001', firmwareVersion: 'dummyVersionMD', hardwareRevision: 'mag_deck_v20',
      moduleType: 'magneticModuleType', moduleModel: 'magneticModuleV2',
    },
  ];
}

function flexModules(): ModuleSpec[] {
  return [
    {
      id: moduleIdFor('TDV2-SIM-FLEX-0001', 'temp_deck_v20'),
      serialNumber: 'TDV2-SIM-FLEX-0001', firmwareVersion: 'dummyVersionTD', hardwareRevision: 'temp_deck_v20',
      moduleType: 'temperatureModuleType', moduleModel: 'temperatureModuleV2',
    },
    {
      // as in capture 166-flex-modules (robot-server's simulated Heater-Shaker)
      id: moduleIdFor('HSV10P20230101A01', 'dummyModelHS'),
      serialNumber: 'HSV10P20230101A01', firmwareVersion: 'dummyVersionHS', hardwareRevision: 'dummyModelHS',
      moduleType: 'heaterShakerModuleType', moduleModel: 'heaterShakerModuleV1',
    },
  ];
}

/** What `attachModule` knows per model: type, revision and firmware as robot-server's simulation reports them. */
const MODULE_KINDS: Record<string, { moduleType: string; hardwareRevision: string; firmwareVersion: string; serialPrefix: string }> = {
  temperatureModuleV1: { moduleType: 'temperatureModuleType', hardwareRevision: 'temp_deck_v1', firmwareVersion: 'dummyVersionTD', serialPrefix: 'TDV1' },
  temperatureModuleV2: { moduleType: 'temperatureModuleType', hardwareRevision: 'temp_deck_v20', firmwareVersion: 'dummyVersionTD', serialPrefix: 'TDV2' },
  magneticModuleV1: { moduleType: 'magneticModuleType', hardwareRevision: 'mag_deck_v1', firmwareVersion: 'dummyVersionMD', serialPrefix: 'MDV1' },
  magneticModuleV2: { moduleType: 'magneticModuleType', hardwareRevision: 'mag_deck_v20', firmwareVersion: 'dummyVersionMD', serialPrefix: 'MDV2' },
  heaterShakerModuleV1: { moduleType: 'heaterShakerModuleType', hardwareRevision: 'dummyModelHS', firmwareVersion: 'dummyVersionHS', serialPrefix: 'HSV1' },
};

export const ATTACHABLE_MODULE_MODELS = Object.keys(MODULE_KINDS);

export interface CutoutFixture {
  cutoutId: string;
  cutoutFixtureId: string;
  opentronsModuleSerialNumber?: string;
}

function defaultDeck(): CutoutFixture[] {
  const deck: CutoutFixture[] = [];
  for (const row of ['A', 'B', 'C', 'D']) deck.push({ cutoutFixtureId: 'singleLeftSlot', cutoutId: `cutout${row}1` });
  for (const row of ['A', 'B', 'C', 'D']) deck.push({ cutoutFixtureId: 'singleCenterSlot', cutoutId: `cutout${row}2` });
  deck.push({ cutoutFixtureId: 'trashBinAdapter', cutoutId: 'cutoutA3' });
  for (const row of ['B', 'C', 'D']) deck.push({ cutoutFixtureId: 'singleRightSlot', cutoutId: `cutout${row}3` });
  return deck;
}

/** A hardware problem the next matching command will meet (fault injection for error-recovery flows). */
export interface CommandFault {
  commandType?: string;
  /** a defined error type (tipPhysicallyMissing, overpressure, liquidNotFound) or any other name for an undefined error */
  errorType: string;
  remaining: number;
}

const MAX_FAULT_COUNT = 100;
const RUN_COMMAND_TYPE_SET = new Set(RUN_COMMAND_TYPES);

export class Hardware {
  /** pending command faults, consumed in order by the executor; armed only through armCommandFault, which checks them */
  private commandFaults: CommandFault[] = [];
  pipettes: AttachedPipette[];
  modules: SimModule[];
  /** Flex gripper, when attached (none by default) */
  gripper: AttachedGripper | undefined;
  railLights = false;
  /** Flex front door; the simulated robot starts closed */
  doorOpen = false;
  /**
   * Whether a protocol needs the door closed (`doorRequiredClosedForProtocol`): always on a Flex; on an OT-2 the
   * robot setting `enableDoorSafetySwitch`, off by default.
   */
  doorSafetySwitch: boolean;
  deckConfiguration: CutoutFixture[];
  deckConfigurationModifiedAt?: string;
  /** Flex E-stop; the simulated robot starts unlocked */
  estop: EstopState = 'disengaged';
  onEstopEngaged?: () => void;
  /** listeners for door changes (the run engine blocks/pauses runs) */
  onDoorChange?: (open: boolean) => void;

  /** modules plugged in so far (the built-in ones too): numbers generated serials, which must never repeat */
  private modulesEverAttached: number;

  /** Told when the deck configuration changed (robot-server publishes an MQTT hint) */
  onDeckConfigured?: () => void;

  /** `now`: the simulated clock in ms (Scheduler.now), which module temperatures ramp on */
  constructor(readonly model: RobotModel, private readonly now: () => number) {
    this.pipettes = (model === 'Flex' ? FLEX_PIPETTES : OT2_PIPETTES).map((p) => ({ ...p }));
    this.modules = (model === 'Flex' ? flexModules() : ot2Modules()).map((m) => new SimModule(m, now));
    this.modulesEverAttached = this.modules.length;
    this.gripper = undefined;
    this.deckConfiguration = defaultDeck();
    this.doorSafetySwitch = model === 'Flex';
  }

  /**
   * Plug in a module (fault injection); its id is derived from serial and revision as on the robot. On a Flex,
   * `slot` (D1, A3…) is where it was set up: like the Flex's module setup, that records it in the deck
   * configuration by serial number and calibrates it there (GET /modules then shows `moduleOffset.slot`).
   */
  attachModule(moduleModel: string, serialNumber?: string, slot?: string): SimModule {
    const kind = MODULE_KINDS[moduleModel];
    if (!kind) throw new Error(`unknown module model "${moduleModel}": one of ${ATTACHABLE_MODULE_MODELS.join(', ')}`);
    const cutoutId = slot === undefined ? undefined : `cutout${slot.toUpperCase()}`;
    if (cutoutId !== undefined) {
      if (this.model !== 'Flex') throw new Error('an OT-2 records no slot for a module (no deck configuration, no module calibration): attach it without one');
      if (!moduleFixtureFits(moduleModel, cutoutId)) throw new Error(`a ${moduleModel} cannot be set up in slot ${String(slot)}`);
    }
    // after the slot checks, so a refused attach uses up no generated serial
    const serial = serialNumber ?? this.newSerial(kind.serialPrefix);
    if (this.modules.some((m) => m.serialNumber === serial)) throw new Error(`a module with serial ${serial} is already attached`);
    const m = new SimModule({ id: moduleIdFor(serial, kind.hardwareRevision), serialNumber: serial, moduleModel, ...kind }, this.now);
    this.modules.push(m);
    if (serialNumber !== undefined) this.modulesEverAttached += 1;
    if (cutoutId !== undefined) {
      m.calibration = { slot: cutoutId.slice('cutout'.length), lastModified: timestamp() };
      this.deckConfiguration = this.deckConfiguration.map((f) =>
        f.cutoutId === cutoutId ? { cutoutId, cutoutFixtureId: moduleModel, opentronsModuleSerialNumber: serial } : f);
      this.deckConfigurationModifiedAt = timestamp();
      this.onDeckConfigured?.();
    }
    return m;
  }

  /**
   * A serial no module has now nor had before: a count of the modules ever plugged in, not of those attached
   * (after a detach that number comes round again), and past any serial a caller chose that happens to match.
   */
  private newSerial(prefix: string): string {
    for (;;) {
      this.modulesEverAttached += 1;
      const serial = `${prefix}-SIM-${String(this.modulesEverAttached).padStart(4, '0')}`;
      if (!this.modules.some((m) => m.serialNumber === serial)) return serial;
    }
  }

  /** Unplug a module by id or serial number; false when none matched. */
  detachModule(idOrSerial: string): boolean {
    const before = this.modules.length;
    this.modules = this.modules.filter((m) => m.id !== idOrSerial && m.serialNumber !== idOrSerial);
    return this.modules.length !== before;
  }

  /** Put a pipette on a mount (replacing what was there). */
  attachPipette(p: AttachedPipette): void {
    this.pipettes = [...this.pipettes.filter((x) => x.mount !== p.mount), { ...p }].sort((a, b) => a.mount.localeCompare(b.mount));
  }

  detachPipette(mount: 'left' | 'right'): boolean {
    const before = this.pipettes.length;
    this.pipettes = this.pipettes.filter((x) => x.mount !== mount);
    return this.pipettes.length !== before;
  }

  setDoor(open: boolean): void {
    if (this.doorOpen === open) return;
    this.doorOpen = open;
    this.onDoorChange?.(open);
  }

  /** 403 E-stop error to throw on run-changing requests (Flex only), if any */
  estopError(): ReturnType<typeof estopBlocked> {
    return this.model === 'Flex' ? estopBlocked(this.estop) : undefined;
  }

  /** Press (true) or release (false) the E-stop. Pressing fails a running run; a release needs acknowledging. */
  setEstop(engaged: boolean): void {
    if (engaged) {
      this.estop = 'physicallyEngaged';
      this.onEstopEngaged?.();
    } else if (this.estop === 'physicallyEngaged') {
      this.estop = 'logicallyEngaged';
    }
  }

  estopStatus(): Record<string, unknown> {
    const physical = this.estop === 'physicallyEngaged' ? 'engaged' : this.estop === 'notPresent' ? 'notPresent' : 'disengaged';
    // both E-stop ports report the one pressed button, as the recorded Flex did (capture 168)
    return { status: this.estop, leftEstopPhysicalStatus: physical, rightEstopPhysicalStatus: physical };
  }

  healthBody(name: string): Record<string, unknown> {
    const flex = this.model === 'Flex';
    const logs = ['/logs/serial.log', '/logs/api.log', '/logs/server.log', '/logs/update_server.log'];
    if (flex) logs.push('/logs/touchscreen.log');
    const links: Record<string, string> = { apiLog: '/logs/api.log', serialLog: '/logs/serial.log', serverLog: '/logs/server.log' };
    if (flex) links.oddLog = '/logs/touchscreen.log';
    links.apiSpec = '/openapi.json';
    links.systemTime = '/system/time';
    return {
      name,
      robot_model: flex ? 'OT-3 Standard' : 'OT-2 Standard',
      api_version: '8.1.0',
      fw_version: flex ? '0' : 'Virtual Smoothie',
      board_revision: flex ? 'UNKNOWN' : '2.1',
      logs,
      system_version: '0.0.0',
      maximum_protocol_api_version: [2, 20],
      minimum_protocol_api_version: flex ? [2, 15] : [2, 0],
      robot_serial: 'simulator',
      links,
    };
  }

  /** GET /instruments `data`: the Flex shape adds firmwareVersion, calibratedOffset, tip state and the gripper. */
  instruments(): Array<Record<string, unknown>> {
    const list = this.pipettes.map((p, i) => {
      const flex = this.model === 'Flex';
      const item: Record<string, unknown> = {
        mount: p.mount,
        instrumentType: 'pipette',
        instrumentModel: p.instrumentModel,
        serialNumber: p.serialNumber,
        subsystem: `pipette_${p.mount}`,
        ok: true,
      };
      if (flex && i === 0) item.firmwareVersion = '1';
      const data: Record<string, unknown> = { channels: p.channels, min_volume: p.minVolume, max_volume: p.maxVolume };
      if (flex) data.calibratedOffset = { offset: { x: 0.0, y: 0.0, z: 0.0 }, source: 'default', reasonability_check_failures: [] };
      item.data = data;
      item.instrumentName = p.instrumentName;
      if (flex) item.state = { tipDetected: false };
      return item;
    });
    if (this.model === 'Flex' && this.gripper) {
      list.push({
        mount: 'extension', instrumentType: 'gripper', instrumentModel: this.gripper.instrumentModel, serialNumber: this.gripper.serialNumber,
        subsystem: 'gripper', ok: true, firmwareVersion: '1',
        data: { jawState: 'homed_ready', calibratedOffset: { offset: { x: 0.0, y: 0.0, z: 0.0 }, source: 'default', reasonability_check_failures: [] } },
      });
    }
    return list;
  }

  /** GET /pipettes (legacy, unwrapped): `{left, right}`, null for an empty mount. */
  pipettesLegacy(): Record<string, unknown> {
    const out: Record<string, unknown> = { left: null, right: null };
    for (const p of this.pipettes) {
      out[p.mount] = { model: p.instrumentModel, name: p.instrumentName, tip_length: 0.0, mount_axis: p.mount === 'left' ? 'z' : 'a', plunger_axis: p.mount === 'left' ? 'b' : 'c', id: p.serialNumber };
    }
    return out;
  }

  /** GET /calibration/status (legacy): an uncalibrated simulated deck (identity matrix), as in capture 104. */
  calibrationStatus(): Record<string, unknown> {
    const zero = { single: [0.0, 0.0, 0.0], multi: [0.0, 0.0, 0.0] };
    return {
      deckCalibration: {
        status: 'IDENTITY',
        data: {
          type: 'attitude', matrix: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], lastModified: null, pipetteCalibratedWith: null,
          tiprack: null, source: 'default', status: { markedBad: false, source: null, markedAt: null },
        },
      },
      instrumentCalibration: { right: { ...zero }, left: { ...zero } },
    };
  }

  /** GET /modules items (version ≥ 3 shape). */
  modulesV3(): Array<Record<string, unknown>> {
    return this.modules.map((m) => ({
      id: m.id,
      serialNumber: m.serialNumber,
      firmwareVersion: m.firmwareVersion,
      hardwareRevision: m.hardwareRevision,
      hasAvailableUpdate: false,
      moduleType: m.moduleType,
      moduleModel: m.moduleModel,
      ...(m.calibration === undefined ? {} : {
        moduleOffset: { offset: { x: 0, y: 0, z: 0 }, slot: m.calibration.slot, source: 'user', last_modified: m.calibration.lastModified },
      }),
      compatibleWithRobot: true,
      data: m.data(),
      usbPort: { port: 0, portGroup: 'unknown', hub: false, path: '' },
    }));
  }

  /** GET /modules with Opentrons-Version 2: the pre-v3 `{"modules":[...]}` shape. */
  modulesV2(): Record<string, unknown> {
    const legacyName: Record<string, string> = {
      temperatureModuleV2: 'tempdeck', temperatureModuleV1: 'tempdeck', magneticModuleV2: 'magdeck', magneticModuleV1: 'magdeck',
      thermocyclerModuleV1: 'thermocycler', thermocyclerModuleV2: 'thermocycler', heaterShakerModuleV1: 'heatershaker',
    };
    return {
      modules: this.modules.map((m) => ({
        name: legacyName[m.moduleModel] ?? m.moduleModel,
        displayName: legacyName[m.moduleModel] ?? m.moduleModel,
        moduleModel: m.moduleModel,
        port: '',
        usbPort: { hub: null, port: 0 },
        serial: m.serialNumber,
        model: m.hardwareRevision,
        revision: m.hardwareRevision,
        fwVersion: m.firmwareVersion,
        hasAvailableUpdate: false,
        status: String(m.data().status ?? 'idle'),
        data: m.data(),
      })),
    };
  }

  /**
   * Arm a hardware problem for the next `count` commands (of `commandType`, or of any type when left out). The one
   * way in for POST /simulator/faults/commands and SimulatedRobot.failNextCommand, so both refuse the same things
   * (422 InvalidRequest, pointers as the route's body names them): above all a commandType no command has, which
   * would arm a fault that never fires.
   */
  armCommandFault(o: { commandType?: unknown; errorType?: unknown; count?: unknown }): CommandFault {
    const { commandType, errorType = 'tipPhysicallyMissing', count = 1 } = o;
    if (commandType !== undefined && (typeof commandType !== 'string' || !RUN_COMMAND_TYPE_SET.has(commandType))) {
      const named = typeof commandType === 'string' ? `"${commandType}" is not a command type. ` : '';
      throw invalidRequest(`${named}commandType must be one of ${RUN_COMMAND_TYPES.join(', ')}; or left out for any command`, { pointer: '/data/commandType' });
    }
    if (typeof errorType !== 'string' || !/^[A-Za-z][A-Za-z0-9_]{0,60}$/.test(errorType)) {
      throw invalidRequest(`errorType must be a name; defined (recoverable) ones: ${Object.keys(DEFINED_ERRORS).join(', ')}`, { pointer: '/data/errorType' });
    }
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_FAULT_COUNT) {
      throw invalidRequest(`count must be a whole number from 1 to ${MAX_FAULT_COUNT}`, { pointer: '/data/count' });
    }
    const fault: CommandFault = { commandType, errorType, remaining: count };
    this.commandFaults.push(fault);
    return { ...fault };
  }

  clearCommandFaults(): void {
    this.commandFaults = [];
  }

  takeCommandFault(commandType: string): CommandFault | undefined {
    const f = this.commandFaults.find((x) => x.remaining > 0 && (!x.commandType || x.commandType === commandType));
    if (!f) return undefined;
    f.remaining -= 1;
    this.commandFaults = this.commandFaults.filter((x) => x.remaining > 0);
    return f;
  }

  moduleById(id: string): SimModule | undefined {
    return this.modules.find((m) => m.id === id);
  }
}
