// After an upload the robot analyses the protocol on its own; a flow wants the finished analysis
// (its result, errors, and what the protocol needs on the deck) before it creates a run.
import type { RobotClient } from './client';
import { OpentronsError, RobotErrorBody, WaitTimeoutError } from './errors';
import { pollUntil } from './poll';
import type { Analysis, AnalysisSummary, ErrorOccurrence, JsonObject, Protocol } from './types';

export interface AnalysisWaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Polls one analysis until the robot marks it `completed`. */
export function waitForAnalysis(client: RobotClient, protocolId: string, analysisId: string, opts: AnalysisWaitOptions): Promise<Analysis> {
  return pollUntil<Analysis>(
    async () => {
      const a = await client.getAnalysis(protocolId, analysisId, { signal: opts.signal });
      return { done: a.status === 'completed', value: a };
    },
    (last) =>
      new WaitTimeoutError(
        `analysis ${analysisId} of protocol ${protocolId} was still ${last?.status ?? 'pending'} after ${opts.timeoutMs} ms: raise the node's analysis timeout, or turn off "wait for analysis" and read it later with action "get"`,
      ),
    { timeoutMs: opts.timeoutMs, signal: opts.signal, firstIntervalMs: 50, maxIntervalMs: 1_000 },
  );
}

/** The newest analysis summary (the robot lists them oldest first). */
export function latestAnalysis(protocol: Protocol): AnalysisSummary | undefined {
  const s = protocol.analysisSummaries;
  return s && s.length > 0 ? s[s.length - 1] : undefined;
}

/** The newest analysis summary's id. */
export function latestAnalysisId(protocol: Protocol): string | undefined {
  return latestAnalysis(protocol)?.id;
}

/** The protocol's name as the Opentrons App shows it: metadata.protocolName, else the main file's name. */
export function protocolName(protocol: Protocol): string {
  const name = protocol.metadata?.protocolName;
  if (typeof name === 'string' && name) return name;
  const main = protocol.files?.find((f) => f.role === 'main');
  return main?.name ?? protocol.id;
}

/** An accepted protocol whose analysis did not come out `ok`: `not-ok`, or `parameter-value-required`. */
export class AnalysisNotOkError extends OpentronsError {
  readonly code: string;
  /** The first analysis error, for msg.robotError. */
  readonly robotError: RobotErrorBody;
  constructor(message: string, code: string, robotError: RobotErrorBody) {
    super(message);
    this.code = code;
    this.robotError = robotError;
  }
}

/** Builds the error for a completed analysis whose result is not `ok`, or undefined when it is ok. */
export function analysisProblem(protocol: Protocol, analysis: Analysis): AnalysisNotOkError | undefined {
  if (analysis.result === 'ok') return undefined;
  const name = protocolName(protocol);
  const errors = analysis.errors ?? [];
  const first = (errors[0] ?? {}) as RobotErrorBody;
  const details = errors.map(describeOccurrence).filter(Boolean).join('; ');
  if (analysis.result === 'parameter-value-required') {
    const missing = missingParameters(analysis.runTimeParameters);
    const which = missing.length > 0 ? `: ${missing.join(', ')}` : '';
    return new AnalysisNotOkError(
      `protocol "${name}" (${protocol.id}) needs run-time parameter values${which}; send them in msg.runTimeParameterValues / msg.runTimeParameterFiles${details ? ` (${details})` : ''}`,
      'ParameterValueRequired',
      first,
    );
  }
  return new AnalysisNotOkError(
    `analysis of protocol "${name}" (${protocol.id}) is ${analysis.result ?? 'not ok'}: ${details || 'the robot gave no error detail'}`,
    'AnalysisNotOk',
    first,
  );
}

function describeOccurrence(e: ErrorOccurrence): string {
  const type = e.errorType ? `${e.errorType}` : '';
  return [type, e.detail].filter(Boolean).join(': ');
}

/** Parameters with no value the analysis could use: CSV parameters without a file, others without a value. */
export function missingParameters(params: JsonObject[] | undefined): string[] {
  return (params ?? [])
    .filter((p) => (p.type === 'csv_file' ? p.file === undefined : p.value === undefined))
    .map((p) => String(p.variableName ?? p.displayName ?? '?'));
}
