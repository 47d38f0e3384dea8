// RobotClient: one typed method per robot endpoint the nodes use. No Node-RED imports, so it can be
// used (and tested) on its own against the simulated robot.
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { FormData } from 'undici';
import { InputError, RobotResponseError } from './errors';
import { QueryValue, RequestOptions, RobotResponse, Transport, TransportOptions } from './transport';
import { robotModel, type RobotModel } from './types';
import type {
  AttachedModule,
  CutoutFixture,
  DeckConfiguration,
  DoorStatus,
  EstopStatus,
  LegacyPipettes,
  Analysis,
  AnalysisSummary,
  Command,
  CommandCreate,
  CollectionMeta,
  CommandPage,
  DataFile,
  Health,
  JsonObject,
  LabwareOffsetCreate,
  Protocol,
  Run,
  RunAction,
  RunActionType,
  RunCreate,
  RunList,
} from './types';

export type { QueryValue, RequestOptions, RobotResponse } from './transport';

export interface RobotClientOptions extends Omit<TransportOptions, 'origin'> {
  /** Robot origin, e.g. `http://opentrons.local:31950`. */
  baseUrl: string;
}

/** A file to upload: bytes in memory, or a path on this host (streamed from disk, never read whole). */
export type UploadFile = { filename: string; content: Buffer | string } | { path: string; filename?: string };

export interface UploadOptions extends RequestOptions {
  key?: string;
  runTimeParameterValues?: JsonObject;
  runTimeParameterFiles?: JsonObject;
  protocolKind?: 'standard' | 'quick-transfer';
}

export interface ReanalyzeBody {
  runTimeParameterValues?: JsonObject;
  runTimeParameterFiles?: JsonObject;
  forceReAnalyze?: boolean;
}

export interface CommandOptions extends RequestOptions {
  waitUntilComplete?: boolean;
  /** How long the robot waits for the command, in ms (the robot's own `timeout` query parameter). */
  commandTimeoutMs?: number;
  failedCommandId?: string;
}

/** Any endpoint: query parameters and a JSON body sent as given (no `data` wrapper added). */
export interface GenericRequestOptions extends RequestOptions {
  query?: Record<string, QueryValue>;
  json?: unknown;
}

/** A rule of a run's error recovery policy (PUT /runs/{id}/errorRecoveryPolicy); the first match wins. */
export interface ErrorRecoveryRule {
  matchCriteria: { command: { commandType: string; error: { errorType: string } } };
  ifMatch: 'ignoreAndContinue' | 'failRun' | 'waitForRecovery';
}

export interface PageOptions extends RequestOptions {
  cursor?: number;
  pageLength?: number;
}

/** The HTTP API versions a robot serves, read from the headers of `/health`. */
export interface ApiVersionInfo {
  requested: string;
  /** The version the robot says it served (`Opentrons-Version` echo); undefined if it sent none. */
  effective?: number;
  minimum?: number;
  /** Human-readable problem with the configured version, if any. */
  warning?: string;
}

type Data<T> = { data: T };
type Links = { links?: JsonObject };

/** Commands wait on the robot; the HTTP request must outlive the robot-side wait by a margin. */
const COMMAND_WAIT_MARGIN_MS = 5_000;

export class RobotClient {
  readonly baseUrl: string;
  private readonly http: Transport;
  private versionInfo: Promise<ApiVersionInfo> | undefined;
  private model: Promise<RobotModel | string> | undefined;

  constructor(opts: RobotClientOptions) {
    this.baseUrl = opts.baseUrl;
    this.http = new Transport({ ...opts, origin: opts.baseUrl });
  }

  get apiVersion(): string {
    return this.http.apiVersion;
  }

  /** Default request timeout in ms. */
  get timeoutMs(): number {
    return this.http.timeoutMs;
  }

  get isClosed(): boolean {
    return this.http.isClosed;
  }

  /** Aborts requests in flight and closes every socket to the robot. */
  close(): Promise<void> {
    return this.http.close();
  }

  // ---- health ---------------------------------------------------------------------------------

  /** GET /health — robot name, model and software; 200 only once the robot is ready. */
  async health(opts?: RequestOptions): Promise<Health> {
    return (await this.healthResponse(opts)).body;
  }

  /**
   * The API version check, done once per client: compares the configured `Opentrons-Version` with
   * what `/health` says the robot serves. Other routes may omit the headers, so only /health is read.
   */
  apiVersionInfo(opts?: RequestOptions): Promise<ApiVersionInfo> {
    if (!this.versionInfo) {
      this.versionInfo = this.healthResponse(opts).then((res) => versionInfo(this.apiVersion, res.headers));
      // A failed check is retried on the next call rather than cached.
      this.versionInfo.catch(() => (this.versionInfo = undefined));
    }
    return this.versionInfo;
  }

  /**
   * The robot's model (`OT-2`, `Flex`), from /health, asked once per client: a robot does not change model while
   * a config node's client lives. Shared by every caller, so no caller's abort signal cancels it for the others
   * (close() still ends it). A failed read is asked again next time.
   */
  robotModel(): Promise<RobotModel | string> {
    if (!this.model) {
      this.model = this.healthResponse().then((res) => robotModel(res.body.robot_model));
      this.model.catch(() => (this.model = undefined));
    }
    return this.model;
  }

  private async healthResponse(opts?: RequestOptions): Promise<RobotResponse<Health>> {
    const res = await this.http.send<Health>('GET', '/health', opts);
    const b = res.body as Partial<Health>;
    if (typeof b.name !== 'string' || typeof b.api_version !== 'string' || typeof b.robot_model !== 'string') {
      throw new RobotResponseError('GET', '/health', res.status, 'not an Opentrons robot (no name/api_version/robot_model)', JSON.stringify(b).slice(0, 200));
    }
    const info = versionInfo(this.apiVersion, res.headers);
    this.versionInfo ??= Promise.resolve(info);
    this.model ??= Promise.resolve(robotModel(b.robot_model));
    return res;
  }

  // ---- protocols ------------------------------------------------------------------------------

  /** POST /protocols — 201 for a new protocol, 200 (same id) when identical files were uploaded before. */
  async uploadProtocol(files: UploadFile[], opts: UploadOptions = {}): Promise<{ status: number; protocol: Protocol }> {
    if (files.length === 0) throw new InputError('no files to upload: give at least a protocol file');
    const form = new FormData();
    for (const f of files) {
      if ('path' in f) {
        form.append('files', await openAsBlob(f.path), f.filename ?? basename(f.path));
      } else {
        // Node's Blob keeps a reference to the bytes; the cast only narrows Buffer's ArrayBufferLike.
        form.append('files', new Blob([f.content as string | Uint8Array<ArrayBuffer>]), f.filename);
      }
    }
    if (opts.key !== undefined) form.append('key', opts.key);
    if (opts.runTimeParameterValues) form.append('runTimeParameterValues', JSON.stringify(opts.runTimeParameterValues));
    if (opts.runTimeParameterFiles) form.append('runTimeParameterFiles', JSON.stringify(opts.runTimeParameterFiles));
    if (opts.protocolKind) form.append('protocolKind', opts.protocolKind);
    const res = await this.http.send<Data<Protocol>>('POST', '/protocols', { ...opts, form });
    return { status: res.status, protocol: res.body.data };
  }

  /** GET /protocols — oldest first. */
  async listProtocols(opts?: RequestOptions & { protocolKind?: string }): Promise<Protocol[]> {
    const res = await this.http.send<Data<Protocol[]>>('GET', '/protocols', { ...opts, query: { protocolKind: opts?.protocolKind } });
    return res.body.data;
  }

  /** GET /protocols/{id} — the protocol and the runs that reference it. */
  async getProtocol(id: string, opts?: RequestOptions): Promise<{ protocol: Protocol; referencingRuns: Array<{ id: string; href: string }> }> {
    const res = await this.http.send<Data<Protocol> & Links>('GET', `/protocols/${enc(id)}`, opts);
    const refs = (res.body.links?.referencingRuns ?? []) as Array<{ id: string; href: string }>;
    return { protocol: res.body.data, referencingRuns: refs };
  }

  /** DELETE /protocols/{id} — 409 ProtocolUsedByRun while any run references it. */
  async deleteProtocol(id: string, opts?: RequestOptions): Promise<void> {
    await this.http.send('DELETE', `/protocols/${enc(id)}`, opts);
  }

  /** GET /protocols/{id}/analyses — every analysis in full, oldest first. */
  async listAnalyses(protocolId: string, opts?: RequestOptions): Promise<Analysis[]> {
    const res = await this.http.send<Data<Analysis[]>>('GET', `/protocols/${enc(protocolId)}/analyses`, opts);
    return res.body.data;
  }

  /** GET /protocols/{id}/analyses/{analysisId}. */
  async getAnalysis(protocolId: string, analysisId: string, opts?: RequestOptions): Promise<Analysis> {
    const res = await this.http.send<Data<Analysis>>('GET', `/protocols/${enc(protocolId)}/analyses/${enc(analysisId)}`, opts);
    return res.body.data;
  }

  /** POST /protocols/{id}/analyses — 201 when a new analysis started, 200 when the last one still applies. */
  async reanalyze(protocolId: string, body: ReanalyzeBody = {}, opts?: RequestOptions): Promise<{ status: number; summaries: AnalysisSummary[] }> {
    const res = await this.http.send<Data<AnalysisSummary[]>>('POST', `/protocols/${enc(protocolId)}/analyses`, { ...opts, json: { data: body } });
    return { status: res.status, summaries: res.body.data };
  }

  // ---- data files (robot software 8.0+) --------------------------------------------------------

  /** POST /dataFiles (multipart field `file`) — 201 for a new file, 200 with the first id when the same bytes were uploaded before. */
  async uploadDataFile(file: UploadFile, opts?: RequestOptions): Promise<{ status: number; dataFile: DataFile }> {
    const form = new FormData();
    if ('path' in file) form.append('file', await openAsBlob(file.path), file.filename ?? basename(file.path));
    else form.append('file', new Blob([file.content as string | Uint8Array<ArrayBuffer>]), file.filename);
    const res = await this.http.send<Data<DataFile>>('POST', '/dataFiles', { ...opts, form });
    return { status: res.status, dataFile: res.body.data };
  }

  /** GET /dataFiles — oldest first. */
  async listDataFiles(opts?: RequestOptions): Promise<DataFile[]> {
    return (await this.http.send<Data<DataFile[]>>('GET', '/dataFiles', opts)).body.data;
  }

  /** DELETE /dataFiles/{id} — robot software 8.1 has no such route and answers 405. */
  async deleteDataFile(id: string, opts?: RequestOptions): Promise<void> {
    await this.http.send('DELETE', `/dataFiles/${enc(id)}`, opts);
  }

  // ---- runs -----------------------------------------------------------------------------------

  /** POST /runs — a protocol run, or a protocol-less run for atomic commands when no protocolId is given. */
  async createRun(body: RunCreate = {}, opts?: RequestOptions): Promise<Run> {
    const res = await this.http.send<Data<Run>>('POST', '/runs', { ...opts, json: { data: body } });
    return res.body.data;
  }

  /** GET /runs — oldest first; `pageLength` gives the newest N; `links.current` names the current run. */
  async listRuns(opts?: RequestOptions & { pageLength?: number }): Promise<RunList> {
    const res = await this.http.send<RunList>('GET', '/runs', { ...opts, query: { pageLength: opts?.pageLength } });
    return { data: res.body.data, meta: res.body.meta, links: res.body.links ?? {} };
  }

  /** The id of the robot's current run, from `GET /runs?pageLength=0`, or undefined when none is current. */
  async getCurrentRunId(opts?: RequestOptions): Promise<string | undefined> {
    return currentRunIdOf(await this.listRuns({ ...opts, pageLength: 0 }));
  }

  /** GET /runs/{id}. */
  async getRun(id: string, opts?: RequestOptions): Promise<Run> {
    const res = await this.http.send<Data<Run>>('GET', `/runs/${enc(id)}`, opts);
    return res.body.data;
  }

  /** PATCH /runs/{id} `{current: false}` — dismiss the current run (how the Opentrons App closes a finished run). */
  async dismissRun(id: string, opts?: RequestOptions): Promise<Run> {
    const res = await this.http.send<Data<Run>>('PATCH', `/runs/${enc(id)}`, { ...opts, json: { data: { current: false } } });
    return res.body.data;
  }

  /** DELETE /runs/{id}. */
  async deleteRun(id: string, opts?: RequestOptions): Promise<void> {
    await this.http.send('DELETE', `/runs/${enc(id)}`, opts);
  }

  /** POST /runs/{id}/actions — accepted (201) actions change the run's status asynchronously. */
  async createRunAction(runId: string, actionType: RunActionType, opts?: RequestOptions): Promise<RunAction> {
    const res = await this.http.send<Data<RunAction>>('POST', `/runs/${enc(runId)}/actions`, { ...opts, json: { data: { actionType } } });
    return res.body.data;
  }

  /** GET /runs/{id}/loaded_labware_definitions — every labware definition the run has loaded, custom ones included. */
  async getLoadedLabwareDefinitions(runId: string, opts?: RequestOptions): Promise<JsonObject[]> {
    return (await this.http.send<Data<JsonObject[]>>('GET', `/runs/${enc(runId)}/loaded_labware_definitions`, opts)).body.data;
  }

  /** PUT /runs/{id}/errorRecoveryPolicy (current run only) — replaces the run's rules; the robot answers `{}`. */
  async setErrorRecoveryPolicy(runId: string, policyRules: ErrorRecoveryRule[], opts?: RequestOptions): Promise<void> {
    await this.http.send('PUT', `/runs/${enc(runId)}/errorRecoveryPolicy`, { ...opts, json: { data: { policyRules } } });
  }

  /** POST /runs/{id}/labware_offsets (current run only). */
  async addLabwareOffset(runId: string, offset: LabwareOffsetCreate, opts?: RequestOptions): Promise<JsonObject> {
    const res = await this.http.send<Data<JsonObject>>('POST', `/runs/${enc(runId)}/labware_offsets`, { ...opts, json: { data: offset } });
    return res.body.data;
  }

  // ---- run commands ---------------------------------------------------------------------------

  /** POST /runs/{id}/commands — 201 even when the command failed or the wait timed out: check `status`. */
  async createRunCommand(runId: string, command: CommandCreate, opts: CommandOptions = {}): Promise<Command> {
    const res = await this.http.send<Data<Command>>('POST', `/runs/${enc(runId)}/commands`, commandRequest(command, opts, this.http.timeoutMs));
    return res.body.data;
  }

  /** GET /runs/{id}/commands — summaries (no `result`); the default cursor is the running command, not 0. */
  async listRunCommands(runId: string, opts?: PageOptions): Promise<CommandPage> {
    const res = await this.http.send<CommandPage>('GET', `/runs/${enc(runId)}/commands`, {
      ...opts,
      query: { cursor: opts?.cursor, pageLength: opts?.pageLength },
    });
    return { data: res.body.data, meta: res.body.meta, links: res.body.links ?? {} };
  }

  /** GET /runs/{id}/commands/{commandId} — the full command, with `result`. */
  async getRunCommand(runId: string, commandId: string, opts?: RequestOptions): Promise<Command> {
    const res = await this.http.send<Data<Command>>('GET', `/runs/${enc(runId)}/commands/${enc(commandId)}`, opts);
    return res.body.data;
  }

  /** GET /runs/{id}/commandErrors — by default starts at the last error. */
  async listCommandErrors(runId: string, opts?: PageOptions): Promise<{ data: JsonObject[]; meta: CollectionMeta }> {
    const res = await this.http.send<{ data: JsonObject[]; meta: CollectionMeta }>('GET', `/runs/${enc(runId)}/commandErrors`, {
      ...opts,
      query: { cursor: opts?.cursor, pageLength: opts?.pageLength },
    });
    return res.body;
  }

  // ---- stateless commands ---------------------------------------------------------------------

  /** POST /commands — stateless commands (home, rail lights, module temperatures…); intent is always setup. */
  async createCommand(command: CommandCreate, opts: CommandOptions = {}): Promise<Command> {
    const res = await this.http.send<Data<Command>>('POST', '/commands', commandRequest(command, opts, this.http.timeoutMs));
    return res.body.data;
  }

  /** GET /commands — stateless commands sent since the robot booted. */
  async listCommands(opts?: PageOptions): Promise<{ data: Command[]; meta: JsonObject }> {
    const res = await this.http.send<{ data: Command[]; meta: JsonObject }>('GET', '/commands', {
      ...opts,
      query: { cursor: opts?.cursor, pageLength: opts?.pageLength },
    });
    return res.body;
  }

  /** GET /commands/{id}. */
  async getCommand(id: string, opts?: RequestOptions): Promise<Command> {
    const res = await this.http.send<Data<Command>>('GET', `/commands/${enc(id)}`, opts);
    return res.body.data;
  }

  // ---- any endpoint ---------------------------------------------------------------------------

  /**
   * Any endpoint, with the same header, token, timeout, pool and error values as every other method;
   * only GET is retried. `path` must be a path on the robot (the caller checks it); a 2xx answer sent
   * as text (not a JSON content type) comes back as text.
   */
  async request(method: string, path: string, opts: GenericRequestOptions = {}): Promise<RobotResponse<unknown>> {
    return this.http.send<unknown>(method, path, { ...opts, acceptText: true });
  }

  /** GET /openapi.json — the robot's own description of its endpoints (no version header needed). */
  async openApi(opts?: RequestOptions): Promise<JsonObject> {
    return (await this.http.send<JsonObject>('GET', '/openapi.json', opts)).body;
  }

  // ---- hardware -------------------------------------------------------------------------------

  /** GET /robot/lights (legacy route, unwrapped). */
  async getLights(opts?: RequestOptions): Promise<{ on: boolean }> {
    return (await this.http.send<{ on: boolean }>('GET', '/robot/lights', opts)).body;
  }

  /** POST /robot/lights (legacy route, unwrapped). */
  async setLights(on: boolean, opts?: RequestOptions): Promise<{ on: boolean }> {
    return (await this.http.send<{ on: boolean }>('POST', '/robot/lights', { ...opts, json: { on } })).body;
  }

  /** GET /modules — attached modules with live data; their `id`s are what module commands take as `moduleId`. */
  async getModules(opts?: RequestOptions): Promise<AttachedModule[]> {
    // API version 2 answers the older `{modules: [...]}` shape (no ids); 3+ answers `{data: [...]}`.
    const body = (await this.http.send<{ data?: AttachedModule[]; modules?: AttachedModule[] }>('GET', '/modules', opts)).body;
    return body.data ?? body.modules ?? [];
  }

  /** GET /pipettes (legacy, unwrapped) — what an OT-2 knows of its pipettes beyond /instruments (axes, tip length). */
  async getPipettes(opts?: RequestOptions): Promise<LegacyPipettes> {
    return (await this.http.send<LegacyPipettes>('GET', '/pipettes', opts)).body;
  }

  /** GET /robot/door/status. */
  async getDoorStatus(opts?: RequestOptions): Promise<DoorStatus> {
    return (await this.http.send<Data<DoorStatus>>('GET', '/robot/door/status', opts)).body.data;
  }

  /** GET /robot/control/estopStatus — Flex only (403 NotSupportedOnOT2). */
  async getEstopStatus(opts?: RequestOptions): Promise<EstopStatus> {
    return (await this.http.send<Data<EstopStatus>>('GET', '/robot/control/estopStatus', opts)).body.data;
  }

  /** GET /calibration/status (legacy, unwrapped) — deck and instrument calibration. */
  async getCalibrationStatus(opts?: RequestOptions): Promise<JsonObject> {
    return (await this.http.send<JsonObject>('GET', '/calibration/status', opts)).body;
  }

  /** GET /deck_configuration — Flex only: which fixture sits in each cutout. */
  async getDeckConfiguration(opts?: RequestOptions): Promise<DeckConfiguration> {
    return (await this.http.send<Data<DeckConfiguration>>('GET', '/deck_configuration', opts)).body.data;
  }

  /** PUT /deck_configuration — the whole deck (all 12 cutouts); 422 InvalidDeckConfiguration per problem. */
  async setDeckConfiguration(cutoutFixtures: CutoutFixture[], opts?: RequestOptions): Promise<DeckConfiguration> {
    return (await this.http.send<Data<DeckConfiguration>>('PUT', '/deck_configuration', { ...opts, json: { data: { cutoutFixtures } } })).body.data;
  }

  /** GET /instruments — attached pipettes (and the Flex gripper). */
  async getInstruments(opts?: RequestOptions): Promise<JsonObject[]> {
    return (await this.http.send<Data<JsonObject[]>>('GET', '/instruments', opts)).body.data;
  }
}

/** Longest id we send in a path: robot ids are UUIDs or short engine keys; a huge one would only earn a 431. */
const MAX_ID_LENGTH = 200;

/** Puts an id into a path, refusing (before anything is sent) one no robot could have issued. */
function enc(id: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH || /[\u0000-\u001f]/.test(id)) {
    const got = typeof id !== 'string' ? typeof id : `${id.length} characters`;
    throw new InputError(`an id must be 1 to ${MAX_ID_LENGTH} characters without control characters (got ${got}): check msg.runId / msg.protocolId`);
  }
  return encodeURIComponent(id);
}

function commandRequest(command: CommandCreate, opts: CommandOptions, defaultTimeoutMs: number) {
  const wait = opts.waitUntilComplete === true;
  return {
    signal: opts.signal,
    // While the robot waits for the command, our request must not give up first.
    timeoutMs: wait && opts.commandTimeoutMs !== undefined
      ? opts.commandTimeoutMs + (opts.timeoutMs ?? defaultTimeoutMs) + COMMAND_WAIT_MARGIN_MS
      : opts.timeoutMs,
    query: {
      waitUntilComplete: wait ? 'true' : undefined,
      timeout: wait ? opts.commandTimeoutMs : undefined,
      failedCommandId: opts.failedCommandId,
    },
    json: { data: command },
  };
}

function versionInfo(requested: string, headers: Record<string, string>): ApiVersionInfo {
  const effective = intHeader(headers['opentrons-version']);
  const minimum = intHeader(headers['opentrons-min-version']);
  const info: ApiVersionInfo = { requested, effective, minimum };
  const asked = requested === '*' ? undefined : Number(requested);
  if (asked !== undefined && effective !== undefined && effective < asked) {
    info.warning = `the robot serves HTTP API version ${effective} at most; requests asking for ${asked} are answered as ${effective}`;
  } else if (asked !== undefined && minimum !== undefined && asked < minimum) {
    info.warning = `the robot needs HTTP API version ${minimum} or newer; ${asked} is refused`;
  }
  return info;
}

function intHeader(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : undefined;
}

/** The current run's id from a run list's `links.current` (`/runs/{id}`), or undefined when none is current. */
export function currentRunIdOf(list: RunList): string | undefined {
  const href = list.links.current?.href;
  return href ? decodeURIComponent(href.slice(href.lastIndexOf('/') + 1)) : undefined;
}
