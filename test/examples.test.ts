// Every flow in examples/ is deployed against the simulated robot and exercised the way a user
// would: click its inject buttons, read what reaches its debug nodes.
import assert from 'node:assert/strict';
import { MIN_POLL_INTERVAL_MS } from '../nodes/lib/poll';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { RobotConfigNode } from '../nodes/lib/node-support';
import mqtt from 'mqtt';
import { helper, unloadFlow, type FlowNode } from './helpers/nodered';
import { closeExampleServers, deployExample, exampleNames, isCoreType, isDashboardType, isOurType, readFlow, type DeployedExample, type Msg } from './examples/deploy';
import { Mosquitto } from './notifications-helpers';

const ACTION_TYPES = ['opentrons-upload', 'opentrons-run', 'opentrons-command', 'opentrons-status', 'opentrons-hardware', 'opentrons-request', 'opentrons-deck'];

type Scenario = (ex: DeployedExample, ctx: ScenarioContext) => Promise<void>;
interface ScenarioContext {
  /** Starts an MQTT broker for this test on a free loopback port. */
  broker(): Promise<TestBroker>;
}

function obj(v: unknown, what: string): Record<string, unknown> {
  assert.ok(v !== null && typeof v === 'object' && !Array.isArray(v), `${what} should be an object, got ${JSON.stringify(v)}`);
  return v as Record<string, unknown>;
}

function arr(v: unknown, what: string): Record<string, unknown>[] {
  assert.ok(Array.isArray(v), `${what} should be an array, got ${JSON.stringify(v)}`);
  return v as Record<string, unknown>[];
}

/** The client of the example's (first simulated) robot, to check what the robot itself now holds. */
function robotClient(ex: DeployedExample): NonNullable<RobotConfigNode['client']> {
  const config = ex.flow.find((n) => n.type === 'opentrons-robot' && n.simulate === true);
  assert.ok(config, 'the example has a simulated robot');
  const node = helper.getNode(config.id) as unknown as RobotConfigNode;
  assert.ok(node?.client, 'the simulated robot is running');
  return node.client;
}

/** The example's simulated robot itself, to change its hardware as a lab would (move a pipette). */
async function simulatedRobot(ex: DeployedExample): Promise<NonNullable<RobotConfigNode['simulatedRobot']>> {
  const config = ex.flow.find((n) => n.type === 'opentrons-robot' && n.simulate === true);
  assert.ok(config, 'the example has a simulated robot');
  const node = helper.getNode(config.id) as unknown as RobotConfigNode;
  await node.ready();
  const sim = node.simulatedRobot;
  assert.ok(sim, 'the simulated robot is running');
  return sim;
}

// ---------------------------------------------------------------------------------------------
// Scenarios, one per example. An example without one fails the suite.
const scenarios: Record<string, Scenario> = {
  async 'error-recovery-flex'(ex) {
    ex.click('start');
    const resumed = await ex.next('resumed', 30_000);
    assert.deepEqual(ex.pending('errors'), [], 'no node reported an error');
    const runId = String(resumed.runId);
    const ended = await ex.next('run ended', 30_000);
    assert.equal(ended.topic, 'succeeded');
    assert.equal(ended.runId, runId);
    const client = robotClient(ex);
    const run = await client.getRun(runId);
    assert.equal(run.hasEverEnteredErrorRecovery, true, 'the run went through recovery');
    const commands = (await client.listRunCommands(runId, { cursor: 0, pageLength: 50 })).data as unknown as Array<{ id: string; commandType: string; status: string; intent?: string; failedCommandId?: string; error?: { errorType?: string } }>;
    const failed = commands.find((c) => c.commandType === 'pickUpTip' && c.status === 'failed');
    assert.equal(failed?.error?.errorType, 'tipPhysicallyMissing', 'the armed fault made the first pickUpTip fail');
    const fixit = commands.find((c) => c.intent === 'fixit');
    assert.equal(fixit?.commandType, 'pickUpTip');
    assert.equal(fixit?.status, 'succeeded');
    assert.equal(fixit?.failedCommandId, failed?.id, 'the fixit command names the failed one');
    assert.equal(commands.find((c) => c.commandType === 'dropTipInPlace')?.status, 'succeeded', 'the run went on after the failed command');
  },

  async 'robot-basics'(ex) {
    const command = async (inject: string): Promise<Record<string, unknown>> => {
      ex.click(inject);
      const cmd = obj((await ex.next('done', 15_000)).payload, `${inject}: the command`);
      assert.equal(cmd.status, 'succeeded', `${inject}: ${JSON.stringify(cmd.error)}`);
      return cmd;
    };
    assert.equal((await command('home')).commandType, 'home');
    const left = await command('home left pipette');
    assert.equal(left.commandType, 'home');
    const axes = obj(left.params, 'home params').axes;
    assert.ok(Array.isArray(axes) && axes.length > 0 && axes.every((a) => /^left/.test(String(a))), `only left axes: ${JSON.stringify(axes)}`);
    assert.equal((await command('lights on')).commandType, 'setRailLights');
    const client = robotClient(ex);
    assert.equal((await client.getLights()).on, true, 'the robot\'s rail lights are on');
    await command('lights off');
    assert.equal((await client.getLights()).on, false, 'and off again');
    assert.deepEqual(ex.pending('errors'), [], 'no command error was caught');
  },

  async 'atomic-liquid-handling'(ex) {
    // The flow loads its P300 on whichever mount holds one, so the simulated robot's P300 is moved from the right
    // to the left first; before that, with none attached, the flow stops and says what is there.
    const sim = await simulatedRobot(ex);
    const before = await robotClient(ex).getInstruments();
    assert.deepEqual(before.map((i) => `${String(i.mount)} ${String(i.instrumentName)}`), ['left p20_single_gen2', 'right p300_single_gen2']);
    sim.detachPipette('right');
    ex.click('transfer 100 µL reservoir A1 → plate A1');
    const missing = await ex.next('missing pipette', 30_000);
    assert.match(String(missing.payload), /this robot has none\. Attached: left p20_single_v2\.0$/);
    assert.equal((await robotClient(ex).listRuns()).data.length, 0, 'no run was created');
    sim.attachPipette({ mount: 'left', instrumentName: 'p300_single_gen2', instrumentModel: 'p300_single_v2.0', serialNumber: 'P3HSV2020070101', channels: 1, minVolume: 20, maxVolume: 300 });
    ex.click('transfer 100 µL reservoir A1 → plate A1');
    const done = await ex.next('done', 30_000);
    assert.deepEqual(ex.pending('errors'), [], 'no command error was caught');
    const runId = String(done.runId);
    const page = await robotClient(ex).listRunCommands(runId, { pageLength: 100 });
    const commands = page.data as unknown as Array<{ commandType: string; status: string; params: Record<string, unknown> }>;
    const types = commands.map((c) => c.commandType);
    for (const t of ['loadLabware', 'loadPipette', 'pickUpTip', 'aspirate', 'dispense', 'dropTipInPlace']) {
      assert.ok(types.includes(t), `the run has a ${t} command: ${types.join(', ')}`);
    }
    assert.ok(types.indexOf('pickUpTip') < types.indexOf('aspirate') && types.indexOf('aspirate') < types.indexOf('dispense'), 'in order');
    assert.deepEqual(commands.filter((c) => c.status !== 'succeeded').map((c) => `${c.commandType}: ${c.status}`), [], 'every command succeeded');
    assert.equal(commands.find((c) => c.commandType === 'aspirate')?.params.volume, 100);
    assert.equal(commands.find((c) => c.commandType === 'loadPipette')?.params.mount, 'left', 'loaded where the P300 now is');
  },

  async 'run-a-protocol'(ex) {
    ex.click('start: upload + run');
    // The protocol pauses itself; its message reaches the status debug, then resume lets it finish.
    let status = await ex.next('status', 30_000);
    while (status.topic !== 'paused') status = await ex.next('status', 30_000);
    const paused = obj(status.payload, 'the paused status');
    assert.equal(paused.pauseMessage, 'Check that A1 of the plate is filled, then press resume');
    const runId = paused.runId;
    assert.equal(typeof runId, 'string');
    ex.click('resume');
    const resumed = await ex.next('action', 15_000);
    assert.equal(resumed.runId, runId, 'the resume button acts on the run the flow created (flow.runId)');
    const done = await ex.next('done', 45_000);
    const run = obj(done.payload, 'the finished run');
    assert.equal(run.status, 'succeeded', `the run succeeds: ${JSON.stringify(run.errors)}`);
    assert.equal(run.runId, runId);
    assert.equal(done.runId, runId);
    assert.equal(typeof run.protocolId, 'string');
    assert.deepEqual(ex.pending('did not succeed'), []);
    assert.deepEqual(ex.pending('errors'), [], 'no robot error was caught');
  },

  async housekeeping(ex) {
    const setup = '1. upload a demo protocol and create a run';
    ex.click(setup);
    const first = await ex.next('run created', 20_000);
    ex.click(setup);
    const second = await ex.next('run created', 20_000);
    assert.equal(typeof first.runId, 'string');
    assert.notEqual(first.runId, second.runId, 'two clicks make two runs');
    assert.equal(first.protocolId, second.protocolId, 'the same file is the same protocol');
    const protocolId = first.protocolId;

    ex.click('2. list protocols');
    const protocols = arr((await ex.next('protocols')).payload, 'protocol list');
    assert.ok(protocols.some((p) => p.id === protocolId), 'the uploaded protocol is listed');

    ex.click('3. list runs');
    let runs = await ex.next('runs');
    assert.deepEqual(arr(runs.payload, 'run list').map((r) => r.id).sort(), [first.runId, second.runId].sort());
    assert.equal(runs.currentRunId, second.runId, 'the newer run is current');

    ex.click('4. delete old runs');
    const deleted = await ex.next('deleted run');
    assert.equal(deleted.runId, first.runId, 'only the run that is not current is deleted');
    ex.click('3. list runs');
    runs = await ex.next('runs');
    assert.deepEqual(arr(runs.payload, 'run list').map((r) => r.id), [second.runId]);
    assert.deepEqual(ex.pending('deleted run'), [], 'the current run is kept');

    ex.click('5. delete the demo protocol');
    const refused = await ex.next('why not deleted');
    assert.equal(refused.statusCode, 409);
    assert.equal(obj(refused.error, 'msg.error').code, 'ProtocolUsedByRun');
    assert.match(String(refused.payload), /^Not deleted \(HTTP 409 ProtocolUsedByRun\): /);
    assert.ok(String(refused.payload).includes(String(second.runId)), `the explanation names the run that holds the protocol: ${String(refused.payload)}`);
    assert.deepEqual(ex.pending('protocol deleted'), []);

    ex.click('6. delete the runs that use the demo protocol');
    assert.equal((await ex.next('deleted run')).runId, second.runId);
    ex.click('5. delete the demo protocol');
    assert.equal((await ex.next('protocol deleted')).protocolId, protocolId);
    ex.click('2. list protocols');
    assert.ok(!arr((await ex.next('protocols')).payload, 'protocol list').some((p) => p.id === protocolId), 'the protocol is gone');
  },

  async 'mqtt-triggered-run'(ex, ctx) {
    // The broker was started before deploy (see the rewrite in the suite below).
    const broker = await ctx.broker();
    await broker.subscribed('opentrons/demo/start');
    const statuses = broker.collect('opentrons/demo/status');

    ex.click('1. upload the demo protocol');
    const uploaded = await ex.next('uploaded', 20_000);
    assert.equal(typeof uploaded.protocolId, 'string');

    ex.click('2. send a start message');
    const start = await ex.next('start request');
    assert.deepEqual(start.payload, { parameters: { sample_count: 4, volume_ul: 20 } });

    const finished = await statuses.until((s) => s.status === 'succeeded' || s.status === 'failed' || s.status === 'stopped', 20_000);
    const published = statuses.all();
    assert.ok(published.length >= 2, `at least two status changes were published: ${JSON.stringify(published)}`);
    assert.equal(finished.status, 'succeeded', `the run ends well: ${JSON.stringify(published)}`);
    assert.ok(published.some((s) => s.status === 'running'), 'running was published');
    const runId = String(finished.runId);
    assert.ok(published.every((s) => s.runId === runId), 'every status is about the run the message started');

    // The robot itself holds the values from the MQTT payload.
    const run = await robotClient(ex).getRun(runId);
    assert.equal(run.protocolId, uploaded.protocolId);
    const values = Object.fromEntries(arr(run.runTimeParameters, 'run.runTimeParameters').map((p) => [p.variableName, p.value]));
    assert.deepEqual(values, { sample_count: 4, volume_ul: 20 });
    assert.deepEqual(ex.pending('error'), [], 'no robot error was caught');
  },

  async 'plate-reader-loop'(ex) {
    ex.click('Start');
    const reading = await ex.next('plate reading', 30_000);
    const finished = await ex.next('run finished', 30_000);
    assert.equal(finished.topic, 'succeeded', `the run resumes after the reading and finishes: ${JSON.stringify(finished.payload)}`);
    assert.equal(finished.runId, reading.runId, 'the reading belongs to the run that finished');
    const od = obj(obj(reading.reading, 'msg.reading (the plate reader\'s answer)').od, 'reading.od');
    assert.ok(Object.keys(od).length > 0, 'the stand-in plate reader answered with optical densities');
  },

  async 'modules-and-door'(ex) {
    const config = ex.flow.find((n) => n.type === 'opentrons-robot' && n.simulate === true);
    const configNode = helper.getNode(String(config?.id)) as unknown as RobotConfigNode;
    await configNode.ready();
    const sim = configNode.simulatedRobot;
    assert.ok(sim, 'the simulated Flex is running');
    assert.equal(sim.model, 'Flex');
    const doorNow = async (): Promise<unknown> => obj(obj((await ex.next('door', 5000)).payload, 'door msg payload').current, 'door status').status;
    assert.equal(await doorNow(), 'closed', 'the door watcher reports the door as found');
    ex.click('start: cool to 4 °C, then run');
    assert.equal(obj((await ex.next('target set', 15_000)).payload, 'command').status, 'succeeded');
    const started = await ex.next('run started', 30_000);
    const runId = String(started.runId);
    const client = robotClient(ex);
    const temp = (await client.getModules()).find((m) => m.moduleModel === 'temperatureModuleV2');
    assert.deepEqual(temp?.data, { status: 'holding at target', currentTemperature: 4, targetTemperature: 4 }, 'the run started only once 4 °C was reached');
    assert.equal((await client.getLights()).on, true, 'lights on while the run goes');

    sim.setDoor(true);
    const alert = await ex.next('alert', 10_000);
    assert.match(String(alert.payload), new RegExp(`^Door opened during run ${runId}: the robot paused it`));
    assert.equal(await doorNow(), 'open');
    sim.setDoor(false);
    assert.equal(await doorNow(), 'closed');
    for (;;) {
      if ((await client.getRun(runId)).status === 'paused') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    ex.click('resume (door closed)');
    const off = await ex.next('lights', 30_000);
    assert.deepEqual(obj(off.payload, 'lights command').params, { on: false });
    assert.equal((await client.getRun(runId)).status, 'succeeded');
    assert.equal((await client.getLights()).on, false, 'lights off once the run ended');
    assert.deepEqual(ex.pending('errors'), [], 'no robot error was caught');
    assert.deepEqual(ex.pending('alert'), [], 'one alert for one door opening');
  },

  async 'operator-dashboard'(ex) {
    // The widgets are probes here (test/examples/deploy.ts); the real Dashboard runs in test/browser-dashboard.test.ts.
    const until = async (widget: string, pred: (m: Record<string, unknown>) => boolean, what: string, ms = 20_000): Promise<Record<string, unknown>> => {
      const end = Date.now() + ms;
      for (;;) {
        const m = await ex.next(widget, Math.max(1, end - Date.now()));
        if (pred(m)) return m;
        if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
      }
    };
    // At deploy: the demo protocol is uploaded, listed, offered, and its deck drawn.
    const listed = arr((await ex.next('protocols', 20_000)).payload, 'the protocols on the robot');
    assert.ok(listed.some((p) => obj(p.metadata, 'metadata').protocolName === 'Cold plate fill (demo)'));
    const offered = await ex.next('ui:protocol');
    assert.deepEqual(arr(offered.options, 'dropdown options').map((o) => o.label), ['Cold plate fill (demo)']);
    const map = await ex.next('ui:deck map', 15_000);
    assert.match(String(map.payload), /^<svg /);
    const slots = obj(obj(map.deck, 'msg.deck').slots, 'slots');
    assert.deepEqual(Object.keys(slots).sort(), ['1', '2', '3']);
    assert.match(String(map.payload), /data-name="Sample plate"/);

    // Start: the run goes to the protocol's pause, part-way through.
    ex.operate('Start', { payload: '' });
    const paused = await until('ui:pause panel', (m) => obj(m.payload, 'pause panel').paused === true, 'the pause panel');
    assert.equal(obj(paused.payload, 'pause panel').message, 'Check the plate is seated on the cold block, then press Resume');
    const bars = ex.pending('ui:progress').map((m) => Number(m.payload));
    assert.ok(bars.some((b) => b > 0 && b < 100), `the progress bar moved part-way: ${bars.join(', ')}`);
    // The deck map follows the run: redrawn from the run as it loads its labware.
    const runSlots = (m: Record<string, unknown>): string[] => Object.keys(obj(obj(m.deck, 'msg.deck').slots, 'slots')).sort();
    await until('ui:deck map', (m) => typeof m.runId === 'string' && runSlots(m).join() === '1,2,3', 'the deck map of the run with its labware');

    // Resume from the pause panel: the run finishes.
    ex.operate('pause panel', { action: 'play' });
    await until('ui:outcome', (m) => m.payload === 'Run succeeded', 'the outcome', 30_000);
    assert.equal(Number((await until('ui:progress', (m) => Number(m.payload) === 100, 'a full bar')).payload), 100);
    const reading = await until('ui:temperature', (m) => typeof m.payload === 'number', 'a temperature for the chart');
    assert.equal(reading.topic, 'Temperature module (°C)');
    assert.deepEqual(ex.pending('errors'), [], 'no error was caught');
  },

  async 'error-handling'(ex) {
    const alert = async (inject: string): Promise<Record<string, unknown>> => {
      ex.click(inject);
      const m = await ex.next('alert');
      return obj(m.payload, 'alert payload');
    };
    const notFound = await alert('play a run that does not exist');
    assert.equal(notFound.code, 'RunNotFound');
    assert.equal(notFound.statusCode, 404);
    assert.match(String(notFound.alert), /^play failed \(HTTP 404\): \S/);
    assert.match(String(notFound.advice), /List the runs/);
    assert.equal(obj(notFound.robotError, 'robotError').id, 'RunNotFound');

    const noProtocol = await alert('run a protocol that is not uploaded');
    assert.equal(noProtocol.code, 'ProtocolNotFound');
    assert.equal(noProtocol.statusCode, 404);
    assert.match(String(noProtocol.advice), /Upload it first/);

    const off = await alert('ask a switched-off robot');
    assert.equal(off.code, 'ECONNREFUSED');
    assert.equal(off.statusCode, undefined, 'no HTTP status when nothing answered');
    assert.match(String(off.alert), /^list runs failed: /);
    assert.match(String(off.advice), /Is the robot on/);

    const input = await alert('forget the run id');
    assert.equal(input.code, 'InvalidInput');
    assert.match(String(input.alert), /runId/);
    assert.deepEqual(ex.pending('no error'), [], 'no failing node sent a msg on');
  },

  async 'run-records'(ex) {
    ex.click('start a run');
    const started = await ex.next('started', 30_000);
    const runId = String(started.runId);
    const record = obj((await ex.next('run record', 60_000)).payload, 'the run record');
    assert.equal(record.runId, runId);
    assert.equal(record.status, 'succeeded');
    const client = robotClient(ex);
    const page = await client.listRunCommands(runId, { cursor: 0, pageLength: 1 });
    const commands = arr(record.commands, 'the record\'s commands');
    assert.equal(commands.length, page.meta.totalLength, 'every command of the run is in the record');
    assert.equal(record.commandCount, commands.length);
    assert.equal(commands[0].commandType, 'home');
    assert.deepEqual(record.commandErrors, []);

    ex.click('read the command log');
    const log = await ex.next('command log', 15_000);
    assert.deepEqual(arr(log.payload, 'the command log').map((c) => c.id), commands.map((c) => c.id), 'the same log, in the same order');
    assert.deepEqual(log.meta, { totalLength: commands.length });
    ex.click('read the command errors');
    const errors = await ex.next('command errors', 15_000);
    assert.deepEqual(errors.payload, []);
    assert.deepEqual(ex.pending('errors'), [], 'no robot error was caught');
  },

  async 'fleet-queue'(ex) {
    const seen: Msg[] = [];
    /** The first job event (of any job) that matches, waiting for more as they come. */
    const jobEvent = async (pred: (m: Msg) => boolean, what: string, ms = 30_000): Promise<Msg> => {
      const end = Date.now() + ms;
      for (;;) {
        const hit = seen.find(pred);
        if (hit) return hit;
        if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms; events: ${JSON.stringify(seen.map((m) => [m.topic, m.jobId, m.robot]))}`);
        seen.push(await ex.next('job events', Math.max(1, end - Date.now())).catch(() => {
          throw new Error(`${what}: not within ${ms} ms; events: ${JSON.stringify(seen.map((m) => [m.topic, m.jobId, m.robot, obj(m.payload, 'job').reasons]))}; errors: ${JSON.stringify(ex.pending('errors').map((m) => m.error))}`);
        }));
      }
    };
    const submit = async (inject: string): Promise<string> => {
      ex.click(inject);
      // The queue answers each submit with one `queued` msg: the first one not yet taken is this job's.
      const queued = await jobEvent((m) => m.topic === 'queued' && !taken.has(String(m.jobId)), `${inject}: queued`);
      taken.add(String(queued.jobId));
      return String(queued.jobId);
    };
    const taken = new Set<string>();
    const ended = (jobId: string, what: string, ms?: number): Promise<Msg> =>
      jobEvent((m) => m.jobId === jobId && ['succeeded', 'failed', 'stopped', 'cancelled', 'rejected', 'lost'].includes(String(m.topic)), what, ms);

    // At deploy OT-2 B's p300 comes off through the simulator's route.
    assert.deepEqual(obj((await ex.next('set-up', 15_000)).payload, 'the route\'s answer').data, { mount: 'right', detached: true });
    const clientOf = (name: string): NonNullable<RobotConfigNode['client']> => {
      const config = ex.flow.find((n) => n.type === 'opentrons-robot' && n.name === name);
      const node = helper.getNode(String(config?.id)) as unknown as RobotConfigNode;
      assert.ok(node?.client, `robot ${name} is running`);
      return node.client;
    };
    assert.deepEqual((await clientOf('OT-2 B').getInstruments()).map((i) => i.instrumentName), ['p20_single_gen2'], 'OT-2 B has its p20 only');

    // A job that fits one robot runs there.
    const p300 = await submit('p300 job (fits OT-2 A only)');
    const p300End = await ended(p300, 'the p300 job');
    assert.equal(p300End.topic, 'succeeded', JSON.stringify(p300End.payload));
    assert.equal(p300End.robot, 'OT-2 A');
    assert.equal((await clientOf('OT-2 A').getRun(String(p300End.runId))).status, 'succeeded', 'the run is on OT-2 A');
    const flex = await submit('Flex job (fits the Flex only)');
    const flexEnd = await ended(flex, 'the Flex job');
    assert.equal(flexEnd.topic, 'succeeded', JSON.stringify(flexEnd.payload));
    assert.equal(flexEnd.robot, 'Flex');
    assert.equal((await clientOf('Flex').getRun(String(flexEnd.runId))).status, 'succeeded', 'the run is on the Flex');

    // Two p20 jobs at once: both OT-2s have a p20, so they run side by side, one each.
    const p20a = await submit('p20 job (fits OT-2 A and B)');
    const p20b = await submit('p20 job (fits OT-2 A and B)');
    const both = [await ended(p20a, 'the first p20 job'), await ended(p20b, 'the second p20 job')];
    assert.deepEqual(both.map((m) => m.topic), ['succeeded', 'succeeded']);
    assert.deepEqual(both.map((m) => m.robot).sort(), ['OT-2 A', 'OT-2 B'], 'one p20 job on each OT-2');

    // A paused job is resumed from the flow: play on its run, on its robot.
    const pausing = await submit('job that pauses (OT-2 A or B)');
    const paused = await jobEvent((m) => m.jobId === pausing && m.topic === 'paused', 'the pausing job pauses');
    assert.equal(await ex.next('paused', 15_000).then((m) => obj(m.payload, 'job').pauseMessage), 'Put the lid on the sample plate, then resume');
    // One opentrons-run serves every robot: its own robot (the Flex) never has this OT-2 job, so the play
    // reached the job's run only because msg.robot sent it to the robot the job paused on.
    const runNodes = ex.flow.filter((n) => n.type === 'opentrons-run');
    assert.equal(runNodes.length, 1, 'one opentrons-run resumes jobs on any robot');
    assert.equal(ex.flow.find((n) => n.id === runNodes[0].robot)?.name, 'Flex');
    assert.match(String(paused.robot), /^OT-2 [AB]$/);
    ex.click('resume the paused job');
    const resumed = await ex.next('resumed', 15_000);
    assert.equal(resumed.runId, paused.runId, 'play went to the paused job\'s run');
    const pausingEnd = await ended(pausing, 'the resumed job');
    assert.equal(pausingEnd.topic, 'succeeded');
    assert.equal((await clientOf(String(paused.robot)).getRun(String(paused.runId))).status, 'succeeded', 'on the robot it paused on');

    // A job no robot fits is rejected with each robot's reason.
    const p1000 = await submit('p1000 job (fits no robot)');
    const rejected = await ended(p1000, 'the p1000 job');
    assert.equal(rejected.topic, 'rejected');
    const why = obj(obj((await ex.next('why rejected')).payload, 'the rejected job').reasons, 'payload.reasons');
    assert.deepEqual(Object.keys(why).sort(), ['Flex', 'OT-2 A', 'OT-2 B'], `a reason for each robot: ${JSON.stringify(why)}`);
    for (const ot2 of ['OT-2 A', 'OT-2 B']) assert.match(String(why[ot2]), /p20_single_gen2.*p1000_single_gen2|p1000_single_gen2.*p20_single_gen2/, `${ot2}: names what it has and what the protocol loads`);
    assert.match(String(why.Flex), /OT-2|Flex/, 'the Flex: the robot type');
    assert.equal(rejected.runId, undefined, 'a rejected job has no run');

    ex.click('list the queue');
    const list = obj((await ex.next('queue')).payload, 'the queue');
    const jobs = arr(list.jobs, 'jobs');
    const states = Object.fromEntries(jobs.map((j) => [String(j.jobId), j.state]));
    assert.deepEqual([p300, flex, p1000, p20a, p20b, pausing].map((id) => states[id]), ['succeeded', 'succeeded', 'rejected', 'succeeded', 'succeeded', 'succeeded']);
    assert.deepEqual(arr(list.robots, 'robots').map((r) => [r.robot, r.state]), [['OT-2 A', 'free'], ['OT-2 B', 'free'], ['Flex', 'free']]);
    assert.deepEqual(ex.pending('errors'), [], 'no error was caught');
  },

  async 'fleet-dashboard'(ex) {
    // The widgets are probes here (test/examples/deploy.ts); the real Dashboard runs in test/browser-fleet-dashboard.test.ts.
    const until = async (widget: string, pred: (m: Msg) => boolean, what: string, ms = 30_000): Promise<Msg> => {
      const end = Date.now() + ms;
      for (;;) {
        const m = await ex.next(widget, Math.max(1, end - Date.now())).catch(() => {
          throw new Error(`${what}: not within ${ms} ms; errors: ${JSON.stringify(ex.pending('errors').map((e) => e.error))}`);
        });
        if (pred(m)) return m;
      }
    };
    const rows = (m: Msg): Record<string, unknown>[] => arr(m.payload, `${String(m.topic)} rows`);
    const robotIs = (robot: string, state: string) => (m: Msg): boolean => rows(m).some((r) => r.robot === robot && r.state === state);
    const jobIs = (jobId: string, state: string) => (m: Msg): boolean => rows(m).some((r) => r.jobId === jobId && r.state === state);

    // At deploy: both protocols analysed, the form gets their parameters.
    const form = await until('ui:submit form', (m) => Array.isArray(m.payload) && m.payload.length === 2, 'the form\'s protocols', 20_000);
    const dilution = arr(form.payload, 'protocols').find((p) => p.filename === 'dilution.py');
    const params = Object.fromEntries(arr(dilution?.parameters, 'parameters').map((p) => [p.variableName, p]));
    assert.deepEqual([params.sample_count.type, params.sample_count.min, params.sample_count.max], ['int', 1, 96]);
    assert.deepEqual([params.volume_ul.type, params.volume_ul.min, params.volume_ul.max], ['float', 5, 200]);
    assert.equal(params.mix_after.type, 'bool');
    assert.deepEqual(arr(params.diluent.choices, 'choices').map((c) => c.value), ['pbs', 'water']);
    assert.equal(params.plate_map.type, 'csv_file');
    const robots = await until('ui:robots', (m) => rows(m).length === 2, 'the robots table');
    assert.deepEqual(rows(robots).map((r) => [r.robot, r.model, r.state]), [['Bench 1', 'OT-2', 'free'], ['Bench 2', 'OT-2', 'free']]);

    // A job: assigned to Bench 1, its deck map shown; Start runs it; then Bench 1 needs clearing until Clear.
    ex.operate('submit form', { topic: 'submit', filename: 'plate-fill.json', values: {} });
    const assigned = await until('ui:queue', (m) => rows(m).some((r) => r.state === 'assigned'), 'the job assigned');
    const job = rows(assigned).find((r) => r.state === 'assigned') as Record<string, unknown>;
    assert.equal(job.robot, 'Bench 1');
    assert.equal(job.protocol, 'Plate fill (deck demo)');
    const jobId = String(job.jobId);
    const deck = await until('ui:deck', (m) => typeof m.payload === 'string' && obj(m.job, 'msg.job').jobId === jobId, 'the deck map of the job');
    assert.match(String(deck.payload), /^<svg /);
    assert.match(String(deck.payload), /data-name="Sample plate"/);
    assert.deepEqual(Object.keys(obj(obj(deck.deck, 'msg.deck').slots, 'slots')).sort(), ['1', '2', '3']);
    ex.operate('deck', { action: 'start', jobId });
    await until('ui:robots', (m) => rows(m).some((r) => r.robot === 'Bench 1' && (r.state === 'running' || r.state === 'needs-clearing')), 'Bench 1 running');
    await until('ui:robots', robotIs('Bench 1', 'needs-clearing'), 'Bench 1 needs clearing after the run');
    await until('ui:queue', jobIs(jobId, 'succeeded'), 'the job succeeded');
    await until('ui:deck', (m) => m.topic === 'state' && obj(m.job, 'job').robotState === 'needs-clearing', 'the deck panel offers Clear');
    ex.operate('robots', { action: 'clear', robot: 'Bench 1' });
    await until('ui:robots', robotIs('Bench 1', 'free'), 'Bench 1 free again');

    // The form's parameters and CSV travel with the job to the robot that runs it.
    ex.operate('submit form', { topic: 'submit', filename: 'dilution.py', values: { sample_count: 4, volume_ul: 20, mix_after: false, diluent: 'water' }, files: { plate_map: { filename: 'map.csv', content: 'well,sample\nA1,s1\n' } } });
    const second = await until('ui:queue', (m) => rows(m).some((r) => r.state === 'assigned' && r.protocol === 'Serial dilution (parameters)'), 'the dilution job assigned');
    const dilutionJob = rows(second).find((r) => r.state === 'assigned') as Record<string, unknown>;
    ex.operate('deck', { action: 'start', jobId: dilutionJob.jobId });
    await until('ui:queue', jobIs(String(dilutionJob.jobId), 'succeeded'), 'the dilution job succeeded');
    const client = (helper.getNode(String(ex.flow.find((n) => n.type === 'opentrons-robot' && n.name === dilutionJob.robot)?.id)) as unknown as RobotConfigNode).client;
    assert.ok(client);
    const run = (await client.listRuns()).data.find((r) => r.protocolId && (r.runTimeParameters ?? []).some((p) => p.variableName === 'plate_map'));
    assert.ok(run, 'the dilution run is on its robot');
    const values = Object.fromEntries(arr(run.runTimeParameters, 'run parameters').map((p) => [p.variableName, p.type === 'csv_file' ? obj(p.file, 'file').name : p.value]));
    assert.deepEqual(values, { sample_count: 4, volume_ul: 20, mix_after: false, diluent: 'water', plate_map: 'map.csv' });

    // Hold and release; cancel a job before it starts.
    ex.operate('robots', { action: 'hold', robot: 'Bench 2' });
    await until('ui:robots', robotIs('Bench 2', 'held'), 'Bench 2 held');
    ex.operate('robots', { action: 'release', robot: 'Bench 2' });
    await until('ui:robots', (m) => rows(m).some((r) => r.robot === 'Bench 2' && r.state !== 'held' && r.held === false), 'Bench 2 released');
    ex.operate('submit form', { topic: 'submit', filename: 'plate-fill.json', values: {} });
    const third = await until('ui:queue', (m) => rows(m).some((r) => r.state === 'assigned'), 'a third job assigned');
    const thirdId = String((rows(third).find((r) => r.state === 'assigned') as Record<string, unknown>).jobId);
    ex.operate('queue', { action: 'cancel', jobId: thirdId });
    await until('ui:queue', jobIs(thirdId, 'cancelled'), 'the third job cancelled');
    assert.deepEqual(ex.pending('errors'), [], 'no error was caught');
  },

  async 'fleet-mqtt-scale-out'(ex, ctx) {
    // One instance here (the two-instance run is test/fleet-scale-out.test.ts); the broker is a real Mosquitto.
    const broker = await ctx.broker();
    await broker.subscribed('$share/opentrons-fleet/lab/jobs');
    await broker.subscribed('lab/jobs/events');
    const events = broker.collect('lab/jobs/events');
    ex.click('publish 6 demo jobs');
    const refs = Array.from({ length: 6 }, (_, i) => `plate-${i + 1}`);
    const succeeded = (): Record<string, unknown>[] => events.all().filter((e) => e.event === 'succeeded');
    await events.until(() => succeeded().length >= 6, 60_000);
    assert.deepEqual(succeeded().map((e) => e.ref).sort(), refs.sort(), `each job succeeded once, its ref on the event: ${JSON.stringify(events.all())}`);
    assert.ok(succeeded().every((e) => e.instance === 'node-red-1' && typeof e.runId === 'string' && typeof e.robot === 'string'));
    assert.deepEqual(events.all().filter((e) => e.event === 'queued').map((e) => e.ref).sort(), refs.sort(), 'each job queued once');
    assert.deepEqual(events.all().filter((e) => !['queued', 'assigned', 'running', 'succeeded'].includes(String(e.event))), [], 'no job failed or was refused');
    // The runs at the robots: plates 1–6, once each.
    const plates: unknown[] = [];
    for (const config of ex.flow.filter((n) => n.type === 'opentrons-robot')) {
      const client = (helper.getNode(config.id) as unknown as RobotConfigNode).client;
      assert.ok(client);
      for (const run of (await client.listRuns()).data) {
        assert.equal(run.status, 'succeeded');
        plates.push(arr(run.runTimeParameters, 'run.runTimeParameters').find((p) => p.variableName === 'plate')?.value);
      }
    }
    assert.deepEqual(plates.map(Number).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6], 'every plate ran exactly once');
    const shown = ex.pending('job events (all instances)');
    assert.ok(shown.some((m) => obj(m.payload, 'event').event === 'succeeded'), 'the monitor shows the events');

    // A job the queue refuses comes back as an `invalid` event with the reason, and nothing runs.
    assert.ok(broker.publish, 'the Mosquitto broker publishes');
    await broker.publish('lab/jobs', { ref: 'bad-1', filename: 'notes.txt', protocol: 'not a protocol' });
    const invalid = await events.until((e) => e.ref === 'bad-1', 20_000);
    assert.equal(invalid.event, 'invalid');
    assert.equal(invalid.code, 'InvalidInput');
    assert.match(String(invalid.error), /protocol/);
    assert.equal(events.all().filter((e) => e.event === 'queued').length, 6, 'the bad job was not queued');
    let runs = 0;
    for (const config of ex.flow.filter((n) => n.type === 'opentrons-robot')) runs += ((await (helper.getNode(config.id) as unknown as RobotConfigNode).client?.listRuns())?.data.length ?? 0);
    assert.equal(runs, 6, 'no run was made for it');
  },

  async 'csv-parameters'(ex) {
    ex.click('1. upload the plate map');
    const file = await ex.next('data file', 15_000);
    const dataFileId = String(file.dataFileId);
    assert.equal(obj(file.payload, 'the data file').name, 'plate_map.csv');
    ex.click('2. upload, analyse and run');
    const started = await ex.next('started', 30_000);
    const record = obj((await ex.next('run record', 60_000)).payload, 'the run record');
    assert.equal(record.runId, started.runId);
    assert.equal(record.status, 'succeeded');
    const parameters = arr(record.runTimeParameters, 'the run\'s parameters');
    assert.deepEqual(parameters[0].file, { id: dataFileId, name: 'plate_map.csv' }, 'the run used the uploaded file');
    assert.ok(arr(record.commands, 'the record\'s commands').length > 0);

    ex.click('list data files');
    assert.deepEqual(arr((await ex.next('data files', 15_000)).payload, 'data files').map((f) => f.id), [dataFileId]);
    ex.click('delete the plate map');
    const refused = await ex.next('errors', 15_000);
    assert.match(String(obj(refused.error, 'the error').message), /this robot cannot delete data files/);
    assert.equal(refused.statusCode, 405);
    assert.deepEqual(ex.pending('deleted'), []);
  },
};

// ---------------------------------------------------------------------------------------------
describe('examples/', function () {
  const names = exampleNames();

  it('has the examples the issue asks for, and every action node appears in one', function () {
    for (const wanted of ['robot-basics', 'run-a-protocol', 'atomic-liquid-handling', 'housekeeping', 'mqtt-triggered-run', 'plate-reader-loop', 'error-handling', 'modules-and-door', 'error-recovery-flex', 'fleet-queue', 'fleet-mqtt-scale-out', 'fleet-dashboard']) {
      assert.ok(names.includes(wanted), `examples/${wanted}.json is missing`);
    }
    const used = new Set(names.flatMap((n) => readFlow(n).map((node) => node.type)));
    for (const type of ACTION_TYPES) assert.ok(used.has(type), `no example uses ${type}`);
  });

  for (const name of names) {
    describe(name, function () {
      let flow: FlowNode[];
      let broker: TestBroker | undefined;
      before(function () {
        flow = readFlow(name);
      });
      afterEach(async function () {
        await unloadFlow();
        await closeExampleServers();
        await broker?.close();
        broker = undefined;
      });

      it('uses only Node-RED core nodes and ours, with unique ids and wires that land', function () {
        const ids = new Set(flow.map((n) => n.id));
        assert.equal(ids.size, flow.length, 'ids are unique');
        for (const n of flow) {
          // Dashboard 2 widgets only in an example that says it needs Dashboard 2 (a devDependency, not ours to ship).
          const dashboardOk = isDashboardType(n.type) && flow.some((c) => c.type === 'comment' && /@flowfuse\/node-red-dashboard/.test(String(c.info ?? '')));
          assert.ok(isOurType(n.type) || isCoreType(n.type) || dashboardOk, `node ${n.id} (${n.type}) is a third-party node`);
          for (const out of (n.wires as string[][] | undefined) ?? []) for (const to of out) assert.ok(ids.has(to), `${n.id} is wired to missing ${to}`);
        }
      });

      it('asks no watcher for an interval below the minimum the editor accepts', function () {
        for (const n of flow.filter((x) => x.type === 'opentrons-status' || x.type === 'opentrons-hardware')) {
          if (n.interval === undefined || n.interval === '') continue;
          assert.ok(Number(n.interval) >= MIN_POLL_INTERVAL_MS, `${n.type} ${n.id} has interval ${String(n.interval)} ms, under ${MIN_POLL_INTERVAL_MS}`);
        }
      });

      it('explains itself in a comment node and runs on a simulated robot', function () {
        assert.ok(
          flow.some((n) => n.type === 'comment' && String(n.info ?? '').length > 80),
          'a comment node with an explanation in its info',
        );
        const robots = flow.filter((n) => n.type === 'opentrons-robot');
        assert.ok(
          robots.some((r) => r.simulate === true),
          'an opentrons-robot config node with simulate: true',
        );
        for (const n of flow.filter((x) => ACTION_TYPES.includes(x.type))) {
          assert.ok(robots.some((r) => r.id === n.robot), `${n.type} ${n.id} uses a robot config node from the same file`);
        }
        const fleets = flow.filter((x) => x.type === 'opentrons-fleet');
        for (const n of flow.filter((x) => x.type === 'opentrons-queue')) {
          assert.ok(fleets.some((f) => f.id === n.fleet), `opentrons-queue ${n.id} uses a fleet config node from the same file`);
        }
        for (const f of fleets) {
          assert.ok(Array.isArray(f.robots) && f.robots.length > 0, `fleet ${f.id} lists its robots`);
          for (const id of f.robots as unknown[]) assert.ok(robots.some((r) => r.id === id), `fleet ${f.id}: robot ${String(id)} is a robot config node of the same file`);
        }
      });

      it('deploys and does what its comment says against the simulated robot', async function () {
        this.timeout(60_000);
        const scenario = scenarios[name];
        assert.ok(scenario, `no scenario exercises examples/${name}.json: add one to test/examples.test.ts`);
        const ctx: ScenarioContext = {
          broker: async () => {
            assert.ok(broker, 'the broker starts before deploy');
            return broker;
          },
        };
        const usesMqtt = flow.some((n) => n.type === 'mqtt-broker');
        // aedes has no shared subscriptions ($share/…): those examples get a real Mosquitto.
        const shares = flow.some((n) => n.type === 'mqtt in' && String(n.topic).startsWith('$share/'));
        if (usesMqtt) broker = shares ? await startMosquitto() : await startBroker();
        const port = broker?.port;
        const ex = await deployExample(name, {
          rewrite: (f) => {
            for (const n of f) if (n.type === 'mqtt-broker' && port) n.port = String(port);
          },
        });
        await scenario(ex, ctx);
      });
    });
  }
});

// ---------------------------------------------------------------------------------------------
// A real MQTT broker (aedes) on a free loopback port, and a client of it for the test.
interface Collector {
  all(): Record<string, unknown>[];
  until(pred: (m: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>>;
}
interface TestBroker {
  port: number;
  /** Resolves once some client subscribed to `topic` (the flow's `mqtt in` is ready). */
  subscribed(topic: string, timeoutMs?: number): Promise<void>;
  /** JSON messages published on `topic` from now on. */
  collect(topic: string): Collector;
  /** Publishes `message` as JSON on `topic` (QoS 2), as another client would (Mosquitto only). */
  publish?(topic: string, message: unknown): Promise<void>;
  close(): Promise<void>;
}

/** JSON messages on `topic`, as they arrive. */
function collector(topic: string, subscribe: (listener: (topic: string, m: Record<string, unknown>) => void) => void): Collector {
  const seen: Record<string, unknown>[] = [];
  const waiting = new Set<() => void>();
  subscribe((t, m) => {
    if (t !== topic) return;
    seen.push(m);
    for (const w of waiting) w();
  });
  return {
    all: () => [...seen],
    until(pred, timeoutMs) {
      return new Promise((resolve, reject) => {
        const found = (): boolean => {
          const hit = seen.find(pred);
          if (!hit) return false;
          waiting.delete(check);
          clearTimeout(timer);
          resolve(hit);
          return true;
        };
        const check = (): void => void found();
        const timer = setTimeout(() => {
          waiting.delete(check);
          reject(new Error(`no matching message on ${topic} within ${timeoutMs} ms; got ${JSON.stringify(seen)}`));
        }, timeoutMs);
        if (!found()) waiting.add(check);
      });
    },
  };
}

/** A real Mosquitto (MQTT 5, shared subscriptions) on a free loopback port, and a client of it for the test. */
async function startMosquitto(): Promise<TestBroker> {
  const mosquitto = await Mosquitto.create(undefined, { logSubscriptions: true });
  const client = await mqtt.connectAsync(mosquitto.url, { protocolVersion: 5 });
  await client.subscribeAsync('#', { qos: 1 });
  type Listener = (topic: string, m: Record<string, unknown>) => void;
  const listeners = new Set<Listener>();
  client.on('message', (topic, payload) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString());
    } catch {
      return;
    }
    if (parsed && typeof parsed === 'object') for (const l of listeners) l(topic, parsed as Record<string, unknown>);
  });
  return {
    port: mosquitto.port,
    subscribed: (topic, timeoutMs = 10_000) => mosquitto.subscribed(topic, 1, timeoutMs),
    collect: (topic) => collector(topic, (l) => listeners.add(l)),
    async publish(topic, message) {
      await client.publishAsync(topic, JSON.stringify(message), { qos: 2 });
    },
    async close() {
      listeners.clear();
      await client.endAsync();
      await mosquitto.dispose();
    },
  };
}

async function startBroker(): Promise<TestBroker> {
  const { Aedes } = await import('aedes');
  const aedes = await Aedes.createBroker();
  const server: Server = createServer(aedes.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const topics = new Set<string>();
  aedes.on('subscribe', (subs) => subs.forEach((s) => topics.add(s.topic)));
  type Listener = (topic: string, m: Record<string, unknown>) => void;
  const listeners = new Set<Listener>();
  aedes.on('publish', (packet) => {
    if (packet.topic.startsWith('$SYS')) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(packet.payload.toString());
    } catch {
      return;
    }
    if (parsed && typeof parsed === 'object') for (const l of listeners) l(packet.topic, parsed as Record<string, unknown>);
  });
  return {
    port,
    subscribed(topic, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const check = (): void => {
          if (topics.has(topic)) return resolve();
          if (Date.now() - started > timeoutMs) return reject(new Error(`nobody subscribed to ${topic} within ${timeoutMs} ms`));
          setTimeout(check, 20);
        };
        check();
      });
    },
    collect: (topic) => collector(topic, (l) => listeners.add(l)),
    async close() {
      listeners.clear();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

