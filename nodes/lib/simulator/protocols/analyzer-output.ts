// Opentrons' analyzer output → the analysis resource robot-server serves, and → what a run of the protocol executes.
// The CLI writes the same engine state robot-server stores (it adds createdAt, files, config and metadata, which the
// analysis resource does not carry; robot-server adds the id and status).
import { randomUUID } from 'node:crypto';
import { timestamp } from '../clock';
import type { LatePlan, PlannedCommand } from '../context';
import type { AnalysisCommand, CompletedAnalysisBody, ErrorOccurrence, JsonObject, RobotType } from './types';

const RESULTS = new Set(['ok', 'not-ok', 'parameter-value-required']);

function list<T = JsonObject>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : [];
}

export function analysisFromOutput(out: JsonObject, robotType: RobotType): CompletedAnalysisBody {
  const result = typeof out.result === 'string' && RESULTS.has(out.result) ? out.result as CompletedAnalysisBody['result'] : 'not-ok';
  return {
    result,
    robotType: out.robotType === 'OT-2 Standard' || out.robotType === 'OT-3 Standard' ? out.robotType : robotType,
    runTimeParameters: list(out.runTimeParameters),
    commands: list<AnalysisCommand>(out.commands),
    labware: list(out.labware),
    pipettes: list(out.pipettes),
    modules: list(out.modules),
    liquids: list(out.liquids),
    errors: list<ErrorOccurrence>(out.errors),
  };
}

/** An analysis the analyzer could not make (failed, timed out, cancelled): not-ok with one error saying why. */
export function failedAnalysis(robotType: RobotType, runTimeParameters: JsonObject[], errorType: string, detail: string): CompletedAnalysisBody {
  const error: ErrorOccurrence = { id: randomUUID(), createdAt: timestamp(), isDefined: false, errorType, errorCode: '4000', detail, errorInfo: {}, wrappedErrors: [] };
  return { result: 'not-ok', robotType, runTimeParameters, commands: [], labware: [], pipettes: [], modules: [], liquids: [], errors: [error] };
}

/**
 * The same error for a run: robot-server's run makes its own occurrence (id, time) of what the analysis met. An id
 * (or time) the analysis used twice — a wrapped error shares its wrapper's — stays shared.
 */
function occurrenceForRun(e: ErrorOccurrence, seen = new Map<string, string>()): ErrorOccurrence {
  const fresh = (old: string, make: () => string): string => {
    const known = seen.get(old);
    if (known !== undefined) return known;
    const v = make();
    seen.set(old, v);
    return v;
  };
  return { ...structuredClone(e), id: fresh(e.id, randomUUID), createdAt: fresh(e.createdAt, timestamp), wrappedErrors: e.wrappedErrors.map((w) => occurrenceForRun(w, seen)) };
}

/** Every string in `v` that is a key of `ids`, replaced by its value. */
function renamed(v: unknown, ids: Map<string, string>): unknown {
  if (typeof v === 'string') return ids.get(v) ?? v;
  if (Array.isArray(v)) return v.map((x) => renamed(x, ids));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, renamed(x, ids)]));
  return v;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOAD_IDS = ['labwareId', 'pipetteId', 'moduleId'];

/**
 * `homeKey`: the analysis's initial home's, which the run's engine adds itself at the first play; `failure`: the
 * analysis's error, for a run that fails where its analysis failed (or, with no failed command, at its end).
 */
export type AnalysedRun = LatePlan & { labwareDefinitions: JsonObject[] };

/**
 * What a run of an analysed protocol executes: the analysis's commands with their keys and params; a command that
 * failed in the analysis fails the same way in the run. Engine-made ids (UUIDs: commands, and labware, pipettes and
 * modules loaded) are the run's own, as on the robot, and later params name the run's; the Python API's legacy ids
 * (`command.ASPIRATE-0`, `labware-1`) are the same in every run, as on the robot.
 */
export function runFromAnalysis(body: CompletedAnalysisBody): AnalysedRun {
  const loaded = new Map<string, string>();
  const all = body.commands;
  const first = all[0];
  const homeKey = first?.commandType === 'home' ? first.key : undefined;
  const commands: PlannedCommand[] = [];
  const labwareDefinitions: JsonObject[] = [];
  for (const c of homeKey === undefined ? all : all.slice(1)) {
    const planned: PlannedCommand = { commandType: c.commandType, params: renamed(c.params, loaded) as JsonObject, key: c.key };
    if (!UUID.test(c.id)) planned.id = c.id;
    const result = c.result ?? {};
    const ids: Record<string, string> = {};
    for (const k of LOAD_IDS) {
      const id = result[k];
      if (typeof id !== 'string') continue;
      if (UUID.test(id) && !loaded.has(id)) loaded.set(id, randomUUID());
      ids[k] = loaded.get(id) ?? id;
    }
    if (c.commandType.startsWith('load') && Object.keys(ids).length > 0) planned.loadIds = ids;
    if (c.commandType === 'loadLabware' && result.definition && typeof result.definition === 'object') labwareDefinitions.push(result.definition as JsonObject);
    if (c.status === 'failed' && c.error) {
      planned.failWith = occurrenceForRun(c.error);
      commands.push(planned);
      break;
    }
    commands.push(planned);
  }
  const runError = body.errors[0];
  const out: AnalysedRun = { commands, labwareDefinitions };
  if (homeKey !== undefined) out.homeKey = homeKey;
  if (runError) out.failure = () => occurrenceForRun(runError);
  return out;
}
