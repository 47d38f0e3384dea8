// The stand-in for a Python protocol, which the simulator cannot run: a documented timeline
// (comment, one waitForResume per `pause("...")` found in run(), comment) and an analysis that is
// marked as not computed. See ../README.md.
import type { PlannedCommand } from '../context';
import { analyseCommands, internalErrorOccurrence } from './analysis';
import type { PythonReading } from './python-reader';
import type { CompletedAnalysisBody, ErrorOccurrence, JsonObject, RobotType } from './types';
import { randomUUID } from 'node:crypto';
import { timestamp } from '../clock';

export const STANDIN_NOTE =
  'Simulated robot: this Python protocol was not executed. Its metadata, requirements, run-time parameter definitions ' +
  'and pause() messages were read from the source text; the command list is a stand-in timeline, not the protocol\'s ' +
  'real commands, and labware, pipettes and modules are not reported.';

/** The commands a run of this Python protocol executes in the simulator (after the engine's initial home). */
export function standInTimeline(reading: PythonReading, protocolName: string): PlannedCommand[] {
  const commands: PlannedCommand[] = [
    { commandType: 'comment', params: { message: `Simulated robot: stand-in timeline for the Python protocol "${protocolName}" (its code is not run).` } },
  ];
  reading.pauses.forEach((message, i) => {
    commands.push({ commandType: 'waitForResume', params: message === null ? {} : { message } });
    commands.push({ commandType: 'comment', params: { message: `Simulated robot: resumed after pause ${i + 1} of ${reading.pauses.length}.` } });
  });
  commands.push({ commandType: 'comment', params: { message: 'Simulated robot: end of the stand-in timeline.' } });
  return commands;
}

/** OT-2 protocols at apiLevel ≤ 2.15 get the fixed trash loaded by the engine, whatever the code does. */
export function pythonGetsFixedTrash(reading: PythonReading): boolean {
  return reading.robotType === 'OT-2 Standard' && (reading.apiLevel[0] < 2 || (reading.apiLevel[0] === 2 && reading.apiLevel[1] <= 15));
}

function tipProblemError(reading: PythonReading): ErrorOccurrence | undefined {
  const problem = reading.tipProblem;
  if (!problem) return undefined;
  const createdAt = timestamp();
  const id = randomUUID();
  const info: JsonObject = {};
  if (problem.pipetteName) info.pipette_name = problem.pipetteName;
  if (problem.mount) info.mount = problem.mount.toUpperCase();
  const detail = `Cannot ${problem.method} without a tip attached.`;
  const inner: ErrorOccurrence = { id, createdAt, isDefined: false, errorType: 'UnexpectedTipRemovalError', errorCode: '3005', detail, errorInfo: info, wrappedErrors: [] };
  return {
    id, createdAt, isDefined: false, errorType: 'ExceptionInProtocolError', errorCode: '4000',
    detail: `UnexpectedTipRemovalError [line ${problem.line}]: ${detail} (found by the simulated robot reading the source: ${problem.method}() comes before any pick_up_tip() of this pipette; the protocol was not run)`,
    errorInfo: {}, wrappedErrors: [inner],
  };
}

export function standInAnalysis(reading: PythonReading, robotType: RobotType, runTimeParameters: JsonObject[], protocolName: string): CompletedAnalysisBody {
  const body = analyseCommands({
    robotType,
    commands: standInTimeline(reading, protocolName),
    customDefinitions: new Map(),
    liquids: [],
    runTimeParameters,
    fixedTrash: pythonGetsFixedTrash(reading),
  });
  const tipError = tipProblemError(reading);
  if (tipError) {
    body.result = 'not-ok';
    body.errors.push(tipError);
  }
  if (reading.unreadableParameters.length > 0) {
    body.result = 'not-ok';
    body.errors.push(internalErrorOccurrence('SimulatorCannotReadParameters',
      `The simulated robot could not read the run-time parameter definition(s) ${reading.unreadableParameters.join(', ')} as literal values.`));
  }
  body.simulation = { interpreted: false, note: STANDIN_NOTE };
  return body;
}

/**
 * A CSV parameter without a file stops the protocol where its code first reads the parameter: the
 * analysis ends `parameter-value-required` and a run fails, both with this error (captures 149, 163).
 */
export function csvParameterRequired(reading: PythonReading, missing: string[]): ErrorOccurrence {
  const line = missing.map((name) => reading.parameterUseLines[name]).find((l) => l !== undefined);
  const id = randomUUID();
  const createdAt = timestamp();
  const detail = 'CSV parameter needs to be set to a file for full analysis or run.';
  const inner: ErrorOccurrence = { id, createdAt, isDefined: false, errorType: 'RuntimeParameterRequired', errorCode: '4010', detail, errorInfo: {}, wrappedErrors: [] };
  return {
    id, createdAt, isDefined: false, errorType: 'ExceptionInProtocolError', errorCode: '4000',
    detail: `RuntimeParameterRequired${line === undefined ? '' : ` [line ${line}]`}: Error 4010 RUNTIME_PARAMETER_VALUE_REQUIRED (RuntimeParameterRequired): ${detail}`,
    errorInfo: {}, wrappedErrors: [inner],
  };
}
