/**
 * The simulated robot's fixed hardware: attached pipettes and modules, rail lights, Flex door, E-stop and deck
 * configuration. The attached set matches the robot-server simulation the captures were recorded from.
 */
import { createHash } from 'node:crypto';
import type { RobotModel } from './context';
import { estopBlocked, type EstopState } from './errors';

export interface AttachedPipette {
  mount: 'left' | 'right';
  instrumentName: string;
  instrumentModel: string;
  serialNumber: string;
  channels: number;
  minVolume: number;
  maxVolume: number;
}

export interface AttachedModule {
  id: string;
  serialNumber: string;
  firmwareVersion: string;
  hardwareRevision: string;
  moduleType: string;
  moduleModel: string;
  /** live values shown under `data` */
  data: Record<string, unknown>;
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

function ot2Modules(): AttachedModule[] {
  return [
    {
      // the ids robot-server 8.1.0 reported for these simulated serials (captures 10-modules)
      id: 'efdc9a1f3d5feaec8d96a36e5692cfd8fd11d775',
      serialNumber: 'TDV2-SIM-0001', firmwareVersion: 'dummyVersionTD', hardwareRevision: 'temp_deck_v20',
      moduleType: 'temperatureModuleType', moduleModel: 'temperatureModuleV2',
      data: { status: 'idle', currentTemperature: 0.0 },
    },
    {
      id: '7d41523d714554a840aef1b55b7b607f9a0180b9',
      serialNumber: 'MDV2-SIM-0001', firmwareVersion: 'dummyVersionMD', hardwareRevision: 'mag_deck_v20',
      moduleType: 'magneticModuleType', moduleModel: 'magneticModuleV2',
      data: { status: 'disengaged', engaged: false, height: -2.5 },
    },
  ];
}

function flexModules(): AttachedModule[] {
  return [
    {
      id: moduleIdFor('TDV2-SIM-FLEX-0001', 'temp_deck_v20'),
      serialNumber: 'TDV2-SIM-FLEX-0001', firmwareVersion: 'dummyVersionTD', hardwareRevision: 'temp_deck_v20',
      moduleType: 'temperatureModuleType', moduleModel: 'temperatureModuleV2',
      data: { status: 'idle', currentTemperature: 0.0 },
    },
  ];
}

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

export class Hardware {
  /** pending command faults, consumed in order by the executor */
  commandFaults: CommandFault[] = [];
  readonly pipettes: AttachedPipette[];
  readonly modules: AttachedModule[];
  railLights = false;
  /** Flex front door; the simulated robot starts closed */
  doorOpen = false;
  deckConfiguration: CutoutFixture[];
  deckConfigurationModifiedAt?: string;
  /** Flex E-stop; the simulated robot starts unlocked */
  estop: EstopState = 'disengaged';
  onEstopEngaged?: () => void;
  /** listeners for door changes (the run engine blocks/pauses runs) */
  onDoorChange?: (open: boolean) => void;

  constructor(readonly model: RobotModel) {
    this.pipettes = model === 'Flex' ? FLEX_PIPETTES : OT2_PIPETTES;
    this.modules = model === 'Flex' ? flexModules() : ot2Modules();
    this.deckConfiguration = defaultDeck();
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
    return { status: this.estop, leftEstopPhysicalStatus: physical, rightEstopPhysicalStatus: 'notPresent' };
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

  /** GET /instruments `data`: the Flex shape adds firmwareVersion, calibratedOffset and tip state. */
  instruments(): Array<Record<string, unknown>> {
    return this.pipettes.map((p, i) => {
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
      compatibleWithRobot: true,
      data: { ...m.data },
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
        status: String(m.data.status ?? 'idle'),
        data: { ...m.data },
      })),
    };
  }

  takeCommandFault(commandType: string): CommandFault | undefined {
    const f = this.commandFaults.find((x) => x.remaining > 0 && (!x.commandType || x.commandType === commandType));
    if (!f) return undefined;
    f.remaining -= 1;
    this.commandFaults = this.commandFaults.filter((x) => x.remaining > 0);
    return f;
  }

  moduleById(id: string): AttachedModule | undefined {
    return this.modules.find((m) => m.id === id);
  }
}
