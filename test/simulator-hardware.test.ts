// The simulated robot's hardware over real HTTP: module rules (ranges, the Heater-Shaker latch), ramping on the
// simulated clock, and the fault-injection API (door, pipettes, modules) as the routes show it.
import { strict as assert } from 'node:assert';
import { RobotClient } from '../nodes/lib/client';
import { SimulatedRobot } from '../nodes/lib/simulator';
import type { Command } from '../nodes/lib/types';

describe('simulator: hardware', function () {
  this.timeout(15_000);
  let robot: SimulatedRobot;
  let client: RobotClient;
  afterEach(async () => {
    await client?.close();
    await robot?.stop();
  });

  const send = (commandType: string, params: Record<string, unknown>): Promise<Command> =>
    client.createCommand({ commandType, params }, { waitUntilComplete: true, commandTimeoutMs: 5000 });

  it('module commands fail as the engine would: temperature out of range, shaking with the latch open, opening it while shaking', async () => {
    robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'Flex', speed: 100 });
    client = new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 5000 });
    const [temp, hs] = await client.getModules();
    const cold = await send('temperatureModule/setTargetTemperature', { moduleId: temp.id, celsius: 2 });
    assert.equal(cold.status, 'failed');
    assert.equal(cold.error?.errorType, 'InvalidTargetTemperatureError');
    assert.equal((await send('heaterShaker/setTargetTemperature', { moduleId: hs.id, celsius: 30 })).error?.errorType, 'InvalidTargetTemperatureError');
    assert.equal((await send('heaterShaker/setAndWaitForShakeSpeed', { moduleId: hs.id, rpm: 500 })).error?.errorType, 'CannotPerformModuleAction');
    assert.equal((await send('heaterShaker/closeLabwareLatch', { moduleId: hs.id })).status, 'succeeded');
    assert.equal((await send('heaterShaker/setAndWaitForShakeSpeed', { moduleId: hs.id, rpm: 5000 })).error?.errorType, 'InvalidTargetSpeedError');
    assert.equal((await send('heaterShaker/setAndWaitForShakeSpeed', { moduleId: hs.id, rpm: 500 })).status, 'succeeded');
    assert.equal((await send('heaterShaker/openLabwareLatch', { moduleId: hs.id })).error?.errorType, 'CannotPerformModuleAction');
    assert.equal((await send('heaterShaker/deactivateShaker', { moduleId: hs.id })).status, 'succeeded');
    assert.equal((await send('heaterShaker/openLabwareLatch', { moduleId: hs.id })).status, 'succeeded');
    assert.deepEqual((await client.getModules())[1].data, { status: 'idle', labwareLatchStatus: 'idle_open', speedStatus: 'idle', currentSpeed: 0, temperatureStatus: 'idle', currentTemperature: 23 });
  });

  it('a temperature ramps at a plausible rate on the simulated clock (×speed)', async () => {
    robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'OT-2', speed: 10 });
    client = new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 5000 });
    const temp = (await client.getModules())[0];
    await send('temperatureModule/setTargetTemperature', { moduleId: temp.id, celsius: 37 });
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 500));
    const d = (await client.getModules())[0].data;
    const elapsedSimS = ((Date.now() - t0) * 10) / 1000;
    assert.equal(d.status, 'heating');
    assert.equal(d.targetTemperature, 37);
    // 1 °C per simulated second from 0 °C: about 5 °C after 0.5 s at ×10 (bounds allow for a loaded machine)
    assert.ok(Number(d.currentTemperature) > 3 && Number(d.currentTemperature) <= elapsedSimS + 1, `current ${String(d.currentTemperature)} after ${elapsedSimS} simulated s`);
  });

  it('fault injection: the door, pipettes and modules come and go as the routes show', async () => {
    robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'OT-2' });
    client = new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 5000 });
    robot.setDoor(true);
    assert.equal((await client.getDoorStatus()).status, 'open');
    assert.equal(robot.detachPipette('left'), true);
    assert.deepEqual((await client.getInstruments()).map((i) => i.mount), ['right']);
    assert.equal((await client.getPipettes()).left, null);
    robot.attachPipette({ mount: 'left', instrumentName: 'p1000_single_gen2', instrumentModel: 'p1000_single_v2.2', serialNumber: 'P1KSV2', channels: 1, minVolume: 100, maxVolume: 1000 });
    assert.equal((await client.getPipettes()).left?.name, 'p1000_single_gen2');
    const id = robot.attachModule('heaterShakerModuleV1');
    assert.ok((await client.getModules()).some((m) => m.id === id && m.moduleType === 'heaterShakerModuleType'));
    assert.equal((await send('heaterShaker/closeLabwareLatch', { moduleId: id })).status, 'succeeded', 'stateless commands know the new module');
    assert.equal(robot.detachModule(id), true);
    const gone = await send('heaterShaker/openLabwareLatch', { moduleId: id });
    assert.equal(gone.error?.errorType, 'ModuleNotLoadedError');
    assert.throws(() => robot.attachModule('noSuchModule'), /unknown module model "noSuchModule"/);
  });

  it('DELETE /simulator/instruments/{mount} takes a pipette off over HTTP (as a flow does with opentrons-request); a bad mount is a 422', async () => {
    robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'OT-2' });
    client = new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 5000 });
    const off = await client.request('DELETE', '/simulator/instruments/right');
    assert.equal(off.status, 200);
    assert.deepEqual(off.body, { data: { mount: 'right', detached: true } });
    assert.deepEqual((await client.getInstruments()).map((i) => i.mount), ['left']);
    assert.equal((await client.getPipettes()).right, null);
    const again = await client.request('DELETE', '/simulator/instruments/right');
    assert.deepEqual(again.body, { data: { mount: 'right', detached: false } }, 'an empty mount stays empty, no error');
    await assert.rejects(client.request('DELETE', '/simulator/instruments/middle'), (e: Error & { statusCode?: number; code?: string }) => {
      assert.equal(e.statusCode, 422);
      assert.equal(e.code, 'InvalidRequest');
      assert.match(e.message, /mount must be "left" or "right", not "middle"/);
      return true;
    });
    assert.deepEqual((await client.getInstruments()).map((i) => i.mount), ['left'], 'the refused request changed nothing');
  });

  it('waitForTemperature in a run holds until the ramp gets there (or to its celsius); with no target it fails as the engine does', async () => {
    robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'Flex', speed: 10 });
    client = new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 15_000 });
    const run = await client.createRun({});
    const inRun = (commandType: string, params: Record<string, unknown>): Promise<Command> =>
      client.createRunCommand(run.id, { commandType, params }, { waitUntilComplete: true, commandTimeoutMs: 10_000 });
    const loaded = await inRun('loadModule', { model: 'temperatureModuleV2', location: { slotName: 'D1' } });
    const moduleId = String((loaded.result as { moduleId: string }).moduleId);

    const noTarget = await inRun('temperatureModule/waitForTemperature', { moduleId });
    assert.equal(noTarget.status, 'failed');
    assert.equal(noTarget.error?.errorType, 'NoTargetTemperatureSetError');
    assert.equal(noTarget.error?.detail, `Module ${moduleId} does not have a target temperature set.`);

    // 0 → 20 °C at 1 °C per simulated second: 20 simulated s, 2 s at ×10
    assert.equal((await inRun('temperatureModule/setTargetTemperature', { moduleId, celsius: 20 })).status, 'succeeded');
    const t0 = Date.now();
    const waiting = inRun('temperatureModule/waitForTemperature', { moduleId });
    await new Promise((r) => setTimeout(r, 400));
    const during = (await client.listRunCommands(run.id, { pageLength: 1 })).data[0];
    assert.deepEqual([during.commandType, during.status], ['temperatureModule/waitForTemperature', 'running']);
    assert.equal((await client.getModules())[0].data.status, 'heating');
    const waited = await waiting;
    const elapsed = Date.now() - t0;
    assert.equal(waited.status, 'succeeded');
    assert.ok(elapsed >= 1500, `held ${elapsed} ms; the ramp takes 2000 ms`);
    assert.deepEqual((await client.getModules())[0].data, { status: 'holding at target', currentTemperature: 20, targetTemperature: 20 });

    // cooling to 4 °C at 0.5 °C/s; a wait for 16 °C ends on the way (8 simulated s), long before the target
    await inRun('temperatureModule/setTargetTemperature', { moduleId, celsius: 4 });
    const t1 = Date.now();
    assert.equal((await inRun('temperatureModule/waitForTemperature', { moduleId, celsius: 16 })).status, 'succeeded');
    const partWay = (await client.getModules())[0].data;
    assert.ok(Date.now() - t1 >= 600, `held ${Date.now() - t1} ms for 16 °C`);
    assert.equal(partWay.status, 'cooling');
    assert.ok(Number(partWay.currentTemperature) <= 16 && Number(partWay.currentTemperature) > 4, `at ${String(partWay.currentTemperature)} °C`);
  });

  it('a module set up in a Flex slot: the deck configuration names it by serial, /modules shows moduleOffset.slot', async () => {
    robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'Flex' });
    client = new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 5000 });
    const before = await client.getDeckConfiguration();
    const id = robot.attachModule('heaterShakerModuleV1', 'HSV1-C3', 'C3');
    const deck = await client.getDeckConfiguration();
    assert.deepEqual(deck.cutoutFixtures.find((f) => f.cutoutId === 'cutoutC3'), { cutoutId: 'cutoutC3', cutoutFixtureId: 'heaterShakerModuleV1', opentronsModuleSerialNumber: 'HSV1-C3' });
    assert.equal(deck.cutoutFixtures.length, 12);
    assert.notEqual(deck.lastModifiedAt, before.lastModifiedAt);
    const mod = (await client.getModules()).find((m) => m.id === id) as { moduleOffset?: Record<string, unknown> } | undefined;
    assert.deepEqual(Object.keys(mod ?? {}).slice(6, 9), ['moduleModel', 'moduleOffset', 'compatibleWithRobot'], 'robot-server key order');
    assert.equal(mod?.moduleOffset?.slot, 'C3');
    assert.deepEqual(mod?.moduleOffset?.offset, { x: 0, y: 0, z: 0 });
    assert.ok(!('moduleOffset' in (await client.getModules())[0]), 'an uncalibrated module has no moduleOffset (capture 166)');

    assert.throws(() => robot.attachModule('temperatureModuleV2', 'TD-B2', 'B2'), /a temperatureModuleV2 cannot be set up in slot B2/);
    assert.throws(() => robot.attachModule('magneticModuleV2', 'MD-D1', 'D1'), /a magneticModuleV2 cannot be set up in slot D1/);
    const ot2 = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'OT-2' });
    try {
      assert.throws(() => ot2.attachModule('temperatureModuleV2', 'TD-3', '3'), /an OT-2 records no slot for a module/);
    } finally {
      await ot2.stop();
    }
  });

  it('modules attached without a serial get one no module had: attach, detach another, attach again does not collide', async () => {
    robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'OT-2' });
    client = new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 5000 });
    const builtIn = (await client.getModules()).map((m) => m.id);
    const first = robot.attachModule('temperatureModuleV2');
    // a detach used to bring the module count, and with it the next generated serial, back to one already attached
    assert.equal(robot.detachModule(builtIn[0]), true);
    const second = robot.attachModule('temperatureModuleV2');
    const third = robot.attachModule('temperatureModuleV2');
    const serials = (await client.getModules()).filter((m) => [first, second, third].includes(m.id)).map((m) => m.serialNumber);
    assert.equal(new Set(serials).size, 3, `serials ${serials.join(', ')}`);
    assert.equal(new Set([first, second, third]).size, 3);
  });

  it('speed 0 counts as 1 for module ramps as for timers: a waitForTemperature in a run ends', async () => {
    robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'Flex', speed: 0, commandMs: 20 });
    client = new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 10_000 });
    const run = await client.createRun({});
    const inRun = (commandType: string, params: Record<string, unknown>): Promise<Command> =>
      client.createRunCommand(run.id, { commandType, params }, { waitUntilComplete: true, commandTimeoutMs: 8_000 });
    const loaded = await inRun('loadModule', { model: 'temperatureModuleV2', location: { slotName: 'D1' } });
    const moduleId = String((loaded.result as { moduleId: string }).moduleId);
    assert.equal((await inRun('temperatureModule/setTargetTemperature', { moduleId, celsius: 4 })).status, 'succeeded');
    // 0 → 1 °C at 1 °C/s in real time; a clock of real × 0 never moved and the wait re-armed until the request gave up
    const t0 = Date.now();
    const waited = await inRun('temperatureModule/waitForTemperature', { moduleId, celsius: 1 });
    assert.equal(waited.status, 'succeeded');
    assert.ok(Date.now() - t0 >= 700 && Date.now() - t0 < 5000, `held ${Date.now() - t0} ms for 1 °C`);
  });

  it('a run drives the module its loadModule found, even under a moduleId that is another attached module\'s /modules id', async () => {
    robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'OT-2', speed: 100 });
    client = new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 5000 });
    const [temp, mag] = await client.getModules();
    const run = await client.createRun({});
    const inRun = (commandType: string, params: Record<string, unknown>): Promise<Command> =>
      client.createRunCommand(run.id, { commandType, params }, { waitUntilComplete: true, commandTimeoutMs: 5000 });
    // the protocol names its temperature module with the magnetic module's id
    const loaded = await inRun('loadModule', { model: 'temperatureModuleV2', location: { slotName: '1' }, moduleId: mag.id });
    assert.equal((loaded.result as { serialNumber: string }).serialNumber, temp.serialNumber);
    assert.equal((await inRun('temperatureModule/setTargetTemperature', { moduleId: mag.id, celsius: 37 })).status, 'succeeded');
    const after = await client.getModules();
    assert.equal(after.find((m) => m.id === temp.id)?.data.targetTemperature, 37, 'the temperature module got the target');
    assert.deepEqual(after.find((m) => m.id === mag.id)?.data, mag.data, 'the magnetic module is untouched');
  });
});
