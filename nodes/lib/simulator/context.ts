/**
 * The seam between the simulator core (server, runs, engine) and the protocols part (protocols/).
 *
 * protocols/index.ts exports `createProtocolPart(ctx: SimulatorContext): ProtocolPart`. The core mounts its routes
 * and asks `source` what a protocol run executes. The core gives the protocols part `runsReferencingProtocol`
 * (for 409 ProtocolUsedByRun and `links.referencingRuns`), the scheduler (analysis delays) and `notify`.
 */
import type { Scheduler } from './clock';
import type { Route } from './http';
import type { Analyzer } from './protocols/analyzer';

export type RobotModel = 'OT-2' | 'Flex';
export type RobotType = 'OT-2 Standard' | 'OT-3 Standard';

export function robotTypeOf(model: RobotModel): RobotType {
  return model === 'Flex' ? 'OT-3 Standard' : 'OT-2 Standard';
}

export type NotifyPayload = { refetch: true } | { unsubscribe: true };

export interface SimulatorContext {
  readonly model: RobotModel;
  readonly robotType: RobotType;
  readonly scheduler: Scheduler;
  /** pending → completed delay of an analysis, in simulated ms (divide via scheduler.after) */
  readonly analysisMs: number;
  /** ids of every run (current or historical) created from this protocol, oldest first */
  runsReferencingProtocol(protocolId: string): string[];
  /** MQTT-style refetch hint (robot-server topics, e.g. 'robot-server/runs') */
  notify(topic: string, payload: NotifyPayload): void;
  /** what analyses Python protocols: Opentrons' analyzer, or the stand-in reader */
  readonly analyzer: Analyzer;
  /** real ms after which a running analyzer is killed and its analysis fails */
  readonly analyzerTimeoutMs: number;
  /** diagnostics (why an analysis fell back to the stand-in, what a failing analyzer printed); never in an HTTP answer */
  log(line: string): void;
}

/** One command a protocol run will execute, as the protocol file (or the Python stand-in) describes it. */
export interface PlannedCommand {
  commandType: string;
  params: Record<string, unknown>;
  /** optional fixed id/key (e.g. `commands.LOAD_LABWARE-0` style); otherwise the engine makes a UUID and a hash key */
  id?: string;
  key?: string;
  /** JSON protocol commands may carry an intent; Python-generated commands carry none */
  intent?: 'protocol' | 'setup';
  /** ids a load command of an analysed protocol gives what it loads (the analysis's, which later params name); not part of its params */
  loadIds?: Record<string, string>;
  /** the command fails with this error instead of executing (it failed so in the protocol's analysis) */
  failWith?: import('./commands').ErrorOccurrence;
}

/**
 * What a run of a protocol executes.
 * - kind 'json': all commands are queued when the run is created (the engine puts a `home` first).
 * - kind 'python': commands appear one by one while the run plays (the engine adds `home` at the first play),
 *   so `totalLength` grows during the run, as on the real robot. A `waitForResume` pauses the run until `play`.
 * Load commands may name their ids in params (`labwareId`, `pipetteId`, `moduleId`) so later commands can refer to them.
 */
export interface RunPlan {
  kind: 'json' | 'python';
  commands: PlannedCommand[];
  /** OT-2 protocols with Python apiLevel ≤ 2.15 or JSON schema ≤ 7 get labware `fixedTrash` in slot 12 */
  fixedTrash: boolean;
  /** the run's `runTimeParameters` (the analysis's, with the run's values applied) */
  runTimeParameters: unknown[];
  /** labware definitions the protocol carries (JSON `labwareDefinitions`, uploaded labware files); loadLabware prefers them */
  labwareDefinitions?: unknown[];
  /**
   * Python plans: the run's error when the protocol's code raises — after its last command (a CSV parameter without a
   * file), or at a command with `failWith` (the run's `errors` then hold this, the command its own error)
   */
  failure?: () => import('./commands').ErrorOccurrence;
  /** Python plans from a real analysis: the key of the initial home the engine adds at the first play */
  homeKey?: string;
  /**
   * Python plans whose analysis (for the run's own parameters) is still being made by Opentrons' analyzer: the run
   * exists at once, as on the robot, and executes these commands when they come; played before, it is `running` with
   * nothing to do yet (as a robot loading the protocol). Replaces `commands`, `homeKey` and `failure`.
   */
  later?: Promise<LatePlan>;
  /**
   * Called once the run exists (not when POST /runs is refused after the plan was made, e.g. 409 RunAlreadyActive):
   * the protocols part records the data files the run was given, as robot-server stores them with the run.
   */
  onRunCreated?: () => void;
}

/** What a Python plan learns from its analysis (RunPlan.later). */
export interface LatePlan {
  commands: PlannedCommand[];
  homeKey?: string;
  failure?: () => import('./commands').ErrorOccurrence;
  /** definitions the analysis loaded, registered with the run before its first command */
  labwareDefinitions: unknown[];
}

export interface ProtocolRunSource {
  /** undefined when the protocol does not exist (→ 404 ProtocolNotFound on POST /runs) */
  runPlan(protocolId: string, runTimeParameterValues?: Record<string, unknown>, runTimeParameterFiles?: Record<string, string>): RunPlan | undefined;
}

export interface ProtocolPart {
  routes: Route[];
  source: ProtocolRunSource;
  /** optional: clear timers, end analyzer processes etc. on stop */
  close?(): void;
}

export type ProtocolPartFactory = (ctx: SimulatorContext) => ProtocolPart;
