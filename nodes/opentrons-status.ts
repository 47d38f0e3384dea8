// opentrons-status: a robot's run state as messages a flow can act on — one msg per change of run
// status (output 1), finished runs only (output 2). Watching is shared: every status node on the same
// robot and run uses one RunWatcher (nodes/lib/watch), so the robot sees one set of requests.
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeStatus } from 'node-red';
import { InputError } from './lib/errors';
import { fail, own, requireRunId, robotOf, type Done, type Msg, type Send } from './lib/node-support';
import { editorRunId } from './lib/node-work';
import { MIN_POLL_INTERVAL_MS } from './lib/poll';
import { DEFAULT_INTERVAL_MS, unreachablePayload, watchRun, type RunSnapshot, type Subscription, type WatchEvent } from './lib/watch';
import { isTerminal } from './lib/types';
import type { RobotClient } from './lib/client';
import { sharedRunRecord } from './lib/command-log';

interface StatusDef extends NodeDef {
  robot?: string;
  runId?: string;
  /** typedInput type of runId (str, msg, flow, global, env); flows saved before it existed have none: str. */
  runIdType?: string;
  interval?: string | number;
  progress?: boolean;
  /** Start watching at deploy (editor run id, or the current run) without waiting for a msg. */
  autostart?: boolean;
  /** The "run ended" msg carries the run's whole command log and command errors. */
  includeLog?: boolean;
}


const STATUS_TEXT_MAX = 40;

/**
 * What status events do not copy from the msg that started the watch: the data it carried (protocol
 * bytes after an upload, analyses, the last answer), which every event would otherwise repeat. Every
 * other property (topic, correlation ids a flow set) is kept.
 */
const NOT_CARRIED = ['_msgid', 'payload', 'files', 'analysis', 'analyses'];

const RUN_ID_HINT = 'set it to the id of the run to watch, or leave it out to follow the current run';

export = function register(RED: NodeAPI): void {
  function OpentronsStatusNode(this: Node, def: StatusDef): void {
    RED.nodes.createNode(this, def);
    // The handlers below are closures; Node-RED calls the constructor with `this` as the node.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const node = this;
    const runIdType = typeof def.runIdType === 'string' && def.runIdType ? def.runIdType : 'str';
    const asked = parseInterval(def.interval);
    // One node polling fast would make every node sharing its watcher poll fast: never below the minimum.
    const intervalMs = Number.isFinite(asked) ? Math.max(asked, MIN_POLL_INTERVAL_MS) : asked;
    if (asked < MIN_POLL_INTERVAL_MS) {
      node.warn(`interval ${asked} ms is below the minimum of ${MIN_POLL_INTERVAL_MS} ms (the robot is a small computer): polling every ${MIN_POLL_INTERVAL_MS} ms`);
    }
    const wantsProgress = def.progress === true;

    let subscription: Subscription | undefined;
    /** Which watch is wanted: a run id, '' for the current run, undefined for none. */
    let target: string | undefined;
    /** The msg that started the watch: event msgs are copies of it (Node-RED keeps msg properties along a flow). */
    let baseMsg: Msg = {};
    let robotLabel = '';
    /** Bumped on every start/stop so an older start still waiting for the robot does not win. */
    let generation = 0;
    let closed = false;
    let last: RunSnapshot | undefined;
    let watchClient: RobotClient | undefined;
    /** Aborts log reads still in flight when the node closes. */
    const records = new AbortController();

    if (!Number.isFinite(intervalMs)) {
      node.status({ fill: 'red', shape: 'ring', text: 'bad interval' });
      node.error(`interval "${String(def.interval)}" must be a number of milliseconds (at least ${MIN_POLL_INTERVAL_MS})`);
    }

    const stopWatching = (): void => {
      generation += 1;
      subscription?.release();
      subscription = undefined;
      target = undefined;
      last = undefined;
    };

    const startWatching = async (runId: string, msg: Msg): Promise<void> => {
      const robot = robotOf(RED, def.robot);
      const gen = ++generation;
      subscription?.release();
      subscription = undefined;
      last = undefined;
      target = runId;
      baseMsg = carried(msg);
      node.status({ fill: 'grey', shape: 'ring', text: runId ? 'watching…' : 'following current run…' });
      const client = await robot.ready();
      if (closed || gen !== generation) return;
      robotLabel = robot.robotLabel;
      watchClient = client;
      subscription = watchRun(client, runId || undefined, subscriber, { source: robot.watchSource });
    };

    const subscriber = {
      intervalMs: Number.isFinite(intervalMs) ? intervalMs : DEFAULT_INTERVAL_MS,
      // Progress is always taken so the node status can show it; msgs for it only with the option, which
      // also has the current command read on every read of a running run (see COMMAND_READ_EVERY).
      progress: true,
      followCommands: wantsProgress,
      onEvent: (event: WatchEvent): void => onEvent(event),
    };

    /** The editor's run id for this msg ('' follows the current run). */
    const editorRunIdFor = (msg: Msg): Promise<string> => editorRunId(RED, node, msg, def.runId, runIdType, RUN_ID_HINT);

    /** A copy of the starting msg without its data (NOT_CARRIED): each event is a copy of this. */
    function carried(msg: Msg): Msg {
      const kept: Msg = {};
      for (const key of Object.keys(msg)) if (!NOT_CARRIED.includes(key)) kept[key] = msg[key];
      return RED.util.cloneMessage(kept) as Msg;
    }

    function eventMsg(topic: string, payload: unknown, runId: string | null): Msg {
      const msg = RED.util.cloneMessage(baseMsg) as Msg;
      delete msg._msgid;
      msg.topic = topic;
      msg.payload = payload;
      if (runId) msg.runId = runId;
      // An upstream opentrons-run node set msg.status; keep it true to what this msg reports.
      if (last && last.runId === runId) msg.status = last.status;
      else delete msg.status;
      return msg;
    }

    /** A run status with how it is watched: `· push` (MQTT hints) or `· polling`. */
    function watched(st: NodeStatus): NodeStatus {
      const kind = subscription?.watcher.sourceKind;
      return kind ? { ...st, text: `${String(st.text ?? '')} · ${kind}` } : st;
    }

    function onEvent(event: WatchEvent): void {
      switch (event.type) {
        case 'status': {
          last = event.snapshot;
          const msg = eventMsg(event.snapshot.status, statusPayload(event.snapshot, event.previousStatus, robotLabel), event.snapshot.runId);
          if (event.snapshot.protocolId) msg.protocolId = event.snapshot.protocolId;
          const finished = isTerminal(event.snapshot.status) ? (RED.util.cloneMessage(msg) as Msg) : null;
          if (finished && def.includeLog === true) {
            node.send([msg as NodeMessage, null]);
            sendWithRecord(finished, event.snapshot.runId);
          } else {
            node.send([msg as NodeMessage, finished as NodeMessage | null]);
          }
          node.status(watched(runStatus(event.snapshot)));
          return;
        }
        case 'progress':
          last = event.snapshot;
          node.status(watched(runStatus(event.snapshot)));
          if (wantsProgress) node.send([eventMsg('progress', progressPayload(event.snapshot, robotLabel), event.snapshot.runId) as NodeMessage, null]);
          return;
        case 'current-run-changed':
          last = undefined;
          node.send([eventMsg('current-run-changed', { runId: event.runId, previousRunId: event.previousRunId, robot: robotLabel }, event.runId) as NodeMessage, null]);
          if (event.runId === null) node.status({ fill: 'grey', shape: 'ring', text: 'no current run' });
          return;
        case 'robot-unreachable':
          node.status({ fill: 'yellow', shape: 'ring', text: 'robot unreachable — retrying' });
          node.send([
            eventMsg('robot-unreachable', unreachablePayload(event.error, robotLabel), last?.runId ?? null) as NodeMessage,
            null,
          ]);
          return;
        case 'robot-reachable':
          node.status(last ? watched(runStatus(last)) : { fill: 'grey', shape: 'ring', text: 'robot reachable' });
          node.send([eventMsg('robot-reachable', { robot: robotLabel }, last?.runId ?? null) as NodeMessage, null]);
          return;
        case 'run-not-found':
          node.status({ fill: 'red', shape: 'ring', text: 'run not found' });
          node.send([eventMsg('run-not-found', { runId: event.runId, robot: robotLabel }, event.runId) as NodeMessage, null]);
          return;
        case 'source':
          // MQTT push came up or fell back to polling: the node status says which.
          if (last) node.status(watched(runStatus(last)));
          return;
        case 'ended':
          // The watcher stopped itself (the run finished or is gone); the node status keeps the outcome.
          subscription = undefined;
          target = undefined;
          return;
      }
    }

    /** Output 2 with msg.commands and msg.commandErrors; a failed read goes to Catch with the msg. */
    function sendWithRecord(finished: Msg, runId: string): void {
      const client = watchClient;
      if (!client) return;
      // one read of the log for every status node on this run, however many include it
      sharedRunRecord(client, runId, records.signal).then(
        (record) => {
          if (closed) return;
          finished.run = record.run;
          finished.commands = record.commands;
          finished.commandErrors = record.commandErrors;
          node.send([null, finished as NodeMessage]);
        },
        (err: unknown) => {
          if (closed) return;
          node.error(err instanceof Error ? err : new Error(String(err)), finished);
        },
      );
    }

    node.on('input', (msg: Msg, _send: Send, done: Done) => {
      try {
        if (own(msg, 'action') === 'stop') {
          stopWatching();
          node.status({ fill: 'grey', shape: 'ring', text: 'stopped watching' });
          done();
          return;
        }
        // Other nodes' actions (play, create…) reach here in a chain: only "stop" is ours, the rest is ignored.
        const given = own(msg, 'runId');
        // Checked before anything else: a malformed id must reach Catch, not the robot.
        const fromMsg = given === undefined || given === null || given === '' ? undefined : requireRunId(given, 'msg.runId', RUN_ID_HINT);
        const watch = async (): Promise<void> => {
          const runId = fromMsg ?? (await editorRunIdFor(msg));
          if (subscription && target === runId) {
            // Same watch: a flow just acted on the run (e.g. play), so read it now instead of at the next tick.
            baseMsg = carried(msg);
            subscription.refresh();
            return;
          }
          await startWatching(runId, msg);
        };
        watch().then(
          () => done(),
          (err: unknown) => {
            stopWatching();
            fail(node, msg, err, done);
          },
        );
      } catch (err) {
        fail(node, msg, err, done);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      records.abort();
      stopWatching();
      node.status({});
      done();
    });

    if (def.autostart !== false && Number.isFinite(intervalMs)) {
      editorRunIdFor({})
        .then((runId) => startWatching(runId, {}))
        .catch((err: unknown) => {
          node.status({ fill: 'red', shape: 'ring', text: err instanceof InputError ? 'not configured' : 'robot not ready' });
          node.error(err instanceof Error ? err.message : String(err));
        });
    }
  }

  RED.nodes.registerType('opentrons-status', OpentronsStatusNode);
};

function parseInterval(v: unknown): number {
  if (v === undefined || v === null || v === '') return DEFAULT_INTERVAL_MS;
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : NaN;
}

/** The status msg payload: design.md's contract, plus `failedCommand` while a run awaits recovery. */
function statusPayload(s: RunSnapshot, previousStatus: string | null, robot: string): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    runId: s.runId,
    status: s.status,
    previousStatus,
    protocolId: s.protocolId,
    currentCommand: s.currentCommand,
    completedCommands: s.completedCommands,
    totalCommands: s.totalCommands,
    pauseMessage: s.pauseMessage,
    errors: s.errors,
    robot,
  };
  if (s.failedCommand) payload.failedCommand = s.failedCommand;
  return payload;
}

function progressPayload(s: RunSnapshot, robot: string): Record<string, unknown> {
  return {
    runId: s.runId,
    status: s.status,
    commandType: s.currentCommand?.commandType ?? null,
    index: s.currentCommand?.index ?? null,
    completedCommands: s.completedCommands,
    totalCommands: s.totalCommands,
    currentCommand: s.currentCommand,
    // a progress msg may follow a paused status in the same read: a screen that shows the pause keeps showing it
    pauseMessage: s.pauseMessage,
    robot,
  };
}

function clip(text: string): string {
  return text.length > STATUS_TEXT_MAX ? `${text.slice(0, STATUS_TEXT_MAX - 1)}…` : text;
}

function progressText(s: RunSnapshot): string {
  if (s.completedCommands === null) return '';
  return s.totalCommands !== null ? ` ${s.completedCommands}/${s.totalCommands}` : ` (${s.completedCommands} done)`;
}

/** Node status mirrors the run. */
function runStatus(s: RunSnapshot): NodeStatus {
  switch (s.status) {
    case 'running':
      return { fill: 'green', shape: 'dot', text: clip(`running${progressText(s)}${s.currentCommand ? ` ${s.currentCommand.commandType}` : ''}`) };
    case 'paused':
      return { fill: 'blue', shape: 'dot', text: clip(s.pauseMessage ? `paused: ${s.pauseMessage}` : 'paused') };
    case 'blocked-by-open-door':
      return { fill: 'blue', shape: 'ring', text: 'door open' };
    case 'succeeded':
      return { fill: 'green', shape: 'ring', text: clip(`succeeded${progressText(s)}`) };
    case 'failed':
      return { fill: 'red', shape: 'dot', text: clip(s.errors[0]?.detail ? `failed: ${s.errors[0].detail}` : 'failed') };
    case 'finishing':
      return { fill: 'green', shape: 'ring', text: 'finishing' };
    case 'idle':
      return { fill: 'grey', shape: 'dot', text: 'idle' };
    case 'stop-requested':
      return { fill: 'grey', shape: 'dot', text: 'stop requested' };
    case 'stopped':
      return { fill: 'grey', shape: 'ring', text: 'stopped' };
    default:
      if (s.status.startsWith('awaiting-recovery')) {
        const type = s.failedCommand?.commandType ?? s.currentCommand?.commandType;
        return { fill: 'red', shape: 'ring', text: clip(`${s.status}${type ? `: ${type}` : ''}`) };
      }
      // A status newer robot software added: shown as sent.
      return { fill: 'grey', shape: 'ring', text: clip(s.status) };
  }
}
