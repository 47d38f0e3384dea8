// The simulated robot's MQTT hints against the real robot-server 8.1.0 recording
// (test/fixtures/captures/mqtt/notifications-ot2.json): same HTTP steps, same topics and payloads.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { SimulatedRobot } from '../nodes/lib/simulator';
import { MqttBridge } from '../nodes/lib/simulator/mqtt-bridge';
import { pausingProtocol } from './notifications-helpers';
import { call, waitUntil, runStatus } from './simulator-util';

interface RecordedEvent {
  kind: 'http-request' | 'http-response' | 'mqtt';
  method?: string;
  path?: string;
  label?: string;
  topic?: string;
  payload?: Record<string, boolean>;
}

const FIXTURES = path.join(__dirname, '..', '..', 'test', 'fixtures');
const recording = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'captures', 'mqtt', 'notifications-ot2.json'), 'utf8')) as {
  events: RecordedEvent[];
};

/** One HTTP step of the recording and the hints the robot published until the next step. */
interface Step {
  label: string;
  hints: string[];
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** `topic payload` with run ids replaced by <run1>, <run2> in order of first appearance. */
function normaliser(): (topic: string, payload: object) => string {
  const names = new Map<string, string>();
  return (topic, payload) =>
    `${topic.replace(UUID, (id) => {
      if (!names.has(id)) names.set(id, `<run${names.size + 1}>`);
      return names.get(id) as string;
    })} ${JSON.stringify(payload)}`;
}

function recordedSteps(): Step[] {
  const norm = normaliser();
  const steps: Step[] = [];
  for (const e of recording.events) {
    if (e.kind === 'http-request') steps.push({ label: e.label ?? `${e.method} ${e.path}`, hints: [] });
    else if (e.kind === 'mqtt') steps[steps.length - 1].hints.push(norm(e.topic as string, e.payload as object));
  }
  return steps;
}

/** Order-insensitive view of a step: which distinct hints it has (bursts and duplicates vary with timing). */
function distinct(hints: string[]): string[] {
  return [...new Set(hints)].sort();
}

/** Replays the recording's HTTP steps on the simulator; `hints` is where the test collects the hints seen. */
async function replay(robot: SimulatedRobot, hints: () => string[]): Promise<Step[]> {
  const steps: Step[] = [];
  let from = 0;
  const quiet = async (): Promise<void> => {
    // the step's hints have all arrived when none came for 150 ms
    let n = -1;
    while (n !== hints().length) {
      n = hints().length;
      await new Promise((r) => setTimeout(r, 150));
    }
  };
  const step = async (label: string, act: () => Promise<void>): Promise<void> => {
    await act();
    await quiet();
    steps.push({ label, hints: hints().slice(from) });
    from = hints().length;
  };
  const protocol = pausingProtocol();
  let protocolId = '';
  let runId = '';
  let bareRunId = '';
  await step('upload JSON protocol (pauses once)', async () => {
    const form = new FormData();
    form.append('files', new Blob([new Uint8Array(protocol)]), 'pause-once.json');
    const res = await fetch(`${robot.url}/protocols`, { method: 'POST', body: form, headers: { 'opentrons-version': '3' } });
    protocolId = ((await res.json()) as { data: { id: string } }).data.id;
    await waitUntil(
      () => call(robot, 'GET', `/protocols/${protocolId}`),
      (r) => String(r.body.data.analysisSummaries?.[0]?.status) === 'completed',
      10_000,
    );
  });
  await step('create run', async () => {
    runId = String((await call(robot, 'POST', '/runs', { data: { protocolId } })).body.data.id);
  });
  await step('play -> runs until waitForResume, then paused', async () => {
    await call(robot, 'POST', `/runs/${runId}/actions`, { data: { actionType: 'play' } });
    await waitUntil(() => runStatus(robot, runId), (s) => s === 'paused', 10_000);
  });
  await step('status while paused', async () => {
    assert.equal(await runStatus(robot, runId), 'paused');
  });
  await step('play (resume) -> succeeded', async () => {
    await call(robot, 'POST', `/runs/${runId}/actions`, { data: { actionType: 'play' } });
    await waitUntil(() => runStatus(robot, runId), (s) => s === 'succeeded', 10_000);
  });
  await step('dismiss (current:false)', async () => {
    await call(robot, 'PATCH', `/runs/${runId}`, { data: { current: false } });
  });
  await step('create protocol-less run', async () => {
    bareRunId = String((await call(robot, 'POST', '/runs', { data: {} })).body.data.id);
  });
  await step('setup command home', async () => {
    await call(robot, 'POST', `/runs/${bareRunId}/commands?waitUntilComplete=true`, { data: { commandType: 'home', params: {} } });
  });
  await step('stateless setRailLights', async () => {
    await call(robot, 'POST', '/commands?waitUntilComplete=true', { data: { commandType: 'setRailLights', params: { on: true } } });
  });
  await step('delete protocol-less run', async () => {
    await call(robot, 'DELETE', `/runs/${bareRunId}`);
  });
  await step('delete protocol run', async () => {
    await call(robot, 'DELETE', `/runs/${runId}`);
  });
  return steps;
}

/** Human-readable differences step by step (also what the test reports when it fails). */
function differences(real: Step[], sim: Step[]): string[] {
  const out: string[] = [];
  real.forEach((r, i) => {
    const s = sim[i];
    const want = distinct(r.hints);
    const got = distinct(s.hints);
    const missing = want.filter((h) => !got.includes(h));
    const extra = got.filter((h) => !want.includes(h));
    if (missing.length || extra.length) {
      out.push(`step ${i + 1} "${r.label}": missing [${missing.join('; ')}] extra [${extra.join('; ')}]`);
    }
  });
  return out;
}

describe('notifications: simulator hints vs the robot-server 8.1.0 recording', function () {
  this.timeout(60_000);
  let robot: SimulatedRobot | undefined;
  let bridge: MqttBridge | undefined;
  let subscriber: MqttClient | undefined;

  afterEach(async () => {
    await subscriber?.endAsync(true);
    await bridge?.stop();
    await robot?.stop();
    subscriber = undefined;
    bridge = undefined;
    robot = undefined;
  });

  it('the recording has the steps this test replays', () => {
    const real = recordedSteps();
    assert.equal(real.length, 11);
    assert.ok(real[1].hints.length > 0 && real[4].hints.length > 0);
  });

  it('publishes the same distinct topics and payloads at each HTTP step, through an embedded broker', async () => {
    robot = await SimulatedRobot.start({ port: 0, model: 'OT-2', speed: 20 });
    bridge = await MqttBridge.start(robot, { port: 0 });
    subscriber = connect(bridge.url, { protocolVersion: 4, clean: true, reconnectPeriod: 0 });
    const client = subscriber;
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    const norm = normaliser();
    const seen: string[] = [];
    const flags: Array<{ qos: number; retain: boolean }> = [];
    client.on('message', (topic, payload, packet) => {
      seen.push(norm(topic, JSON.parse(payload.toString()) as object));
      flags.push({ qos: packet.qos, retain: packet.retain });
    });
    await client.subscribeAsync('robot-server/#', { qos: 1 });

    const sim = await replay(robot, () => seen);
    const real = recordedSteps();
    assert.equal(sim.length, real.length);
    const diff = differences(real, sim);
    assert.deepEqual(diff, [], `simulator vs recording:\n${diff.join('\n')}\nsimulator steps: ${JSON.stringify(sim, null, 1)}`);
    // as robot-server publishes: QoS 1, never retained
    assert.ok(flags.length > 0);
    for (const f of flags) assert.deepEqual(f, { qos: 1, retain: false });
    // what went through the broker is what the robot emitted, in order
    const emitted = normaliser();
    assert.deepEqual(
      bridge.published.map((p) => emitted(p.topic, p.payload)),
      seen,
    );
  });
});
