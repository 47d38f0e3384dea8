// opentrons-upload: puts a protocol (with its labware and data files) on the robot and waits for the
// robot's analysis; also lists, reads, deletes and re-analyses protocols (msg.action).
import type { Node, NodeAPI, NodeDef, NodeStatus } from 'node-red';
import { AnalysisNotOkError, analysisProblem, latestAnalysisId, protocolName, waitForAnalysis } from './lib/analysis-wait';
import type { RobotClient } from './lib/client';
import { InputError, OpentronsError, RobotError, RobotErrorBody, isReadFailure, readErrorOf } from './lib/errors';
import { Msg, Send, optionalObject, own, pick, requireString, robotOf, secondsSettingMs, showSimulated } from './lib/node-support';
import { NodeWork, evaluateProperty } from './lib/node-work';
import { resolveUploadFiles } from './lib/upload-input';
import { resolveDataFile, runTimeParameterFilesOf } from './lib/data-files';
import { dataFileIdOf, deleteDataFile } from './lib/data-file-actions';
import type { Analysis, JsonObject, Protocol } from './lib/types';

const UPLOAD_ACTIONS = ['upload', 'list', 'get', 'delete', 'analyze', 'upload-data-file', 'list-data-files', 'delete-data-file'] as const;
/** Actions that need no protocol id. */
const NO_PROTOCOL_ID: readonly string[] = ['upload', 'list', 'upload-data-file', 'list-data-files', 'delete-data-file'];
type UploadAction = (typeof UPLOAD_ACTIONS)[number];

interface UploadDef extends NodeDef {
  robot?: string;
  action?: string;
  /** File paths on the Node-RED host, one per line. */
  paths?: string;
  protocolId?: string;
  protocolIdType?: string;
  waitForAnalysis?: boolean;
  /** Seconds. */
  analysisTimeout?: string | number;
  allowMsgPaths?: boolean;
  passNotOk?: boolean;
}

const DEFAULT_ANALYSIS_TIMEOUT_S = 60;
/** `analysed()` result when the robot took the upload but its analysis could not be read. */
const READ_FAILED = 'analysis read failed';

/** 409 ProtocolUsedByRun, restated with the runs that keep the protocol. */
class ProtocolInUseError extends OpentronsError {
  readonly code = 'ProtocolUsedByRun';
  readonly robotError: RobotErrorBody;
  constructor(
    message: string,
    cause: RobotError,
    readonly runIds: string[],
  ) {
    super(message, cause.statusCode, { cause });
    this.robotError = cause.robotError;
  }
}

export = function register(RED: NodeAPI): void {
  function OpentronsUploadNode(this: Node, def: UploadDef): void {
    RED.nodes.createNode(this, def);
    // The handlers below are plain functions; they reach the node through this name.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const node = this;
    const work = new NodeWork();
    showSimulated(RED, node, def.robot);
    const waitDefault = def.waitForAnalysis !== false;
    const analysisTimeoutMs = secondsSettingMs(def.analysisTimeout, DEFAULT_ANALYSIS_TIMEOUT_S);

    work.serve(node, handle);

    async function handle(msg: Msg, send: Send): Promise<void> {
      // Everything a msg can get wrong is checked here, before a request is made.
      const action = actionOf(msg);
      const robot = robotOf(RED, def.robot);
      const protocolId = NO_PROTOCOL_ID.includes(action) ? undefined : await protocolIdOf(msg);
      const runTimeParameterValues = optionalObject(own(msg, 'runTimeParameterValues'), 'msg.runTimeParameterValues');
      const runTimeParameterFiles = runTimeParameterFilesOf(msg);
      const key = own(msg, 'key');
      if (key !== undefined && typeof key !== 'string') throw new InputError(`msg.key must be a string (got ${typeof key})`);
      const fileOptions = { editorPaths: def.paths ?? '', allowMsgPaths: def.allowMsgPaths === true };
      const files = action === 'upload' ? resolveUploadFiles(msg, fileOptions) : [];
      const dataFile = action === 'upload-data-file' ? resolveDataFile(msg, fileOptions) : undefined;
      const dataFileId = action === 'delete-data-file' ? dataFileIdOf(msg) : undefined;

      const client = await robot.ready();
      const signal = work.signal;
      // Chained nodes use their own action: this one is consumed here.
      delete msg.action;

      switch (action) {
        case 'list': {
          node.status({ fill: 'blue', shape: 'dot', text: 'listing' });
          const protocols = await client.listProtocols({ signal });
          msg.payload = protocols;
          node.status({ fill: 'green', shape: 'dot', text: `list: ${protocols.length} protocol${protocols.length === 1 ? '' : 's'}` });
          break;
        }
        case 'get': {
          node.status({ fill: 'blue', shape: 'dot', text: 'reading' });
          const id = protocolId as string;
          const [{ protocol, referencingRuns }, analyses] = await Promise.all([client.getProtocol(id, { signal }), client.listAnalyses(id, { signal })]);
          setProtocol(msg, protocol);
          msg.analyses = analyses;
          msg.referencingRuns = referencingRuns.map((r) => r.id);
          const last = analyses[analyses.length - 1];
          if (last) setAnalysis(msg, last);
          node.status({ fill: 'green', shape: 'dot', text: `get: ${protocolName(protocol)}` });
          break;
        }
        case 'delete': {
          node.status({ fill: 'blue', shape: 'dot', text: 'deleting' });
          const id = protocolId as string;
          await client.deleteProtocol(id, { signal }).catch((err: unknown) => rethrowInUse(client, id, err, signal));
          msg.protocolId = id;
          msg.payload = {};
          node.status({ fill: 'green', shape: 'dot', text: `deleted ${id.slice(0, 8)}` });
          break;
        }
        case 'upload-data-file': {
          node.status({ fill: 'blue', shape: 'dot', text: 'uploading data file' });
          const { status, dataFile: uploaded } = await client.uploadDataFile(dataFile as NonNullable<typeof dataFile>, { signal });
          msg.payload = uploaded;
          msg.dataFileId = uploaded.id;
          msg.alreadyOnRobot = status === 200;
          node.status({ fill: 'green', shape: 'dot', text: `data file: ${uploaded.name}${status === 200 ? ' (already on robot)' : ''}` });
          break;
        }
        case 'list-data-files': {
          const list = await client.listDataFiles({ signal });
          msg.payload = list;
          node.status({ fill: 'green', shape: 'dot', text: `list: ${list.length} data file${list.length === 1 ? '' : 's'}` });
          break;
        }
        case 'delete-data-file': {
          await deleteDataFile(client, dataFileId as string, signal);
          msg.dataFileId = dataFileId;
          msg.payload = {};
          node.status({ fill: 'green', shape: 'dot', text: `deleted ${(dataFileId as string).slice(0, 8)}` });
          break;
        }
        case 'analyze': {
          node.status({ fill: 'blue', shape: 'dot', text: 'analysing' });
          const id = protocolId as string;
          const forceReAnalyze = own(msg, 'forceReAnalyze');
          const { summaries } = await client.reanalyze(
            id,
            {
              runTimeParameterValues: runTimeParameterValues as JsonObject | undefined,
              runTimeParameterFiles: runTimeParameterFiles as JsonObject | undefined,
              forceReAnalyze: forceReAnalyze === true ? true : undefined,
            },
            { signal },
          );
          msg.protocolId = id;
          const analysisId = summaries.length > 0 ? summaries[summaries.length - 1].id : undefined;
          msg.analysisId = analysisId;
          let protocol: Protocol;
          try {
            ({ protocol } = await client.getProtocol(id, { signal }));
          } catch (err) {
            // The robot started the analysis: report that, not an error a retrying flow would act on.
            if (!isReadFailure(err) || signal.aborted) throw err;
            msg.payload = summaries;
            msg.analysisReadError = readErrorOf(err);
            node.status({ fill: 'yellow', shape: 'dot', text: `analysis started · ${READ_FAILED}` });
            break;
          }
          msg.payload = protocol;
          const result = waitWanted(msg) && analysisId ? await analysed(client, msg, protocol, analysisId) : 'ok';
          node.status(doneStatus(result, protocolName(protocol)));
          break;
        }
        default: {
          node.status({ fill: 'blue', shape: 'dot', text: 'uploading' });
          const { status, protocol } = await client.uploadProtocol(files, {
            signal,
            key: key as string | undefined,
            runTimeParameterValues: runTimeParameterValues as JsonObject | undefined,
            runTimeParameterFiles: runTimeParameterFiles as JsonObject | undefined,
          });
          setProtocol(msg, protocol);
          msg.analysisId = latestAnalysisId(protocol);
          msg.alreadyOnRobot = status === 200;
          const result = waitWanted(msg) && typeof msg.analysisId === 'string' ? await analysed(client, msg, protocol, msg.analysisId) : 'ok';
          node.status(doneStatus(result, protocolName(protocol), status === 200 ? ' (already on robot)' : ''));
        }
      }
      send(msg);
    }

    /**
     * Waits for the analysis, puts it on the msg, and fails a not-ok one unless the user passes them
     * through; returns the analysis result.
     */
    async function analysed(client: RobotClient, msg: Msg, protocol: Protocol, analysisId: string): Promise<string> {
      node.status({ fill: 'blue', shape: 'ring', text: 'analysing' });
      let analysis: Analysis;
      try {
        analysis = await waitForAnalysis(client, protocol.id, analysisId, { timeoutMs: analysisTimeoutMs, signal: work.signal });
      } catch (err) {
        // The protocol is on the robot: an upload retried because a read failed would only repeat it.
        if (!isReadFailure(err) || work.signal.aborted) throw err;
        msg.analysisReadError = readErrorOf(err);
        return READ_FAILED;
      }
      setAnalysis(msg, analysis);
      const problem: AnalysisNotOkError | undefined = analysisProblem(protocol, analysis);
      if (problem && def.passNotOk !== true) throw problem;
      return analysis.result ?? 'ok';
    }

    function waitWanted(msg: Msg): boolean {
      const v = own(msg, 'waitForAnalysis');
      return typeof v === 'boolean' ? v : waitDefault;
    }

    function actionOf(msg: Msg): UploadAction {
      const a = pick(msg, 'action', def.action || 'upload');
      if (typeof a !== 'string' || !(UPLOAD_ACTIONS as readonly string[]).includes(a)) {
        throw new InputError(`unknown action ${JSON.stringify(a)} for opentrons-upload: set msg.action to one of ${UPLOAD_ACTIONS.join(', ')}`);
      }
      return a as UploadAction;
    }

    async function protocolIdOf(msg: Msg): Promise<string> {
      let value = own(msg, 'protocolId');
      if (value === undefined || value === null || value === '') {
        value = await evaluateProperty(RED, node, msg, def.protocolId, def.protocolIdType).catch((err: Error) => {
          throw new InputError(`the node's protocol id could not be read: ${err.message}`);
        });
      }
      return requireString(value, 'protocolId', 'set msg.protocolId (an upload sets it) or the node\'s protocol id');
    }
  }

  RED.nodes.registerType('opentrons-upload', OpentronsUploadNode);
};

function doneStatus(result: string, name: string, suffix = ''): NodeStatus {
  if (result === READ_FAILED) return { fill: 'yellow', shape: 'dot', text: `accepted · ${READ_FAILED}: ${name}${suffix}` };
  return result === 'ok'
    ? { fill: 'green', shape: 'dot', text: `ok: ${name}${suffix}` }
    : { fill: 'yellow', shape: 'dot', text: `${result}: ${name}${suffix}` };
}

function setProtocol(msg: Msg, protocol: Protocol): void {
  msg.payload = protocol;
  msg.protocolId = protocol.id;
}

function setAnalysis(msg: Msg, analysis: Analysis): void {
  msg.analysis = analysis;
  msg.analysisId = analysis.id;
}

async function rethrowInUse(client: RobotClient, id: string, err: unknown, signal: AbortSignal): Promise<never> {
  if (!(err instanceof RobotError) || err.errorId !== 'ProtocolUsedByRun') throw err;
  const runs = await client.getProtocol(id, { signal }).then(
    (p) => p.referencingRuns.map((r) => r.id),
    () => [] as string[],
  );
  const which = runs.length > 0 ? `run${runs.length === 1 ? '' : 's'} ${runs.join(', ')}` : 'a run';
  throw new ProtocolInUseError(
    `protocol ${id} cannot be deleted: ${which} still use${runs.length === 1 ? 's' : ''} it; delete ${runs.length === 1 ? 'that run' : 'those runs'} first (opentrons-run action "delete") [HTTP 409 ProtocolUsedByRun]`,
    err,
    runs,
  );
}
