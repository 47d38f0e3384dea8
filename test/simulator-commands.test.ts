// Simulator commands: intent rules, waitUntilComplete + timeout, failed commands still 201, command pages and the
// default cursor, semantic failures, and the stateless /commands engine with rail lights.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimulatedRobot, startSimulator } from '../nodes/lib/simulator';
import { request } from 'undici';
import { arr, call, liveRunWithLabware, runStatus, waitStatus, waitUntil } from './simulator-util';

describe('simulator: run commands', () => {
  let robot: SimulatedRobot;
  beforeEach(async () => {
    robot = await startSimulator({ speed: 100, commandMs: 20 });
  });
  afterEach(async () => {
    await robot.stop();
  });

  it('a command without intent is setup: it runs at once on an idle run, key = id', async () => {
    const run = await call(robot, 'POST', '/runs', { data: {} });
    const id = String(run.body.data.id);
    const r = await call(robot, 'POST', `/runs/${id}/commands?waitUntilComplete=true`, { data: { commandType: 'home', params: {} } });
    assert.equal(r.status, 201);
    assert.equal(r.body.data.intent, 'setup');
    assert.equal(r.body.data.status, 'succeeded');
    assert.equal(r.body.data.key, r.body.data.id);
    assert.deepEqual(r.body.data.result, {});
    assert.ok(String(r.body.data.createdAt) <= String(r.body.data.startedAt));
    assert.ok(String(r.body.data.startedAt) <= String(r.body.data.completedAt));
    assert.equal((await call(robot, 'GET', `/runs/${id}`)).body.data.status, 'idle');
  });

  it('without waitUntilComplete the answer is 201 with the command still queued', async () => {
    const id = String((await call(robot, 'POST', '/runs', { data: {} })).body.data.id);
    const r = await call(robot, 'POST', `/runs/${id}/commands`, { data: { commandType: 'home', params: {} } });
    assert.equal(r.status, 201);
    assert.equal(r.body.data.status, 'queued');
    assert.equal(r.body.data.startedAt, undefined);
  });

  it('protocol-intent commands stay queued until play; they get a hash key, not the id', async () => {
    const id = String((await call(robot, 'POST', '/runs', { data: {} })).body.data.id);
    const r = await call(robot, 'POST', `/runs/${id}/commands`, { data: { commandType: 'comment', intent: 'protocol', params: { message: 'hi' } } });
    assert.equal(r.body.data.status, 'queued');
    assert.match(String(r.body.data.key), /^[0-9a-f]{32}$/);
    await new Promise((res) => setTimeout(res, 30));
    assert.equal((await call(robot, 'GET', `/runs/${id}/commands/${String(r.body.data.id)}`)).body.data.status, 'queued');
  });

  it('setup commands after play get 409 SetupCommandNotAllowed', async () => {
    const id = String((await call(robot, 'POST', '/runs', { data: {} })).body.data.id);
    await call(robot, 'POST', `/runs/${id}/commands`, { data: { commandType: 'waitForDuration', intent: 'protocol', params: { seconds: 30 } } });
    await call(robot, 'POST', `/runs/${id}/actions`, { data: { actionType: 'play' } });
    const r = await call(robot, 'POST', `/runs/${id}/commands`, { data: { commandType: 'home', params: {}, intent: 'setup' } });
    assert.equal(r.status, 409);
    assert.equal(r.body.errors[0].id, 'SetupCommandNotAllowed');
    await call(robot, 'POST', `/runs/${id}/actions`, { data: { actionType: 'stop' } });
  });

  it('waitUntilComplete with a timeout (ms) returns 201 with the current status when the timeout passes', async () => {
    const id = String((await call(robot, 'POST', '/runs', { data: {} })).body.data.id);
    const t0 = Date.now();
    const r = await call(robot, 'POST', `/runs/${id}/commands?waitUntilComplete=true&timeout=60`, { data: { commandType: 'comment', intent: 'protocol', params: { message: 'waits for play' } } });
    const took = Date.now() - t0;
    assert.equal(r.status, 201);
    assert.equal(r.body.data.status, 'queued');
    assert.ok(took >= 55 && took < 2000, `took ${took} ms`);
  });

  it('timeout must be a positive integer (422)', async () => {
    const id = String((await call(robot, 'POST', '/runs', { data: {} })).body.data.id);
    const r = await call(robot, 'POST', `/runs/${id}/commands?waitUntilComplete=true&timeout=0`, { data: { commandType: 'home', params: {} } });
    assert.equal(r.status, 422);
    assert.equal(r.body.errors[0].source.parameter, 'timeout');
  });

  it('a command that fails is still 201, with status failed and an error occurrence; a setup failure does not fail the run', async () => {
    const { runId, plate, pipette } = await liveRunWithLabware(robot);
    const r = await call(robot, 'POST', `/runs/${runId}/commands?waitUntilComplete=true`, { data: { commandType: 'aspirate', params: { pipetteId: pipette, labwareId: plate, wellName: 'A1', volume: 10, flowRate: 50 } } });
    assert.equal(r.status, 201);
    assert.equal(r.body.data.status, 'failed');
    const e = r.body.data.error;
    for (const k of ['id', 'createdAt', 'isDefined', 'errorType', 'errorCode', 'detail', 'errorInfo', 'wrappedErrors']) assert.ok(k in e, k);
    assert.equal(typeof e.errorCode, 'string');
    assert.equal(r.body.data.result, undefined);
    assert.equal((await call(robot, 'GET', `/runs/${runId}`)).body.data.status, 'idle');
  });

  it('semantic failures: unknown labware id, well outside the labware, unknown labware definition, Flex pipette on an OT-2', async () => {
    const { runId, tiprack, pipette } = await liveRunWithLabware(robot);
    const post = (commandType: string, params: Record<string, unknown>) =>
      call(robot, 'POST', `/runs/${runId}/commands?waitUntilComplete=true`, { data: { commandType, params } });
    const a = await post('pickUpTip', { pipetteId: pipette, labwareId: 'no-such-labware', wellName: 'A1' });
    assert.equal(a.body.data.error.errorType, 'LabwareNotLoadedError');
    const b = await post('pickUpTip', { pipetteId: pipette, labwareId: tiprack, wellName: 'Z99' });
    assert.equal(b.body.data.error.errorType, 'WellDoesNotExistError');
    const c = await post('loadLabware', { location: { slotName: '3' }, loadName: 'not_a_labware', namespace: 'opentrons', version: 1 });
    assert.equal(c.body.data.error.errorType, 'LabwareDefinitionDoesNotExistError');
    const d = await post('loadPipette', { pipetteName: 'p1000_single_flex', mount: 'left' });
    assert.equal(d.body.data.status, 'failed');
    for (const r of [a, b, c, d]) assert.equal(r.status, 201);
  });

  it('loadLabware returns the real definition; pickUpTip then aspirate/dispense track volume', async () => {
    const { runId, tiprack, plate, pipette } = await liveRunWithLabware(robot);
    const lw = await call(robot, 'GET', `/runs/${runId}`);
    assert.equal(lw.body.data.labware[0].definitionUri, 'opentrons/opentrons_96_tiprack_300ul/1');
    const post = (commandType: string, params: Record<string, unknown>) =>
      call(robot, 'POST', `/runs/${runId}/commands?waitUntilComplete=true`, { data: { commandType, params } });
    const tip = await post('pickUpTip', { pipetteId: pipette, labwareId: tiprack, wellName: 'A1' });
    assert.equal(tip.body.data.status, 'succeeded');
    assert.equal(tip.body.data.result.tipVolume, 300);
    assert.deepEqual(tip.body.data.params.wellLocation, { origin: 'top', offset: { x: 0, y: 0, z: 0 } });
    assert.equal((await post('aspirate', { pipetteId: pipette, labwareId: plate, wellName: 'A1', volume: 100, flowRate: 92 })).body.data.result.volume, 100);
    const over = await post('dispense', { pipetteId: pipette, labwareId: plate, wellName: 'B1', volume: 150, flowRate: 92 });
    assert.equal(over.body.data.status, 'failed');
    assert.equal((await post('dispense', { pipetteId: pipette, labwareId: plate, wellName: 'B1', volume: 100, flowRate: 92 })).body.data.status, 'succeeded');
  });

  it('POST labware_definitions adds a custom definition that loadLabware can then load', async () => {
    const id = String((await call(robot, 'POST', '/runs', { data: {} })).body.data.id);
    const def = JSON.parse(readFileSync(join(__dirname, '..', 'nodes', 'lib', 'data', 'labware', 'corning_96_wellplate_360ul_flat', '2.json'), 'utf8')) as Record<string, unknown>;
    def.namespace = 'custom_beta';
    (def.parameters as Record<string, unknown>).loadName = 'my_plate';
    def.version = 1;
    const added = await call(robot, 'POST', `/runs/${id}/labware_definitions`, { data: def });
    assert.equal(added.status, 201);
    assert.equal(added.body.data.definitionUri, 'custom_beta/my_plate/1');
    const load = await call(robot, 'POST', `/runs/${id}/commands?waitUntilComplete=true`, {
      data: { commandType: 'loadLabware', params: { location: { slotName: '4' }, loadName: 'my_plate', namespace: 'custom_beta', version: 1 } },
    });
    assert.equal(load.body.data.status, 'succeeded');
    assert.equal(load.body.data.result.definition.namespace, 'custom_beta');
    const loaded = await call(robot, 'GET', `/runs/${id}/loaded_labware_definitions`);
    assert.equal(loaded.body.meta.totalLength, 1);
  });

  it('an unknown commandType or bad params: 422 with pointer /data or /data/<Model>/params/<field>', async () => {
    const id = String((await call(robot, 'POST', '/runs', { data: {} })).body.data.id);
    const a = await call(robot, 'POST', `/runs/${id}/commands`, { data: { commandType: 'notARealCommand', params: {} } });
    assert.equal(a.status, 422);
    assert.equal(a.body.errors[0].source.pointer, '/data');
    assert.match(String(a.body.errors[0].detail), /'aspirate'/);
    const b = await call(robot, 'POST', `/runs/${id}/commands`, { data: { commandType: 'setRailLights', params: { on: 'sometimes' } } });
    assert.equal(b.status, 422);
    assert.equal(b.body.errors[0].source.pointer, '/data/SetRailLightsCreate/params/on');
    const c = await call(robot, 'POST', `/runs/${id}/commands`, { data: { commandType: 'aspirate', params: {} } });
    assert.equal(c.status, 422);
    assert.ok(arr(c.body.errors).length >= 3, 'one error per missing field');
  });

  it('failedCommandId with a non-fixit intent: 400 CommandNotAllowed', async () => {
    const id = String((await call(robot, 'POST', '/runs', { data: {} })).body.data.id);
    const r = await call(robot, 'POST', `/runs/${id}/commands?failedCommandId=abc`, { data: { commandType: 'home', params: {} } });
    assert.equal(r.status, 400);
    assert.equal(r.body.errors[0].id, 'CommandNotAllowed');
  });

  describe('command pages', () => {
    it('summaries leave out result; the default cursor is the last executed command before the first queued one', async () => {
      const { runId } = await liveRunWithLabware(robot); // 3 setup commands, done
      for (let i = 0; i < 3; i++) {
        await call(robot, 'POST', `/runs/${runId}/commands`, { data: { commandType: 'comment', intent: 'protocol', params: { message: `c${i}` } } });
      }
      const page = await call(robot, 'GET', `/runs/${runId}/commands`);
      assert.deepEqual(page.body.meta, { cursor: 2, totalLength: 6 });
      assert.equal(arr(page.body.data).length, 4);
      for (const c of arr(page.body.data)) assert.ok(!('result' in c));
      assert.equal(page.body.links.current.meta.index, 2);
      assert.equal(page.body.links.current.href, `/runs/${runId}/commands/${String(page.body.data[0].id)}`);
      const zero = await call(robot, 'GET', `/runs/${runId}/commands?cursor=0&pageLength=2`);
      assert.deepEqual(zero.body.meta, { cursor: 0, totalLength: 6 });
      assert.equal(arr(zero.body.data).length, 2);
      const clamped = await call(robot, 'GET', `/runs/${runId}/commands?cursor=99&pageLength=2`);
      assert.equal(clamped.body.meta.cursor, 5);
    });

    it('a finished run pages from totalLength - pageLength by default; a run that is no longer current has links {}', async () => {
      const { runId } = await liveRunWithLabware(robot);
      for (let i = 0; i < 4; i++) {
        await call(robot, 'POST', `/runs/${runId}/commands`, { data: { commandType: 'comment', intent: 'protocol', params: { message: `c${i}` } } });
      }
      await call(robot, 'POST', `/runs/${runId}/actions`, { data: { actionType: 'play' } });
      await waitStatus(robot, runId, 'succeeded');
      const page = await call(robot, 'GET', `/runs/${runId}/commands?pageLength=3`);
      assert.deepEqual(page.body.meta, { cursor: 4, totalLength: 7 });
      assert.equal(page.body.links.current.meta.index, 6);
      await call(robot, 'PATCH', `/runs/${runId}`, { data: { current: false } });
      const old = await call(robot, 'GET', `/runs/${runId}/commands?pageLength=3`);
      assert.deepEqual(old.body.links, {});
      assert.equal(old.body.meta.cursor, 4);
    });

    it('default pageLength is 20', async () => {
      const id = String((await call(robot, 'POST', '/runs', { data: {} })).body.data.id);
      for (let i = 0; i < 25; i++) await call(robot, 'POST', `/runs/${id}/commands`, { data: { commandType: 'comment', intent: 'protocol', params: { message: `${i}` } } });
      const page = await call(robot, 'GET', `/runs/${id}/commands?cursor=0`);
      assert.equal(arr(page.body.data).length, 20);
      assert.equal(page.body.meta.totalLength, 25);
    });

    it('GET one command: the full command with result; an unknown id on a historical run is 404 CommandNotFound', async () => {
      const { runId } = await liveRunWithLabware(robot);
      const page = await call(robot, 'GET', `/runs/${runId}/commands?cursor=0`);
      const one = await call(robot, 'GET', `/runs/${runId}/commands/${String(page.body.data[0].id)}`);
      assert.ok('result' in one.body.data);
      await call(robot, 'POST', '/runs', { data: {} });
      const missing = await call(robot, 'GET', `/runs/${runId}/commands/nope`);
      assert.equal(missing.status, 404);
      assert.equal(missing.body.errors[0].id, 'CommandNotFound');
    });
  });

  it('with a large speed, a live run of 20 commands finishes in a few milliseconds', async () => {
    const fast = await startSimulator({ speed: 1e6 });
    try {
      const { runId, tiprack, plate, pipette } = await liveRunWithLabware(fast);
      const cmds: Array<[string, Record<string, unknown>]> = [['pickUpTip', { pipetteId: pipette, labwareId: tiprack, wellName: 'A1' }]];
      for (let i = 0; i < 9; i++) {
        cmds.push(['aspirate', { pipetteId: pipette, labwareId: plate, wellName: 'A1', volume: 10, flowRate: 92 }]);
        cmds.push(['dispense', { pipetteId: pipette, labwareId: plate, wellName: 'B1', volume: 10, flowRate: 92 }]);
      }
      cmds.push(['dropTip', { pipetteId: pipette, labwareId: tiprack, wellName: 'A1' }]);
      for (const [commandType, params] of cmds) await call(fast, 'POST', `/runs/${runId}/commands`, { data: { commandType, params, intent: 'protocol' } });
      const t0 = process.hrtime.bigint();
      await call(fast, 'POST', `/runs/${runId}/actions`, { data: { actionType: 'play' } });
      await waitStatus(fast, runId, 'succeeded');
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      assert.ok(ms < 200, `took ${ms} ms`);
      const page = await call(fast, 'GET', `/runs/${runId}/commands?cursor=0&pageLength=50`);
      assert.ok(arr(page.body.data).every((c) => String(c.status) === 'succeeded'));
    } finally {
      await fast.stop();
    }
  });
});

describe('simulator: stateless /commands and rail lights', () => {
  let robot: SimulatedRobot;
  beforeEach(async () => {
    robot = await startSimulator({ speed: 100, commandMs: 20 });
  });
  afterEach(async () => {
    await robot.stop();
  });

  it('setRailLights through /commands agrees with /robot/lights, and POST /robot/lights with the engine', async () => {
    assert.equal((await call(robot, 'GET', '/robot/lights')).body.on, false);
    const r = await call(robot, 'POST', '/commands?waitUntilComplete=true', { data: { commandType: 'setRailLights', params: { on: true } } });
    assert.equal(r.status, 201);
    assert.equal(r.body.data.intent, 'setup');
    assert.equal(r.body.data.status, 'succeeded');
    assert.deepEqual((await call(robot, 'GET', '/robot/lights')).body, { on: true });
    const off = await call(robot, 'POST', '/robot/lights', { on: false });
    assert.deepEqual(off.body, { on: false });
    assert.equal(robot.railLights, false);
  });

  it('intent is forced to setup; the list holds only /commands commands; GET by id', async () => {
    const r = await call(robot, 'POST', '/commands?waitUntilComplete=true', { data: { commandType: 'home', params: {}, intent: 'protocol' } });
    assert.equal(r.body.data.intent, 'setup');
    const run = String((await call(robot, 'POST', '/runs', { data: {} })).body.data.id);
    await call(robot, 'POST', `/runs/${run}/commands?waitUntilComplete=true`, { data: { commandType: 'home', params: {} } });
    const list = await call(robot, 'GET', '/commands');
    assert.equal(list.body.meta.totalLength, 1);
    assert.equal(list.body.data[0].id, r.body.data.id);
    assert.equal((await call(robot, 'GET', `/commands/${String(r.body.data.id)}`)).body.data.id, r.body.data.id);
    assert.equal((await call(robot, 'GET', '/commands/nope')).body.errors[0].id, 'StatelessCommandNotFound');
  });

  it('only the 19 stateless types: a run-only type such as aspirate is a 422 listing them', async () => {
    const r = await call(robot, 'POST', '/commands', { data: { commandType: 'aspirate', params: {} } });
    assert.equal(r.status, 422);
    const allowed = String(r.body.errors[0].detail).split('allowed values:')[1].match(/'[^']+'/g) ?? [];
    assert.equal(allowed.length, 19);
    assert.ok(!allowed.includes("'aspirate'"));
  });

  it('module commands take the /modules id and change /modules data', async () => {
    const mods = await call(robot, 'GET', '/modules');
    const temp = arr(mods.body.data).find((m) => String(m.moduleModel) === 'temperatureModuleV2');
    const r = await call(robot, 'POST', '/commands?waitUntilComplete=true', {
      data: { commandType: 'temperatureModule/setTargetTemperature', params: { moduleId: String(temp?.id), celsius: 37 } },
    });
    assert.equal(r.body.data.status, 'succeeded');
    const after = await call(robot, 'GET', '/modules');
    const t = arr(after.body.data).find((m) => String(m.moduleModel) === 'temperatureModuleV2');
    assert.equal(t?.data.targetTemperature, 37);
  });
});

// robot-server 8.1.0 refuses its default engine (all of /commands) only while the current run has been played and
// has not stopped (RunOrchestratorStore.get_default_orchestrator): one test per state of the current run.
describe('simulator: stateless /commands while a run is current', () => {
  let robot: SimulatedRobot;
  beforeEach(async () => {
    robot = await startSimulator({ speed: 100, commandMs: 20 });
  });
  afterEach(async () => {
    await robot.stop();
  });

  const setTarget = async (): Promise<Awaited<ReturnType<typeof call>>> => {
    const temp = arr((await call(robot, 'GET', '/modules')).body.data).find((m) => String(m.moduleModel) === 'temperatureModuleV2');
    return call(robot, 'POST', '/commands?waitUntilComplete=true', {
      data: { commandType: 'temperatureModule/setTargetTemperature', params: { moduleId: String(temp?.id), celsius: 30 } },
    });
  };
  const accepted = async (why: string): Promise<void> => {
    const r = await setTarget();
    assert.equal(r.status, 201, `${why}: ${r.text}`);
    assert.equal(r.body.data.status, 'succeeded', why);
  };
  const refused = async (why: string): Promise<void> => {
    const r = await setTarget();
    assert.equal(r.status, 409, `${why}: ${r.text}`);
    // RunActive.from_exc(RunConflictError(...)): the wrapped exception's text replaces the default detail
    const detail = 'robot_server.runs.run_orchestrator_store.RunConflictError: A run is currently active';
    assert.deepEqual(r.body, {
      errors: [{
        id: 'RunActive', title: 'Run Active', detail,
        meta: { type: 'RunConflictError', code: '4000', message: detail, detail: { args: "('A run is currently active',)", class: 'RunConflictError' }, wrapping: [] },
        errorCode: '4000',
      }],
    }, why);
  };
  const createRun = async (): Promise<string> => String((await call(robot, 'POST', '/runs', { data: {} })).body.data.id);
  const action = (id: string, actionType: string): Promise<unknown> => call(robot, 'POST', `/runs/${id}/actions`, { data: { actionType } });
  const queue = (id: string, commandType: string, params: Record<string, unknown>): Promise<unknown> =>
    call(robot, 'POST', `/runs/${id}/commands`, { data: { commandType, params, intent: 'protocol' } });

  it('no current run: accepted', async () => {
    await accepted('no run at all');
    const id = await createRun();
    await call(robot, 'PATCH', `/runs/${id}`, { data: { current: false } });
    await accepted('the only run was dismissed');
  });

  it('a current run that was never played: accepted, even with setup commands done and protocol commands queued', async () => {
    const id = await createRun();
    await call(robot, 'POST', `/runs/${id}/commands?waitUntilComplete=true`, { data: { commandType: 'home', params: {}, intent: 'setup' } });
    await queue(id, 'waitForDuration', { seconds: 600 });
    await accepted('idle, never played');
    assert.equal(await runStatus(robot, id), 'idle');
  });

  it('running: refused with robot-server\'s RunActive body, on all three /commands routes', async () => {
    const before = await setTarget();
    const id = await createRun();
    await queue(id, 'waitForDuration', { seconds: 600 });
    await action(id, 'play');
    await waitStatus(robot, id, 'running');
    await refused('running');
    const list = await call(robot, 'GET', '/commands');
    assert.equal(list.status, 409);
    assert.equal(list.body.errors[0].id, 'RunActive');
    const one = await call(robot, 'GET', `/commands/${String(before.body.data.id)}`);
    assert.equal(one.status, 409);
    assert.equal(one.body.errors[0].id, 'RunActive');
    // robot-server resolves the default engine before it validates body and query, so those wait for the 409 ...
    const bad = await call(robot, 'POST', '/commands?timeout=0', { data: { commandType: 'aspirate', params: {} } });
    assert.equal(bad.status, 409);
    assert.equal(bad.body.errors[0].id, 'RunActive');
    // ... but not the JSON decoding, which comes first
    const garbled = await call(robot, 'POST', '/commands', '{"data": ');
    assert.equal(garbled.status, 422);
    assert.equal(garbled.body.errors[0].id, 'InvalidRequest');
    assert.equal((await call(robot, 'GET', '/commands')).status, 409, 'nothing was queued by the refused requests');
    await action(id, 'stop');
    await waitStatus(robot, id, 'stopped');
    assert.equal((await call(robot, 'GET', '/commands')).body.meta.totalLength, 1, 'only the command sent before the run');
  });

  it('paused (by a pause action and by waitForResume): refused', async () => {
    const id = await createRun();
    await queue(id, 'waitForDuration', { seconds: 600 });
    await action(id, 'play');
    await waitStatus(robot, id, 'running');
    await action(id, 'pause');
    await waitStatus(robot, id, 'paused');
    await refused('paused by the pause action');
    await action(id, 'stop');
    await waitStatus(robot, id, 'stopped');
    const held = await createRun();
    await queue(held, 'waitForResume', { message: 'hold' });
    await action(held, 'play');
    await waitStatus(robot, held, 'paused');
    await refused('held by waitForResume');
  });

  it('succeeded and still current: accepted', async () => {
    const id = await createRun();
    await queue(id, 'comment', { message: 'one' });
    await action(id, 'play');
    await waitStatus(robot, id, 'succeeded');
    assert.equal((await call(robot, 'GET', `/runs/${id}`)).body.data.current, true);
    await accepted('succeeded, current');
  });

  it('stopped and still current: accepted (played before the stop, and never played)', async () => {
    const id = await createRun();
    await queue(id, 'waitForDuration', { seconds: 600 });
    await action(id, 'play');
    await waitStatus(robot, id, 'running');
    await action(id, 'stop');
    await waitStatus(robot, id, 'stopped');
    assert.equal((await call(robot, 'GET', `/runs/${id}`)).body.data.current, true);
    await accepted('stopped after play, current');
    const never = await createRun();
    await action(never, 'stop');
    await waitStatus(robot, never, 'stopped');
    await accepted('stopped before play, current');
  });

  it('failed and still current: accepted', async () => {
    const id = await createRun();
    // an OT-2 run fails on the first failed protocol command: this pipette was never loaded
    await queue(id, 'aspirate', { pipetteId: 'nope', labwareId: 'nope', wellName: 'A1', volume: 5, flowRate: 5 });
    await action(id, 'play');
    await waitStatus(robot, id, 'failed');
    assert.equal((await call(robot, 'GET', `/runs/${id}`)).body.data.current, true);
    await accepted('failed, current');
  });
});

describe('simulator: waitUntilComplete requests the client aborts', function () {
  this.timeout(10_000);
  const WAITING = 20;
  let robot: SimulatedRobot;
  beforeEach(async () => {
    // commands take minutes at speed 1, so nothing completes while the test runs
    robot = await startSimulator({ speed: 1, commandMs: 600_000 });
  });
  afterEach(async () => {
    await robot.stop();
  });

  /**
   * Occupies the engine with one command (its timer is the baseline), sends WAITING requests that wait with a
   * long timeout, aborts them, and checks that the timers and command waiters go back to the baseline.
   */
  async function abortWaitingRequests(path: string, commandType: string, params: Record<string, unknown>): Promise<void> {
    const busy = await call(robot, 'POST', path, { data: { commandType: 'home', params: {} } });
    assert.equal(busy.status, 201);
    const busyId = String(busy.body.data.id);
    const one = path === '/commands' ? `/commands/${busyId}` : `${path}/${busyId}`;
    await waitUntil(() => call(robot, 'GET', one), (r) => String(r.body.data.status) === 'running');
    const baseline = robot.pendingTimers();
    assert.equal(robot.pendingCommandWaiters(), 0);

    const controllers = Array.from({ length: WAITING }, () => new AbortController());
    const outcomes = controllers.map((c) =>
      request(`${robot.url}${path}?waitUntilComplete=true&timeout=600000`, {
        method: 'POST',
        headers: { 'opentrons-version': '3', 'content-type': 'application/json' },
        body: JSON.stringify({ data: { commandType, params } }),
        signal: c.signal,
      }).then(
        async (res) => `answered ${res.statusCode}: ${await res.body.text()}`,
        (e: Error) => e.name,
      ));
    // every request is waiting: one timeout timer and one waiter each
    await waitUntil(async () => [robot.pendingTimers(), robot.pendingCommandWaiters()], ([t, w]) => t === baseline + WAITING && w === WAITING);

    for (const c of controllers) c.abort();
    assert.deepEqual(new Set(await Promise.all(outcomes)), new Set(['AbortError']));
    await waitUntil(async () => [robot.pendingTimers(), robot.pendingCommandWaiters()], ([t, w]) => t === baseline && w === 0, 1000);
  }

  it('POST /commands: aborting 20 waiting requests cancels their timeout timers and waiters', async () => {
    await abortWaitingRequests('/commands', 'setRailLights', { on: true });
  });

  it('POST /runs/{id}/commands: aborting 20 waiting requests cancels their timeout timers and waiters', async () => {
    const runId = String((await call(robot, 'POST', '/runs', { data: {} })).body.data.id);
    await abortWaitingRequests(`/runs/${runId}/commands`, 'comment', { message: 'waiting' });
  });
});
