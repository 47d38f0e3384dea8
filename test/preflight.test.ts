// opentrons-run "check before play" (nodes/lib/preflight.ts) against simulated OT-2 and Flex robots over real
// HTTP: every check failing alone, all passing, a started run not checked again, msg.checks chosen per msg, bad
// msg.checks refused before anything is sent — and on every failure, no play action reaches the robot.
import assert from 'node:assert/strict';
import { RobotClient } from '../nodes/lib/client';
import type { Check } from '../nodes/lib/fit';
import type { SimulatedRobot } from '../nodes/lib/simulator';
import { setUpForFlexFixtures } from './helpers/fit-setup';
import { NodeUnderTest, TestMsg, eventually, protocolFile, robotRequests, startRobot, unloadFlow } from './helpers/protocol-nodes';

function checksOf(msg: TestMsg): Check[] {
  assert.ok(Array.isArray(msg.checks), `msg.checks is a list: ${JSON.stringify(msg.checks)}`);
  return msg.checks as Check[];
}
const names = (checks: Check[]): string[] => checks.map((c) => c.check);
const failed = (checks: Check[]): string[] => checks.filter((c) => !c.ok).map((c) => c.check);

describe('opentrons-run: check before play', function () {
  this.timeout(60_000);
  let robot: SimulatedRobot;
  let client: RobotClient;

  async function start(model: 'OT-2' | 'Flex'): Promise<void> {
    robot = await startRobot(model, 100, 200);
    client = new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 10_000 });
  }

  /** Uploads a protocol, waits for its analysis and creates an idle run of it (setup, not the node under test). */
  async function idleRun(file: string): Promise<string> {
    const { protocol } = await client.uploadProtocol([{ filename: file, content: protocolFile(file) }]);
    await eventually(async () => (await client.getProtocol(protocol.id)).protocol.analysisSummaries.every((s) => s.status === 'completed'), 20_000, 'analysis');
    return (await client.createRun({ protocolId: protocol.id })).id;
  }

  const plays = (runId: string): number => robot.stats.count('POST', `/runs/${runId}/actions`);

  /** A failed check: PreflightFailed to Catch, msg.checks with every result, the run left idle, no action sent. */
  async function refused(t: NodeUnderTest, runId: string, msg: TestMsg = {}): Promise<Check[]> {
    const { msg: caught, error } = await t.err({ runId, ...msg }, 20_000);
    assert.equal(error.code, 'PreflightFailed', error.message);
    const checks = checksOf(caught);
    for (const c of checks.filter((x) => !x.ok)) assert.ok(error.message.includes(`${c.check} (${c.detail})`), `the message names ${c.check}: ${error.message}`);
    assert.equal(plays(runId), 0, 'no play reached the robot');
    assert.equal((await client.getRun(runId)).status, 'idle');
    return checks;
  }

  afterEach(async function () {
    await unloadFlow();
    await client?.close();
    await robot?.stop();
  });

  describe('OT-2', function () {
    beforeEach(async function () {
      await start('OT-2');
    });

    it('all pass: the run plays and msg.checks lists what was checked (no fixtures or E-stop on an OT-2)', async function () {
      const runId = await idleRun('ot2-modules-pause.json');
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'play', checkBeforePlay: true });
      const out = await t.ok({ runId }, 20_000);
      const checks = checksOf(out);
      assert.deepEqual(names(checks), ['analysis', 'robot type', 'pipette right', 'module temperatureModuleV2', 'module magneticModuleV2', 'door']);
      assert.deepEqual(failed(checks), []);
      assert.equal(plays(runId), 1);
    });

    it('a pipette on the wrong mount fails alone and says which mount has it; nothing is played', async function () {
      const runId = await idleRun('ot2-modules-pause.json');
      robot.detachPipette('right');
      robot.attachPipette({ mount: 'left', instrumentName: 'p300_single_gen2', instrumentModel: 'p300_single_v2.0', serialNumber: 'P3HSV2020070101', channels: 1, minVolume: 20, maxVolume: 300 });
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'play', checkBeforePlay: true });
      const checks = await refused(t, runId);
      assert.deepEqual(failed(checks), ['pipette right']);
      assert.equal(checks.find((c) => c.check === 'pipette right')?.detail, 'right mount is empty, the protocol loads p300_single_gen2 (the left mount has p300_single_gen2)');
    });

    it('a missing module fails alone; nothing is played', async function () {
      const runId = await idleRun('ot2-modules-pause.json');
      const magnetic = (await client.getModules()).find((m) => m.moduleModel === 'magneticModuleV2');
      robot.detachModule(magnetic?.serialNumber as string);
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'play', checkBeforePlay: true });
      assert.deepEqual(failed(await refused(t, runId)), ['module magneticModuleV2']);
    });

    it('an analysis that is not ok fails alone, with the robot\'s error; nothing is played', async function () {
      const runId = await idleRun('runtime_error.py');
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'play', checkBeforePlay: true });
      const checks = await refused(t, runId);
      assert.deepEqual(failed(checks), ['analysis']);
      assert.match(checks[0].detail, /is not-ok: .*UnexpectedTipRemovalError/);
    });

    it('an open OT-2 door passes when the robot does not require it closed, and says so', async function () {
      const runId = await idleRun('ot2-modules-pause.json');
      robot.setDoor(true);
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'play' });
      const out = await t.ok({ runId, checks: ['door'] }, 20_000);
      assert.deepEqual(checksOf(out), [{ check: 'door', ok: true, detail: 'the door is open; this OT-2 does not require it closed (doorRequiredClosedForProtocol is off)' }]);
    });

    it('an open OT-2 door fails alone when the robot requires it closed (door switch setting on)', async function () {
      const runId = await idleRun('ot2-modules-pause.json');
      robot.setDoorSafetySwitch(true);
      robot.setDoor(true);
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'play', checkBeforePlay: true });
      const checks = await refused(t, runId);
      assert.deepEqual(failed(checks), ['door']);
      assert.match(checks.find((c) => c.check === 'door')?.detail ?? '', /the door is open: close it/);
    });

    it('a run that has started is not checked again: resuming a paused run plays with msg.checks = []', async function () {
      const runId = await idleRun('ot2-modules-pause.json');
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'play', checkBeforePlay: true, waitForStatus: true, statusTimeout: 20 });
      const first = await t.ok({ runId }, 30_000);
      assert.equal(checksOf(first).length, 6);
      await eventually(async () => (await client.getRun(runId)).status === 'paused', 20_000, 'the protocol pauses');
      const magnetic = (await client.getModules()).find((m) => m.moduleModel === 'magneticModuleV2');
      robot.detachModule(magnetic?.serialNumber as string);
      const reads = robot.stats.count('GET', '/modules') + robot.stats.count('GET', /^\/protocols/);
      const resumed = await t.ok({ runId }, 30_000);
      assert.deepEqual(resumed.checks, []);
      assert.equal(robot.stats.count('GET', '/modules') + robot.stats.count('GET', /^\/protocols/), reads, 'nothing was read for checks');
      assert.equal(plays(runId), 2);
    });

    it('a Python protocol the simulated robot did not run (no analyzer): pipettes and modules pass, saying they are not known', async function () {
      const runId = await idleRun('basic_transfer.py');
      const { protocol } = await client.getProtocol((await client.getRun(runId)).protocolId as string);
      const analysis = await client.getAnalysis(protocol.id, protocol.analysisSummaries[protocol.analysisSummaries.length - 1].id);
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'play' });
      const checks = checksOf(await t.ok({ runId, checks: ['pipettes', 'modules'] }, 20_000));
      if ((analysis.simulation as { interpreted?: boolean } | undefined)?.interpreted === false) {
        assert.deepEqual(names(checks), ['pipettes', 'modules']);
        for (const c of checks) assert.match(c.detail, /^not known: the simulated robot did not run this protocol/);
      } else {
        // With Opentrons' analyzer the analysis is the real one: its pipette is checked on its mount.
        assert.ok(names(checks).includes('pipette right'), JSON.stringify(checks));
      }
    });

    it('msg.checks naming fixtures on an OT-2: one fixtures check, which says an OT-2 has none (with or without an analyzer)', async function () {
      const runId = await idleRun('basic_transfer.py');
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'play' });
      const checks = checksOf(await t.ok({ runId, checks: ['pipettes', 'fixtures'] }, 20_000));
      const fixtures = checks.filter((c) => c.check === 'fixtures');
      assert.equal(fixtures.length, 1, JSON.stringify(checks));
      assert.equal(fixtures[0].detail, 'an OT-2 has no deck configuration to check');
      assert.ok(fixtures[0].ok);
    });

    it('a run without a protocol has nothing to check from an analysis, and says so', async function () {
      const runId = (await client.createRun({})).id;
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'play' });
      const out = await t.ok({ runId, checks: true }, 20_000);
      const checks = checksOf(out);
      assert.deepEqual(names(checks), ['analysis', 'pipettes', 'modules', 'door']);
      assert.ok(checks.every((c) => c.ok));
      assert.match(checks[0].detail, new RegExp(`run ${runId} has no protocol .*nothing to check`));
    });

    it('msg.checks: false turns the checkbox off for one msg; a list runs only those; msg.checks on other actions is not read', async function () {
      const runId = await idleRun('ot2-modules-pause.json');
      const magnetic = (await client.getModules()).find((m) => m.moduleModel === 'magneticModuleV2');
      robot.detachModule(magnetic?.serialNumber as string);
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'play', checkBeforePlay: true });
      assert.deepEqual(failed(await refused(t, runId, { checks: ['modules', 'pipettes'] })), ['module magneticModuleV2']);
      const got = await t.ok({ action: 'get', runId, checks: 'not read by get' });
      assert.equal(got.checks, 'not read by get');
      const out = await t.ok({ runId, checks: false }, 20_000);
      assert.equal(out.checks, false, 'no checks ran, msg.checks left as sent');
      assert.equal(plays(runId), 1);
    });

    it('bad msg.checks values are refused before anything is sent', async function () {
      const runId = await idleRun('ot2-modules-pause.json');
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'play' });
      const before = robotRequests(robot);
      for (const [checks, says] of [
        ['door', /must be true .*or a list of check names .*\(got string\)/],
        [[], /empty list: use false/],
        [['door', 'nope'], /unknown: "nope"/],
        [[1], /unknown: number/],
        [{ door: true }, /got object/],
      ] as const) {
        const { error } = await t.err({ runId, checks });
        assert.equal(error.code, 'InvalidInput', JSON.stringify(checks));
        assert.match(error.message, says);
      }
      assert.equal(robotRequests(robot), before, 'nothing reached the robot');
    });
  });

  describe('Flex', function () {
    /** A Flex set up for flex-fixtures.json: its pipette, the gripper, the staging slot with waste chute, the module in D1. */
    async function setUpFlex(): Promise<string> {
      await setUpForFlexFixtures(robot, client);
      return idleRun('flex-fixtures.json');
    }

    beforeEach(async function () {
      await start('Flex');
    });

    it('all pass: pipettes, gripper, module, fixtures, door and E-stop', async function () {
      const runId = await setUpFlex();
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'play', checkBeforePlay: true });
      const from = robot.stats.requests.length;
      const checks = checksOf(await t.ok({ runId }, 20_000));
      assert.deepEqual(names(checks), ['analysis', 'robot type', 'pipette left', 'module temperatureModuleV2', 'fixture D1', 'fixture C2', 'fixture D3', 'fixture A3', 'gripper', 'door', 'estop']);
      assert.deepEqual(failed(checks), []);
      assert.equal(plays(runId), 1);
      // What the checks read, once each, then play (the robot's model is the config node's /health read, left out).
      const sent = robot.stats.requests.slice(from).filter((r) => r.path !== '/health').map((r) => `${r.method} ${r.path.replace(runId, '{run}').replace(/\/protocols\/[^/]+/, '/protocols/{p}').replace(/analyses\/[^/]+/, 'analyses/{a}')}`);
      assert.deepEqual(sent.slice(0, 8).sort(), [
        'GET /deck_configuration', 'GET /instruments', 'GET /modules', 'GET /protocols/{p}', 'GET /protocols/{p}/analyses/{a}',
        'GET /robot/control/estopStatus', 'GET /robot/door/status', 'GET /runs/{run}',
      ]);
      assert.equal(sent[8], 'POST /runs/{run}/actions');
    });

    it('a fixture missing from the deck configuration fails alone', async function () {
      const runId = await setUpFlex();
      const deck = await client.getDeckConfiguration();
      await client.setDeckConfiguration(deck.cutoutFixtures.map((f) => (f.cutoutId === 'cutoutD3' ? { cutoutId: 'cutoutD3', cutoutFixtureId: 'singleRightSlot' } : f)));
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'play', checkBeforePlay: true });
      assert.deepEqual(failed(await refused(t, runId)), ['fixture D3']);
    });

    it('the door open fails alone', async function () {
      const runId = await setUpFlex();
      robot.setDoor(true);
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'play', checkBeforePlay: true });
      const checks = await refused(t, runId);
      assert.deepEqual(failed(checks), ['door']);
      assert.match(checks.find((c) => c.check === 'door')?.detail ?? '', /the door is open: close it/);
    });

    it('the E-stop pressed fails alone, and released but not acknowledged still fails', async function () {
      const runId = await setUpFlex();
      robot.setEstop(true);
      const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'play', checkBeforePlay: true });
      let checks = await refused(t, runId);
      assert.deepEqual(failed(checks), ['estop']);
      assert.match(checks.find((c) => c.check === 'estop')?.detail ?? '', /pressed: release it/);
      robot.setEstop(false);
      checks = await refused(t, runId);
      assert.deepEqual(failed(checks), ['estop']);
      assert.match(checks.find((c) => c.check === 'estop')?.detail ?? '', /not acknowledged/);
    });
  });
});
