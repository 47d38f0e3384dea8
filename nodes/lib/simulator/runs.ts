/**
 * Runs: the store, the one-current-run rules (§6), the 20-run limit, and the run resource.
 */
import { newId, timestamp, type Scheduler } from './clock';
import type { NotifyPayload, ProtocolRunSource, RobotModel } from './context';
import { protocolNotFound, runAlreadyActive, runNotCurrent, runNotFound, runNotIdle, runStopped } from './errors';
import { EngineState, type LabwareOffset } from './executor';
import type { Hardware } from './hardware';
import { findDefinition } from './labware';
import { RunEngine, type PolicyRule } from './run-engine';

export const MAX_RUNS = 20;

export interface RunAction {
  id: string;
  createdAt: string;
  actionType: string;
}

export class Run {
  readonly id = newId();
  readonly createdAt = timestamp();
  current = true;
  readonly actions: RunAction[] = [];
  /** false once the server "restarted": the run is read back from storage, with no live engine links */
  live = true;
  policy: PolicyRule[] = [];

  constructor(
    readonly engine: RunEngine,
    readonly protocolId: string | undefined,
    readonly runTimeParameters: unknown[],
  ) {}

  resource(): Record<string, unknown> {
    const e = this.engine;
    const st = e.state;
    const out: Record<string, unknown> = {
      id: this.id,
      ok: true,
      createdAt: this.createdAt,
      status: e.status,
      current: this.current,
      actions: this.actions.map((a) => ({ ...a })),
      errors: e.errors,
      hasEverEnteredErrorRecovery: e.hasEverEnteredErrorRecovery,
      pipettes: [...st.pipettes.values()].map((p) => ({ id: p.id, pipetteName: p.pipetteName, mount: p.mount })),
      modules: [...st.modules.values()].map((m) => {
        const o: Record<string, unknown> = { id: m.id, model: m.model };
        if (m.location !== undefined) o.location = m.location;
        if (m.serialNumber !== undefined) o.serialNumber = m.serialNumber;
        return o;
      }),
      labware: [...st.labware.values()].map((l) => {
        const o: Record<string, unknown> = { id: l.id, loadName: l.loadName, definitionUri: l.definitionUri, location: l.location };
        if (l.offsetId !== undefined) o.offsetId = l.offsetId;
        if (l.displayName !== undefined) o.displayName = l.displayName;
        return o;
      }),
      liquids: st.liquids,
      labwareOffsets: st.labwareOffsets,
      runTimeParameters: this.runTimeParameters,
    };
    if (this.protocolId !== undefined) out.protocolId = this.protocolId;
    if (e.completedAt !== undefined) out.completedAt = e.completedAt;
    if (e.startedAt !== undefined) out.startedAt = e.startedAt;
    return out;
  }
}

export interface RunStoreEnv {
  model: RobotModel;
  hardware: Hardware;
  scheduler: Scheduler;
  commandMs: number;
  protocols: () => ProtocolRunSource;
  notify(topic: string, payload: NotifyPayload): void;
}

export interface CreateRunRequest {
  protocolId?: string;
  labwareOffsets?: Array<Omit<LabwareOffset, 'id' | 'createdAt'>>;
  runTimeParameterValues?: Record<string, unknown>;
  runTimeParameterFiles?: Record<string, string>;
}

const REFETCH: NotifyPayload = { refetch: true };

export class RunStore {
  private runs: Run[] = [];

  constructor(private readonly env: RunStoreEnv) {
    env.hardware.onEstopEngaged = () => this.currentRun()?.engine.estop();
    // a run reacts to the door only where the robot requires it closed: a Flex, or an OT-2 with its door switch setting on
    env.hardware.onDoorChange = (open) => {
      if (env.hardware.doorSafetySwitch) this.currentRun()?.engine.doorChanged(open);
    };
  }

  all(): Run[] {
    return this.runs.slice();
  }

  get(id: string): Run | undefined {
    return this.runs.find((r) => r.id === id);
  }

  require(id: string): Run {
    const r = this.get(id);
    if (!r) throw runNotFound(id);
    return r;
  }

  /** The run for actions/commands/offsets: exists (404), and is current (409 RunStopped). */
  requireCurrent(id: string): Run {
    const r = this.require(id);
    if (!r.current) throw runNotCurrent(id);
    return r;
  }

  /** Flex: 403 while the E-stop blocks actions and commands. */
  assertEstopClear(): void {
    const e = this.env.hardware.estopError();
    if (e) throw e;
  }

  currentRun(): Run | undefined {
    return this.runs.find((r) => r.current);
  }

  /** Runs created from a protocol (current or historical), oldest first: for ProtocolUsedByRun and referencingRuns. */
  referencing(protocolId: string): string[] {
    return this.runs.filter((r) => r.protocolId === protocolId).map((r) => r.id);
  }

  /** play ends any maintenance run on the real robot, which publishes this hint */
  notifyPlay(run: Run): void {
    if (run.engine.played) return;
    this.env.notify('robot-server/maintenance_runs/current_run', REFETCH);
  }

  /** A protocol run has been started and has not reached a terminal status (blocks POST /commands). */
  protocolRunActive(): boolean {
    const c = this.currentRun();
    return !!c && c.engine.played && !c.engine.isTerminal();
  }

  private notifyRun(id: string): void {
    this.env.notify('robot-server/runs', REFETCH);
    this.env.notify(`robot-server/runs/${id}`, REFETCH);
  }

  create(req: CreateRunRequest): Run {
    const estop = this.env.hardware.estopError();
    if (estop) throw estop;
    // robot-server makes room before it looks at the current run, so old runs go even if the create fails
    this.prune();
    let plan;
    if (req.protocolId !== undefined) {
      plan = this.env.protocols().runPlan(req.protocolId, req.runTimeParameterValues, req.runTimeParameterFiles);
      if (!plan) throw protocolNotFound(req.protocolId);
    }
    const current = this.currentRun();
    if (current) {
      const e = current.engine;
      if (!e.isTerminal() && !e.isIdleForReplacement()) throw runAlreadyActive();
      this.archive(current);
    }
    const state = new EngineState(this.env.model, this.env.hardware);
    const runRef: { run?: Run } = {};
    const engine = new RunEngine(
      state,
      {
        scheduler: this.env.scheduler,
        commandMs: this.env.commandMs,
        doorOpen: () => this.env.hardware.doorSafetySwitch && this.env.hardware.doorOpen,
        recoveryByDefault: this.env.model === 'Flex',
        policy: () => runRef.run?.policy ?? [],
        onStatus: () => runRef.run && runRef.run.live && this.notifyRun(runRef.run.id),
        onRunChanged: () => runRef.run && runRef.run.live && this.notifyRun(runRef.run.id),
        onCommandsLinks: () => runRef.run?.live && this.env.notify('robot-server/runs/commands_links', REFETCH),
        onFinished: () => runRef.run?.live && this.env.notify(`robot-server/runs/pre_serialized_commands/${runRef.run.id}`, REFETCH),
      },
      plan,
    );
    if (plan?.fixedTrash && this.env.model === 'OT-2') {
      const def = findDefinition('opentrons', 'opentrons_1_trash_1100ml_fixed', 1);
      if (def) {
        state.labware.set('fixedTrash', {
          id: 'fixedTrash', loadName: 'opentrons_1_trash_1100ml_fixed', definitionUri: 'opentrons/opentrons_1_trash_1100ml_fixed/1',
          location: { slotName: '12' }, definition: def, usedTips: new Set(),
        });
      }
    }
    for (const d of plan?.labwareDefinitions ?? []) state.addDefinition(d);
    for (const o of req.labwareOffsets ?? []) state.labwareOffsets.push({ id: newId(), createdAt: timestamp(), ...o });
    const run = new Run(engine, req.protocolId, plan?.runTimeParameters ?? []);
    runRef.run = run;
    this.runs.push(run);
    plan?.onRunCreated?.();
    this.notifyRun(run.id);
    return run;
  }

  /** Archive the current run: it stops being current; an idle one becomes stopped. */
  private archive(run: Run): void {
    if (!run.engine.isTerminal()) run.engine.stop(0);
    run.current = false;
    this.notifyRun(run.id);
  }

  /** Keep at most MAX_RUNS - 1 before a create, deleting the oldest (never the current one). */
  private prune(): void {
    while (this.runs.length >= MAX_RUNS) {
      const victim = this.runs.find((r) => !r.current);
      if (!victim) return;
      this.remove(victim);
    }
  }

  private remove(run: Run): void {
    run.engine.releaseWaiters();
    this.runs = this.runs.filter((r) => r !== run);
    this.notifyRun(run.id);
    if (run.current) this.env.notify('robot-server/runs/commands_links', REFETCH);
    this.env.notify(`robot-server/runs/${run.id}`, { unsubscribe: true });
    this.env.notify('robot-server/runs/commands_links', { unsubscribe: true });
    this.env.notify(`robot-server/runs/pre_serialized_commands/${run.id}`, { unsubscribe: true });
  }

  /** PATCH {current:false}: only the current run, only when idle or terminal. */
  dismiss(id: string): Run {
    const run = this.get(id);
    if (!run || !run.current) throw runNotCurrent(id);
    const e = run.engine;
    if (!e.isTerminal() && !e.isIdleForReplacement()) throw runNotIdle();
    // dismissing saves the run: robot-server publishes these before the run hints
    this.env.notify(`robot-server/runs/pre_serialized_commands/${run.id}`, REFETCH);
    this.env.notify('robot-server/runs/commands_links', REFETCH);
    this.archive(run);
    return run;
  }

  delete(id: string): void {
    const run = this.require(id);
    if (run.current && !run.engine.isTerminal() && !run.engine.isIdleForReplacement()) throw runNotIdle();
    this.remove(run);
  }

  /** Simulated restart: no run is current; unfinished runs are reported stopped; runs are kept. */
  restart(): void {
    for (const r of this.runs) {
      r.engine.abandon();
      r.current = false;
      r.live = false;
    }
  }

  shutdown(): void {
    for (const r of this.runs) r.engine.releaseWaiters();
  }

  /** 409 RunStopped when the run can take no more commands. */
  static assertNotStopped(run: Run): void {
    if (run.engine.isStopping()) throw runStopped();
  }
}
