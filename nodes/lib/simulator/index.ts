/**
 * The simulated Opentrons robot: an HTTP server on loopback that answers like robot-server 8.1.0
 * (see /work/shared/opentrons-http-api.md and test/fixtures/captures). Used by the tests, `npm start`
 * and the config node's `simulate` option.
 */
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Scheduler } from './clock';
import { robotTypeOf, type NotifyPayload, type ProtocolPart, type RobotModel, type SimulatorContext } from './context';
import { FaultPlan } from './faults';
import { Hardware, type AttachedGripper, type AttachedPipette } from './hardware';
import { hardwareRoutes } from './hardware-routes';
import { ANALYZER_CHOICES, createProtocolPart, describeAnalyzer, isAnalyzerChoice, resolveAnalyzer, type Analyzer, type AnalyzerChoice } from './protocols';
import { RunStore } from './runs';
import { runRoutes } from './runs-routes';
import { openApiDocument } from './openapi';
import { SimServer } from './server';
import { simulatorRoutes } from './sim-routes';
import { StatelessEngine, statelessRoutes } from './stateless';
import { Stats } from './stats';

export type { RobotModel } from './context';
export type { AttachedGripper, AttachedPipette } from './hardware';
export { AnalyzerNotFound, ANALYZER_CHOICES, isAnalyzerChoice } from './protocols';
export type { Analyzer, AnalyzerChoice } from './protocols';

export interface SimulatorOptions {
  host?: string;
  port?: number;
  model?: RobotModel;
  name?: string;
  /** simulated durations are divided by this (default 1; tests use large values) */
  speed?: number;
  /** simulated duration of one command at speed 1, ms (default 200) */
  commandMs?: number;
  /** analysis pending → completed delay at speed 1, ms (default 800) */
  analysisMs?: number;
  /** real ms after start (and after each `faults.up()`) during which the robot answers 503 DatabaseNotYetInitialized */
  bootMs?: number;
  /**
   * Access control, as a Flex can be set up: every non-GET request must carry this token
   * (`Authorization: Bearer …` or `authenticationBearer: …`), else 403 AuthenticationFailed. GETs stay open.
   */
  requireToken?: string;
  /**
   * What analyses Python protocols: `auto` (default) Opentrons' analyzer when one is found ($OPENTRONS_ANALYZER, else
   * `python3 -m opentrons.cli analyze`), else the stand-in; `opentrons` the analyzer or a start-up error
   * (AnalyzerNotFound); `stand-in` the source reader. The default can be set with $OPENTRONS_SIM_ANALYZER.
   */
  analyzer?: AnalyzerChoice;
  /** real ms after which a running analyzer is killed and its analysis fails (default 120 000) */
  analyzerTimeoutMs?: number;
  /** one line per diagnostic: the analyzer chosen (once per process), why an analysis used the stand-in, what a failing analyzer printed. Default: stderr */
  log?: (line: string) => void;
}

/** The analyzer choice of options, else $OPENTRONS_SIM_ANALYZER, else `auto`; an unknown value is an error. */
export function analyzerChoice(given: string | undefined): AnalyzerChoice {
  // given may come from a flow file, so it is checked here too
  const choice = given ?? process.env.OPENTRONS_SIM_ANALYZER ?? 'auto';
  if (!isAnalyzerChoice(choice)) {
    throw new Error(`analyzer must be ${ANALYZER_CHOICES.join(', ')}, got ${JSON.stringify(choice)}${given === undefined ? ' (from $OPENTRONS_SIM_ANALYZER)' : ''}`);
  }
  return choice;
}

export interface FaultTarget {
  method?: string;
  path?: RegExp | string;
  count?: number;
}

export class SimulatedRobot extends EventEmitter {
  readonly host: string;
  readonly model: RobotModel;
  readonly name: string;
  private _port: number;
  private readonly scheduler: Scheduler;
  private readonly server: SimServer;
  private readonly hardware: Hardware;
  private readonly runs: RunStore;
  private readonly stateless: StatelessEngine;
  private readonly protocolPart: ProtocolPart;
  private readonly faultPlan = new FaultPlan();
  private bootUntil = 0;
  private readonly bootMs: number;
  /** what analyses this robot's Python protocols */
  readonly analyzer: Analyzer;
  private listening = false;
  private stopped = false;
  readonly stats: Stats;

  private constructor(opts: SimulatorOptions, analyzer: Analyzer) {
    super();
    this.analyzer = analyzer;
    this.host = opts.host ?? '127.0.0.1';
    this._port = opts.port ?? 0;
    this.model = opts.model ?? 'OT-2';
    this.name = opts.name ?? (this.model === 'Flex' ? 'opentrons-sim-flex' : 'opentrons-sim-ot2');
    this.bootMs = opts.bootMs ?? 0;
    const commandMs = opts.commandMs ?? 200;
    this.scheduler = new Scheduler(opts.speed ?? 1);
    this.hardware = new Hardware(this.model, () => this.scheduler.now());
    const notify = (topic: string, payload: NotifyPayload): void => {
      this.emit('notify', topic, payload);
    };
    this.hardware.onDeckConfigured = () => notify('robot-server/deck_configuration', { refetch: true });
    this.runs = new RunStore({
      model: this.model, hardware: this.hardware, scheduler: this.scheduler, commandMs,
      protocols: () => this.protocolPart.source, notify,
    });
    const ctx: SimulatorContext = {
      model: this.model,
      robotType: robotTypeOf(this.model),
      scheduler: this.scheduler,
      analysisMs: opts.analysisMs ?? 800,
      runsReferencingProtocol: (id) => this.runs.referencing(id),
      notify,
      analyzer,
      analyzerTimeoutMs: opts.analyzerTimeoutMs ?? 120_000,
      log: opts.log ?? defaultLog,
    };
    this.protocolPart = createProtocolPart(ctx);
    this.stateless = new StatelessEngine(this.hardware, this.scheduler, commandMs);
    this.stats = new Stats(() => this.server.sockets.size);
    if (opts.requireToken !== undefined && (typeof opts.requireToken !== 'string' || opts.requireToken.trim() === '')) {
      throw new Error('requireToken must be a non-empty string (the token the simulated robot accepts)');
    }
    this.server = new SimServer({
      booting: () => Date.now() < this.bootUntil, faults: this.faultPlan, stats: this.stats, scheduler: this.scheduler, token: opts.requireToken,
    });
    // made on the first request and kept: every route is mounted by this one call, and the server is this class's own
    let openApi: Record<string, unknown> | undefined;
    this.server.mount([
      ...hardwareRoutes(this.hardware, this.model, () => this.name),
      ...runRoutes({ runs: this.runs, scheduler: this.scheduler, stopMs: commandMs / 2 }),
      ...statelessRoutes(this.stateless, this.runs, this.scheduler),
      ...this.protocolPart.routes,
      ...simulatorRoutes(this.hardware),
      {
        method: 'GET',
        path: '/openapi.json',
        summary: 'This document (the framework serves it; robot-server 8.1.0 does not list it)',
        handle: () => ({ status: 200, body: (openApi ??= openApiDocument(this.server.routeList(), String(this.hardware.healthBody(this.name).api_version))) }),
      },
    ]);
  }

  /** Rejects with AnalyzerNotFound for `analyzer: 'opentrons'` when no analyzer is found (nothing is started then). */
  static async start(opts: SimulatorOptions = {}): Promise<SimulatedRobot> {
    checkAnalyzerTimeout(opts.analyzerTimeoutMs);
    const analyzer = await resolveAnalyzer(analyzerChoice(opts.analyzer), opts.log ?? defaultLog);
    const robot = new SimulatedRobot(opts, analyzer);
    try {
      await robot.listen();
    } catch (e) {
      await robot.stop();
      throw e;
    }
    return robot;
  }

  /** One line saying what analyses this robot's Python protocols. */
  get analyzerDescription(): string {
    return describeAnalyzer(this.analyzer);
  }

  get port(): number {
    return this._port;
  }

  get url(): string {
    const h = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${h}:${this._port}`;
  }

  private listen(): Promise<void> {
    this.bootUntil = Date.now() + this.bootMs;
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      this.server.http.once('error', onError);
      this.server.http.listen(this._port, this.host, () => {
        this.server.http.off('error', onError);
        this._port = (this.server.http.address() as AddressInfo).port;
        this.listening = true;
        resolve();
      });
    });
  }

  private close(): Promise<void> {
    if (!this.listening) return Promise.resolve();
    this.listening = false;
    return new Promise((resolve) => {
      this.server.http.close(() => resolve());
      this.server.destroySockets();
    });
  }

  /** Close the server and every socket, clear every timer. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.runs.shutdown();
    this.stateless.releaseWaiters();
    this.scheduler.stop();
    this.protocolPart.close?.();
    await this.close();
  }

  /** The routes this robot answers (method and `:name` path pattern), as /openapi.json lists them. */
  routes(): Array<{ method: string; path: string }> {
    return this.server.routeList().map((r) => ({ method: r.method, path: r.path }));
  }

  /** Flex front door (tests): an open door blocks a running run; closing it leaves the run paused. */
  setDoorOpen(open: boolean): void {
    this.hardware.setDoor(open);
  }

  /** Open or close the robot's door (fault injection; the same switch as setDoorOpen). */
  setDoor(open: boolean): void {
    this.hardware.setDoor(open);
  }

  /**
   * OT-2: the robot setting `enableDoorSafetySwitch` (off by default). On, `/robot/door/status` says
   * `doorRequiredClosedForProtocol: true` and an open door blocks a running run as on a Flex. A Flex always has it on.
   */
  setDoorSafetySwitch(on: boolean): void {
    if (this.model === 'Flex' && !on) throw new Error('a Flex always requires its door closed for a protocol');
    this.hardware.doorSafetySwitch = on;
  }

  /**
   * Plug in a module (`temperatureModuleV2`, `magneticModuleV2`, `heaterShakerModuleV1`…); returns its /modules id.
   * On a Flex, `slot` (D1…) sets it up there: deck configuration and module calibration both name the slot.
   */
  attachModule(moduleModel: string, serialNumber?: string, slot?: string): string {
    return this.hardware.attachModule(moduleModel, serialNumber, slot).id;
  }

  /** Unplug a module by its /modules id or serial number; false when none matched. */
  detachModule(idOrSerial: string): boolean {
    return this.hardware.detachModule(idOrSerial);
  }

  /** Put a pipette on a mount, replacing what was there. */
  attachPipette(p: AttachedPipette): void {
    this.hardware.attachPipette(p);
  }

  /** Take the pipette off a mount; false when the mount was empty. */
  detachPipette(mount: 'left' | 'right'): boolean {
    return this.hardware.detachPipette(mount);
  }

  /** Flex gripper: attach (model and serial) or detach (undefined). */
  setGripper(g: AttachedGripper | undefined): void {
    this.hardware.gripper = g;
  }

  /** The modules' live data as GET /modules shows it, by module id (tests). */
  moduleData(id: string): Record<string, unknown> | undefined {
    return this.hardware.moduleById(id)?.data();
  }

  /**
   * The next executed command (of this type, if given) meets a hardware problem. A defined error type
   * (`tipPhysicallyMissing`, `overpressure`, `liquidNotFound`) on a Flex protocol command puts the run in
   * `awaiting-recovery`; any other error type fails the command and, for protocol commands, the run.
   * Throws (as POST /simulator/faults/commands answers 422) for a commandType no command has: it would never fire.
   */
  failNextCommand(o: { commandType?: string; errorType?: string; count?: number } = {}): void {
    this.hardware.armCommandFault(o);
  }

  /**
   * Flex E-stop (tests): pressing it fails the running run and makes run requests answer 403 EstopEngaged;
   * releasing it leaves it `logicallyEngaged` (403 EstopNotAcknowledged) until PUT /robot/control/acknowledgeEstopDisengage.
   */
  setEstop(engaged: boolean): void {
    this.hardware.setEstop(engaged);
  }

  /**
   * Timers the simulator has running, and waitUntilComplete requests still registered on a command (tests:
   * requests a client aborted must not leave either behind).
   */
  pendingTimers(): number {
    return this.scheduler.pending();
  }

  pendingCommandWaiters(): number {
    return this.stateless.waiterCount + this.runs.all().reduce((n, r) => n + r.engine.waiterCount, 0);
  }

  get railLights(): boolean {
    return this.hardware.railLights;
  }

  readonly faults = {
    /** refuse connections (close the listener and every socket), keeping state */
    down: async (): Promise<void> => {
      await this.close();
    },
    /** accept again on the same port, like a restarted robot: state kept, no run current, unfinished runs stopped */
    up: async (): Promise<void> => {
      if (this.listening || this.stopped) return;
      this.runs.restart();
      this.stateless.reset();
      await this.listen();
    },
    restart: async (downMs = 0): Promise<void> => {
      await this.faults.down();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await this.faults.up();
    },
    failNext: (o: FaultTarget & { status?: number }): void => this.faultPlan.add(o, { kind: 'fail', status: o.status ?? 500 }),
    slowNext: (o: FaultTarget & { delayMs: number }): void => this.faultPlan.add(o, { kind: 'slow', delayMs: o.delayMs }),
    dropNext: (o: FaultTarget = {}): void => this.faultPlan.add(o, { kind: 'drop' }),
    malformedNext: (o: FaultTarget & { body?: string } = {}): void =>
      this.faultPlan.add(o, { kind: 'malformed', body: o.body ?? '{"data": {"id": "trunc' }),
    clear: (): void => {
      this.faultPlan.clear();
      this.hardware.clearCommandFaults();
    },
  };
}

// setTimeout's limit: a longer delay fires at once (TimeoutOverflowWarning), which would time out every analysis
const MAX_TIMER_MS = 2 ** 31 - 1;

function checkAnalyzerTimeout(ms: number | undefined): void {
  if (ms === undefined) return;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0 || ms > MAX_TIMER_MS) {
    throw new Error(`analyzerTimeoutMs must be a number of ms above 0 and at most ${MAX_TIMER_MS} (24.8 days), got ${String(ms)}`);
  }
}

function defaultLog(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function startSimulator(opts?: SimulatorOptions): Promise<SimulatedRobot> {
  return SimulatedRobot.start(opts);
}
