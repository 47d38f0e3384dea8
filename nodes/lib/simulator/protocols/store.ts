// The simulated robot's protocol store: uploads (roles, hashing, re-upload), the unused-protocol
// limit, analyses (pending → completed after the configured delay) and what a run of a protocol
// executes. Route handling lives in routes.ts; this module holds state and rules.
import { createHash, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { timestamp } from '../clock';
import type { RunPlan, SimulatorContext } from '../context';
import { protocolNotFound, protocolUsedByRun } from '../errors';
import { analyseCommands, internalErrorOccurrence } from './analysis';
import { OpentronsAnalyses, type AnalyzerRequest, type PythonFiles } from './analyzer-analyses';
import { lastAnalysisPending, protocolFilesInvalid, protocolRobotTypeMismatch, quickTransferLimit } from './errors';
import { readJsonProtocol, seemsLikeLabware, seemsLikeProtocol, type JsonProtocolReading } from './json-protocol';
import { uriOfDefinition } from './labware-library';
import { PythonProtocolInvalid, readPythonProtocol, type PythonReading, type RtpDefinition } from './python-reader';
import { csvParameterRequired, pythonGetsFixedTrash, standInAnalysis, standInTimeline, STANDIN_NOTE } from './python-standin';
import type { DataFileRecord, DataFileStore } from './data-files';
import { applyParameters, RtpValueError, sameParameters, type AppliedParameters, type RtpFiles, type RtpValues } from './rtp';
import type { CompletedAnalysisBody, FileRole, JsonObject, ProtocolKind, RobotType, UploadedFile } from './types';

export const MAX_UNUSED_PROTOCOLS = 5;
export const MAX_QUICK_TRANSFER_PROTOCOLS = 20;
export const MAX_ANALYSES_PER_PROTOCOL = 5;

type Source =
  | { kind: 'json'; reading: JsonProtocolReading }
  /** `files`: what Opentrons' analyzer is given (the main file and the custom labware files as uploaded) */
  | { kind: 'python'; reading: PythonReading; files: PythonFiles };

interface AnalysisRecord {
  id: string;
  /** performance.now() at which the analysis counts as completed (Infinity while Opentrons' analyzer works on it) */
  completesAt: number;
  runTimeParameters: JsonObject[];
  /** computed on first read after completion, so its timestamps fall inside the analysis window */
  compute: () => CompletedAnalysisBody;
  body?: CompletedAnalysisBody;
}

export interface ProtocolRecord {
  id: string;
  createdAt: string;
  files: { name: string; role: FileRole }[];
  protocolType: 'python' | 'json';
  robotType: RobotType;
  metadata: JsonObject;
  key?: string;
  protocolKind: ProtocolKind;
  hash: string;
  source: Source;
  /** labware definitions uploaded alongside the main file, or embedded in a JSON protocol, by URI */
  labwareDefinitions: Map<string, JsonObject>;
  analyses: AnalysisRecord[];
  /** data files its analyses and runs were given (GET /protocols/{id}/dataFiles) */
  dataFileIds: Set<string>;
}

export interface AnalysisSummary {
  id: string;
  status: 'pending' | 'completed';
  runTimeParameters?: JsonObject[];
}

export interface UploadRequest {
  files: UploadedFile[];
  key?: string;
  runTimeParameterValues?: RtpValues;
  runTimeParameterFiles?: RtpFiles;
  protocolKind?: ProtocolKind;
}

/** A run plan with the extra things a run of this protocol needs (labware definitions the protocol brings). */
export interface ProtocolRunPlan extends RunPlan {
  labwareDefinitions: JsonObject[];
  /** false for the documented stand-in timeline of a Python protocol */
  interpreted: boolean;
}

/** MD5 over file names and contents, independent of the order the files were sent in. */
export function hashFiles(files: UploadedFile[]): string {
  const perFile = files
    .map((f) => createHash('md5').update(f.name).update('\0').update(f.content).digest('hex'))
    .sort();
  return createHash('md5').update(perFile.join('')).digest('hex');
}

function robotWords(robotType: RobotType, article: boolean): string {
  if (robotType === 'OT-3 Standard') return article ? 'a Flex' : 'Flex';
  return article ? 'an OT-2' : 'OT-2';
}

function protocolName(record: { metadata: JsonObject; files: { name: string; role: FileRole }[] }): string {
  const name = record.metadata.protocolName;
  return typeof name === 'string' ? name : (record.files.find((f) => f.role === 'main')?.name ?? 'protocol');
}

export class ProtocolStore {
  private readonly protocols: ProtocolRecord[] = [];
  /** Opentrons' analyzer for this robot's Python protocols; undefined: the stand-in */
  private readonly analyses?: OpentronsAnalyses;

  constructor(
    private readonly ctx: SimulatorContext,
    private readonly dataFiles: DataFileStore,
  ) {
    if (ctx.analyzer.kind === 'opentrons') {
      this.analyses = new OpentronsAnalyses(ctx.analyzer, { timeoutMs: ctx.analyzerTimeoutMs, log: ctx.log }, (id) => this.dataFiles.require(id, 422));
    }
  }

  /** End a running analyzer and remove its files (robot stopped). */
  close(): void {
    this.analyses?.close();
  }

  // ---- reading ----------------------------------------------------------------------------

  list(kind?: ProtocolKind): ProtocolRecord[] {
    return this.protocols.filter((p) => kind === undefined || p.protocolKind === kind);
  }

  get(id: string): ProtocolRecord | undefined {
    return this.protocols.find((p) => p.id === id);
  }

  require(id: string): ProtocolRecord {
    const p = this.get(id);
    if (!p) throw protocolNotFound(id);
    return p;
  }

  isCompleted(a: AnalysisRecord): boolean {
    return performance.now() >= a.completesAt;
  }

  /** The completed analysis body, or undefined while pending. */
  completedBody(a: AnalysisRecord): CompletedAnalysisBody | undefined {
    if (!this.isCompleted(a)) return undefined;
    a.body ??= a.compute();
    return a.body;
  }

  analysisSummaries(p: ProtocolRecord, withParametersFor?: string): AnalysisSummary[] {
    return p.analyses.map((a) => {
      const s: AnalysisSummary = { id: a.id, status: this.isCompleted(a) ? 'completed' : 'pending' };
      // pending too: the definitions with the values asked for (captures 148, 151)
      if (a.id === withParametersFor) s.runTimeParameters = a.runTimeParameters;
      return s;
    });
  }

  /** The latest analysis summary of a protocol (what clients poll after an upload). */
  analysisSummary(protocolId: string): AnalysisSummary | undefined {
    const p = this.get(protocolId);
    return p ? this.analysisSummaries(p).at(-1) : undefined;
  }

  analysisJson(a: AnalysisRecord): JsonObject {
    const body = this.completedBody(a);
    if (!body) return { id: a.id, status: 'pending', runTimeParameters: [] };
    return { id: a.id, status: 'completed', ...body };
  }

  findAnalysis(p: ProtocolRecord, analysisId: string): AnalysisRecord | undefined {
    return p.analyses.find((a) => a.id === analysisId);
  }

  /** The data files a protocol's analyses and runs were given, in upload order; 404 ProtocolNotFound as on every /protocols/{id}/… route. */
  protocolDataFiles(protocolId: string): DataFileRecord[] {
    const ids = this.require(protocolId).dataFileIds;
    return this.dataFiles.list().filter((f) => ids.has(f.id));
  }

  referencingRuns(protocolId: string): string[] {
    return this.ctx.runsReferencingProtocol(protocolId);
  }

  // ---- uploading --------------------------------------------------------------------------

  /** POST /protocols. Returns the record and whether it was created (201) or found again (200). */
  upload(req: UploadRequest): { record: ProtocolRecord; created: boolean; newAnalysisId?: string } {
    const kind = req.protocolKind ?? 'standard';
    this.dataFiles.requireAll(req.runTimeParameterFiles);
    if (kind === 'quick-transfer' && this.list('quick-transfer').length >= MAX_QUICK_TRANSFER_PROTOCOLS) throw quickTransferLimit();
    const hash = hashFiles(req.files);
    const existing = this.protocols.find((p) => p.hash === hash);
    if (existing) {
      const started = this.startAnalysisIfNecessary(existing, req.runTimeParameterValues, req.runTimeParameterFiles, false);
      return { record: existing, created: false, newAnalysisId: started };
    }
    const { source, roles, labwareDefinitions } = this.readFiles(req.files);
    const robotType = source.kind === 'json' ? source.reading.robotType : source.reading.robotType;
    if (robotType !== this.ctx.robotType) {
      throw protocolRobotTypeMismatch(
        `This protocol is for ${robotWords(robotType, false)} robots. It can't be analyzed or run on this robot, which is ${robotWords(this.ctx.robotType, true)}.`,
      );
    }
    const record: ProtocolRecord = {
      id: randomUUID(),
      createdAt: timestamp(),
      files: roles,
      protocolType: source.kind,
      robotType,
      metadata: source.reading.metadata as JsonObject,
      protocolKind: kind,
      hash,
      source,
      labwareDefinitions,
      analyses: [],
      dataFileIds: new Set(),
    };
    if (req.key !== undefined) record.key = req.key;
    this.makeRoomFor(kind);
    this.protocols.push(record);
    const newAnalysisId = this.startAnalysisIfNecessary(record, req.runTimeParameterValues, req.runTimeParameterFiles, true);
    return { record, created: true, newAnalysisId };
  }

  private readFiles(files: UploadedFile[]): { source: Source; roles: { name: string; role: FileRole }[]; labwareDefinitions: Map<string, JsonObject> } {
    const roles: { name: string; role: FileRole }[] = [];
    const mains: { file: UploadedFile; source: Source }[] = [];
    const labwareDefinitions = new Map<string, JsonObject>();
    for (const file of files) {
      const lower = file.name.toLowerCase();
      if (lower.endsWith('.json')) {
        let json: unknown;
        try {
          json = JSON.parse(file.content.toString('utf8'));
        } catch (e) {
          throw protocolFilesInvalid(`${file.name} is not valid JSON. ${(e as Error).message}`);
        }
        if (seemsLikeLabware(json)) {
          const def = json as JsonObject;
          labwareDefinitions.set(uriOfDefinition(def) ?? file.name, def);
          roles.push({ name: file.name, role: 'labware' });
        } else if (seemsLikeProtocol(json)) {
          mains.push({ file, source: { kind: 'json', reading: readJsonProtocol(json as JsonObject, file.name) } });
          roles.push({ name: file.name, role: 'main' });
        } else {
          throw protocolFilesInvalid(`${file.name} is not a known Opentrons format.`);
        }
      } else if (lower.endsWith('.py')) {
        try {
          const reading = readPythonProtocol(file.content.toString('utf8'), file.name);
          mains.push({ file, source: { kind: 'python', reading, files: { protocol: file, labware: [] } } });
        } catch (e) {
          if (e instanceof PythonProtocolInvalid) throw protocolFilesInvalid(e.message);
          throw e;
        }
        roles.push({ name: file.name, role: 'main' });
      } else if (lower.endsWith('.csv') || lower.endsWith('.txt')) {
        roles.push({ name: file.name, role: 'data' });
      } else {
        throw protocolFilesInvalid(`${file.name} has an unrecognized file extension.`);
      }
    }
    if (mains.length === 0) {
      throw protocolFilesInvalid(files.length === 1
        ? `"${files[0].name}" is not a valid protocol file.`
        : `No valid protocol file found in ${files.map((f) => `"${f.name}"`).join(', ')}.`);
    }
    if (mains.length > 1) throw protocolFilesInvalid(`Could not pick single main file from ${mains.map((m) => `"${m.file.name}"`).join(', ')}.`);
    const source = mains[0].source;
    if (source.kind === 'python') {
      source.files.labware = files.filter((f) => roles.some((r) => r.name === f.name && r.role === 'labware'));
    }
    if (source.kind === 'json') {
      for (const [uri, def] of source.reading.labwareDefinitions) if (!labwareDefinitions.has(uri)) labwareDefinitions.set(uri, def);
    }
    // robot-server lists the main file first, then labware, then data files.
    const order: Record<FileRole, number> = { main: 0, labware: 1, data: 2 };
    roles.sort((a, b) => order[a.role] - order[b.role]);
    return { source, roles, labwareDefinitions };
  }

  /** Delete the oldest unused protocols of this kind so that, with the new one, at most 5 are unused. */
  private makeRoomFor(kind: ProtocolKind): void {
    if (kind === 'quick-transfer') return;
    const unused = this.protocols.filter((p) => p.protocolKind === kind && this.referencingRuns(p.id).length === 0);
    const excess = unused.length - (MAX_UNUSED_PROTOCOLS - 1);
    for (const p of unused.slice(0, Math.max(0, excess))) this.remove(p.id);
  }

  // ---- analyses ---------------------------------------------------------------------------

  private parameterDefinitions(p: ProtocolRecord): RtpDefinition[] {
    return p.source.kind === 'python' ? p.source.reading.parameters : [];
  }

  /**
   * Start a new analysis when forced, when there is none, or when the RTP values differ from the
   * last analysis's. Returns the new analysis id, or undefined. A pending last analysis gives 503.
   */
  startAnalysisIfNecessary(p: ProtocolRecord, values: RtpValues = {}, files: RtpFiles = {}, force: boolean): string | undefined {
    this.dataFiles.requireAll(files);
    const last = p.analyses.at(-1);
    if (!force && last) {
      if (!this.isCompleted(last)) throw lastAnalysisPending(last.id);
      if (sameParameters(last.runTimeParameters, this.parameterDefinitions(p), values, files)) return undefined;
    }
    const record = this.newAnalysis(p, values, files);
    p.analyses.push(record);
    while (p.analyses.length > MAX_ANALYSES_PER_PROTOCOL) p.analyses.shift();
    return record.id;
  }

  private newAnalysis(p: ProtocolRecord, values: RtpValues, files: RtpFiles): AnalysisRecord {
    const id = randomUUID();
    const completesAt = performance.now() + this.ctx.scheduler.scale(this.ctx.analysisMs);
    const defs = this.parameterDefinitions(p);
    let applied: ReturnType<typeof applyParameters>;
    try {
      applied = applyParameters(defs, p.source.kind === 'python' ? values : {}, p.source.kind === 'python' ? files : {}, this.fileName);
    } catch (e) {
      if (!(e instanceof RtpValueError)) throw e;
      // The analyzer could not start: robot-server stores a completed, not-ok analysis at once.
      const message = e.message;
      const robotType = p.robotType;
      return {
        id, completesAt: performance.now(), runTimeParameters: [],
        compute: () => ({
          result: 'not-ok', robotType, runTimeParameters: [], commands: [], labware: [], pipettes: [], modules: [], liquids: [],
          errors: [internalErrorOccurrence('RuntimeParameterValueError', message)],
        }),
      };
    }
    const runTimeParameters = applied.parameters;
    for (const id of Object.values(files)) p.dataFileIds.add(id);
    if (p.source.kind === 'python' && this.analyses) {
      const req = this.analyzerRequest(p, p.source.files, runTimeParameters, files);
      if (this.analyses.takes(req)) {
        // pending while the analyzer works, and at least until the robot's own analysis time is over
        const record: AnalysisRecord = { id, completesAt: Infinity, runTimeParameters, compute: () => { throw new Error('analysis pending'); } };
        void this.analyses.analyse(req).then((body) => {
          record.compute = () => body;
          record.completesAt = Math.max(completesAt, performance.now());
        });
        return record;
      }
    }
    const compute = (): CompletedAnalysisBody => {
      if (applied.missingFiles.length > 0 && p.source.kind === 'python') {
        // The protocol's code stops at its first read of the parameter, after the initial home.
        const body = analyseCommands({ robotType: p.robotType, commands: [], customDefinitions: new Map(), liquids: [], runTimeParameters, fixedTrash: false });
        body.result = 'parameter-value-required';
        body.errors = [csvParameterRequired(p.source.reading, applied.missingFiles)];
        body.simulation = { interpreted: false, note: STANDIN_NOTE };
        return body;
      }
      if (p.source.kind === 'python') return standInAnalysis(p.source.reading, p.robotType, runTimeParameters, protocolName(p));
      const reading = p.source.reading;
      if (!reading.commands) {
        const body = analyseCommands({ robotType: p.robotType, commands: [], customDefinitions: p.labwareDefinitions, liquids: reading.liquids, runTimeParameters, fixedTrash: false });
        body.simulation = { interpreted: false, note: `Simulated robot: JSON protocol schema ${reading.schemaVersion} is accepted but its commands are not read (the simulator reads schemas 6 to 8).` };
        return body;
      }
      return analyseCommands({
        robotType: p.robotType,
        commands: reading.commands,
        customDefinitions: p.labwareDefinitions,
        liquids: reading.liquids,
        runTimeParameters,
        fixedTrash: this.jsonGetsFixedTrash(p, reading),
      });
    };
    return { id, completesAt, runTimeParameters, compute };
  }

  private readonly fileName = (id: string): string | undefined => this.dataFiles.get(id)?.name;

  private analyzerRequest(p: ProtocolRecord, files: PythonFiles, parameters: JsonObject[], dataFiles: RtpFiles): AnalyzerRequest {
    return { name: protocolName(p), robotType: p.robotType, files, parameters, dataFiles };
  }

  private jsonGetsFixedTrash(p: ProtocolRecord, reading: JsonProtocolReading): boolean {
    return p.robotType === 'OT-2 Standard' && reading.schemaVersion <= 7;
  }

  // ---- deleting ---------------------------------------------------------------------------

  delete(id: string): void {
    this.require(id);
    if (this.referencingRuns(id).length > 0) throw protocolUsedByRun(id);
    this.remove(id);
  }

  private remove(id: string): void {
    const i = this.protocols.findIndex((p) => p.id === id);
    if (i >= 0) this.protocols.splice(i, 1);
  }

  // ---- what runs execute ------------------------------------------------------------------

  /**
   * The commands a run of this protocol executes after the engine's initial `home`, in the
   * create-body shape. JSON protocols: their own commands. Python protocols: those of Opentrons' analysis for the
   * run's parameters (`later`, when this robot has the analyzer and it takes them), else the stand-in timeline.
   */
  runPlan(protocolId: string, runTimeParameterValues?: RtpValues, runTimeParameterFiles?: RtpFiles): ProtocolRunPlan | undefined {
    const p = this.get(protocolId);
    if (!p) return undefined;
    const labwareDefinitions = [...p.labwareDefinitions.values()];
    if (p.source.kind === 'json') {
      const reading = p.source.reading;
      return {
        kind: 'json',
        commands: (reading.commands ?? []).map((c) => ({ ...c, params: structuredClone(c.params) })),
        fixedTrash: this.jsonGetsFixedTrash(p, reading),
        runTimeParameters: [],
        labwareDefinitions,
        interpreted: reading.commands !== undefined,
      };
    }
    const reading = p.source.reading;
    const files = runTimeParameterFiles ?? {};
    this.dataFiles.requireAll(files);
    const applied = this.runParameters(reading.parameters, runTimeParameterValues ?? {}, files);
    const plan: ProtocolRunPlan = {
      kind: 'python',
      commands: standInTimeline(reading, protocolName(p)),
      fixedTrash: pythonGetsFixedTrash(reading),
      runTimeParameters: applied.parameters,
      labwareDefinitions,
      interpreted: false,
      // only a run that exists uses its files: a POST /runs refused after this plan was made leaves the protocol's list alone
      onRunCreated: () => {
        for (const id of Object.values(files)) p.dataFileIds.add(id);
      },
    };
    if (this.analyses) {
      // the run is created at once, as on the robot; its engine waits for the analysis of the run's own parameters
      const req = this.analyzerRequest(p, p.source.files, applied.parameters, files);
      if (this.analyses.takes(req)) return { ...plan, commands: [], interpreted: true, later: this.analyses.runPlan(req) };
    }
    const missing = applied.missingFiles;
    if (missing.length > 0) {
      plan.commands = [];
      plan.failure = () => csvParameterRequired(reading, missing);
    }
    return plan;
  }

  /**
   * A run's parameters: its values applied where valid; a value the protocol would reject keeps the default.
   * Either way `missingFiles` names the csv parameters given no file (what the run fails on).
   */
  private runParameters(defs: RtpDefinition[], values: RtpValues, files: RtpFiles): AppliedParameters {
    try {
      return applyParameters(defs, values, files, this.fileName);
    } catch {
      const valid: RtpValues = {};
      for (const [k, v] of Object.entries(values)) {
        try {
          applyParameters(defs, { [k]: v });
          valid[k] = v;
        } catch {
          // left at its default
        }
      }
      const knownFiles = Object.fromEntries(Object.entries(files).filter(([k]) => defs.some((d) => d.variableName === k)));
      return applyParameters(defs, valid, knownFiles, this.fileName);
    }
  }
}
