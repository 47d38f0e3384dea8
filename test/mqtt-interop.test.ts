// Interop with a real Mosquitto (Debian's `mosquitto`, as on the robot): the simulated robot publishes to
// it, our watcher subscribes to it. Push sees a paused → running → succeeded run; a broker that is down at
// start, killed mid-run and started again costs no status change.
import * as assert from 'node:assert/strict';
import type { RobotClient } from '../nodes/lib/client';
import { PushSource, RobotNotifications } from '../nodes/lib/notifications';
import { SimulatedRobot, type SimulatorOptions } from '../nodes/lib/simulator';
import { MqttBridge } from '../nodes/lib/simulator/mqtt-bridge';
import { getNode, loadFlow, unloadFlow } from './helpers/nodered';
import { Mosquitto, Recorder, clientFor, essential, freePort, sleep, testNotifications, until, uploadPausing } from './notifications-helpers';

const NEVER = 10 * 60_000;

describe('MQTT interop with a real Mosquitto broker', function () {
  this.timeout(40_000);
  let mosquitto: Mosquitto | undefined;
  let robot: SimulatedRobot;
  let bridge: MqttBridge | undefined;
  let client: RobotClient;
  let notifications: RobotNotifications | undefined;
  const recorders: Recorder[] = [];

  const pushTo = (url: string): RobotNotifications => {
    notifications = testNotifications(url, client, { keepaliveS: 2 });
    return notifications;
  };
  const watch = (runId: string, n: RobotNotifications, intervalMs: number): Recorder => {
    const r = new Recorder(client, runId, () => new PushSource(n, { safetyPollMs: NEVER }), intervalMs);
    recorders.push(r);
    return r;
  };
  const kind = (r: Recorder): string => r.subscription.watcher.sourceKind;

  beforeEach(async () => {
    // Analysis on the simulated clock too (800 ms at speed 1 by default): no test here is about it.
    robot = await SimulatedRobot.start({ port: 0, model: 'OT-2', commandMs: 150, analysisMs: 20 });
    client = clientFor(robot);
  });

  afterEach(async () => {
    for (const r of recorders.splice(0)) r.release();
    await notifications?.close();
    notifications = undefined;
    await bridge?.stop();
    bridge = undefined;
    await client.close();
    await robot.stop();
    await mosquitto?.dispose();
    mosquitto = undefined;
  });

  it('push through Mosquitto: idle → running → paused → running → succeeded, read only because of hints', async () => {
    mosquitto = await Mosquitto.create();
    bridge = await MqttBridge.start(robot, { url: mosquitto.url });
    assert.ok(bridge.connected);
    const run = await client.createRun({ protocolId: await uploadPausing(client) });
    const n = pushTo(mosquitto.url);
    const rec = watch(run.id, n, NEVER);
    await until('idle', () => rec.has('idle'));
    assert.equal(kind(rec), 'push');
    await client.createRunAction(run.id, 'play');
    await until('paused', () => rec.has('paused'));
    await client.createRunAction(run.id, 'play');
    await until('succeeded', () => rec.has('succeeded'));
    assert.deepEqual(essential(rec.statuses()), ['idle', 'running', 'paused', 'running', 'succeeded']);
    assert.equal(bridge.dropped, 0);
  });

  it('broker down at start: polling works; the broker starts: push takes over', async () => {
    const port = await freePort();
    const url = `mqtt://127.0.0.1:${port}`;
    // 4 homes after the pause: 1.2 s of running, a dozen polls at 100 ms.
    const run = await client.createRun({ protocolId: await uploadPausing(client, 4) });
    const n = pushTo(url);
    const rec = watch(run.id, n, 100);
    await until('idle', () => rec.has('idle'));
    assert.equal(kind(rec), 'polling');
    await client.createRunAction(run.id, 'play');
    await until('paused (by polling)', () => rec.has('paused'));

    mosquitto = await Mosquitto.create(port);
    bridge = await MqttBridge.start(robot, { url });
    await until('push', () => kind(rec) === 'push', 5_000);
    await until('bridge connected', () => bridge?.connected === true, 5_000);
    await client.createRunAction(run.id, 'play');
    await until('succeeded', () => rec.has('succeeded'));
    assert.deepEqual(essential(rec.statuses()), ['idle', 'running', 'paused', 'running', 'succeeded']);
  });

  it('broker killed mid-run: falls back to polling with no status missed; broker back: push resumes', async () => {
    mosquitto = await Mosquitto.create();
    bridge = await MqttBridge.start(robot, { url: mosquitto.url });
    const protocolId = await uploadPausing(client, 4);
    const run = await client.createRun({ protocolId });
    const n = pushTo(mosquitto.url);
    const rec = watch(run.id, n, 100);
    await until('idle', () => rec.has('idle'));
    assert.equal(kind(rec), 'push');
    await client.createRunAction(run.id, 'play');
    await until('paused', () => rec.has('paused'));

    await mosquitto.stop();
    await until('polling', () => kind(rec) === 'polling', 5_000);
    await client.createRunAction(run.id, 'play');
    await until('succeeded (by polling)', () => rec.has('succeeded'));
    assert.deepEqual(essential(rec.statuses()), ['idle', 'running', 'paused', 'running', 'succeeded']);
    assert.ok(bridge.dropped > 0, 'the robot published while the broker was down');

    await mosquitto.start();
    await until('bridge reconnected', () => bridge?.connected === true, 5_000);
    const next = await client.createRun({ protocolId });
    const rec2 = new Recorder(client, next.id, () => new PushSource(n, { safetyPollMs: NEVER }), NEVER);
    recorders.push(rec2);
    await until('push again', () => kind(rec2) === 'push' && n.state === 'up', 5_000);
    await until('idle', () => rec2.has('idle'));
    await client.createRunAction(next.id, 'play');
    await until('paused through push', () => rec2.has('paused'));
    await client.createRunAction(next.id, 'play');
    await until('succeeded through push', () => rec2.has('succeeded'));
    assert.deepEqual(essential(rec2.statuses()), ['idle', 'running', 'paused', 'running', 'succeeded']);
    await sleep(10);
  });
});

/** Every node.status() text of a node (the test helper spies on Node.prototype and emits `call:status`). */
function onStatus(id: string, listener: (text: string) => void): void {
  const emitter = getNode(id) as unknown as { on(event: string, l: (c: { args: Array<{ text?: string }> }) => void): void };
  emitter.on('call:status', (c) => listener(String(c.args[0]?.text)));
}

/** A simulated robot publishing through a Mosquitto of the test's own, both started before each test and stopped after it. */
function robotWithBroker(opts: SimulatorOptions): { robot: SimulatedRobot; mosquitto: Mosquitto; client: RobotClient } {
  const env = {} as { robot: SimulatedRobot; mosquitto: Mosquitto; client: RobotClient; bridge: MqttBridge };
  beforeEach(async () => {
    env.robot = await SimulatedRobot.start({ port: 0, ...opts });
    env.mosquitto = await Mosquitto.create();
    env.bridge = await MqttBridge.start(env.robot, { url: env.mosquitto.url });
    env.client = clientFor(env.robot);
  });
  afterEach(async () => {
    await unloadFlow();
    await env.bridge.stop();
    await env.client.close();
    await env.robot.stop();
    await env.mosquitto.dispose();
  });
  return env;
}

describe('MQTT interop: opentrons-status through the config node (notifications auto, mqttPort)', function () {
  this.timeout(40_000);
  const env = robotWithBroker({ model: 'OT-2', commandMs: 150, analysisMs: 20 });

  it('a status node with a 10-minute interval sees paused → running → succeeded through Mosquitto, and says "push"', async () => {
    const run = await env.client.createRun({ protocolId: await uploadPausing(env.client) });
    const flow = [
      { id: 'r1', type: 'opentrons-robot', host: '127.0.0.1', port: env.robot.port, mqttPort: env.mosquitto.port, notifications: 'auto' },
      { id: 's1', type: 'opentrons-status', robot: 'r1', runId: run.id, interval: NEVER, autostart: true, wires: [['out'], []] },
      { id: 'out', type: 'helper' },
    ];
    await loadFlow(flow, { types: ['opentrons-robot', 'opentrons-status'] });
    const topics: string[] = [];
    const texts: string[] = [];
    getNode('out').on('input', (msg: { topic?: string }) => topics.push(String(msg.topic)));
    onStatus('s1', (text) => texts.push(text));
    await until('idle', () => topics.includes('idle'));
    await until('push in the node status', () => texts.some((t) => t.endsWith('· push')));
    await env.client.createRunAction(run.id, 'play');
    await until('paused', () => topics.includes('paused'));
    await env.client.createRunAction(run.id, 'play');
    await until('succeeded', () => topics.includes('succeeded'));
    assert.deepEqual(essential(topics), ['idle', 'running', 'paused', 'running', 'succeeded']);
    assert.ok(texts.some((t) => /^paused: pause command · push$/.test(t)), texts.join(' | '));
  });

  it('adding labware offsets (no MQTT hint from the robot) does not make the status node take push as silent', async () => {
    const run = await env.client.createRun({ protocolId: await uploadPausing(env.client) });
    const flow = [
      { id: 'r1', type: 'opentrons-robot', host: '127.0.0.1', port: env.robot.port, mqttPort: env.mosquitto.port, notifications: 'auto' },
      { id: 's1', type: 'opentrons-status', robot: 'r1', runId: run.id, interval: NEVER, autostart: true, wires: [['out'], []] },
      { id: 'offsets', type: 'opentrons-run', robot: 'r1', action: 'add-labware-offsets', wires: [['added']] },
      { id: 'out', type: 'helper' },
      { id: 'added', type: 'helper' },
    ];
    await loadFlow(flow, { types: ['opentrons-robot', 'opentrons-status', 'opentrons-run'] });
    const texts: string[] = [];
    onStatus('s1', (text) => texts.push(text));
    await until('push in the node status', () => texts.some((t) => t.endsWith('· push')));
    let added = 0;
    getNode('added').on('input', () => (added += 1));
    const offset = { definitionUri: 'opentrons/corning_96_wellplate_360ul_flat/2', location: { slotName: '2' }, vector: { x: 0.1, y: 0.2, z: 0.3 } };
    getNode('offsets').receive({ runId: run.id, labwareOffsets: offset } as never);
    await until('the offset added', () => added === 1);
    // a push source told of an own change waits 3 s for the robot's hint before it takes push as silent
    await sleep(3500);
    assert.ok(!texts.some((t) => t.includes('push silent')), texts.join(' | '));
    assert.ok(texts.at(-1)?.endsWith('· push'), texts.join(' | '));
  });

  it('notifications off: the same node polls and says "polling"', async () => {
    const run = await env.client.createRun({ protocolId: await uploadPausing(env.client) });
    const flow = [
      { id: 'r1', type: 'opentrons-robot', host: '127.0.0.1', port: env.robot.port, mqttPort: env.mosquitto.port, notifications: 'off' },
      { id: 's1', type: 'opentrons-status', robot: 'r1', runId: run.id, interval: 100, autostart: true, wires: [['out'], []] },
      { id: 'out', type: 'helper' },
    ];
    await loadFlow(flow, { types: ['opentrons-robot', 'opentrons-status'] });
    const topics: string[] = [];
    const texts: string[] = [];
    getNode('out').on('input', (msg: { topic?: string }) => topics.push(String(msg.topic)));
    onStatus('s1', (text) => texts.push(text));
    await env.client.createRunAction(run.id, 'play');
    await until('paused', () => topics.includes('paused'));
    assert.ok(texts.some((t) => t.endsWith('· polling')), texts.join(' | '));
  });
});

describe('MQTT interop: opentrons-hardware watching the deck configuration through the config node (notifications auto)', function () {
  this.timeout(40_000);
  const env = robotWithBroker({ model: 'Flex' });

  it('a change made elsewhere reaches the flow on the robot-server/deck_configuration hint, not the 10-minute poll', async () => {
    const flow = [
      { id: 'r1', type: 'opentrons-robot', host: '127.0.0.1', port: env.robot.port, mqttPort: env.mosquitto.port, notifications: 'auto' },
      { id: 'hw', type: 'opentrons-hardware', robot: 'r1', action: 'deck-configuration', watch: true, interval: NEVER, wires: [['out']] },
      { id: 'out', type: 'helper' },
    ];
    await loadFlow(flow, { types: ['opentrons-robot', 'opentrons-hardware'] });
    const seen: Array<{ cutoutFixtures: Array<{ cutoutId: string; cutoutFixtureId: string }> }> = [];
    getNode('out').on('input', (msg: { topic?: string; payload?: unknown }) => {
      if (msg.topic === 'deck-configuration') seen.push((msg.payload as { current: (typeof seen)[number] }).current);
    });
    await until('the deck as found', () => seen.length === 1);
    const d3 = (): string | undefined => seen.at(-1)?.cutoutFixtures.find((f) => f.cutoutId === 'cutoutD3')?.cutoutFixtureId;
    // The node subscribes once its first read is in; a change made before the subscription lands would wait for
    // the poll, so change the deck until one is seen within 2 s. With a 10-minute poll, only the hint can do that.
    let fixture = 'singleRightSlot';
    let delayMs = Infinity;
    for (let attempt = 0; attempt < 5 && delayMs === Infinity; attempt++) {
      fixture = fixture === 'singleRightSlot' ? 'wasteChuteRightAdapterNoCover' : 'singleRightSlot';
      const deck = (await env.client.getDeckConfiguration()).cutoutFixtures.map((f) => (f.cutoutId === 'cutoutD3' ? { ...f, cutoutFixtureId: fixture } : f));
      const t0 = Date.now();
      const readsBefore = env.robot.stats.count('GET', '/deck_configuration');
      await env.client.setDeckConfiguration(deck);
      try {
        await until('the change', () => d3() === fixture, 2000);
        delayMs = Date.now() - t0;
        assert.equal(env.robot.stats.count('GET', '/deck_configuration') - readsBefore, 1, 'one read per hint');
      } catch {
        /* not subscribed yet: the next change will tell */
      }
    }
    assert.ok(delayMs < 2000, 'a deck change reached the flow within 2 s, by the MQTT hint');
    assert.equal(seen.filter((s, i) => i > 0 && JSON.stringify(s) === JSON.stringify(seen[i - 1])).length, 0, 'no msg without a change');
    console.log(`      deck configuration change → flow by MQTT hint: ${delayMs} ms`);
  });
});
