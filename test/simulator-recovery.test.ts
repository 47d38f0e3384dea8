// Simulator error recovery: defined errors on a Flex wait for recovery (fixit commands, resume-from-recovery),
// the OT-2 fails the run, and the error recovery policy changes the outcome.
import { strict as assert } from 'node:assert';
import { SimulatedRobot, startSimulator } from '../nodes/lib/simulator';
import { call, liveRunWithLabware, waitStatus, type Reply } from './simulator-util';

async function queuePickUp(robot: SimulatedRobot, runId: string, pipette: string, tiprack: string): Promise<string> {
  const r = await call(robot, 'POST', `/runs/${runId}/commands`, { data: { commandType: 'pickUpTip', intent: 'protocol', params: { pipetteId: pipette, labwareId: tiprack, wellName: 'A1' } } });
  await call(robot, 'POST', `/runs/${runId}/commands`, { data: { commandType: 'comment', intent: 'protocol', params: { message: 'after the tip' } } });
  return String(r.body.data.id);
}

describe('simulator: error recovery', () => {
  let robot: SimulatedRobot;
  afterEach(async () => {
    await robot.stop();
  });

  it('Flex: a defined error (tipPhysicallyMissing) → awaiting-recovery; fixit commands run; resume-from-recovery finishes the run', async () => {
    robot = await startSimulator({ model: 'Flex', speed: 100, commandMs: 20 });
    const { runId, tiprack, pipette } = await liveRunWithLabware(robot);
    const failedId = await queuePickUp(robot, runId, pipette, tiprack);
    robot.failNextCommand({ commandType: 'pickUpTip', errorType: 'tipPhysicallyMissing' });
    await call(robot, 'POST', `/runs/${runId}/actions`, { data: { actionType: 'play' } });
    await waitStatus(robot, runId, 'awaiting-recovery');
    const run = await call(robot, 'GET', `/runs/${runId}`);
    assert.equal(run.body.data.hasEverEnteredErrorRecovery, true);
    assert.deepEqual(run.body.data.errors, []);
    const failed = await call(robot, 'GET', `/runs/${runId}/commands/${failedId}`);
    assert.equal(failed.body.data.error.isDefined, true);
    assert.equal(failed.body.data.error.errorType, 'tipPhysicallyMissing');
    assert.equal(failed.body.data.error.errorCode, '3003');
    const page = await call(robot, 'GET', `/runs/${runId}/commands`);
    assert.equal(page.body.links.currentlyRecoveringFrom.meta.commandId, failedId);
    const pause = await call(robot, 'POST', `/runs/${runId}/actions`, { data: { actionType: 'pause' } });
    assert.equal(pause.body.errors[0].id, 'RunActionNotAllowed');
    const fixit = await call(robot, 'POST', `/runs/${runId}/commands?waitUntilComplete=true&failedCommandId=${failedId}`, {
      data: { commandType: 'pickUpTip', intent: 'fixit', params: { pipetteId: pipette, labwareId: tiprack, wellName: 'B1' } },
    });
    assert.equal(fixit.status, 201);
    assert.equal(fixit.body.data.status, 'succeeded');
    assert.equal(fixit.body.data.failedCommandId, failedId);
    assert.equal((await call(robot, 'POST', `/runs/${runId}/actions`, { data: { actionType: 'resume-from-recovery' } })).status, 201);
    await waitStatus(robot, runId, 'succeeded');
  });

  it('OT-2: the same hardware problem fails the run with errors[0]', async () => {
    robot = await startSimulator({ speed: 100, commandMs: 20 });
    const { runId, tiprack, pipette } = await liveRunWithLabware(robot);
    await queuePickUp(robot, runId, pipette, tiprack);
    robot.failNextCommand({ commandType: 'pickUpTip' });
    await call(robot, 'POST', `/runs/${runId}/actions`, { data: { actionType: 'play' } });
    await waitStatus(robot, runId, 'failed');
    const run = await call(robot, 'GET', `/runs/${runId}`);
    assert.equal(run.body.data.errors[0].errorType, 'tipPhysicallyMissing');
    assert.equal(run.body.data.hasEverEnteredErrorRecovery, false);
  });

  it('a policy rule ignoreAndContinue lets the Flex run go on past the failed command', async () => {
    robot = await startSimulator({ model: 'Flex', speed: 100, commandMs: 20 });
    const { runId, tiprack, pipette } = await liveRunWithLabware(robot);
    const policy = await call(robot, 'PUT', `/runs/${runId}/errorRecoveryPolicy`, {
      data: { policyRules: [{ matchCriteria: { command: { commandType: 'pickUpTip', error: { errorType: 'tipPhysicallyMissing' } } }, ifMatch: 'ignoreAndContinue' }] },
    });
    assert.equal(policy.status, 200);
    const failedId = await queuePickUp(robot, runId, pipette, tiprack);
    robot.failNextCommand({ commandType: 'pickUpTip' });
    await call(robot, 'POST', `/runs/${runId}/actions`, { data: { actionType: 'play' } });
    await waitStatus(robot, runId, 'succeeded');
    assert.equal((await call(robot, 'GET', `/runs/${runId}/commands/${failedId}`)).body.data.status, 'failed');
  });

  it('fixit commands outside recovery are refused (robot-server 8.1.0 answers 500); resume-from-recovery outside recovery is 409', async () => {
    robot = await startSimulator({ model: 'Flex', speed: 100, commandMs: 20 });
    const id = String((await call(robot, 'POST', '/runs', { data: {} })).body.data.id);
    const fixit = await call(robot, 'POST', `/runs/${id}/commands`, { data: { commandType: 'home', intent: 'fixit', params: {} } });
    assert.equal(fixit.status, 500);
    const resume = await call(robot, 'POST', `/runs/${id}/actions`, { data: { actionType: 'resume-from-recovery' } });
    assert.equal(resume.status, 409);
    assert.match(String(resume.body.errors[0].detail), /not in recovery mode/);
  });

  it('a fault for a commandType no command has is refused (422 /data/commandType, naming the allowed ones), by the route and failNextCommand alike', async () => {
    robot = await startSimulator({ speed: 100, commandMs: 20 });
    const typo = await call(robot, 'POST', '/simulator/faults/commands', { data: { commandType: 'pickUpTp' } });
    assert.equal(typo.status, 422);
    assert.equal(typo.body.errors[0].id, 'InvalidRequest');
    assert.deepEqual(typo.body.errors[0].source, { pointer: '/data/commandType' });
    assert.match(String(typo.body.errors[0].detail), /"pickUpTp" is not a command type/);
    assert.match(String(typo.body.errors[0].detail), /\bpickUpTip\b/, 'the detail lists what is allowed');
    assert.throws(() => robot.failNextCommand({ commandType: 'pickUpTp' }), /"pickUpTp" is not a command type/);

    // a valid one arms: the next pickUpTip meets it, the one after does not (count 1)
    const ok = await call(robot, 'POST', '/simulator/faults/commands', { data: { commandType: 'pickUpTip', count: 1 } });
    assert.equal(ok.status, 201);
    assert.deepEqual(ok.body.data, { commandType: 'pickUpTip', errorType: 'tipPhysicallyMissing', count: 1, isDefined: true });
    const { runId, tiprack, pipette } = await liveRunWithLabware(robot);
    const pick = (well: string): Promise<Reply> => call(robot, 'POST', `/runs/${runId}/commands?waitUntilComplete=true`, {
      data: { commandType: 'pickUpTip', intent: 'setup', params: { pipetteId: pipette, labwareId: tiprack, wellName: well } },
    });
    assert.equal((await pick('A1')).body.data.error.errorType, 'tipPhysicallyMissing');
    assert.equal((await pick('B1')).body.data.status, 'succeeded');
  });
});
