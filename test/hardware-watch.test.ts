// The shared hardware watcher on its own, against the simulated robot over real HTTP: the deck configuration
// read again at once on the robot's `robot-server/deck_configuration` MQTT hint (real broker: the simulator's
// embedded one), module msgs as a temperature ramps, and what stop leaves behind.
import { strict as assert } from 'node:assert';
import { RobotClient } from '../nodes/lib/client';
import { RobotNotifications } from '../nodes/lib/notifications';
import { SimulatedRobot } from '../nodes/lib/simulator';
import { MqttBridge } from '../nodes/lib/simulator/mqtt-bridge';
import { TopicHintSource, liveWatchers, watchHardware, type HardwareEvent } from '../nodes/lib/watch';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('hardware watcher', function () {
  this.timeout(20_000);
  let robot: SimulatedRobot;
  let client: RobotClient;
  let other: RobotClient;

  afterEach(async () => {
    await client?.close();
    await other?.close();
    await robot?.stop();
    assert.equal(liveWatchers(), 0);
  });

  it('deck configuration: an MQTT hint makes it read at once, long before its 60 s poll', async () => {
    robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'Flex' });
    const bridge = await MqttBridge.start(robot, { port: 0 });
    client = new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 2000 });
    other = new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 2000 });
    const notifications = new RobotNotifications({ url: bridge.url, enabled: true, softwareVersion: async () => (await client.health()).api_version });
    const events: HardwareEvent[] = [];
    const sub = watchHardware(client, 'deck-configuration', { intervalMs: 60_000, onEvent: (e) => events.push(e) }, () => new TopicHintSource(notifications, 'robot-server/deck_configuration'));
    try {
      await until('the first read', () => events.length === 1);
      await until('push up', () => sub.watcher.sourceKind === 'push');
      const deck = (await other.getDeckConfiguration()).cutoutFixtures.map((f) => (f.cutoutId === 'cutoutD3' ? { ...f, cutoutFixtureId: 'wasteChuteRightAdapterNoCover' } : f));
      const readsBefore = robot.stats.count('GET', '/deck_configuration');
      const t0 = Date.now();
      await other.setDeckConfiguration(deck);
      await until('the change, by hint', () => events.length === 2, 3000);
      assert.ok(Date.now() - t0 < 3000, 'seen by the hint, not by the 60 s poll');
      const change = events[1] as Extract<HardwareEvent, { type: 'change' }>;
      assert.equal(change.resource, 'deck-configuration');
      const current = change.current as { cutoutFixtures: Array<{ cutoutId: string; cutoutFixtureId: string }> };
      assert.equal(current.cutoutFixtures.find((f) => f.cutoutId === 'cutoutD3')?.cutoutFixtureId, 'wasteChuteRightAdapterNoCover');
      await sleep(200);
      assert.equal(robot.stats.count('GET', '/deck_configuration') - readsBefore, 1, 'one read on the hint');
    } finally {
      sub.release();
      await notifications.close();
      await bridge.stop();
    }
  });

  it('modules: a state msg when the target is set, readings only as temperature msgs, a state msg when reached', async () => {
    robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'OT-2', speed: 2 });
    client = new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 2000 });
    const events: Array<Extract<HardwareEvent, { type: 'module' }>> = [];
    const sub = watchHardware(client, 'modules', { intervalMs: 100, onEvent: (e) => e.type === 'module' && events.push(e) });
    try {
      await until('both modules', () => events.length === 2);
      const temp = events.find((e) => e.current?.moduleModel === 'temperatureModuleV2')!.current!;
      await client.createCommand({ commandType: 'temperatureModule/setTargetTemperature', params: { moduleId: temp.id, celsius: 4 } }, { waitUntilComplete: true });
      await until('holding at target', () => events.some((e) => e.current?.data.status === 'holding at target'), 10_000);
      const mine = events.filter((e) => e.current?.id === temp.id).slice(1);
      assert.deepEqual(mine.filter((e) => e.change === 'state').map((e) => e.current?.data.status), ['heating', 'holding at target']);
      assert.ok(mine.some((e) => e.change === 'temperature'), 'the ramp in between is reported as readings');
      const readings = mine.filter((e) => e.change === 'temperature').map((e) => Number(e.current?.data.currentTemperature));
      assert.deepEqual(readings, [...readings].sort((a, b) => a - b), 'the temperature only rises toward 4 °C');
    } finally {
      sub.release();
    }
    const before = robot.stats.requests.length;
    await sleep(300);
    assert.equal(robot.stats.requests.length, before, 'no read after release');
    assert.equal(liveWatchers(), 0);
  });
});
