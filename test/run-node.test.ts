// opentrons-run in Node-RED against the simulated robot over real HTTP: create, every action
// through the run state table (including each refused transition), the one-current-run rule and
// the create options, list/current, and input errors that must not reach the robot.
import assert from 'node:assert/strict';
import { RobotClient } from '../nodes/lib/client';
import type { SimulatedRobot } from '../nodes/lib/simulator';
import { settled } from '../nodes/lib/run-actions';
import type { Run } from '../nodes/lib/types';
import { NodeUnderTest, TestMsg, eventually, protocolFile, robotRequests, startRobot, unloadFlow } from './helpers/protocol-nodes';

function run(msg: TestMsg): Run {
  return msg.payload as Run;
}

describe('run actions: when a status has settled', function () {
  it('play settles on any change from idle or paused, and at once from a status play does not change', function () {
    assert.equal(settled('play', 'idle', 'idle'), false);
    assert.equal(settled('play', 'idle', 'running'), true);
    assert.equal(settled('play', 'idle', 'succeeded'), true, 'a short run may finish between two polls');
    assert.equal(settled('play', 'idle', 'paused'), true, 'a protocol may pause itself before the first poll');
    assert.equal(settled('play', 'paused', 'paused'), false);
    assert.equal(settled('play', 'paused', 'running'), true);
    assert.equal(settled('play', 'running', 'running'), true);
    assert.equal(settled('play', 'awaiting-recovery', 'awaiting-recovery'), true);
  });
  it('pause settles on paused or an end, stop only on an end, resume once out of recovery', function () {
    assert.equal(settled('pause', 'running', 'running'), false);
    assert.equal(settled('pause', 'running', 'paused'), true);
    assert.equal(settled('pause', 'running', 'succeeded'), true);
    assert.equal(settled('stop', 'running', 'stop-requested'), false);
    assert.equal(settled('stop', 'running', 'stopped'), true);
    assert.equal(settled('resume-from-recovery', 'awaiting-recovery', 'awaiting-recovery'), false);
    assert.equal(settled('resume-from-recovery', 'awaiting-recovery', 'running'), true);
  });
});

describe('opentrons-run node', function () {
  let robot: SimulatedRobot;
  let client: RobotClient;

  /** Puts a protocol on the robot (setup, not the node under test) and returns its id. */
  async function upload(name = 'basic_transfer.py'): Promise<string> {
    const { protocol } = await client.uploadProtocol([{ filename: name, content: protocolFile(name) }]);
    return protocol.id;
  }

  async function start(model: 'OT-2' | 'Flex' = 'OT-2', speed = 1, commandMs = 400): Promise<void> {
    robot = await startRobot(model, speed, commandMs);
    client = new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 5000 });
  }

  afterEach(async function () {
    await unloadFlow();
    await client?.close();
    await robot?.stop();
  });

  describe('state table (OT-2, commands take 400 ms)', function () {
    beforeEach(async function () {
      await start();
    });

    it('create → play → pause → play → stop, with every refused transition on the way', async function () {
      const protocolId = await upload();
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'create', waitForStatus: true, statusTimeout: 10 });

      const created = await t.ok({ protocolId, topic: 'kept' });
      assert.equal(created.status, 'idle');
      assert.equal(created.protocolId, protocolId);
      assert.equal(typeof created.runId, 'string');
      assert.equal(run(created).id, created.runId);
      assert.equal(created.topic, 'kept');
      const runId = created.runId as string;

      // idle: pause and resume-from-recovery are refused
      for (const action of ['pause', 'resume-from-recovery']) {
        const refused = await t.err({ action, runId });
        assert.equal(refused.error.code, 'RunActionNotAllowed', action);
        assert.equal(refused.msg.statusCode, 409);
        assert.equal((refused.msg.robotError as { id: string }).id, 'RunActionNotAllowed');
        assert.match(refused.error.message, new RegExp(`${action} refused for run ${runId} in status idle`));
      }

      const played = await t.ok({ action: 'play', runId });
      assert.equal(played.status, 'running');
      assert.equal((played.runAction as { actionType: string }).actionType, 'play');

      const paused = await t.ok({ action: 'pause', runId });
      assert.equal(paused.status, 'paused');
      const pauseTwice = await t.err({ action: 'pause', runId });
      assert.equal(pauseTwice.error.code, 'RunActionNotAllowed');
      assert.match(pauseTwice.error.message, /status paused/);

      const resumed = await t.ok({ action: 'play', runId });
      assert.equal(resumed.status, 'running');

      const stopped = await t.ok({ action: 'stop', runId });
      assert.equal(stopped.status, 'stopped');

      // stopped: every action is refused with the robot's reason
      for (const action of ['stop', 'play', 'pause', 'resume-from-recovery']) {
        const refused = await t.err({ action, runId });
        assert.equal(refused.error.code, 'RunActionNotAllowed', action);
        assert.match(refused.error.message, /status stopped/, action);
      }
    });

    it('without "wait until the status settles" an action returns as soon as the robot accepts it', async function () {
      const protocolId = await upload();
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'create' });
      const { runId } = await t.ok({ protocolId });
      const before = robot.stats.count('GET', `/runs/${String(runId)}`);
      const played = await t.ok({ action: 'play', runId });
      assert.equal(robot.stats.count('POST', `/runs/${String(runId)}/actions`), 1);
      assert.equal(robot.stats.count('GET', `/runs/${String(runId)}`) - before, 1, 'one read of the run, no polling');
      assert.ok(['idle', 'running'].includes(String(played.status)), `status right after acceptance: ${String(played.status)}`);
      // the msg can play a running run again: the robot accepts it and nothing changes
      const again = await t.ok({ action: 'play', runId });
      assert.equal(again.runId, runId);
    });

    it('stop on an idle run stops it at once; dismiss, then actions get RunStopped; delete, then get gets 404', async function () {
      const protocolId = await upload();
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'create', waitForStatus: true });
      const { runId } = await t.ok({ protocolId });
      const stopped = await t.ok({ action: 'stop', runId });
      assert.equal(stopped.status, 'stopped');

      const dismissed = await t.ok({ action: 'dismiss', runId });
      assert.equal(run(dismissed).current, false);
      const current = await t.ok({ action: 'current' });
      assert.equal(current.payload, null);
      assert.equal(current.runId, undefined);

      const notCurrent = await t.err({ action: 'play', runId });
      assert.equal(notCurrent.error.code, 'RunStopped');
      assert.match(notCurrent.error.message, /not the robot's current run/);

      const deleted = await t.ok({ action: 'delete', runId });
      assert.deepEqual(deleted.payload, {});
      assert.equal(deleted.runId, runId);
      const gone = await t.err({ action: 'get', runId });
      assert.equal(gone.error.code, 'RunNotFound');
      assert.equal(gone.msg.statusCode, 404);
    });

    it('deleting or dismissing a running run is refused (RunNotIdle)', async function () {
      const protocolId = await upload();
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'create', waitForStatus: true });
      const { runId } = await t.ok({ protocolId });
      await t.ok({ action: 'play', runId });
      for (const action of ['delete', 'dismiss']) {
        const refused = await t.err({ action, runId });
        assert.equal(refused.error.code, 'RunNotIdle', action);
      }
      await t.ok({ action: 'stop', runId });
    });

    it('create while another run is running: RunAlreadyActive names the run and its status', async function () {
      const protocolId = await upload();
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'create', waitForStatus: true });
      const first = await t.ok({ protocolId });
      await t.ok({ action: 'play', runId: first.runId });
      const { error, msg } = await t.err({ protocolId });
      assert.equal(error.code, 'RunAlreadyActive');
      assert.equal(msg.statusCode, 409);
      assert.equal((msg.robotError as { id: string }).id, 'RunAlreadyActive');
      assert.ok(error.message.includes(String(first.runId)), error.message);
      assert.match(error.message, /is current and running/);
      const still = await client.getRun(String(first.runId));
      assert.equal(still.status, 'running', 'the running run was left alone');
      await t.ok({ action: 'stop', runId: first.runId });
    });

    it('"dismiss" never stops a running run; "stop" stops it, waits for it to end, then creates', async function () {
      const protocolId = await upload();
      let t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'create', ifCurrent: 'dismiss', waitForStatus: true });
      const first = await t.ok({ protocolId });
      await t.ok({ action: 'play', runId: first.runId });
      const refused = await t.err({ protocolId });
      assert.equal(refused.error.code, 'RunAlreadyActive');
      assert.match(refused.error.message, /not dismissed/);
      assert.equal((await client.getRun(String(first.runId))).status, 'running');
      await unloadFlow();

      t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'create', ifCurrent: 'stop', statusTimeout: 10 });
      const second = await t.ok({ protocolId });
      assert.notEqual(second.runId, first.runId);
      assert.equal(second.status, 'idle');
      const old = await client.getRun(String(first.runId));
      assert.equal(old.status, 'stopped');
      assert.equal(old.current, false);
      assert.equal(await client.getCurrentRunId(), second.runId);
    });

    it('a finished current run does not block create (the robot archives it)', async function () {
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'create', waitForStatus: true });
      const first = await t.ok({});
      await t.ok({ action: 'stop', runId: first.runId });
      const second = await t.ok({});
      assert.notEqual(second.runId, first.runId);
    });

    it('list (newest last, with the current run id), get and current', async function () {
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'list' });
      const empty = await t.ok({});
      assert.deepEqual(empty.payload, []);
      assert.equal(empty.currentRunId, undefined);
      const noneCurrent = await t.ok({ action: 'current', runId: 'stale' });
      assert.equal(noneCurrent.payload, null);
      assert.equal(noneCurrent.runId, undefined, 'a stale msg.runId is not passed on as the current run');

      const a = await t.ok({ action: 'create' });
      const b = await t.ok({ action: 'create', protocolId: await upload() });
      const list = await t.ok({});
      assert.deepEqual((list.payload as Run[]).map((r) => r.id), [a.runId, b.runId]);
      assert.equal(list.currentRunId, b.runId);

      const current = await t.ok({ action: 'current' });
      assert.equal(current.runId, b.runId);
      assert.equal(current.status, 'idle');
      assert.equal(current.protocolId, b.protocolId);

      const got = await t.ok({ action: 'get', runId: a.runId });
      assert.equal(got.status, 'stopped', 'the idle run was archived as stopped when b was created');
    });

    it('the run id can come from the editor (typedInput, also from flow context)', async function () {
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'get', runId: 'lastRun', runIdType: 'flow' });
      const created = await client.createRun({});
      (t.node as unknown as { context(): { flow: { set(k: string, v: unknown): void } } }).context().flow.set('lastRun', created.id);
      const got = await t.ok({});
      assert.equal(got.runId, created.id);
      // msg.runId overrides the editor
      const other = await t.err({ runId: 'no-such-run' });
      assert.equal(other.error.code, 'RunNotFound');
    });

    it('create sends msg.labwareOffsets with the run', async function () {
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'create' });
      const offset = { definitionUri: 'opentrons/opentrons_96_tiprack_300ul/1', location: { slotName: '1' }, vector: { x: 0.5, y: -0.25, z: 1 } };
      const created = await t.ok({ protocolId: await upload(), labwareOffsets: [offset] });
      const offsets = run(created).labwareOffsets as Array<{ definitionUri: string; vector: unknown }>;
      assert.equal(offsets.length, 1);
      assert.deepEqual(offsets[0].vector, offset.vector);
    });

    it('closing the node during a wait aborts it: no request afterwards, no error reported', async function () {
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'stop', waitForStatus: true, statusTimeout: 600 });
      const created = await client.createRun({ protocolId: await upload() });
      await client.createRunAction(created.id, 'play');
      // a slow answer to the next reads keeps a request in flight when the node closes
      robot.faults.slowNext({ method: 'GET', path: `/runs/${created.id}`, delayMs: 3000, count: 5 });
      let errors = 0;
      t.spy('error', () => (errors += 1));
      t.node.receive({ runId: created.id });
      await eventually(() => robot.stats.requests.some((r) => r.method === 'GET' && r.path === `/runs/${created.id}` && r.status === 0), 3000, 'a read in flight');
      const t0 = Date.now();
      await unloadFlow();
      assert.ok(Date.now() - t0 < 1000, `close took ${Date.now() - t0} ms: the request was not aborted`);
      const count = robot.stats.count();
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(robot.stats.count(), count, 'nothing sent after close');
      assert.equal(errors, 0);
    });
  });

  it('resume-from-recovery: a Flex run in error recovery resumes; resume when not in recovery is refused', async function () {
    await start('Flex', 1, 300);
    const protocolId = await upload('flex_basic.py');
    const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'create', waitForStatus: true, statusTimeout: 10 });
    const { runId } = await t.ok({ protocolId });
    robot.failNextCommand({ errorType: 'tipPhysicallyMissing' });
    await t.ok({ action: 'play', runId });
    await eventually(async () => (await client.getRun(String(runId))).status === 'awaiting-recovery', 5000, 'awaiting-recovery');
    const pausedInRecovery = await t.err({ action: 'pause', runId });
    assert.equal(pausedInRecovery.error.code, 'RunActionNotAllowed');
    const resumed = await t.ok({ action: 'resume-from-recovery', runId });
    assert.ok(!String(resumed.status).startsWith('awaiting-recovery'), String(resumed.status));
    const again = await t.err({ action: 'resume-from-recovery', runId });
    assert.equal(again.error.code, 'RunActionNotAllowed');
    assert.match(again.error.message, /recovery/);
  });

  describe('bad input gets an error before any request', function () {
    beforeEach(async function () {
      await start();
    });
    const cases: Array<[string, Record<string, unknown>, TestMsg, RegExp]> = [
      ['an unknown msg.action', { action: 'create' }, { action: 'start' }, /unknown action "start"/],
      ['a non-string msg.action', { action: 'create' }, { action: 3 }, /unknown action 3/],
      ...['play', 'pause', 'stop', 'resume-from-recovery', 'dismiss', 'delete', 'get'].map(
        (a): [string, Record<string, unknown>, TestMsg, RegExp] => [`${a} without a runId`, { action: a }, {}, /runId \(for .*\) is required/],
      ),
      ['a runId that is a number', { action: 'play' }, { runId: 12 }, /runId .* is required \(got a number\)/],
      ['a protocolId that is an object', { action: 'create' }, { protocolId: { id: 'x' } }, /protocolId must be a string/],
      ['runTimeParameterValues as an array', { action: 'create' }, { runTimeParameterValues: [1] }, /must be an object/],
      ['labwareOffsets not an array', { action: 'create' }, { labwareOffsets: { x: 1 } }, /labwareOffsets must be an array/],
      ['a labware offset without a vector', { action: 'create' }, { labwareOffsets: [{ definitionUri: 'a/b/1', location: { slotName: '1' } }] }, /vector/],
      ['a labware offset without a slot', { action: 'create' }, { labwareOffsets: [{ definitionUri: 'a/b/1', location: {}, vector: { x: 0, y: 0, z: 0 } }] }, /slotName/],
    ];
    for (const [what, props, msg, why] of cases) {
      it(what, async function () {
        const t = await NodeUnderTest.deploy(robot, 'opentrons-run', props);
        const { error } = await t.err(msg);
        assert.equal(error.code, 'InvalidInput');
        assert.match(error.message, why);
        assert.equal(robotRequests(robot), 0, 'no request reached the robot');
      });
    }
  });
});
