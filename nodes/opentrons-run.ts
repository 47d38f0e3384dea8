// opentrons-run: creates runs and drives them (play, pause, stop, resume from recovery), dismisses and
// deletes them, and reads one, all, or the current one.
import type { Node, NodeAPI, NodeDef, NodeStatus } from 'node-red';
import { currentRunIdOf, type RobotClient } from './lib/client';
import { InputError, OpentronsError, RobotError, isReadFailure, readErrorOf } from './lib/errors';
import { Msg, Send, optionalObject, own, pick, requireRunId, requireString, secondsSettingMs, showSimulated, type RobotConfigNode } from './lib/node-support';
import { onRobot, robotFor } from './lib/msg-robot';
import { NodeWork, editorSetting } from './lib/node-work';
import { policyRules } from './lib/recovery';
import { LabwareOffsetsError, addLabwareOffsets, labwareOffset, labwareOffsets } from './lib/labware-offsets';
import { PreflightFailedError, checkSelection, preflight, type CheckSelection } from './lib/preflight';
import { runChanged } from './lib/watch';
import { logRequestOf, readLog, type LogKind } from './lib/command-log';
import { runTimeParameterFilesOf } from './lib/data-files';
import {
  IfCurrent,
  RUN_ACTIONS,
  RunNodeAction,
  createRun,
  explainRefusedAction,
  settleTarget,
  settled,
  waitForRun,
} from './lib/run-actions';
import type { JsonObject, LabwareOffsetCreate, Run, RunActionType, RunCreate } from './lib/types';

interface RunDef extends NodeDef {
  robot?: string;
  action?: string;
  runId?: string;
  runIdType?: string;
  protocolId?: string;
  protocolIdType?: string;
  ifCurrent?: string;
  waitForStatus?: boolean;
  /** Seconds. */
  statusTimeout?: string | number;
  /** `commands` / `command-errors`: read every page, not one. */
  allPages?: boolean;
  /** `play`: run every check that applies before a run that has not started (msg.checks overrides). */
  checkBeforePlay?: boolean;
}

const DEFAULT_STATUS_TIMEOUT_S = 60;
const IF_CURRENT: readonly string[] = ['fail', 'dismiss', 'stop'];
/** Actions that only read; every other one changes a run, which status nodes should see at once. */
const READS: readonly string[] = ['get', 'list', 'current', 'commands', 'command-errors'];
/** Actions that need no run id: they make one or find them. */
const NO_RUN_ID: readonly string[] = ['create', 'list', 'current'];
/** Node status text for an accepted action. */
const DONE_TEXT: Record<RunActionType, string> = { play: 'played', pause: 'paused', stop: 'stopped', 'resume-from-recovery': 'resumed' };

export = function register(RED: NodeAPI): void {
  function OpentronsRunNode(this: Node, def: RunDef): void {
    RED.nodes.createNode(this, def);
    // The handlers below are plain functions; they reach the node through this name.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const node = this;
    const work = new NodeWork();
    showSimulated(RED, node, def.robot);
    const statusTimeoutMs = secondsSettingMs(def.statusTimeout, DEFAULT_STATUS_TIMEOUT_S);
    const ifCurrent: IfCurrent = IF_CURRENT.includes(def.ifCurrent ?? '') ? (def.ifCurrent as IfCurrent) : 'fail';

    work.serve(node, handle);

    /** The robot msg.robot chose, by msg (msgs run side by side): the status names it. */
    const chosen = new WeakMap<Msg, string>();
    const show = (msg: Msg, status: NodeStatus): void => {
      const name = chosen.get(msg);
      node.status(name && status.text ? { ...status, text: `${String(status.text)} · ${name}` } : status);
    };

    async function handle(msg: Msg, send: Send): Promise<void> {
      // Validate everything first: bad input never reaches the robot.
      const action = actionOf(msg);
      const { robot, named } = robotFor(RED, def.robot, own(msg, 'robot'));
      if (named) chosen.set(msg, named);
      try {
        await act(msg, send, action, robot);
      } catch (err) {
        throw named ? onRobot(err, named) : err;
      }
    }

    async function act(msg: Msg, send: Send, action: RunNodeAction, robot: RobotConfigNode): Promise<void> {
      const runId = NO_RUN_ID.includes(action) ? undefined : await runIdOf(msg, action);
      const body = action === 'create' ? await createBody(msg) : undefined;
      const rules = action === 'error-recovery-policy' ? policyRules(own(msg, 'payload')) : undefined;
      const wait = waitWanted(msg);
      const logRequest = action === 'commands' || action === 'command-errors' ? logRequestOf(msg, def.allPages === true) : undefined;
      const offsetsToAdd = action === 'add-labware-offsets' ? offsetsOf(msg) : undefined;
      const checks = action === 'play' ? checkSelection(own(msg, 'checks'), def.checkBeforePlay === true) : undefined;

      const client = await robot.ready();
      const signal = work.signal;
      delete msg.action;
      show(msg, { fill: 'blue', shape: 'dot', text: `${action}…` });

      switch (action) {
        case 'create': {
          const run = await createRun(client, body as RunCreate, {
            ifCurrent,
            timeoutMs: statusTimeoutMs,
            signal,
            onProgress: (text) => show(msg, { fill: 'blue', shape: 'ring', text }),
          });
          setRun(msg, run);
          break;
        }
        case 'list': {
          const list = await client.listRuns({ signal });
          msg.payload = list.data;
          msg.currentRunId = currentRunIdOf(list);
          show(msg, { fill: 'green', shape: 'dot', text: `list: ${list.data.length} run${list.data.length === 1 ? '' : 's'}` });
          return send(msg);
        }
        case 'current': {
          const id = await client.getCurrentRunId({ signal });
          if (!id) {
            msg.payload = null;
            delete msg.runId;
            delete msg.status;
            show(msg, { fill: 'grey', shape: 'ring', text: 'current: none' });
            return send(msg);
          }
          setRun(msg, await client.getRun(id, { signal }));
          break;
        }
        case 'get':
          setRun(msg, await client.getRun(runId as string, { signal }));
          break;
        case 'dismiss':
          setRun(msg, await client.dismissRun(runId as string, { signal }));
          break;
        case 'delete': {
          await client.deleteRun(runId as string, { signal });
          runChanged(client, runId);
          msg.runId = runId;
          msg.payload = {};
          delete msg.status;
          show(msg, { fill: 'green', shape: 'dot', text: `deleted ${(runId as string).slice(0, 8)}` });
          return send(msg);
        }
        case 'error-recovery-policy': {
          await client.setErrorRecoveryPolicy(runId as string, rules ?? [], { signal });
          msg.policyRules = rules;
          try {
            setRun(msg, await client.getRun(runId as string, { signal }));
          } catch (err) {
            if (!isReadFailure(err) || signal.aborted) throw err;
            msg.payload = rules;
            return sendUnread(client, msg, send, runId as string, err, 'policy set');
          }
          break;
        }
        case 'commands':
        case 'command-errors': {
          const log = await readLog(client, action as LogKind, runId as string, logRequest as NonNullable<typeof logRequest>, signal);
          msg.runId = runId;
          msg.payload = log.payload;
          msg.meta = log.meta;
          show(msg, { fill: 'green', shape: 'dot', text: `${action}: ${log.payload.length} of ${String(log.meta.totalLength)}` });
          return send(msg);
        }
        case 'add-labware-offsets': {
          // One request per offset, in order; the first refusal stops the rest and reaches Catch, saying what was added.
          msg.runId = runId;
          const added = await addLabwareOffsets(client, runId as string, offsetsToAdd as LabwareOffsetCreate[], { signal }).catch((err: unknown) => {
            if (err instanceof LabwareOffsetsError) msg.labwareOffsetsAdded = err.added;
            throw err;
          });
          msg.labwareOffsetsAdded = added;
          // no runChanged: offsets change nothing a watcher shows, and the robot publishes no hint for them
          // (a watcher told of an own change would wait for one and take push as silent)
          msg.payload = added;
          show(msg, { fill: 'green', shape: 'dot', text: `offsets: ${added.length} added` });
          return send(msg);
        }
        default: {
          const outcome = await runAction(client, runId as string, action as RunActionType, wait, msg, checks);
          if ('run' in outcome) {
            setRun(msg, outcome.run);
            break;
          }
          msg.payload = msg.runAction;
          return sendUnread(client, msg, send, runId as string, outcome.readError, DONE_TEXT[action as RunActionType]);
        }
      }
      if (!READS.includes(action)) runChanged(client, typeof msg.runId === 'string' ? msg.runId : runId);
      show(msg, { fill: statusFill(msg.status), shape: 'dot', text: `${action}: ${String(msg.status)}` });
      send(msg);
    }

    /** Accepted, then the run could not be read: an output (the change happened), never an error. */
    function sendUnread(client: RobotClient, msg: Msg, send: Send, runId: string, readError: OpentronsError, done: string): void {
      msg.runId = runId;
      delete msg.status;
      msg.statusReadError = readErrorOf(readError);
      runChanged(client, runId);
      show(msg, { fill: 'yellow', shape: 'dot', text: `${done} · status read failed` });
      send(msg);
    }

    /**
     * Sends the action; returns the run (with "wait until the status settles", once it has), or the
     * error of reading it when the robot accepted the action but the read after it failed.
     */
    async function runAction(client: RobotClient, runId: string, action: RunActionType, wait: boolean, msg: Msg, checks?: CheckSelection): Promise<{ run: Run } | { readError: OpentronsError }> {
      const signal = work.signal;
      // Knowing the status before play tells "settled" apart from "not started yet" (see settled()).
      const run = wait || checks ? await client.getRun(runId, { signal }) : undefined;
      const before = run?.status ?? '';
      if (checks && run) await checkBeforePlay(client, run, checks, msg);
      try {
        msg.runAction = await client.createRunAction(runId, action, { signal });
      } catch (err) {
        if (err instanceof RobotError && err.statusCode === 409) throw await explainRefusedAction(client, runId, action, err, signal);
        throw err;
      }
      try {
        if (!wait) return { run: await client.getRun(runId, { signal }) };
        show(msg, { fill: 'blue', shape: 'ring', text: `${action}: waiting` });
        return { run: await waitForRun(client, runId, (r) => settled(action, before, r.status), settleTarget(action), { timeoutMs: statusTimeoutMs, signal }) };
      } catch (err) {
        if (isReadFailure(err) && !signal.aborted) return { readError: err };
        throw err;
      }
    }

    /**
     * Only a run that has not started is checked (a paused run being resumed is not); msg.checks gets every
     * check's result, [] when the run had started. A failed check stops here: play is not sent.
     */
    async function checkBeforePlay(client: RobotClient, run: Run, which: CheckSelection, msg: Msg): Promise<void> {
      if (run.status !== 'idle') {
        msg.checks = [];
        return;
      }
      show(msg, { fill: 'blue', shape: 'ring', text: 'play: checking' });
      const results = await preflight(client, run, which, { signal: work.signal });
      msg.checks = results;
      if (results.some((c) => !c.ok)) throw new PreflightFailedError(run.id, results);
    }

    function waitWanted(msg: Msg): boolean {
      const v = own(msg, 'waitForStatus');
      return typeof v === 'boolean' ? v : def.waitForStatus === true;
    }

    function actionOf(msg: Msg): RunNodeAction {
      const a = pick(msg, 'action', def.action || 'create');
      if (typeof a !== 'string' || !(RUN_ACTIONS as readonly string[]).includes(a)) {
        throw new InputError(`unknown action ${JSON.stringify(a)} for opentrons-run: set msg.action to one of ${RUN_ACTIONS.join(', ')}`);
      }
      return a as RunNodeAction;
    }

    async function runIdOf(msg: Msg, action: string): Promise<string> {
      let value = own(msg, 'runId');
      if (value === undefined || value === null || value === '') value = await editorSetting(RED, node, msg, def.runId, def.runIdType, 'run id');
      const hint = 'set msg.runId (a create sets it) or the node\'s run id; action "current" finds the robot\'s current run';
      return requireRunId(requireString(value, `runId (for ${action})`, hint), `runId (for ${action})`, hint);
    }

    async function createBody(msg: Msg): Promise<RunCreate> {
      let protocolId = own(msg, 'protocolId');
      if (protocolId === undefined || protocolId === null || protocolId === '') {
        protocolId = await editorSetting(RED, node, msg, def.protocolId, def.protocolIdType, 'protocol id');
      }
      if (protocolId !== undefined && protocolId !== null && protocolId !== '' && typeof protocolId !== 'string') {
        throw new InputError(`msg.protocolId must be a string (got ${typeof protocolId}); leave it out for a protocol-less run`);
      }
      const body: RunCreate = {};
      if (typeof protocolId === 'string' && protocolId.trim()) body.protocolId = protocolId.trim();
      const rtp = optionalObject(own(msg, 'runTimeParameterValues'), 'msg.runTimeParameterValues');
      if (rtp) body.runTimeParameterValues = rtp as JsonObject;
      const rtpFiles = runTimeParameterFilesOf(msg);
      if (rtpFiles) body.runTimeParameterFiles = rtpFiles as JsonObject;
      const offsets = labwareOffsets(own(msg, 'labwareOffsets'));
      if (offsets) body.labwareOffsets = offsets;
      return body;
    }

  }

  RED.nodes.registerType('opentrons-run', OpentronsRunNode);
};

/** msg.labwareOffsets for add-labware-offsets: one offset or a list, all checked before the first is sent. */
function offsetsOf(msg: Msg): LabwareOffsetCreate[] {
  const value = own(msg, 'labwareOffsets');
  // A single offset is named as itself in errors, not as [0] of a list the msg never had.
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return [labwareOffset(value, 'msg.labwareOffsets')];
  const list = labwareOffsets(value);
  if (!list || list.length === 0) {
    throw new InputError('msg.labwareOffsets is required for add-labware-offsets: one offset or a list, each like {definitionUri, location: {slotName}, vector: {x, y, z}}');
  }
  return list;
}

function setRun(msg: Msg, run: Run): void {
  msg.payload = run;
  msg.runId = run.id;
  msg.status = run.status;
  if (run.protocolId) msg.protocolId = run.protocolId;
}

function statusFill(status: unknown): 'green' | 'yellow' | 'red' | 'blue' {
  if (status === 'failed') return 'red';
  if (status === 'succeeded' || status === 'running') return 'green';
  if (typeof status === 'string' && (status.includes('paused') || status.startsWith('awaiting') || status.includes('door'))) return 'yellow';
  return 'blue';
}
