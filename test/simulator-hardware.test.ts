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
});
