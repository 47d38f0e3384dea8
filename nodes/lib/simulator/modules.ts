/**
 * Attached modules whose state changes over time: a temperature ramps toward its target at a plausible rate
 * (computed when read, so no timer runs), magnets engage, a heater-shaker's latch opens and closes and its
 * shaker holds a speed. Rates are per simulated second; `now` is the simulated clock (Scheduler.now: real ms × --speed).
 */

/** °C per simulated second: a Temperature Module Gen2 and a Heater-Shaker, roughly. */
const RATE_C_PER_S: Record<string, { up: number; down: number }> = {
  temperatureModuleType: { up: 1.0, down: 0.5 },
  heaterShakerModuleType: { up: 0.5, down: 0.1 },
};

/** Target ranges the robot's engine accepts (°C, rpm). */
const TEMPERATURE_RANGE: Record<string, [number, number]> = { temperatureModuleType: [4, 95], heaterShakerModuleType: [37, 95] };
const SHAKE_RPM: [number, number] = [200, 3000];

/** After `deactivate` robot-server's simulation reports room temperature at once (captures 113, 116). */
const ROOM_C = 23.0;

/** A failure the engine reports as a failed command (errorType, detail). */
export interface ModuleFailure {
  errorType: string;
  detail: string;
}

interface Ramp {
  from: number;
  to: number;
  at: number;
}

export interface ModuleSpec {
  id: string;
  serialNumber: string;
  firmwareVersion: string;
  hardwareRevision: string;
  moduleType: string;
  moduleModel: string;
}

export class SimModule implements ModuleSpec {
  readonly id: string;
  readonly serialNumber: string;
  readonly firmwareVersion: string;
  readonly hardwareRevision: string;
  readonly moduleType: string;
  readonly moduleModel: string;
  private temperature: number;
  private ramp: Ramp | undefined;
  private magnetHeight = -2.5;
  private latch: 'idle_unknown' | 'idle_open' | 'idle_closed' = 'idle_unknown';
  private rpm = 0;
  /**
   * The deck slot of the module's calibration (Flex): robot-server reports it as `moduleOffset.slot` once a
   * module has been calibrated there, and never for an OT-2 (which has no module calibration).
   */
  calibration: { slot: string; lastModified: string } | undefined;

  constructor(spec: ModuleSpec, private readonly now: () => number) {
    this.id = spec.id;
    this.serialNumber = spec.serialNumber;
    this.firmwareVersion = spec.firmwareVersion;
    this.hardwareRevision = spec.hardwareRevision;
    this.moduleType = spec.moduleType;
    this.moduleModel = spec.moduleModel;
    // the captures show a fresh temperature module at 0.0 and a heater-shaker at room temperature
    this.temperature = spec.moduleType === 'heaterShakerModuleType' ? ROOM_C : 0.0;
  }

  /** Current temperature on the ramp; the ramp ends (holding) once the target is reached. */
  private currentTemperature(): number {
    const r = this.ramp;
    if (!r) return this.temperature;
    const rate = RATE_C_PER_S[this.moduleType] ?? { up: 1, down: 1 };
    const elapsedS = Math.max(0, this.now() - r.at) / 1000;
    const step = (r.to >= r.from ? rate.up : rate.down) * elapsedS;
    const t = r.to >= r.from ? Math.min(r.to, r.from + step) : Math.max(r.to, r.from - step);
    return Math.round(t * 100) / 100;
  }

  private temperatureStatus(): 'idle' | 'heating' | 'cooling' | 'holding at target' {
    if (!this.ramp) return 'idle';
    const t = this.currentTemperature();
    if (t === this.ramp.to) return 'holding at target';
    return this.ramp.to > t ? 'heating' : 'cooling';
  }

  /** The module's live `data` as GET /modules shows it (keys in robot-server's order). */
  data(): Record<string, unknown> {
    switch (this.moduleType) {
      case 'temperatureModuleType': {
        const d: Record<string, unknown> = { status: this.temperatureStatus(), currentTemperature: this.currentTemperature() };
        if (this.ramp) d.targetTemperature = this.ramp.to;
        return d;
      }
      case 'magneticModuleType': {
        const engaged = this.magnetHeight !== -2.5;
        return { status: engaged ? 'engaged' : 'disengaged', engaged, height: this.magnetHeight };
      }
      case 'heaterShakerModuleType': {
        const temperatureStatus = this.temperatureStatus() === 'cooling' ? 'heating' : this.temperatureStatus();
        const speedStatus = this.rpm > 0 ? 'holding at target' : 'idle';
        const d: Record<string, unknown> = {
          status: this.ramp || this.rpm > 0 ? 'running' : 'idle',
          labwareLatchStatus: this.latch,
          speedStatus,
          currentSpeed: this.rpm,
          temperatureStatus,
          currentTemperature: this.currentTemperature(),
        };
        if (this.rpm > 0) d.targetSpeed = this.rpm;
        if (this.ramp) d.targetTemperature = this.ramp.to;
        return d;
      }
      default:
        return { status: 'idle' };
    }
  }

  /** Applies a module command (stateless or in a run); a failure is what the engine would report. */
  apply(commandType: string, p: Record<string, unknown>): ModuleFailure | undefined {
    const [, action] = commandType.split('/');
    switch (action) {
      case 'setTargetTemperature':
        return this.setTarget(typeof p.celsius === 'number' ? p.celsius : NaN);
      case 'deactivate':
      case 'deactivateHeater':
        this.ramp = undefined;
        this.temperature = ROOM_C;
        return undefined;
      case 'engage':
        this.magnetHeight = typeof p.height === 'number' ? p.height : 0;
        return undefined;
      case 'disengage':
        this.magnetHeight = -2.5;
        return undefined;
      case 'openLabwareLatch':
        if (this.rpm > 0) return { errorType: 'CannotPerformModuleAction', detail: 'Cannot open labware latch while module is shaking.' };
        this.latch = 'idle_open';
        return undefined;
      case 'closeLabwareLatch':
        this.latch = 'idle_closed';
        return undefined;
      case 'setAndWaitForShakeSpeed': {
        const rpm = typeof p.rpm === 'number' ? p.rpm : NaN;
        if (!(rpm >= SHAKE_RPM[0] && rpm <= SHAKE_RPM[1])) {
          return { errorType: 'InvalidTargetSpeedError', detail: `Heater-Shaker got invalid speed of ${String(p.rpm)}RPM. Valid range is ${SHAKE_RPM[0]}-${SHAKE_RPM[1]}RPM.` };
        }
        if (this.latch !== 'idle_closed') return { errorType: 'CannotPerformModuleAction', detail: 'Heater-Shaker cannot start shaking while the labware latch is open.' };
        this.rpm = rpm;
        return undefined;
      }
      case 'deactivateShaker':
        this.rpm = 0;
        return undefined;
      default:
        return undefined;
    }
  }

  /**
   * Simulated ms until the temperature reaches `celsius` (default: the target) on the present ramp: what a
   * `waitForTemperature` in a run still has to wait. A failure when no target is set, as the engine reports it.
   */
  msUntilTemperature(celsius?: number): number | ModuleFailure {
    const r = this.ramp;
    if (!r) return { errorType: 'NoTargetTemperatureSetError', detail: `Module ${this.id} does not have a target temperature set.` };
    const up = r.to >= r.from;
    // a temperature off the ramp's path is held to it: the robot never passes its target, and one already passed is reached
    const want = celsius ?? r.to;
    const goal = up ? Math.min(Math.max(want, r.from), r.to) : Math.max(Math.min(want, r.from), r.to);
    const left = up ? goal - this.currentTemperature() : this.currentTemperature() - goal;
    if (left <= 0) return 0;
    const rate = RATE_C_PER_S[this.moduleType] ?? { up: 1, down: 1 };
    const perS = up ? rate.up : rate.down;
    // a hair past the exact moment, so the reading taken then is the goal (readings are rounded to 0.01 °C)
    return Math.ceil((left / perS) * 1000) + 1;
  }

  private setTarget(celsius: number): ModuleFailure | undefined {
    const range = TEMPERATURE_RANGE[this.moduleType];
    if (range && !(celsius >= range[0] && celsius <= range[1])) {
      const what = this.moduleType === 'heaterShakerModuleType' ? 'Heater-Shaker' : 'Temperature Module';
      return { errorType: 'InvalidTargetTemperatureError', detail: `${what} got an invalid temperature ${String(celsius)} °C. Valid range is ${range[0]}–${range[1]} °C.` };
    }
    this.temperature = this.currentTemperature();
    this.ramp = { from: this.temperature, to: celsius, at: this.now() };
    return undefined;
  }
}
