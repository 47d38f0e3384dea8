// MQTT push for run watching, against the simulated robot publishing through the embedded broker
// (aedes): hints drive the reads, the connection is shared, and polling takes over when push cannot work.
import * as assert from 'node:assert/strict';
import { connect } from 'mqtt';
import type { RobotClient } from '../nodes/lib/client';
import { PushSource, RobotNotifications, commandsTopic, dialectOf, isSubscribableTopic, parseHint, runTopic, runsTopic } from '../nodes/lib/notifications';
import { SimulatedRobot } from '../nodes/lib/simulator';
import { MqttBridge, takeMqttArgs } from '../nodes/lib/simulator/mqtt-bridge';
import { liveWatchers } from '../nodes/lib/watch';
import { Recorder, clientFor, essential, freePort, sleep, testNotifications, until, uploadPausing } from './notifications-helpers';

const NEVER = 10 * 60_000; // a poll interval no test waits for: what is seen was seen through push

describe('notifications: topics and payloads by robot software version', () => {
  it('reads the dialect from /health api_version', () => {
    assert.equal(dialectOf('7.0.2'), 'none');
    assert.equal(dialectOf('7.1.1'), 'none');
    assert.equal(dialectOf('6.3.0'), 'none');
    assert.equal(dialectOf('7.2.0'), '7.2');
    assert.equal(dialectOf('7.2.2-alpha.1'), '7.2');
    assert.equal(dialectOf('7.3.0'), '7.3');
    assert.equal(dialectOf('7.5.0'), '7.3');
    assert.equal(dialectOf('8.0.0'), '8');
    assert.equal(dialectOf('8.1.0'), '8');
    assert.equal(dialectOf('10.2.0'), '8');
  });

  it('names the topics of each version', () => {
    assert.equal(runTopic('r1'), 'robot-server/runs/r1');
    assert.equal(runsTopic(), 'robot-server/runs');
    assert.equal(commandsTopic('8'), 'robot-server/runs/commands_links');
    assert.equal(commandsTopic('7.3'), 'robot-server/runs/current_command');
    assert.equal(commandsTopic('7.2'), 'robot-server/runs/current_command');
  });

  it('gives no topic for a run id no robot gives, and never a topic mqtt.js cannot encode', () => {
    assert.equal(runTopic('3f1c0a52-1b7e-4c1e-9d9b-2a1f0c3e4d5a'), 'robot-server/runs/3f1c0a52-1b7e-4c1e-9d9b-2a1f0c3e4d5a');
    for (const bad of ['', 'x'.repeat(100_000), 'a#b', 'a+b', 'a/b', 'a\u0000b', 'tab\there', '../runs', 'ü']) assert.equal(runTopic(bad), undefined, JSON.stringify(bad.slice(0, 20)));
    assert.equal(isSubscribableTopic('robot-server/runs'), true);
    assert.equal(isSubscribableTopic(`robot-server/${'x'.repeat(65_522)}`), true);
    assert.equal(isSubscribableTopic(`robot-server/${'x'.repeat(65_523)}`), false);
    assert.equal(isSubscribableTopic('robot-server/#'), false);
    assert.equal(isSubscribableTopic('robot-server/\uD800'), false);
    assert.equal(isSubscribableTopic(''), false);
  });

  it('reads refetch, 7.2 refetchUsingHTTP, unsubscribe, and takes anything else as a refetch', () => {
    assert.equal(parseHint('{"refetch": true}'), 'refetch');
    assert.equal(parseHint(Buffer.from('{"refetchUsingHTTP":true}')), 'refetch');
    assert.equal(parseHint('{"unsubscribe": true}'), 'unsubscribe');
    assert.equal(parseHint('not json'), 'refetch');
    assert.equal(parseHint('{"unsubscribe": false}'), 'refetch');
  });

  it('takes --mqtt-port / --mqtt-url out of the simulator command line', () => {
    assert.deepEqual(takeMqttArgs(['--port', '1', '--mqtt-port', '1883', '--model=Flex']), { rest: ['--port', '1', '--model=Flex'], mqtt: { port: 1883 } });
    assert.deepEqual(takeMqttArgs(['--mqtt-url=mqtt://127.0.0.1:1884']), { rest: [], mqtt: { url: 'mqtt://127.0.0.1:1884' } });
    assert.deepEqual(takeMqttArgs(['--port', '2']), { rest: ['--port', '2'], mqtt: undefined });
    assert.throws(() => takeMqttArgs(['--mqtt-port', 'x']), /--mqtt-port/);
    assert.throws(() => takeMqttArgs(['--mqtt-url', 'http://x']), /--mqtt-url/);
  });
});

describe('notifications: push from the simulated robot through an embedded broker', function () {
  this.timeout(30_000);
  let robot: SimulatedRobot;
  let bridge: MqttBridge;
  let client: RobotClient;
  let notifications: RobotNotifications | undefined;
  const recorders: Recorder[] = [];
  const logs: string[] = [];

  const pushNotifications = (url: string, opts: Partial<ConstructorParameters<typeof RobotNotifications>[0]> = {}): RobotNotifications => {
    notifications = testNotifications(url, client, { lingerMs: 50, log: (t) => logs.push(t), ...opts });
    return notifications;
  };
  const watch = (runId: string | undefined, n: RobotNotifications, intervalMs = NEVER, safetyPollMs = NEVER): Recorder => {
    const r = new Recorder(client, runId, () => new PushSource(n, { safetyPollMs }), intervalMs);
    recorders.push(r);
    return r;
  };
  const gets = (runId: string): number => robot.stats.count('GET', `/runs/${runId}`);

  beforeEach(async () => {
    robot = await SimulatedRobot.start({ port: 0, model: 'OT-2', commandMs: 150 });
    bridge = await MqttBridge.start(robot, { port: 0 });
    client = clientFor(robot);
    logs.length = 0;
  });

  afterEach(async () => {
    for (const r of recorders.splice(0)) r.release();
    await notifications?.close();
    notifications = undefined;
    await client.close();
    await bridge.stop();
    await robot.stop();
  });

  it('sees idle → running → paused → running → succeeded through hints alone (poll interval 10 min)', async () => {
    const protocolId = await uploadPausing(client);
    const run = await client.createRun({ protocolId });
    const n = pushNotifications(bridge.url);
    const rec = watch(run.id, n);
    await until('first status', () => rec.has('idle'));
    assert.equal(rec.subscription.watcher.sourceKind, 'push');
    assert.equal(n.state, 'up');

    await client.createRunAction(run.id, 'play');
    await until('paused', () => rec.has('paused'));
    const pauseMsg = rec.events.find((e) => e.event.type === 'status' && e.event.snapshot.status === 'paused');
    assert.ok(pauseMsg && pauseMsg.event.type === 'status' && pauseMsg.event.snapshot.pauseMessage === 'pause command');
    const readsWhilePaused = gets(run.id);
    await sleep(300);
    assert.equal(gets(run.id), readsWhilePaused, 'no reads while nothing changes (push, no polling)');

    await client.createRunAction(run.id, 'play');
    await until('succeeded', () => rec.has('succeeded'));
    assert.deepEqual(essential(rec.statuses()), ['idle', 'running', 'paused', 'running', 'succeeded']);
    assert.ok(rec.types().includes('ended'));
  });

  it('follows the current run: a run created by another client is announced through push', async () => {
    const n = pushNotifications(bridge.url);
    const rec = watch(undefined, n);
    await until('source up', () => rec.subscription.watcher.sourceKind === 'push');
    await sleep(50);
    const run = await client.createRun({});
    await until('current run announced', () => rec.types().includes('current-run-changed'));
    await until('its status', () => rec.has('idle'));
    await client.createRunCommand(run.id, { commandType: 'home', params: {} }, { waitUntilComplete: true });
    await client.deleteRun(run.id);
    await until('no current run', () =>
      rec.events.some((e) => e.event.type === 'current-run-changed' && e.event.runId === null),
    );
  });

  it('a deleted run ({"unsubscribe": true}) is reported and the watch ends', async () => {
    const run = await client.createRun({});
    const n = pushNotifications(bridge.url);
    const rec = watch(run.id, n);
    await until('idle', () => rec.has('idle'));
    await client.deleteRun(run.id);
    await until('run-not-found', () => rec.types().includes('run-not-found'));
    assert.ok(rec.types().includes('ended'));
    assert.equal(liveWatchers(), 0);
  });

  it('every watcher of the robot shares one MQTT connection, subscriptions are ref-counted', async () => {
    const a = await client.createRun({});
    const n = pushNotifications(bridge.url);
    let connects = 0;
    n.on('state', (s: string) => s === 'up' && (connects += 1));
    const r1 = watch(a.id, n);
    const r2 = watch(undefined, n);
    await until('both push', () => r1.subscription.watcher.sourceKind === 'push' && r2.subscription.watcher.sourceKind === 'push');
    assert.notEqual(r1.subscription.watcher, r2.subscription.watcher);
    assert.equal(connects, 1);
    r1.release();
    await sleep(20);
    assert.equal(n.state, 'up', 'still used by the other watcher');
    await client.createRunCommand(a.id, { commandType: 'home', params: {} }, { waitUntilComplete: true });
    r2.release();
    await until('idle after the linger', () => n.state === 'idle', 2_000);
  });

  it('a burst of hints makes few reads (coalesced), and duplicates do no harm', async () => {
    const run = await client.createRun({});
    const n = pushNotifications(bridge.url);
    const rec = watch(run.id, n);
    await until('idle', () => rec.has('idle'));
    await sleep(50);
    const before = gets(run.id);
    // 30 duplicate hints in a burst, as a broker may deliver them
    const pub = connect(bridge.url, { protocolVersion: 4, reconnectPeriod: 0 });
    await new Promise<void>((resolve) => pub.once('connect', () => resolve()));
    for (let i = 0; i < 30; i++) pub.publish(`robot-server/runs/${run.id}`, '{"refetch": true}', { qos: 1 });
    await sleep(300);
    await pub.endAsync(true);
    const reads = gets(run.id) - before;
    assert.ok(reads >= 1 && reads <= 4, `30 hints made ${reads} reads`);
    assert.deepEqual(rec.statuses(), ['idle'], 'no change, no message');
  });

  it('a commands hint costs one request: the command page alone, not the run', async () => {
    const run = await client.createRun({});
    const n = pushNotifications(bridge.url);
    const rec = watch(run.id, n);
    await until('idle', () => rec.has('idle'));
    await client.createRunCommand(run.id, { commandType: 'home', params: {} }, { waitUntilComplete: true });
    await sleep(300); // the hints of that command have been read
    const runReads = gets(run.id);
    const pageReads = (): number => robot.stats.count('GET', `/runs/${run.id}/commands`);
    const pages = pageReads();
    // What robot-server publishes when only the current command moved.
    const pub = connect(bridge.url, { protocolVersion: 4, reconnectPeriod: 0 });
    await new Promise<void>((resolve) => pub.once('connect', () => resolve()));
    await pub.publishAsync('robot-server/runs/commands_links', '{"refetch": true}', { qos: 1 });
    await until('the command page read', () => pageReads() > pages);
    await sleep(200);
    await pub.endAsync(true);
    assert.equal(pageReads() - pages, 1, 'one read of the page');
    assert.equal(gets(run.id), runReads, 'the run is not read for a commands hint');
    // What the page said is kept with the run's last state: a subscriber joining now hears both at once.
    const late = watch(run.id, n);
    const greeting = late.events[0]?.event;
    assert.ok(greeting?.type === 'status', 'a late subscriber hears the last status at once');
    assert.equal(greeting.snapshot.status, 'idle');
    assert.equal(greeting.snapshot.currentCommand?.commandType, 'home');
    assert.deepEqual(rec.statuses(), ['idle'], 'no status change, no status message');
  });

  it('notifications off: the watcher polls and says so', async () => {
    const run = await client.createRun({ protocolId: await uploadPausing(client) });
    const n = pushNotifications(bridge.url, { enabled: false });
    const rec = watch(run.id, n, 100);
    await until('idle', () => rec.has('idle'));
    assert.equal(rec.subscription.watcher.sourceKind, 'polling');
    assert.equal(n.state, 'off');
    await client.createRunAction(run.id, 'play');
    await until('paused', () => rec.has('paused'));
  });

  it('a robot before 7.2 has no MQTT: polling, no connection attempt', async () => {
    const run = await client.createRun({});
    const n = pushNotifications(bridge.url, { softwareVersion: async () => '7.1.1' });
    const rec = watch(run.id, n, 100);
    await until('idle', () => rec.has('idle'));
    assert.equal(n.state, 'unsupported');
    assert.equal(rec.subscription.watcher.sourceKind, 'polling');
    assert.ok(logs.some((l) => /7\.1\.1 has no MQTT/.test(l)));
  });

  it('7.2 robots: subscribes runs/current_command and reads {"refetchUsingHTTP": true}', async () => {
    const n = pushNotifications(bridge.url, { softwareVersion: async () => '7.2.0' });
    const hints: string[] = [];
    const sub = n.subscribe({ topics: (d) => [String(runTopic('r7')), commandsTopic(d)], onHint: (h, t) => hints.push(`${t} ${h}`) });
    assert.equal(await sub.ready(5_000), true);
    const pub = connect(bridge.url, { protocolVersion: 4, reconnectPeriod: 0 });
    await new Promise<void>((resolve) => pub.once('connect', () => resolve()));
    await pub.publishAsync('robot-server/runs/current_command', '{"refetchUsingHTTP": true}', { qos: 1 });
    await pub.publishAsync('robot-server/runs/commands_links', '{"refetch": true}', { qos: 1 });
    await pub.publishAsync('robot-server/runs/r7', '{"refetchUsingHTTP": true}', { qos: 1 });
    await until('hints', () => hints.length >= 2);
    await sleep(50);
    await pub.endAsync(true);
    sub.close();
    assert.deepEqual(hints, ['robot-server/runs/current_command refetch', 'robot-server/runs/r7 refetch']);
  });

  it('broker unreachable at start: polling sees the run; push comes up when the broker appears', async () => {
    const port = await freePort();
    const protocolId = await uploadPausing(client);
    const run = await client.createRun({ protocolId });
    const n = pushNotifications(`mqtt://127.0.0.1:${port}`);
    const rec = watch(run.id, n, 50);
    await until('idle', () => rec.has('idle'));
    assert.equal(rec.subscription.watcher.sourceKind, 'polling');
    assert.equal(n.state, 'down');
    await client.createRunAction(run.id, 'play');
    await until('paused', () => rec.has('paused'));
    // the broker appears on that port
    const late = await MqttBridge.start(robot, { port });
    try {
      await until('push', () => rec.subscription.watcher.sourceKind === 'push', 5_000);
      await client.createRunAction(run.id, 'play');
      await until('succeeded', () => rec.has('succeeded'));
      assert.deepEqual(essential(rec.statuses()), ['idle', 'running', 'paused', 'running', 'succeeded']);
    } finally {
      await late.stop();
    }
  });
});
