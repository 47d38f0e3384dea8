// The robot documentation's "running a protocol file" flow, wired in Node-RED with opentrons-upload
// and opentrons-run and Node-RED's core nodes only (no function node): upload with labware and
// analysis → create → play → status until succeeded → pause/resume → clean up. Also runs the shipped
// example flow (examples/run-a-protocol.json) as a user would after importing it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeAPI } from 'node-red';
import type { SimulatedRobot } from '../nodes/lib/simulator';
import type { Run } from '../nodes/lib/types';
import { CORE_NODES, TestMsg, protocolFile, robotConfig, startRobot } from './helpers/protocol-nodes';
import { FlowNode, PACKAGE_ROOT, getNode, loadFlow, unloadFlow } from './helpers/nodered';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const switchNode = require('@node-red/nodes/core/function/10-switch.js') as (RED: NodeAPI) => void;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const delayNode = require('@node-red/nodes/core/function/89-delay.js') as (RED: NodeAPI) => void;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const changeNode = require('@node-red/nodes/core/function/15-change.js') as (RED: NodeAPI) => void;
const NODES = [...CORE_NODES, switchNode, delayNode, changeNode];
const TYPES = ['opentrons-robot', 'opentrons-upload', 'opentrons-run'];

/** Timers of waits still open; afterEach clears them so none outlives its test. */
const waits = new Set<NodeJS.Timeout>();

/** Resolves with the first msg that reaches node `id`, rejects after ms. */
/** The next msg reaching node `id` (that passes `wanted`, when given). */
function nextInput(id: string, ms: number, wanted: (msg: TestMsg) => boolean = () => true): Promise<TestMsg> {
  const node = getNode(id);
  return new Promise((resolve, reject) => {
    const onInput = (msg: TestMsg): void => {
      if (!wanted(msg)) return;
      clearTimeout(timer);
      waits.delete(timer);
      node.removeListener('input', onInput);
      resolve(msg);
    };
    const timer = setTimeout(() => {
      waits.delete(timer);
      node.removeListener('input', onInput);
      reject(new Error(`nothing reached ${id} within ${ms} ms`));
    }, ms);
    waits.add(timer);
    node.on('input', onInput);
  });
}

/** Fails fast when the catch node sees an error, so a broken chain says why instead of timing out. */
function failOnError(catchHelperId: string): Promise<never> {
  return nextInput(catchHelperId, 60_000).then((m) => {
    const e = m.error as { message: string; code?: string; source?: { id: string } };
    throw new Error(`error in the flow at ${String(e.source?.id)}: ${e.message} (${String(e.code)})`);
  });
}

describe('protocol flow: upload → create → play → succeeded, in one deployed flow', function () {
  let robot: SimulatedRobot | undefined;

  afterEach(async function () {
    for (const t of waits) clearTimeout(t);
    waits.clear();
    await unloadFlow();
    await robot?.stop();
    robot = undefined;
  });

  it('runs every step of the documented protocol-file flow without a function node', async function () {
    robot = await startRobot('OT-2', 5, 100);
    const z = 'tab';
    const at = { z, x: 100, y: 100 };
    const labware = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'nodes', 'lib', 'data', 'labware', 'nest_12_reservoir_15ml', '1.json'), 'utf8')) as {
      namespace: string;
      parameters: { loadName: string };
    };
    labware.namespace = 'custom_beta';
    labware.parameters.loadName = 'lab_reservoir_12';
    const py = protocolFile('basic_transfer.py')
      .toString('utf8')
      .replace('plate = protocol.load_labware("corning_96_wellplate_360ul_flat", 2)', 'plate = protocol.load_labware("lab_reservoir_12", 2, namespace="custom_beta")');
    const flow: FlowNode[] = [
      { id: z, type: 'tab', label: 'docs flow' },
      robotConfig(robot),
      // 1. upload protocol + custom labware (one request), 2. wait for and read the analysis
      { id: 'upload', ...at, type: 'opentrons-upload', robot: 'robot', wires: [['uploaded', 'create']] },
      { id: 'uploaded', ...at, type: 'helper' },
      // 3. create a run of it
      { id: 'create', ...at, type: 'opentrons-run', robot: 'robot', action: 'create', wires: [['play']] },
      // 4. play
      { id: 'play', ...at, type: 'opentrons-run', robot: 'robot', action: 'play', waitForStatus: true, wires: [['finished']] },
      // 5. check the status until it is final (core switch + delay, no function node)
      {
        id: 'finished', ...at, type: 'switch', property: 'status', propertyType: 'msg', checkall: 'false', outputs: 2,
        rules: [{ t: 'regex', v: '^(succeeded|failed|stopped)$', vt: 'str' }, { t: 'else' }],
        wires: [['ended'], ['wait']],
      },
      { id: 'wait', ...at, type: 'delay', pauseType: 'delay', timeout: '50', timeoutUnits: 'milliseconds', wires: [['get']] },
      { id: 'get', ...at, type: 'opentrons-run', robot: 'robot', action: 'get', wires: [['finished']] },
      { id: 'ended', ...at, type: 'helper' },
      // 6. clean up: delete the run, then the protocol
      { id: 'deleteRun', ...at, type: 'opentrons-run', robot: 'robot', action: 'delete', wires: [['deleteProtocol']] },
      { id: 'deleteProtocol', ...at, type: 'opentrons-upload', robot: 'robot', action: 'delete', wires: [['cleaned']] },
      { id: 'cleaned', ...at, type: 'helper' },
      { id: 'catch', ...at, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', ...at, type: 'helper' },
    ];
    await loadFlow(flow, { types: TYPES, extraNodes: NODES });
    assert.ok(!flow.some((n) => n.type === 'function'), 'no function node in the flow');

    const errors = failOnError('caught');
    const uploaded = nextInput('uploaded', 15_000);
    const ended = nextInput('ended', 15_000);
    getNode('upload').receive({
      files: [
        { filename: 'transfer.py', content: py },
        { filename: 'lab_reservoir_12.json', content: JSON.stringify(labware) },
      ],
    });
    const up = await Promise.race([uploaded, errors]);
    assert.equal((up.analysis as { result: string }).result, 'ok', 'step 2: analysis read and ok');
    const done = await Promise.race([ended, errors]);
    assert.equal(done.status, 'succeeded', 'step 5: the run succeeded');
    assert.equal(done.protocolId, up.protocolId);
    const finalRun = done.payload as Run;
    assert.deepEqual(finalRun.actions.map((a) => a.actionType), ['play']);
    assert.equal(robot.stats.count('POST', '/protocols'), 1, 'step 1: one upload request for protocol + labware');
    assert.ok(robot.stats.count('GET', /^\/protocols\/[^/]+\/analyses\/[^/]+$/) >= 1, 'step 2: analysis polled');
    assert.equal(robot.stats.count('POST', '/runs'), 1, 'step 3: one run created');
    assert.equal(robot.stats.count('POST', `/runs/${String(done.runId)}/actions`), 1, 'step 4: one play');
    assert.ok(robot.stats.count('GET', `/runs/${String(done.runId)}`) >= 1, 'step 5: status read');

    // 6. clean up, through the same flow's nodes
    const cleaned = nextInput('cleaned', 5_000);
    getNode('deleteRun').receive({ runId: done.runId, protocolId: done.protocolId });
    const c = await Promise.race([cleaned, errors]);
    assert.equal(c.protocolId, up.protocolId);
    assert.equal(robot.stats.count('DELETE', `/runs/${String(done.runId)}`), 1);
    assert.equal(robot.stats.count('DELETE', `/protocols/${String(up.protocolId)}`), 1);
    errors.catch(() => undefined);
  });

  it('a protocol that pauses itself: the flow sees paused, resumes it with play, and it succeeds', async function () {
    robot = await startRobot('OT-2', 5, 100);
    const z = 'tab';
    const at = { z, x: 100, y: 100 };
    const flow: FlowNode[] = [
      { id: z, type: 'tab', label: 'pause flow' },
      robotConfig(robot),
      { id: 'upload', ...at, type: 'opentrons-upload', robot: 'robot', wires: [['create']] },
      { id: 'create', ...at, type: 'opentrons-run', robot: 'robot', action: 'create', wires: [['play']] },
      { id: 'play', ...at, type: 'opentrons-run', robot: 'robot', action: 'play', wires: [['route']] },
      {
        id: 'route', ...at, type: 'switch', property: 'status', propertyType: 'msg', checkall: 'false', outputs: 3,
        rules: [{ t: 'regex', v: '^(succeeded|failed|stopped)$', vt: 'str' }, { t: 'eq', v: 'paused', vt: 'str' }, { t: 'else' }],
        wires: [['ended'], ['pausedSeen', 'play'], ['wait']],
      },
      { id: 'wait', ...at, type: 'delay', pauseType: 'delay', timeout: '50', timeoutUnits: 'milliseconds', wires: [['get']] },
      { id: 'get', ...at, type: 'opentrons-run', robot: 'robot', action: 'get', wires: [['route']] },
      { id: 'pausedSeen', ...at, type: 'helper' },
      { id: 'ended', ...at, type: 'helper' },
      { id: 'catch', ...at, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', ...at, type: 'helper' },
    ];
    await loadFlow(flow, { types: TYPES, extraNodes: NODES });
    const errors = failOnError('caught');
    const paused = nextInput('pausedSeen', 15_000);
    const ended = nextInput('ended', 15_000);
    getNode('upload').receive({ payload: protocolFile('pause_resume.py'), filename: 'pause_resume.py' });
    const p = await Promise.race([paused, errors]);
    assert.equal(p.status, 'paused');
    const done = await Promise.race([ended, errors]);
    assert.equal(done.status, 'succeeded');
    assert.deepEqual((done.payload as Run).actions.map((a) => a.actionType), ['play', 'play'], 'played, then resumed with play');
    errors.catch(() => undefined);
  });

  it('the shipped example (examples/run-a-protocol.json) uploads protocol + custom labware, pauses, resumes and succeeds on its own simulated robot', async function () {
    this.timeout(40_000);
    const flow = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'examples', 'run-a-protocol.json'), 'utf8')) as FlowNode[];
    assert.ok(!flow.some((n) => n.type === 'function'), 'no function node in the example');
    assert.ok(flow.some((n) => n.type === 'comment'), 'a comment node explains it');
    const robotNode = flow.find((n) => n.type === 'opentrons-robot');
    assert.equal(robotNode?.simulate, true, 'runs on import without a robot');
    await loadFlow(flow, { types: [...TYPES, 'opentrons-status'], extraNodes: NODES });
    const byName = (type: string, name: string): FlowNode => {
      const n = flow.find((f) => f.type === type && f.name === name);
      assert.ok(n, `the example has a ${type} "${name}"`);
      return n;
    };
    const errs = byName('debug', 'errors');
    const errors = nextInput(errs.id, 35_000).then((m) => {
      throw new Error(`example reported an error: ${(m.error as { message: string }).message}`);
    });
    const paused = nextInput(byName('debug', 'status').id, 25_000, (m) => m.topic === 'paused');
    getNode(byName('inject', 'start: upload + run').id).receive({});
    const pause = await Promise.race([paused, errors]);
    assert.match(String((pause.payload as { pauseMessage?: string }).pauseMessage), /Check that A1/);
    const ended = nextInput(byName('debug', 'done').id, 25_000);
    getNode(byName('inject', 'resume').id).receive({});
    const msg = await Promise.race([ended, errors]);
    assert.equal(msg.topic, 'succeeded');
    assert.equal(msg.runId, pause.runId);
    errors.catch(() => undefined);
  });
});
