// Scale-out (issue 22 §4): two real Node-RED processes run examples/fleet-mqtt-scale-out.json, each with a
// fleet of two simulated robots of its own, against a real Mosquitto. The test publishes jobs as a LIMS would;
// the MQTT 5 shared subscription hands each to one instance. Every job must run exactly once across both
// instances — counted at the robots, not from what the flows say — and every job's events must come back.
import { strict as assert } from 'node:assert';
import mqtt, { type MqttClient } from 'mqtt';
import { RobotClient } from '../nodes/lib/client';
import { SimulatedRobot } from '../nodes/lib/simulator';
import { readFlow } from './examples/deploy';
import type { FlowNode } from './helpers/nodered';
import { startNodeRed, type NodeRedProcess } from './helpers/nodered-process';
import { Mosquitto, until } from './notifications-helpers';

const EXAMPLE = 'fleet-mqtt-scale-out';
const SHARED_FILTER = '$share/opentrons-fleet/lab/jobs';
const JOBS = 12;
const INSTANCES = ['node-red-1', 'node-red-2'];

interface JobEvent {
  event: string;
  instance: string;
  ref?: string;
  jobId?: string;
  state?: string;
  robot?: string;
  runId?: string;
  error?: string;
}

/** The example as instance `name` deploys it: its broker on the test's port, its robots the test's simulators. */
function instanceFlow(name: string, brokerPort: number, robots: SimulatedRobot[]): FlowNode[] {
  const flow = readFlow(EXAMPLE).map((n) => ({ ...n }));
  const configs = flow.filter((n) => n.type === 'opentrons-robot');
  assert.equal(configs.length, robots.length, 'the example has one robot config per simulator here');
  configs.forEach((n, i) => Object.assign(n, { simulate: false, host: '127.0.0.1', port: robots[i].port, notifications: 'off' }));
  for (const n of flow) {
    if (n.type === 'mqtt-broker') n.port = String(brokerPort);
    if (n.type === 'tab') n.env = [{ name: 'FLEET_INSTANCE', value: name, type: 'str' }];
  }
  return flow;
}

/** The protocol the example's stand-in LIMS publishes (its template node), so the test sends what the example does. */
function exampleProtocol(): string {
  const template = readFlow(EXAMPLE).find((n) => n.type === 'template' && n.field === 'protocol');
  assert.ok(template && typeof template.template === 'string', 'the example has its protocol in a template node');
  return template.template;
}

/** Each run a robot holds, with the `plate` run-time parameter it was created with. */
async function runsAt(robot: SimulatedRobot): Promise<Array<{ id: string; status: string; plate: unknown }>> {
  const client = new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 10_000 });
  try {
    const runs = (await client.listRuns()).data;
    return runs.map((r) => ({
      id: r.id,
      status: r.status,
      plate: (r.runTimeParameters as Array<{ variableName: string; value: unknown }> | undefined)?.find((p) => p.variableName === 'plate')?.value,
    }));
  } finally {
    await client.close();
  }
}

describe('fleet scale-out: two Node-RED instances share one job stream through a real Mosquitto (MQTT 5 shared subscription)', function () {
  this.timeout(240_000);
  let broker: Mosquitto | undefined;
  let lims: MqttClient | undefined;
  const robots: SimulatedRobot[] = [];
  const reds: NodeRedProcess[] = [];
  const events: JobEvent[] = [];

  before(async function () {
    broker = await Mosquitto.create(undefined, { logSubscriptions: true });
    for (let i = 0; i < 2 * INSTANCES.length; i++) robots.push(await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'OT-2', speed: 20, name: `bench-${i + 1}` }));
    for (const [i, name] of INSTANCES.entries()) {
      reds.push(await startNodeRed({ flows: instanceFlow(name, broker.port, robots.slice(2 * i, 2 * i + 2)) }));
    }
    // Both instances' shared subscriptions must be in place, or the broker hands every job to the first.
    await broker.subscribed(SHARED_FILTER, INSTANCES.length, 60_000);
    lims = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'test-lims' });
    lims.on('message', (topic, payload) => {
      if (topic === 'lab/jobs/events') events.push(JSON.parse(payload.toString()) as JobEvent);
    });
    await lims.subscribeAsync('lab/jobs/events', { qos: 1 });
  });

  after(async function () {
    await lims?.endAsync();
    for (const red of reds.splice(0)) await red.stop();
    for (const r of robots.splice(0)) await r.stop();
    await broker?.dispose();
  });

  it(`${JOBS} jobs published once each: every job is queued on one instance and runs there exactly once; its events come back`, async function () {
    const protocol = exampleProtocol();
    for (let plate = 1; plate <= JOBS; plate++) {
      const job = { ref: `plate-${plate}`, filename: 'plate.py', protocol, runTimeParameterValues: { plate } };
      await lims?.publishAsync('lab/jobs', JSON.stringify(job), { qos: 2 });
    }
    const ended = (): JobEvent[] => events.filter((e) => ['succeeded', 'failed', 'stopped', 'lost', 'rejected', 'cancelled', 'invalid'].includes(e.event));
    try {
      await until(`${JOBS} jobs ending`, () => ended().length >= JOBS, 180_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}; events: ${JSON.stringify(events)}\n${reds.map((r) => r.output().slice(-3000)).join('\n----\n')}`);
    }

    // At the robots: one run per plate, across the four of them, each succeeded.
    const perRobot = await Promise.all(robots.map(runsAt));
    const plates = perRobot.flat().map((r) => r.plate);
    assert.deepEqual(
      [...plates].sort((a, b) => Number(a) - Number(b)),
      Array.from({ length: JOBS }, (_, i) => i + 1),
      `every plate ran exactly once across the four robots: ${JSON.stringify(perRobot)}`,
    );
    assert.deepEqual(perRobot.flat().filter((r) => r.status !== 'succeeded'), [], 'every run succeeded');

    // The events: each job queued once, on one instance, and ended succeeded there.
    assert.deepEqual(ended().filter((e) => e.event !== 'succeeded'), [], 'no job failed, was lost, rejected or refused');
    const queued = events.filter((e) => e.event === 'queued');
    assert.deepEqual(queued.map((e) => e.ref).sort(), Array.from({ length: JOBS }, (_, i) => `plate-${i + 1}`).sort(), 'each job was queued exactly once, on one instance');
    const key = (e: JobEvent): string => `${e.instance}/${String(e.jobId)}`;
    assert.equal(new Set(queued.map(key)).size, JOBS, 'one job id per job');
    const succeeded = events.filter((e) => e.event === 'succeeded');
    assert.deepEqual(succeeded.map(key).sort(), queued.map(key).sort(), 'every queued job succeeded on the instance that queued it, once');
    for (const e of succeeded) assert.ok(typeof e.runId === 'string' && e.runId.length > 0, `a succeeded event names its run: ${JSON.stringify(e)}`);
    // The example puts the LIMS's ref back on every later event: the ref of each succeeded job is the plate its run processed.
    const plateOfRun = new Map(perRobot.flat().map((r) => [r.id, r.plate]));
    for (const e of succeeded) assert.equal(e.ref, `plate-${String(plateOfRun.get(String(e.runId)))}`, `the succeeded event carries its job's ref: ${JSON.stringify(e)}`);

    // The broker spread the jobs: both instances took some, and each ran its own on its own robots.
    for (const [i, name] of INSTANCES.entries()) {
      const mine = queued.filter((e) => e.instance === name).map((e) => Number(String(e.ref).slice('plate-'.length)));
      assert.ok(mine.length > 0, `${name} received jobs (the shared subscription spreads them): ${JSON.stringify(queued)}`);
      const ranHere = perRobot.slice(2 * i, 2 * i + 2).flat().map((r) => Number(r.plate));
      assert.deepEqual(ranHere.sort((a, b) => a - b), mine.sort((a, b) => a - b), `${name} ran exactly the jobs it received, on its own robots`);
    }
    const runIds = new Set(perRobot.flat().map((r) => r.id));
    for (const e of succeeded) assert.ok(runIds.has(String(e.runId)), `the succeeded event's run ${String(e.runId)} is one the robots ran`);
  });
});
