// Broker-side faults, with real broker processes: Mosquitto where a stock broker shows the fault (an ACL
// refusing the subscription, a broker nobody publishes to, one killed mid-UNSUBSCRIBE), aedes where the
// broker must misbehave on purpose (closing before SUBACK, refusing it, never answering). In every case
// the process guard (test/setup) fails the test on any unhandled rejection, and the watchers must see
// every status change by polling.
import * as assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes, type AedesOptions } from 'aedes';
import * as mqttPacket from 'mqtt-packet';
import type { RobotClient } from '../nodes/lib/client';
import { PushSource, RobotNotifications, runsTopic } from '../nodes/lib/notifications';
import { SimulatedRobot } from '../nodes/lib/simulator';
import { MqttBridge } from '../nodes/lib/simulator/mqtt-bridge';
import { runChanged } from '../nodes/lib/watch';
import { getNode, loadFlow, unloadFlow, type FlowNode } from './helpers/nodered';
import { Mosquitto, Recorder, clientFor, essential, sleep, testNotifications, until, uploadPausing } from './notifications-helpers';

const NEVER = 10 * 60_000;
const ALL = ['idle', 'running', 'paused', 'running', 'succeeded'];
/** Homes after the pause: 400 ms of running at commandMs 100, eight of the watchers' 50 ms polls (before it: 210 ms). */
const AFTER_PAUSE = 2;

interface TestBroker {
  url: string;
  /** Subscriptions asked for so far (a retry shows as more). */
  subscribes(): number;
  close(): Promise<void>;
}

/** Serves MQTT on a free loopback port with `handle` per connection; `close` drops every client. */
async function serve(handle: (socket: net.Socket) => void, subscribes: () => number, closing?: () => Promise<void>): Promise<TestBroker> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    handle(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`,
    subscribes,
    close: async () => {
      for (const s of sockets) s.destroy();
      await closing?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An aedes broker with the given hooks (MQTT 3.1.1). */
async function misbehavingBroker(hooks: AedesOptions): Promise<TestBroker> {
  let subscribes = 0;
  const authorize = hooks.authorizeSubscribe;
  const broker = await Aedes.createBroker({
    ...hooks,
    authorizeSubscribe: (client, sub, cb) => {
      subscribes += 1;
      if (authorize) authorize(client, sub, cb);
      else cb(null, sub);
    },
  });
  return serve(
    (socket) => broker.handle(socket),
    () => subscribes,
    () => new Promise<void>((resolve) => broker.close(() => resolve())),
  );
}

/**
 * An MQTT 5 broker (aedes speaks 3.1.1 only) that accepts the connection and refuses every
 * subscription with SUBACK reason 0x87 "Not authorized", as a robot's broker with an ACL would.
 */
async function refusingMqtt5Broker(): Promise<TestBroker> {
  let subscribes = 0;
  return serve(
    (socket) => {
      const parser = mqttPacket.parser({ protocolVersion: 5 });
      const send = (packet: Record<string, unknown>): void => {
        socket.write(mqttPacket.generate(packet as unknown as mqttPacket.Packet, { protocolVersion: 5 }));
      };
      parser.on('packet', (packet: mqttPacket.Packet) => {
        if (packet.cmd === 'connect') send({ cmd: 'connack', sessionPresent: false, reasonCode: 0 });
        else if (packet.cmd === 'subscribe') {
          subscribes += 1;
          send({ cmd: 'suback', messageId: packet.messageId, granted: packet.subscriptions.map(() => 0x87) });
        } else if (packet.cmd === 'unsubscribe') send({ cmd: 'unsuback', messageId: packet.messageId, granted: packet.unsubscriptions.map(() => 0) });
        else if (packet.cmd === 'pingreq') send({ cmd: 'pingresp' });
        else if (packet.cmd === 'disconnect') socket.end();
      });
      parser.on('error', () => socket.destroy());
      socket.on('data', (d: Buffer) => parser.parse(d));
    },
    () => subscribes,
  );
}

describe('notifications: broker faults never crash Node-RED and lose no status change', function () {
  this.timeout(40_000);
  let robot: SimulatedRobot;
  let client: RobotClient;
  let notifications: RobotNotifications | undefined;
  const recorders: Recorder[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  const logs: string[] = [];

  const pushTo = (url: string): RobotNotifications => {
    notifications = testNotifications(url, client, { log: (t) => logs.push(t) });
    return notifications;
  };
  const watch = (runId: string | undefined, n: RobotNotifications, intervalMs: number, silentAfterMs?: number): Recorder => {
    const r = new Recorder(client, runId, () => new PushSource(n, { safetyPollMs: NEVER, subscribeWaitMs: 500, silentAfterMs }), intervalMs);
    recorders.push(r);
    return r;
  };
  const kind = (r: Recorder): string => r.subscription.watcher.sourceKind;
  /** A Mosquitto the simulated robot publishes to, as on a robot, and our notifications on it. */
  const robotBroker = async (acl?: string[]): Promise<{ mosquitto: Mosquitto; bridge: MqttBridge; n: RobotNotifications }> => {
    const mosquitto = await Mosquitto.create(undefined, { acl });
    cleanups.push(() => mosquitto.dispose());
    const bridge = await MqttBridge.start(robot, { url: mosquitto.url });
    cleanups.push(() => bridge.stop());
    return { mosquitto, bridge, n: pushTo(mosquitto.url) };
  };

  /** Plays a pausing run to its end, as another client would; the watchers must see all of it. */
  const playThrough = async (runId: string, recs: Recorder[]): Promise<void> => {
    await client.createRunAction(runId, 'play');
    await until('paused', () => recs.every((r) => r.has('paused')), 10_000);
    await client.createRunAction(runId, 'play');
    await until('succeeded', () => recs.every((r) => r.has('succeeded')), 10_000);
    for (const r of recs) assert.deepEqual(essential(r.statuses()), ALL);
  };

  /** Watches a run through push on `broker`, which never lets push work: polling sees the whole run. */
  const pollsThroughout = async (broker: TestBroker): Promise<{ n: RobotNotifications; rec: Recorder }> => {
    cleanups.push(() => broker.close());
    const n = pushTo(broker.url);
    const run = await client.createRun({ protocolId: await uploadPausing(client, AFTER_PAUSE) });
    const rec = watch(run.id, n, 50);
    await until('idle', () => rec.has('idle'));
    assert.equal(kind(rec), 'polling');
    await playThrough(run.id, [rec]);
    return { n, rec };
  };

  beforeEach(async () => {
    logs.length = 0;
    // Analysis on the simulated clock too (800 ms at speed 1 by default): no test here is about it.
    robot = await SimulatedRobot.start({ port: 0, model: 'OT-2', commandMs: 100, analysisMs: 20 });
    client = clientFor(robot);
  });

  afterEach(async () => {
    for (const r of recorders.splice(0)) r.release();
    await notifications?.close();
    notifications = undefined;
    for (const c of cleanups.splice(0).reverse()) await c();
    await client.close();
    await robot.stop();
  });

  it('a run id that cannot be a topic (100 kB, wildcard, control character) is not subscribed; the connection and the other watchers keep push', async () => {
    const { n } = await robotBroker();
    const run = await client.createRun({ protocolId: await uploadPausing(client) });
    // What crashed: mqtt.js cannot encode a 100 kB topic, throws after registering the SUBACK wait,
    // and that wait rejected unhandled when the connection ended.
    const bad = ['x'.repeat(100_000), 'a#b', 'tab\there', 'nul\u0000'];
    const hints: string[] = [];
    const raw = n.subscribe({ topics: () => [`robot-server/runs/${bad[0]}`, runsTopic()], onHint: (_h, t) => hints.push(t) });
    const sources = bad.map(() => new PushSource(n, { safetyPollMs: NEVER, subscribeWaitMs: 500 }));
    const triggers: string[] = [];
    for (const [i, s] of sources.entries()) {
      s.watching(bad[i]);
      await s.start({ trigger: (why) => triggers.push(why) });
    }
    const good = watch(run.id, n, NEVER);
    await until('idle', () => good.has('idle'));
    assert.equal(await raw.ready(2_000), true, 'the valid topic of the same subscription is subscribed');
    assert.equal(n.state, 'up');
    assert.equal(kind(good), 'push');
    assert.deepEqual(sources.map((s) => s.kind), bad.map(() => 'push'), 'the runs topic still serves them');
    await playThrough(run.id, [good]);
    assert.ok(hints.includes(runsTopic()));
    assert.ok(logs.some((l) => /topic name the broker cannot take/.test(l)), logs.join('\n'));
    for (const s of sources) s.stop();
    raw.close();
    // Ending the connection with subscriptions in place must reject nothing unhandled (the guard checks).
    await n.close();
    await sleep(50);
  });

  it('connection closed before SUBACK: the watchers poll from the start and see every status; retries reject nothing', async () => {
    const broker = await misbehavingBroker({ authorizeSubscribe: (c) => c.close() });
    cleanups.push(() => broker.close());
    const n = pushTo(broker.url);
    const run = await client.createRun({ protocolId: await uploadPausing(client, AFTER_PAUSE) });
    const byId = watch(run.id, n, 50);
    const current = watch(undefined, n, 50);
    await until('idle', () => byId.has('idle') && current.has('idle'));
    await playThrough(run.id, [byId, current]);
    assert.equal(kind(byId), 'polling');
    assert.equal(kind(current), 'polling');
    await until('a retry', () => broker.subscribes() >= 2, 5_000);
    assert.ok(logs.some((l) => /subscribe refused: Connection closed|connection closed/.test(l)), logs.join('\n'));
  });

  const refusals: Array<[string, () => Promise<TestBroker>, RegExp]> = [
    ['SUBACK 0x80 (aedes refuses the topics)', () => misbehavingBroker({ authorizeSubscribe: (_c, _s, cb) => cb(null, null) }), /subscribe refused: Subscribe error/],
    ['SUBACK 0x87 (an MQTT 5 broker: "not authorized")', refusingMqtt5Broker, /subscribe refused: Subscribe error: Not authorized/i],
  ];
  for (const [label, start, said] of refusals) {
    it(`${label}: polling, every status seen, retried with backoff`, async () => {
      const broker = await start();
      const { n } = await pollsThroughout(broker);
      await until('a retry', () => broker.subscribes() >= 2, 5_000);
      assert.ok(logs.some((l) => said.test(l)), logs.join('\n'));
      // the retry's connection is up until its SUBACK refuses again: then it is not
      await until('the retry refused as well', () => n.state !== 'up', 5_000);
    });
  }

  it('Mosquitto with an ACL that lets nothing through: accepted and silent, so an own run change turns it to polling', async () => {
    // Mosquitto 2.0 grants the SUBSCRIBE and applies the ACL on delivery: from here it is a silent broker.
    const { n } = await robotBroker(['topic read somewhere-else/#']);
    const run = await client.createRun({ protocolId: await uploadPausing(client, AFTER_PAUSE) });
    const rec = watch(run.id, n, 50, 300);
    await until('push', () => kind(rec) === 'push');
    await client.createRunAction(run.id, 'play');
    runChanged(client, run.id);
    await until('push taken as silent', () => kind(rec) === 'polling (push silent)', 5_000);
    await until('paused', () => rec.has('paused'), 10_000);
    await client.createRunAction(run.id, 'play');
    await until('succeeded', () => rec.has('succeeded'), 10_000);
    assert.deepEqual(essential(rec.statuses()), ALL);
  });

  it('a SUBACK that never comes: the first read goes ahead by polling; closing with the SUBSCRIBE pending rejects nothing', async () => {
    let held = 0;
    const { n, rec } = await pollsThroughout(await misbehavingBroker({ authorizeSubscribe: () => (held += 1) }));
    assert.ok(held >= 1, 'the broker holds the SUBSCRIBE');
    rec.release();
    await n.close(); // mqtt.js fails the pending SUBSCRIBE here: it must be handled
    await sleep(50);
    assert.equal(n.state, 'closed');
  });

  it('the broker killed during UNSUBSCRIBE: no rejection; the remaining watcher polls and sees every status', async () => {
    const { mosquitto, n } = await robotBroker();
    const protocolId = await uploadPausing(client, AFTER_PAUSE);
    const old = await client.createRun({ protocolId });
    const leaving = watch(old.id, n, 50);
    await until('push', () => kind(leaving) === 'push');
    await client.createRunAction(old.id, 'stop');
    const run = await client.createRun({ protocolId });
    const staying = watch(run.id, n, 50);
    await until('push', () => kind(staying) === 'push');
    leaving.release(); // its run topic is unsubscribed...
    await mosquitto.stop(); // ...while the broker dies
    await until('polling', () => kind(staying) === 'polling', 5_000);
    await playThrough(run.id, [staying]);
  });

  it('a stuck publisher: no hint after this package changes a run → "polling (push silent)"; hints again → push', async () => {
    const started = await robotBroker();
    const { mosquitto, n } = started;
    let bridge = started.bridge;
    const run = await client.createRun({ protocolId: await uploadPausing(client, AFTER_PAUSE) });
    const rec = watch(run.id, n, 50, 300);
    await until('push', () => kind(rec) === 'push');
    await until('idle', () => rec.has('idle'));
    await bridge.stop(); // the robot's publisher stops; the broker and our subscription stay
    await client.createRunAction(run.id, 'play');
    runChanged(client, run.id); // what opentrons-run does after an action
    await until('push taken as silent', () => kind(rec) === 'polling (push silent)', 5_000);
    assert.equal(n.state, 'up', 'the connection itself is fine');
    await until('paused (by polling)', () => rec.has('paused'), 10_000);
    bridge = await MqttBridge.start(robot, { url: mosquitto.url });
    cleanups.push(() => bridge.stop());
    await client.createRunAction(run.id, 'play');
    await until('push again on the next hint', () => kind(rec) === 'push', 5_000);
    await until('succeeded', () => rec.has('succeeded'), 10_000);
    assert.deepEqual(essential(rec.statuses()), ALL);
  });

  it('a hint that beats the HTTP answer is not taken for silence', async () => {
    const { n } = await robotBroker();
    const run = await client.createRun({ protocolId: await uploadPausing(client, 1) });
    const rec = watch(run.id, n, NEVER, 300);
    await until('push', () => kind(rec) === 'push');
    await client.createRunAction(run.id, 'play');
    await until('paused', () => rec.has('paused'));
    runChanged(client, run.id); // after the hints of that play arrived: no further hint follows
    await sleep(600);
    assert.equal(kind(rec), 'push');
  });
});

describe('notifications: a silent broker through the config node (opentrons-run + opentrons-status)', function () {
  this.timeout(60_000);
  let robot: SimulatedRobot;
  let client: RobotClient;
  let silent: Mosquitto;

  beforeEach(async () => {
    robot = await SimulatedRobot.start({ port: 0, model: 'OT-2', commandMs: 1_000, analysisMs: 20 });
    client = clientFor(robot);
    silent = await Mosquitto.create(); // accepts and acknowledges, but no robot publishes to it
  });

  afterEach(async () => {
    await unloadFlow();
    await client.close();
    await robot.stop();
    await silent.dispose();
  });

  it('a broker that is not the robot\'s: after an opentrons-run play the status node polls, says so, and sees the run end within the poll interval', async () => {
    // 2 s of running before the pause (push is taken as silent 3 s after the play), 4 s after it: 4 polls at 1 s.
    const run = await client.createRun({ protocolId: await uploadPausing(client, 2) });
    const flow: FlowNode[] = [
      { id: 'r1', type: 'opentrons-robot', host: '127.0.0.1', port: robot.port, mqttPort: silent.port, notifications: 'auto' },
      { id: 's1', type: 'opentrons-status', robot: 'r1', runId: run.id, interval: 1000, autostart: true, wires: [['out'], []] },
      { id: 'runner', type: 'opentrons-run', robot: 'r1', action: 'play', runId: run.id, runIdType: 'str', wires: [[]] },
      { id: 'out', type: 'helper' },
    ];
    await loadFlow(flow, { types: ['opentrons-robot', 'opentrons-status', 'opentrons-run'] });
    const seen: Array<{ topic: string; at: number }> = [];
    (getNode('out') as unknown as EventEmitter).on('input', (m: { topic?: string }) => seen.push({ topic: String(m.topic), at: Date.now() }));
    const texts: string[] = [];
    (getNode('s1') as unknown as EventEmitter).on('call:status', (c: { args: Array<{ text?: string }> }) => texts.push(String(c.args[0]?.text)));
    await until('idle', () => seen.some((s) => s.topic === 'idle'), 10_000);
    await until('push', () => texts.some((t) => t.endsWith('· push')), 10_000);
    getNode('runner').receive({});
    await until('paused', () => seen.some((s) => s.topic === 'paused'), 15_000);
    await until('push silent in the node status', () => texts.some((t) => t.endsWith('· polling (push silent)')), 10_000);
    getNode('runner').receive({});
    await until('succeeded', () => seen.some((s) => s.topic === 'succeeded'), 20_000);
    const ended = Date.parse(String((await client.getRun(run.id)).completedAt));
    const latency = (seen.find((s) => s.topic === 'succeeded')?.at ?? 0) - ended;
    console.log(`      silent broker: succeeded reached the flow ${latency} ms after the robot finished the run`);
    // Push alone would wait for the 30 s safety poll; polling at 1 s sees it within a read or two.
    assert.ok(latency < 5_000, `${latency} ms`);
    assert.deepEqual(essential(seen.map((s) => s.topic)), ALL);
  });

  it('simulate with notifications auto: the in-process robot is polled, no broker is subscribed to', async () => {
    const flow: FlowNode[] = [
      { id: 'r1', type: 'opentrons-robot', simulate: true, model: 'OT-2', notifications: 'auto' },
      { id: 's1', type: 'opentrons-status', robot: 'r1', runId: '', interval: 100, autostart: true, wires: [['out'], []] },
      { id: 'out', type: 'helper' },
    ];
    await loadFlow(flow, { types: ['opentrons-robot', 'opentrons-status'] });
    const texts: string[] = [];
    (getNode('s1') as unknown as EventEmitter).on('call:status', (c: { args: Array<{ text?: string }> }) => texts.push(String(c.args[0]?.text)));
    const robotNode = getNode('r1') as unknown as { watchSource?: unknown; ready(): Promise<RobotClient> };
    const sim = await robotNode.ready();
    assert.equal(robotNode.watchSource, undefined, 'no push source for a simulated robot');
    const seen: string[] = [];
    (getNode('out') as unknown as EventEmitter).on('input', (m: { topic?: string }) => seen.push(String(m.topic)));
    const created = await sim.createRun({});
    await until('the new run, by polling', () => seen.includes('idle'), 5_000);
    await until('"polling" in the node status', () => texts.some((t) => t.endsWith('· polling')), 5_000);
    assert.ok(created.id);
  });
});
