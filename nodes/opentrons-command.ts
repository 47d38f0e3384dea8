// opentrons-command: sends robot commands — stateless ones to POST /commands (home, rail lights,
// module temperatures…) or atomic ones into a run (POST /runs/{id}/commands: load labware, pick up a
// tip, aspirate…) — validated against the robot's command schema before anything is sent.
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import type { Request, Response } from 'express';
import type { RobotClient } from './lib/client';
import { CommandInput, commandSource, paramsObject, parseIdName, parseIntent, parseTimeoutMs, parseWait } from './lib/command-input';
import { checkOutcome, newIdOf } from './lib/command-outcome';
import { commandCatalogue, validateCommand } from './lib/command-schema';
import { InputError, OpentronsError } from './lib/errors';
import { Msg, own, pick, requireRunId, robotOf, Send, showSimulated } from './lib/node-support';
import { editorRunId, editorSetting, NodeWork } from './lib/node-work';
import { failedCommandIdFor } from './lib/recovery';
import type { Command } from './lib/types';

interface CommandDef extends NodeDef {
  robot?: string;
  target?: string;
  runId?: string;
  /** typedInput type of runId; flows saved before it existed have none (plain text). */
  runIdType?: string;
  commandType?: string;
  params?: string;
  paramsType?: string;
  intent?: string;
  waitUntilComplete?: boolean;
  timeout?: string | number;
  allowUnknownTypes?: boolean;
  storeIdAs?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Where the commands go and how, once msg and editor settings are merged. */
interface Plan {
  target: 'robot' | 'run';
  commands: CommandInput[];
  batch: boolean;
  wait: boolean;
  timeoutMs: number;
  idName: string | undefined;
  /** fixit commands: the failed command they answer */
  failedCommandId: string | undefined;
}

export = function register(RED: NodeAPI): void {
  function OpentronsCommandNode(this: Node, def: CommandDef): void {
    RED.nodes.createNode(this, def);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the handlers below run outside this call
    const node = this;
    const work = new NodeWork();
    showSimulated(RED, node, def.robot);
    const target: 'robot' | 'run' = def.target === 'robot' ? 'robot' : 'run';
    const editorType = (def.commandType ?? '').trim();
    const paramsType = def.paramsType || 'json';

    checkEditorCommand(node, def, target, editorType, paramsType);

    const editorParams = async (msg: NodeMessage): Promise<Record<string, unknown>> =>
      paramsObject(await editorSetting(RED, node, msg, def.params ?? '', paramsType, `params (${paramsType})`), `params (${paramsType})`);

    const runIdFor = (msg: Msg): Promise<string> => editorRunId(RED, node, msg, def.runId, def.runIdType, RUN_ID_HINT);

    const plan = async (msg: Msg): Promise<Plan> => {
      const source = commandSource(msg, editorType);
      const commands: CommandInput[] =
        source.kind === 'single'
          ? [{ commandType: source.commandType, params: source.params === 'editor-params' ? await editorParams(msg) : source.params }]
          : source.commands;
      const nodeIntent = parseIntent(pick(msg, 'intent', def.intent), 'intent') ?? 'setup';
      // Read before the robot target drops the intents below: a fixit command sent to the robot
      // must be refused, not sent as a plain command.
      const intents = commands.map((c) => c.intent ?? nodeIntent);
      for (const c of commands) {
        // POST /commands forces intent setup; sending none keeps the body the robot documents.
        if (target === 'robot') delete c.intent;
        else c.intent ??= nodeIntent;
      }
      const plan: Plan = {
        target,
        commands,
        batch: source.kind === 'payload' && source.batch,
        wait: parseWait(pick(msg, 'waitUntilComplete', def.waitUntilComplete ?? true), 'waitUntilComplete'),
        timeoutMs: parseTimeoutMs(pick(msg, 'timeout', def.timeout === undefined || def.timeout === '' ? DEFAULT_TIMEOUT_MS : def.timeout), 'timeout'),
        idName: parseIdName(def.storeIdAs),
        failedCommandId: failedCommandIdFor(intents, target, own(msg, 'failedCommandId')),
      };
      // Every command is checked before the first is sent, so a bad entry late in an array sends nothing.
      commands.forEach((c, i) => validateCommand(c, { target, allowUnknownTypes: def.allowUnknownTypes === true, label: labelOf(plan, i) }));
      return plan;
    };

    const handle = async (msg: Msg, send: Send): Promise<void> => {
      let index = 0;
      let p: Plan | undefined;
      try {
        const robot = robotOf(RED, def.robot);
        p = await plan(msg);
        const client = await robot.ready();
        const run = p.target === 'run' ? await resolveRun(client, msg, await runIdFor(msg), work.signal) : undefined;
        const runNote = run?.fromRobot ? ` · current run ${run.id.slice(0, 8)}` : '';
        // Never wait on a protocol command of a run that has not been played: the robot would hold it
        // in its queue until play, and this node would report a timeout for a command that is fine.
        let unplayed = false;
        if (run && p.wait && p.commands.some((c) => c.intent === 'protocol')) {
          unplayed = (await client.getRun(run.id, { signal: work.signal })).status === 'idle';
        }
        const results: Command[] = [];
        let notWaited = false;
        for (index = 0; index < p.commands.length; index++) {
          const c = p.commands[index];
          const label = labelOf(p, index) ?? c.commandType;
          const wait = p.wait && !(unplayed && c.intent === 'protocol');
          if (p.wait && !wait) notWaited = true;
          node.status({ fill: 'blue', shape: 'dot', text: `${p.batch ? `${index + 1}/${p.commands.length} ` : ''}${c.commandType}…${runNote}` });
          const opts = { waitUntilComplete: wait, commandTimeoutMs: wait ? p.timeoutMs : undefined, failedCommandId: p.failedCommandId, signal: work.signal };
          const body = { commandType: c.commandType, params: c.params, ...(c.intent ? { intent: c.intent } : {}), ...(c.key ? { key: c.key } : {}) };
          const command = run ? await client.createRunCommand(run.id, body, opts) : await client.createCommand(body, opts);
          msg.commandId = command.id;
          checkOutcome(command, { waited: wait, timeoutMs: p.timeoutMs, label });
          results.push(command);
        }
        output(msg, p, results, run?.id);
        node.status(successStatus(p, results, notWaited, runNote));
        send(msg);
      } catch (err) {
        // In a batch the error names which command failed.
        const label = p?.batch ? labelOf(p, index) : undefined;
        if (label && err instanceof OpentronsError && !err.message.startsWith(label)) {
          err.message = `${label}: ${err.message}`;
        }
        throw err;
      }
    };

    work.serve(node, handle);
  }

  RED.nodes.registerType('opentrons-command', OpentronsCommandNode);

  // The editor's grouped, searchable list of command types and each type's params come from here.
  RED.httpAdmin.get('/opentrons-command/catalogue', RED.auth.needsPermission('opentrons-command.read'), (_req: Request, res: Response) => {
    res.json(commandCatalogue());
  });
};

function labelOf(p: Pick<Plan, 'batch' | 'commands'>, i: number): string | undefined {
  return p.batch ? `command ${i + 1} of ${p.commands.length} (${p.commands[i]?.commandType})` : undefined;
}

const RUN_ID_HINT = 'set it to a run id, or leave it out to send to the robot\'s current run';

/** The run to send to: msg.runId, else the editor's run id, else whatever run is current on the robot. */
async function resolveRun(client: RobotClient, msg: Msg, editorRunId: string, signal: AbortSignal): Promise<{ id: string; fromRobot: boolean }> {
  const given = pick(msg, 'runId', editorRunId);
  if (given !== '' && given !== undefined) return { id: requireRunId(given, 'msg.runId', RUN_ID_HINT), fromRobot: false };
  const current = await client.getCurrentRunId({ signal });
  if (!current) {
    throw new InputError(
      'no run to send the command to: the robot has no current run. Create one first (opentrons-run, action "create", ' +
        'with no protocol for a protocol-less run), or set msg.runId, or choose target "robot" for stateless commands',
    );
  }
  return { id: current, fromRobot: true };
}

/** The msg keeps everything it had; the command's answer and the new ids are added for the next node. */
function output(msg: Msg, p: Plan, results: Command[], runId: string | undefined): void {
  // msg.commandType / msg.params described this command; left on the msg they would make the next
  // command node on the wire send this command again instead of its own.
  delete msg.commandType;
  delete msg.params;
  msg.payload = p.batch ? results : results[0];
  msg.commandId = results[results.length - 1]?.id;
  if (runId) msg.runId = runId;
  let lastNewId: string | undefined;
  for (const r of results) {
    const n = newIdOf(r);
    if (n) {
      msg[n.property] = n.id;
      lastNewId = n.id;
    }
  }
  if (p.idName && lastNewId) {
    const prior = own(msg, 'ids');
    const ids: Record<string, unknown> = typeof prior === 'object' && prior !== null && !Array.isArray(prior) ? { ...(prior as Record<string, unknown>) } : {};
    ids[p.idName] = lastNewId;
    msg.ids = ids;
  }
}

function successStatus(p: Plan, results: Command[], notWaited: boolean, runNote: string) {
  const last = results[results.length - 1];
  const what = p.batch ? `${results.length} commands` : last.commandType;
  if (notWaited) return { fill: 'yellow' as const, shape: 'dot' as const, text: `${what} queued until play (run not played, not waited)${runNote}` };
  if (!p.wait) return { fill: 'green' as const, shape: 'ring' as const, text: `${what} ${last.status}${runNote}` };
  return { fill: 'green' as const, shape: 'dot' as const, text: `${what} ✓${runNote}` };
}

/** At deploy: flags a command type or JSON params that can never be sent, without blocking the deploy. */
function checkEditorCommand(node: Node, def: CommandDef, target: 'robot' | 'run', editorType: string, paramsType: string): void {
  if (!editorType) return;
  try {
    let params: Record<string, unknown> = {};
    if (paramsType === 'json') {
      try {
        params = paramsObject(def.params ? JSON.parse(def.params) : {}, 'params');
      } catch (err) {
        if (err instanceof InputError) throw err;
        throw new InputError(`params are not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
      }
      validateCommand({ commandType: editorType, params }, { target, allowUnknownTypes: def.allowUnknownTypes === true });
    } else {
      // Params come at run time; only the type can be checked now.
      validateCommand({ commandType: editorType, params: {} }, { target, allowUnknownTypes: def.allowUnknownTypes === true, typeOnly: true });
    }
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    node.warn(`command settings: ${text}`);
    node.status({ fill: 'red', shape: 'ring', text: text.slice(0, 60) });
  }
}
