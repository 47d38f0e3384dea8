// A simulated robot's Python analyses and run plans by Opentrons' analyzer: what the analyzer is given for a
// protocol and its parameters, when it cannot take them (no --rtp-values/--rtp-files), and its output turned into
// the analysis resource or a run's commands. The process itself (queue, timeout, cache) is analyzer-process.ts.
import type { LatePlan } from '../context';
import type { OpentronsAnalyzer } from './analyzer';
import { analysisFromOutput, failedAnalysis, runFromAnalysis } from './analyzer-output';
import { AnalyzerRunner, type AnalyzerInput } from './analyzer-process';
import type { DataFileRecord } from './data-files';
import type { RtpFiles } from './rtp';
import type { CompletedAnalysisBody, JsonObject, RobotType, UploadedFile } from './types';

/** What the analyzer reads of a Python protocol: the main file and the custom labware files as uploaded. */
export interface PythonFiles {
  protocol: UploadedFile;
  labware: UploadedFile[];
}

export interface AnalyzerRequest {
  /** the protocol's name, for the log */
  name: string;
  robotType: RobotType;
  files: PythonFiles;
  /** the run-time parameters with the values applied (as the analysis lists them) */
  parameters: JsonObject[];
  /** csv parameter → data file id */
  dataFiles: RtpFiles;
}

export class OpentronsAnalyses {
  private readonly runner: AnalyzerRunner;

  constructor(
    readonly analyzer: OpentronsAnalyzer,
    opts: { timeoutMs: number; log: (line: string) => void },
    private readonly dataFile: (id: string) => DataFileRecord,
  ) {
    this.runner = new AnalyzerRunner(analyzer, opts);
    this.log = opts.log;
  }

  private readonly log: (line: string) => void;

  /**
   * Whether the analyzer can analyse with these parameters: one without --rtp-values/--rtp-files (opentrons before
   * 8.2) only with the defaults; otherwise the stand-in analyses, and the log says why.
   */
  takes(req: AnalyzerRequest): boolean {
    if (this.analyzer.rtpOptions) return true;
    const changed = Object.keys(changedValues(req.parameters)).length > 0 || Object.keys(req.dataFiles).length > 0;
    if (changed) {
      this.log(`opentrons-sim: ${req.name} analysed by the stand-in for these run-time parameter values: ` +
        `Opentrons' analyzer (${this.analyzer.label}) has no --rtp-values/--rtp-files (opentrons 8.2 or later has)`);
    }
    return !changed;
  }

  /** The analysis resource's body (queued behind this robot's other analyses). Never rejects: failures are not-ok analyses. */
  async analyse(req: AnalyzerRequest): Promise<CompletedAnalysisBody> {
    const r = await this.runner.analyze(this.input(req));
    return r.kind === 'output' ? analysisFromOutput(r.output, req.robotType) : failedAnalysis(req.robotType, req.parameters, r.errorType, r.detail);
  }

  /** What a run with these parameters executes. Never rejects: a command list the run cannot follow fails the run. */
  runPlan(req: AnalyzerRequest): Promise<LatePlan> {
    return this.analyse(req)
      .then(runFromAnalysis)
      .catch((e: unknown) => runFromAnalysis(failedAnalysis(req.robotType, req.parameters, 'AnalyzerFailed', `The simulated robot could not follow Opentrons' analysis: ${(e as Error).message}`)));
  }

  /** End a running analyzer and remove its files (robot stopped). */
  close(): void {
    this.runner.close();
  }

  private input(req: AnalyzerRequest): AnalyzerInput {
    return {
      protocol: req.files.protocol,
      labware: req.files.labware,
      values: changedValues(req.parameters),
      files: Object.entries(req.dataFiles).map(([variableName, id]) => {
        const f = this.dataFile(id);
        return { variableName, id, name: f.name, content: f.content };
      }),
    };
  }
}

/** The values the analyzer is given: those that differ from their defaults (so defaults given or omitted share a cache entry). */
function changedValues(parameters: JsonObject[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const q of parameters) {
    if (q.type !== 'csv_file' && q.value !== q.default) values[String(q.variableName)] = q.value;
  }
  return values;
}
