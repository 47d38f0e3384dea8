/**
 * HTTP routes for /runs, /runs/{id}/actions, /runs/{id}/commands and the smaller run sub-resources.
 */
import { ACTION_TYPES, applyAction, checkAction, type ActionType } from './actions';
import { newId, timestamp, type Scheduler } from './clock';
import { waitForCommand } from './command-wait';
import { RUN_COMMAND_TYPES, commandResource, commandSummary, validateCommandCreate, type CommandRecord } from './commands';
import {
  ApiError, commandNotAllowed, commandNotFound, invalidRequest, runStopped, fixitCommandNotAllowed, setupCommandNotAllowed, unexpectedError,
} from './errors';
import { isObject, ok, queryBool, queryInt, readData, type Route, type SimRequest, type SimResponse } from './http';
import type { PolicyRule } from './run-engine';
import { RunStore, type CreateRunRequest, type Run } from './runs';

export interface RunRoutesEnv {
  runs: RunStore;
  scheduler: Scheduler;
  /** simulated ms from stop-requested to stopped */
  stopMs: number;
}

function vector(v: unknown, pointer: string): { x: number; y: number; z: number } {
  if (!isObject(v)) throw invalidRequest('field required', { pointer });
  const out = { x: 0, y: 0, z: 0 };
  for (const k of ['x', 'y', 'z'] as const) {
    const n = Number(v[k]);
    if (v[k] === undefined || Number.isNaN(n)) throw invalidRequest('value is not a valid float', { pointer: `${pointer}/${k}` });
    out[k] = n;
  }
  return out;
}

const DECK_SLOT_NAMES = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', 'A1', 'A2', 'A3', 'B1', 'B2', 'B3', 'C1', 'C2', 'C3', 'D1', 'D2', 'D3'];
const MODULE_MODELS = [
  'temperatureModuleV1', 'temperatureModuleV2', 'magneticModuleV1', 'magneticModuleV2', 'thermocyclerModuleV1', 'thermocyclerModuleV2',
  'heaterShakerModuleV1', 'magneticBlockV1', 'absorbanceReaderV1',
];

function enumMember(v: unknown, members: string[], pointer: string): string {
  if (typeof v !== 'string' || !members.includes(v)) {
    throw invalidRequest(`value is not a valid enumeration member; permitted: ${members.map((m) => `'${m}'`).join(', ')}`, { pointer });
  }
  return v;
}

function offsetCreate(o: unknown, pointer: string): { definitionUri: string; location: Record<string, unknown>; vector: { x: number; y: number; z: number } } {
  if (!isObject(o)) throw invalidRequest('value is not a valid dict', { pointer });
  if (typeof o.definitionUri !== 'string') throw invalidRequest('field required', { pointer: `${pointer}/definitionUri` });
  if (!isObject(o.location) || typeof o.location.slotName !== 'string') throw invalidRequest('field required', { pointer: `${pointer}/location/slotName` });
  // robot-server's pydantic model takes only its enum members (DeckSlotName, ModuleModel of the 8.1 openapi)
  const slotName = enumMember(o.location.slotName, DECK_SLOT_NAMES, `${pointer}/location/slotName`);
  const location: Record<string, unknown> = { slotName };
  if (o.location.moduleModel !== undefined) location.moduleModel = enumMember(o.location.moduleModel, MODULE_MODELS, `${pointer}/location/moduleModel`);
  if (typeof o.location.definitionUri === 'string') location.definitionUri = o.location.definitionUri;
  return { definitionUri: o.definitionUri, location, vector: vector(o.vector, `${pointer}/vector`) };
}

function pageMeta(total: number, pageLength: number, cursorIn: number | undefined, dflt: () => number): { start: number; end: number } {
  const wanted = cursorIn ?? dflt();
  const start = Math.max(0, Math.min(wanted, total - 1));
  return { start, end: Math.min(total, start + pageLength) };
}

function commandLink(run: Run, c: CommandRecord, index: number): Record<string, unknown> {
  return { href: `/runs/${run.id}/commands/${c.id}`, meta: { runId: run.id, commandId: c.id, index, key: c.key, createdAt: c.createdAt } };
}

function commandLinks(run: Run): Record<string, unknown> {
  if (!run.current || !run.live) return {};
  const links: Record<string, unknown> = {};
  const cur = run.engine.currentCommand();
  if (cur) links.current = commandLink(run, cur.command, cur.index);
  const target = run.engine.recoveryTarget;
  if (target) links.currentlyRecoveringFrom = commandLink(run, target, run.engine.commands.indexOf(target));
  return links;
}

const IF_MATCH = ['ignoreAndContinue', 'failRun', 'waitForRecovery'];

function policyRules(raw: unknown[]): PolicyRule[] {
  return raw.map((r, i) => {
    const pointer = `/data/policyRules/${i}`;
    if (!isObject(r) || !isObject(r.matchCriteria) || !isObject(r.matchCriteria.command)) throw invalidRequest('field required', { pointer: `${pointer}/matchCriteria` });
    const cmd = r.matchCriteria.command;
    const err = isObject(cmd.error) ? cmd.error : {};
    if (typeof cmd.commandType !== 'string' || typeof err.errorType !== 'string') throw invalidRequest('field required', { pointer: `${pointer}/matchCriteria/command` });
    if (typeof r.ifMatch !== 'string' || !IF_MATCH.includes(r.ifMatch)) {
      throw invalidRequest(`value is not a valid enumeration member; permitted: ${IF_MATCH.map((v) => `'${v}'`).join(', ')}`, { pointer: `${pointer}/ifMatch` });
    }
    return { commandType: cmd.commandType, errorType: err.errorType, ifMatch: r.ifMatch as PolicyRule['ifMatch'] };
  });
}

export function runRoutes(env: RunRoutesEnv): Route[] {
  const { runs } = env;

  const createRun = (req: SimRequest): SimResponse => {
    const data = readData(req, true) ?? {};
    const create: CreateRunRequest = {};
    if (data.protocolId !== undefined && data.protocolId !== null) {
      if (typeof data.protocolId !== 'string') throw invalidRequest('str type expected', { pointer: '/data/protocolId' });
      create.protocolId = data.protocolId;
    }
    if (Array.isArray(data.labwareOffsets)) {
      create.labwareOffsets = data.labwareOffsets.map((o, i) => offsetCreate(o, `/data/labwareOffsets/${i}`));
    } else if (data.labwareOffsets !== undefined) {
      throw invalidRequest('value is not a valid list', { pointer: '/data/labwareOffsets' });
    }
    if (isObject(data.runTimeParameterValues)) create.runTimeParameterValues = data.runTimeParameterValues;
    if (data.runTimeParameterFiles !== undefined && data.runTimeParameterFiles !== null) {
      const files = data.runTimeParameterFiles;
      if (!isObject(files) || Object.values(files).some((v) => typeof v !== 'string')) {
        throw invalidRequest('value is not a valid dict of data file ids', { pointer: '/data/runTimeParameterFiles' });
      }
      create.runTimeParameterFiles = files as Record<string, string>;
    }
    const run = runs.create(create);
    return ok({ data: run.resource() }, 201);
  };

  const listRuns = (req: SimRequest): SimResponse => {
    const pageLength = queryInt(req, 'pageLength', 0);
    let list = runs.all();
    if (pageLength !== undefined) list = pageLength === 0 ? [] : list.slice(-pageLength);
    const current = runs.currentRun();
    const links: Record<string, unknown> = current ? { current: { href: `/runs/${current.id}` } } : {};
    return ok({ data: list.map((r) => r.resource()), links, meta: { cursor: 0, totalLength: list.length } });
  };

  const patchRun = (req: SimRequest): SimResponse => {
    const data = readData(req) ?? {};
    if (data.current !== undefined && typeof data.current !== 'boolean') {
      throw invalidRequest('value could not be parsed to a boolean', { pointer: '/data/current' });
    }
    const run = runs.get(req.params.runId);
    if (data.current === false) return ok({ data: runs.dismiss(req.params.runId).resource() });
    if (!run || !run.current) return ok({ data: runs.dismiss(req.params.runId).resource() }); // throws RunStopped
    return ok({ data: run.resource() });
  };

  const postAction = (req: SimRequest): SimResponse => {
    const data = readData(req) ?? {};
    const actionType = data.actionType;
    if (typeof actionType !== 'string' || !(ACTION_TYPES as readonly string[]).includes(actionType)) {
      throw invalidRequest(
        actionType === undefined ? 'field required' : `value is not a valid enumeration member; permitted: ${ACTION_TYPES.map((a) => `'${a}'`).join(', ')}`,
        { pointer: '/data/actionType' },
      );
    }
    const run = runs.requireCurrent(req.params.runId);
    runs.assertEstopClear();
    checkAction(run.engine, actionType as ActionType);
    const action = { id: newId(), createdAt: timestamp(), actionType };
    run.actions.push(action);
    if (actionType === 'play') runs.notifyPlay(run);
    applyAction(run.engine, actionType as ActionType, env.stopMs);
    return ok({ data: { ...action } }, 201);
  };

  const postCommand = async (req: SimRequest): Promise<SimResponse> => {
    const data = readData(req) ?? {};
    const create = validateCommandCreate(data, RUN_COMMAND_TYPES);
    const wait = queryBool(req, 'waitUntilComplete', false);
    const timeout = queryInt(req, 'timeout', 1);
    const failedCommandId = req.query.get('failedCommandId') ?? undefined;
    const run = runs.requireCurrent(req.params.runId);
    runs.assertEstopClear();
    const intent = create.intent ?? 'setup';
    if (failedCommandId !== undefined && intent !== 'fixit') {
      throw commandNotAllowed('FailedCommandId must not be provided when intent is not fixit.');
    }
    const e = run.engine;
    if (e.isStopping()) throw runStopped();
    if (intent === 'setup' && e.played) throw setupCommandNotAllowed();
    if (intent === 'fixit' && !e.status.startsWith('awaiting-recovery')) {
      // robot-server 8.1.0 leaves this engine error unmapped (captures 177, 202)
      throw fixitCommandNotAllowed();
    }
    const rec = e.enqueue({ commandType: create.commandType, params: create.params, key: create.key }, intent, failedCommandId);
    if (wait) await waitForCommand(req, env.scheduler, timeout, (fn) => e.watch(rec.id, fn));
    return ok({ data: commandResource(rec) }, 201);
  };

  const listCommands = (req: SimRequest): SimResponse => {
    const cursor = queryInt(req, 'cursor', 0);
    const pageLength = queryInt(req, 'pageLength', 0) ?? 20;
    const run = runs.require(req.params.runId);
    const all = run.engine.commands;
    const live = run.current && run.live;
    const { start, end } = pageMeta(all.length, pageLength, cursor, () => (live ? run.engine.defaultCursor(pageLength) : all.length - pageLength));
    return ok({
      data: all.slice(start, end).map(commandSummary),
      links: commandLinks(run),
      meta: { cursor: start, totalLength: all.length },
    });
  };

  const getCommand = (req: SimRequest): SimResponse => {
    const run = runs.require(req.params.runId);
    const c = run.engine.snapshot(req.params.commandId);
    if (!c) {
      // robot-server 8.1.0: an unknown command of the current run is an uncaught error (500)
      if (run.current && run.live) throw unexpectedError(`Command ${req.params.commandId} does not exist`);
      throw commandNotFound(req.params.commandId);
    }
    return ok({ data: c });
  };

  const addOffset = (req: SimRequest): SimResponse => {
    const data = readData(req) ?? {};
    const o = offsetCreate(data, '/data');
    // A finished run that is still current takes offsets too (capture 131); only a run no longer current refuses (136).
    const run = runs.requireCurrent(req.params.runId);
    const offset = { id: newId(), createdAt: timestamp(), ...o };
    run.engine.state.labwareOffsets.push(offset);
    return ok({ data: offset }, 201);
  };

  const commandErrors = (req: SimRequest): SimResponse => {
    const cursor = queryInt(req, 'cursor', 0);
    const pageLength = queryInt(req, 'pageLength', 0) ?? 20;
    const run = runs.get(req.params.runId);
    if (!run || !run.current) throw runStopped(`Run ${req.params.runId} is not the current run`, false);
    const errs = run.engine.commands.filter((c) => c.error).map((c) => c.error);
    const { start, end } = pageMeta(errs.length, pageLength, cursor, () => errs.length - 1);
    return ok({ data: errs.slice(start, end), meta: { cursor: start, totalLength: errs.length } });
  };

  const preSerialized = (req: SimRequest): SimResponse => {
    const run = runs.require(req.params.runId);
    if (!run.engine.isTerminal()) {
      throw new ApiError(503, [{ id: 'PreSerializedCommandsNotAvailable', title: 'Pre-Serialized commands not available.', detail: 'robot_server.runs.run_data_manager.PreSerializedCommandsNotAvailableError: Pre-serialized commands are only available after a run has ended.', errorCode: '4000' }]);
    }
    const list = run.engine.commands.map((c) => JSON.stringify(commandResource(c)));
    return ok({ data: list, meta: { cursor: 0, totalLength: list.length } });
  };

  const recoveryPolicy = (req: SimRequest): SimResponse => {
    const data = readData(req) ?? {};
    if (!Array.isArray(data.policyRules)) throw invalidRequest('field required', { pointer: '/data/policyRules' });
    const rules = policyRules(data.policyRules);
    runs.requireCurrent(req.params.runId).policy = rules;
    return ok({});
  };

  const addDefinition = (req: SimRequest): SimResponse => {
    const data = readData(req) ?? {};
    const run = runs.requireCurrent(req.params.runId);
    if (run.engine.isStopping()) throw runStopped();
    const uri = run.engine.state.addDefinition(data);
    if (!uri) throw invalidRequest('value is not a valid labware definition', { pointer: '/data' });
    return ok({ data: { definitionUri: uri } }, 201);
  };

  const loadedDefinitions = (req: SimRequest): SimResponse => {
    const run = runs.require(req.params.runId);
    const seen = new Map<string, unknown>();
    for (const l of run.engine.state.labware.values()) seen.set(l.definitionUri, l.definition);
    const list = [...seen.values()];
    return ok({ data: list, meta: { cursor: 0, totalLength: list.length } });
  };

  return [
    { method: 'POST', path: '/runs', handle: createRun },
    { method: 'GET', path: '/runs', handle: listRuns },
    { method: 'GET', path: '/runs/:runId', handle: (req) => ok({ data: runs.require(req.params.runId).resource() }) },
    { method: 'PATCH', path: '/runs/:runId', handle: patchRun },
    { method: 'DELETE', path: '/runs/:runId', handle: (req) => (runs.delete(req.params.runId), ok({})) },
    { method: 'POST', path: '/runs/:runId/actions', handle: postAction },
    { method: 'POST', path: '/runs/:runId/commands', handle: postCommand },
    { method: 'GET', path: '/runs/:runId/commands', handle: listCommands },
    { method: 'GET', path: '/runs/:runId/commands/:commandId', handle: getCommand },
    { method: 'GET', path: '/runs/:runId/commandsAsPreSerializedList', handle: preSerialized },
    { method: 'GET', path: '/runs/:runId/commandErrors', handle: commandErrors },
    { method: 'POST', path: '/runs/:runId/labware_offsets', handle: addOffset },
    { method: 'PUT', path: '/runs/:runId/errorRecoveryPolicy', handle: recoveryPolicy },
    { method: 'GET', path: '/runs/:runId/loaded_labware_definitions', handle: loadedDefinitions },
    { method: 'POST', path: '/runs/:runId/labware_definitions', handle: addDefinition },
  ];
}
