// Simulator runs: current-run rules and their 409s, the action state table of §7, the 20-run limit,
// protocol runs that pause on waitForResume, the Flex door, and the notification hints.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimulatedRobot, startSimulator } from '../nodes/lib/simulator';
import { arr, call, liveRunWithLabware, runStatus, waitStatus, type Reply } from './simulator-util';

const FIXTURES = join(__dirname, '..', '..', 'test', 'fixtures', 'protocols');

async function action(robot: SimulatedRobot, runId: string, actionType: string): Promise<Reply> {
  return call(robot, 'POST', `/runs/${runId}/actions`, { data: { actionType } });
}

/** A live run whose queued protocol command keeps it `running` for `seconds` (simulated) after play. */
async function busyRun(robot: SimulatedRobot, seconds = 30): Promise<string> {
  const run = await call(robot, 'POST', '/runs', { data: {} });
  const id = String(run.body.data.id);
  await call(robot, 'POST', `/runs/${id}/commands`, { data: { commandType: 'waitForDuration', intent: 'protocol', params: { seconds } } });
  return id;
}

async function expectRefused(r: Reply, status: number, id: string, errorCode?: string): Promise<void> {
  assert.equal(r.status, status, r.text);
  assert.equal(r.body.errors[0].id, id, r.text);
  if (errorCode) assert.equal(r.body.errors[0].errorCode, errorCode);
}

describe('simulator: runs', () => {
  let robot: SimulatedRobot;
  beforeEach(async () => {
    robot = await startSimulator({ speed: 100, commandMs: 20 });
  });
  afterEach(async () => {
    await robot.stop();
  });

  describe('current run', () => {
    it('a new run is current; creating another archives an idle one as stopped, not current', async () => {
      const a = await call(robot, 'POST', '/runs', { data: {} });
      assert.equal(a.status, 201);
      assert.equal(a.body.data.current, true);
      assert.equal(a.body.data.status, 'idle');
      const b = await call(robot, 'POST', '/runs');
      assert.equal(b.status, 201, 'no body at all is a live run too');
      const old = await call(robot, 'GET', `/runs/${String(a.body.data.id)}`);
      assert.equal(old.body.data.current, false);
      assert.equal(old.body.data.status, 'stopped');
    });

    it('409 RunAlreadyActive (errorCode 4001) while the current run is running or paused; allowed once it is terminal', async () => {
      const id = await busyRun(robot);
      await action(robot, id, 'play');
      await expectRefused(await call(robot, 'POST', '/runs', { data: {} }), 409, 'RunAlreadyActive', '4001');
      await action(robot, id, 'pause');
      await expectRefused(await call(robot, 'POST', '/runs', { data: {} }), 409, 'RunAlreadyActive', '4001');
      await action(robot, id, 'stop');
      await waitStatus(robot, id, 'stopped');
      assert.equal((await call(robot, 'POST', '/runs', { data: {} })).status, 201);
    });

    it('POST /runs with an unknown protocolId: 404 ProtocolNotFound', async () => {
      await expectRefused(await call(robot, 'POST', '/runs', { data: { protocolId: 'nope' } }), 404, 'ProtocolNotFound');
    });

    it('GET /runs lists oldest first, pageLength gives the newest N, links.current only while a run is current', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push(String((await call(robot, 'POST', '/runs', { data: {} })).body.data.id));
      const all = await call(robot, 'GET', '/runs');
      assert.deepEqual(arr(all.body.data).map((r) => String(r.id)), ids);
      assert.deepEqual(all.body.meta, { cursor: 0, totalLength: 3 });
      assert.equal(all.body.links.current.href, `/runs/${ids[2]}`);
      const two = await call(robot, 'GET', '/runs?pageLength=2');
      assert.deepEqual(arr(two.body.data).map((r) => String(r.id)), ids.slice(1));
      assert.equal(two.body.meta.totalLength, 2);
      const none = await call(robot, 'GET', '/runs?pageLength=0');
      assert.deepEqual(none.body.data, []);
      assert.equal(none.body.links.current.href, `/runs/${ids[2]}`);
      await call(robot, 'PATCH', `/runs/${ids[2]}`, { data: { current: false } });
      const after = await call(robot, 'GET', '/runs?pageLength=0');
      assert.deepEqual(after.body.links, {});
    });

    it('PATCH current:false: 409 RunNotIdle while busy, 409 RunStopped when not current or unknown, 200 otherwise', async () => {
      const id = await busyRun(robot);
      await action(robot, id, 'play');
      await expectRefused(await call(robot, 'PATCH', `/runs/${id}`, { data: { current: false } }), 409, 'RunNotIdle', '4001');
      await action(robot, id, 'stop');
      await waitStatus(robot, id, 'stopped');
      const ok = await call(robot, 'PATCH', `/runs/${id}`, { data: { current: false } });
      assert.equal(ok.status, 200);
      assert.equal(ok.body.data.current, false);
      await expectRefused(await call(robot, 'PATCH', `/runs/${id}`, { data: { current: false } }), 409, 'RunStopped');
      await expectRefused(await call(robot, 'PATCH', '/runs/unknown-run', { data: { current: false } }), 409, 'RunStopped');
    });

    it('DELETE: 409 RunNotIdle for a busy current run, 404 RunNotFound for an unknown one, 200 {} otherwise', async () => {
      const id = await busyRun(robot);
      await action(robot, id, 'play');
      await expectRefused(await call(robot, 'DELETE', `/runs/${id}`), 409, 'RunNotIdle');
      await action(robot, id, 'stop');
      await waitStatus(robot, id, 'stopped');
      const del = await call(robot, 'DELETE', `/runs/${id}`);
      assert.equal(del.status, 200);
      assert.deepEqual(del.body, {});
      await expectRefused(await call(robot, 'GET', `/runs/${id}`), 404, 'RunNotFound');
      await expectRefused(await call(robot, 'DELETE', `/runs/${id}`), 404, 'RunNotFound');
    });

    it('a run that is not current refuses actions, commands, offsets and commandErrors with 409 RunStopped', async () => {
      const first = String((await call(robot, 'POST', '/runs', { data: {} })).body.data.id);
      await call(robot, 'POST', '/runs', { data: {} });
      await expectRefused(await action(robot, first, 'play'), 409, 'RunStopped');
      await expectRefused(await call(robot, 'POST', `/runs/${first}/commands`, { data: { commandType: 'home', params: {} } }), 409, 'RunStopped');
      await expectRefused(
        await call(robot, 'POST', `/runs/${first}/labware_offsets`, { data: { definitionUri: 'opentrons/x/1', location: { slotName: '1' }, vector: { x: 0, y: 0, z: 1 } } }),
        409, 'RunStopped',
      );
      await expectRefused(await call(robot, 'GET', `/runs/${first}/commandErrors`), 409, 'RunStopped');
    });

    it('keeps at most 20 runs: creating more deletes the oldest first', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 23; i++) ids.push(String((await call(robot, 'POST', '/runs', { data: {} })).body.data.id));
      const list = await call(robot, 'GET', '/runs');
      assert.equal(arr(list.body.data).length, 20);
      assert.deepEqual(arr(list.body.data).map((r) => String(r.id)), ids.slice(3));
      assert.equal((await call(robot, 'GET', `/runs/${ids[0]}`)).status, 404);
    });

    it('runs are pruned before the conflict check, so a refused create still deletes the oldest run', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 19; i++) ids.push(String((await call(robot, 'POST', '/runs', { data: {} })).body.data.id));
      const busy = await busyRun(robot);
      await action(robot, busy, 'play');
      await expectRefused(await call(robot, 'POST', '/runs', { data: {} }), 409, 'RunAlreadyActive');
      assert.equal((await call(robot, 'GET', `/runs/${ids[0]}`)).status, 404);
      assert.equal(arr((await call(robot, 'GET', '/runs')).body.data).length, 19);
      await action(robot, busy, 'stop');
    });

    it('labware offsets posted to the current run appear in run.labwareOffsets', async () => {
      const id = String((await call(robot, 'POST', '/runs', { data: {} })).body.data.id);
      const r = await call(robot, 'POST', `/runs/${id}/labware_offsets`, { data: { definitionUri: 'opentrons/corning_96_wellplate_360ul_flat/2', location: { slotName: '2' }, vector: { x: 1, y: 0, z: 0.5 } } });
      assert.equal(r.status, 201);
      const run = await call(robot, 'GET', `/runs/${id}`);
      assert.equal(run.body.data.labwareOffsets[0].id, r.body.data.id);
      assert.deepEqual(run.body.data.labwareOffsets[0].vector, { x: 1, y: 0, z: 0.5 });
      const load = await call(robot, 'POST', `/runs/${id}/commands?waitUntilComplete=true`, {
        data: { commandType: 'loadLabware', params: { location: { slotName: '2' }, loadName: 'corning_96_wellplate_360ul_flat', namespace: 'opentrons', version: 2 } },
      });
      assert.equal(load.body.data.result.offsetId, r.body.data.id, 'loadLabware applies the matching offset');
      const after = await call(robot, 'GET', `/runs/${id}`);
      assert.equal(after.body.data.labware[0].offsetId, r.body.data.id);
    });
  });

  describe('actions (state table, §7)', () => {
    it('answers 201 with the action and records it on the run', async () => {
      const id = await busyRun(robot);
      const r = await action(robot, id, 'play');
      assert.equal(r.status, 201);
      assert.equal(r.body.data.actionType, 'play');
      assert.equal(r.headers['opentrons-version'], undefined);
      const run = await call(robot, 'GET', `/runs/${id}`);
      assert.equal(run.body.data.actions[0].id, r.body.data.id);
      assert.equal(run.body.data.status, 'running');
      assert.ok(run.body.data.startedAt);
      await action(robot, id, 'stop');
    });

    it('unknown actionType: 422 pointing at /data/actionType; unknown run: 404 RunNotFound', async () => {
      const id = await busyRun(robot);
      const bad = await action(robot, id, 'rewind');
      await expectRefused(bad, 422, 'InvalidRequest');
      assert.equal(bad.body.errors[0].source.pointer, '/data/actionType');
      await expectRefused(await action(robot, 'no-such-run', 'play'), 404, 'RunNotFound');
    });

    it('idle: pause and resume-from-recovery are refused; stop gives stopped at once', async () => {
      const id = await busyRun(robot);
      await expectRefused(await action(robot, id, 'pause'), 409, 'RunActionNotAllowed', '3000');
      await expectRefused(await action(robot, id, 'resume-from-recovery'), 409, 'RunActionNotAllowed', '3000');
      assert.equal((await action(robot, id, 'stop')).status, 201);
      const run = await call(robot, 'GET', `/runs/${id}`);
      assert.equal(run.body.data.status, 'stopped');
      assert.ok(run.body.data.completedAt);
      assert.equal(run.body.data.startedAt, undefined);
    });

    it('running: play is accepted without change, resume-from-recovery refused, pause → paused, play → running', async () => {
      const id = await busyRun(robot);
      await action(robot, id, 'play');
      assert.equal((await action(robot, id, 'play')).status, 201);
      assert.equal(await runStatus(robot, id), 'running');
      await expectRefused(await action(robot, id, 'resume-from-recovery'), 409, 'RunActionNotAllowed');
      assert.equal((await action(robot, id, 'pause')).status, 201);
      assert.equal(await runStatus(robot, id), 'paused');
      await expectRefused(await action(robot, id, 'pause'), 409, 'RunActionNotAllowed', '3000');
      assert.equal((await action(robot, id, 'play')).status, 201);
      assert.equal(await runStatus(robot, id), 'running');
      await action(robot, id, 'stop');
    });

    it('stop while running passes through stop-requested to stopped; then every action is refused "already stopped"', async () => {
      const id = await busyRun(robot);
      await action(robot, id, 'play');
      await action(robot, id, 'stop');
      const seen = await runStatus(robot, id);
      assert.ok(seen === 'stop-requested' || seen === 'stopped', seen);
      await waitStatus(robot, id, 'stopped');
      for (const a of ['play', 'pause', 'stop', 'resume-from-recovery']) {
        const r = await action(robot, id, a);
        await expectRefused(r, 409, 'RunActionNotAllowed', '3000');
      }
      const r = await action(robot, id, 'play');
      assert.equal(r.body.errors[0].detail, 'The run has already stopped.');
      assert.equal(r.body.errors[0].meta.wrapping[0].type, 'RunStoppedError');
    });

    it('stop during stop-requested is refused (a second stop)', async () => {
      const slow = await startSimulator({ speed: 1, commandMs: 400 });
      try {
        const id = await busyRun(slow);
        await action(slow, id, 'play');
        await action(slow, id, 'stop');
        assert.equal(await runStatus(slow, id), 'stop-requested');
        await expectRefused(await action(slow, id, 'stop'), 409, 'RunActionNotAllowed');
        await expectRefused(await action(slow, id, 'play'), 409, 'RunActionNotAllowed');
      } finally {
        await slow.stop();
      }
    });

    it('a played live run drains its queue, passes finishing and ends succeeded; later commands get 409 RunStopped', async () => {
      const { runId, tiprack, plate, pipette } = await liveRunWithLabware(robot);
      await call(robot, 'POST', `/runs/${runId}/commands`, { data: { commandType: 'pickUpTip', intent: 'protocol', params: { pipetteId: pipette, labwareId: tiprack, wellName: 'A1' } } });
      await call(robot, 'POST', `/runs/${runId}/commands`, { data: { commandType: 'aspirate', intent: 'protocol', params: { pipetteId: pipette, labwareId: plate, wellName: 'A1', volume: 50, flowRate: 92.86 } } });
      assert.equal(await runStatus(robot, runId), 'idle', 'queued protocol commands wait for play');
      await action(robot, runId, 'play');
      await waitStatus(robot, runId, 'succeeded');
      const run = await call(robot, 'GET', `/runs/${runId}`);
      assert.ok(String(run.body.data.startedAt) <= String(run.body.data.completedAt));
      await expectRefused(await call(robot, 'POST', `/runs/${runId}/commands`, { data: { commandType: 'home', params: {} } }), 409, 'RunStopped');
      await expectRefused(await action(robot, runId, 'play'), 409, 'RunActionNotAllowed');
    });

    it('a failing protocol command fails the run: errors[0] set, later queued commands failed without error', async () => {
      const { runId, plate, pipette } = await liveRunWithLabware(robot);
      const asp = await call(robot, 'POST', `/runs/${runId}/commands`, { data: { commandType: 'aspirate', intent: 'protocol', params: { pipetteId: pipette, labwareId: plate, wellName: 'A1', volume: 50, flowRate: 92.86 } } });
      const next = await call(robot, 'POST', `/runs/${runId}/commands`, { data: { commandType: 'comment', intent: 'protocol', params: { message: 'never' } } });
      await action(robot, runId, 'play');
      await waitStatus(robot, runId, 'failed');
      const run = await call(robot, 'GET', `/runs/${runId}`);
      assert.equal(run.body.data.errors[0].errorType, 'TipNotAttachedError');
      assert.equal(run.body.data.errors[0].errorCode, '3005');
      const a = await call(robot, 'GET', `/runs/${runId}/commands/${String(asp.body.data.id)}`);
      assert.equal(a.body.data.status, 'failed');
      assert.equal(a.body.data.error.isDefined, false);
      const n = await call(robot, 'GET', `/runs/${runId}/commands/${String(next.body.data.id)}`);
      assert.equal(n.body.data.status, 'failed');
      assert.equal(n.body.data.error, undefined);
      const errs = await call(robot, 'GET', `/runs/${runId}/commandErrors`);
      assert.equal(errs.body.meta.totalLength, 1);
      assert.equal(errs.body.data[0].errorType, 'TipNotAttachedError');
    });

    it('waitForResume pauses the run with its message readable from the running command; play resumes', async () => {
      const id = String((await call(robot, 'POST', '/runs', { data: {} })).body.data.id);
      await call(robot, 'POST', `/runs/${id}/commands`, { data: { commandType: 'comment', intent: 'protocol', params: { message: 'before' } } });
      await call(robot, 'POST', `/runs/${id}/commands`, { data: { commandType: 'waitForResume', intent: 'protocol', params: { message: 'Check the tip, then resume' } } });
      await call(robot, 'POST', `/runs/${id}/commands`, { data: { commandType: 'comment', intent: 'protocol', params: { message: 'after' } } });
      await action(robot, id, 'play');
      await waitStatus(robot, id, 'paused');
      const page = await call(robot, 'GET', `/runs/${id}/commands?pageLength=1`);
      assert.equal(page.body.meta.cursor, 1, 'default cursor is the running waitForResume');
      assert.equal(page.body.data[0].commandType, 'waitForResume');
      assert.equal(page.body.data[0].status, 'running');
      assert.equal(page.body.data[0].params.message, 'Check the tip, then resume');
      assert.equal(page.body.links.current.meta.commandId, page.body.data[0].id);
      await expectRefused(await call(robot, 'POST', '/runs', { data: {} }), 409, 'RunAlreadyActive');
      await action(robot, id, 'play');
      await waitStatus(robot, id, 'succeeded');
    });
  });

  describe('protocol runs (with the protocols part)', () => {
    async function upload(r: SimulatedRobot, file: string): Promise<string> {
      const form = new FormData();
      form.append('files', new Blob([readFileSync(join(FIXTURES, file))]), file);
      const res = await fetch(`${r.url}/protocols`, { method: 'POST', headers: { 'opentrons-version': '3' }, body: form });
      const body = (await res.json()) as { data: { id: string } };
      assert.ok(res.status === 201 || res.status === 200, `upload ${file}: ${res.status}`);
      return body.data.id;
    }

    it('a Python protocol with protocol.pause() pauses at its waitForResume and succeeds after play; the protocol is then in use', async () => {
      const protocolId = await upload(robot, 'pause_resume.py');
      const run = await call(robot, 'POST', '/runs', { data: { protocolId } });
      assert.equal(run.status, 201);
      assert.equal(run.body.data.protocolId, protocolId);
      const id = String(run.body.data.id);
      await action(robot, id, 'play');
      await waitStatus(robot, id, 'paused');
      const page = await call(robot, 'GET', `/runs/${id}/commands?pageLength=1`);
      assert.equal(page.body.data[0].commandType, 'waitForResume');
      assert.equal(page.body.data[0].params.message, 'Check the tip, then resume');
      const firstPage = await call(robot, 'GET', `/runs/${id}/commands?cursor=0&pageLength=1`);
      assert.equal(firstPage.body.data[0].commandType, 'home', 'a Python run starts with home at play');
      await action(robot, id, 'play');
      await waitStatus(robot, id, 'succeeded');
      const del = await call(robot, 'DELETE', `/protocols/${protocolId}`);
      await expectRefused(del, 409, 'ProtocolUsedByRun');
    });

    it('a JSON protocol queues home and its commands at creation and executes them on play', async () => {
      const protocolId = await upload(robot, 'simpleV8.json');
      const run = await call(robot, 'POST', '/runs', { data: { protocolId } });
      const id = String(run.body.data.id);
      const before = await call(robot, 'GET', `/runs/${id}/commands?cursor=0&pageLength=100`);
      const total = Number(before.body.meta.totalLength);
      assert.ok(total > 1);
      assert.equal(before.body.data[0].commandType, 'home');
      assert.ok(arr(before.body.data).every((c) => String(c.status) === 'queued'));
      await action(robot, id, 'play');
      await waitUntilTerminal(robot, id);
      const after = await call(robot, 'GET', `/runs/${id}/commands?cursor=0&pageLength=100`);
      assert.equal(after.body.meta.totalLength, total);
      const statuses = new Set(arr(after.body.data).map((c) => String(c.status)));
      assert.ok(!statuses.has('queued') && !statuses.has('running'));
    });
  });

  describe('Flex door', () => {
    let flex: SimulatedRobot;
    beforeEach(async () => {
      flex = await startSimulator({ model: 'Flex', speed: 100, commandMs: 20 });
    });
    afterEach(async () => {
      await flex.stop();
    });

    it('opening the door while running blocks the run; play is refused; closing leaves it paused; play resumes', async () => {
      const id = await busyRun(flex);
      await action(flex, id, 'play');
      flex.setDoorOpen(true);
      assert.equal(await runStatus(flex, id), 'blocked-by-open-door');
      const refused = await action(flex, id, 'play');
      await expectRefused(refused, 409, 'RunActionNotAllowed');
      assert.match(String(refused.body.errors[0].detail), /door/);
      flex.setDoorOpen(false);
      assert.equal(await runStatus(flex, id), 'paused');
      await action(flex, id, 'play');
      assert.equal(await runStatus(flex, id), 'running');
      await action(flex, id, 'stop');
    });

    it('on the OT-2 (door switch off) an open door does not block a run', async () => {
      const id = await busyRun(robot);
      await action(robot, id, 'play');
      robot.setDoorOpen(true);
      assert.equal(await runStatus(robot, id), 'running');
      robot.setDoorOpen(false);
      await action(robot, id, 'stop');
    });

    it('on the OT-2 with its door switch setting on, the door status says so and an open door blocks a run as on a Flex', async () => {
      assert.equal((await call(robot, 'GET', '/robot/door/status')).body.data.doorRequiredClosedForProtocol, false);
      robot.setDoorSafetySwitch(true);
      assert.equal((await call(robot, 'GET', '/robot/door/status')).body.data.doorRequiredClosedForProtocol, true);
      const id = await busyRun(robot);
      await action(robot, id, 'play');
      robot.setDoorOpen(true);
      assert.equal(await runStatus(robot, id), 'blocked-by-open-door');
      robot.setDoorOpen(false);
      assert.equal(await runStatus(robot, id), 'paused');
      await action(robot, id, 'stop');
      assert.throws(() => flex.setDoorSafetySwitch(false), /a Flex always requires its door closed/);
    });

    it('E-stop: pressing it fails the running run; run requests get 403 until it is released and acknowledged', async () => {
      const id = await busyRun(flex);
      await action(flex, id, 'play');
      flex.setEstop(true);
      const run = await call(flex, 'GET', `/runs/${id}`);
      assert.equal(run.body.data.status, 'failed');
      assert.equal(run.body.data.errors[0].errorCode, '3008');
      assert.equal((await call(flex, 'GET', '/robot/control/estopStatus')).body.data.status, 'physicallyEngaged');
      await expectRefused(await call(flex, 'POST', '/runs', { data: {} }), 403, 'EstopEngaged', '3008');
      flex.setEstop(false);
      await expectRefused(await call(flex, 'POST', '/runs', { data: {} }), 403, 'EstopNotAcknowledged', '3008');
      const ack = await call(flex, 'PUT', '/robot/control/acknowledgeEstopDisengage');
      assert.equal(ack.body.data.status, 'disengaged');
      assert.equal((await call(flex, 'POST', '/runs', { data: {} })).status, 201);
    });

    it('play with the door open gives blocked-by-open-door', async () => {
      const id = await busyRun(flex);
      flex.setDoorOpen(true);
      assert.equal((await action(flex, id, 'play')).status, 201);
      assert.equal(await runStatus(flex, id), 'blocked-by-open-door');
      flex.setDoorOpen(false);
      await action(flex, id, 'stop');
    });
  });

  describe('notifications', () => {
    it('emits refetch hints on create, play and status changes, and unsubscribe on delete', async () => {
      const seen: Array<[string, unknown]> = [];
      robot.on('notify', (topic: string, payload: unknown) => seen.push([topic, payload]));
      const { runId } = await liveRunWithLabware(robot);
      assert.ok(seen.some(([t, p]) => t === 'robot-server/runs' && JSON.stringify(p) === '{"refetch":true}'));
      assert.ok(seen.some(([t]) => t === `robot-server/runs/${runId}`));
      await call(robot, 'POST', `/runs/${runId}/commands`, { data: { commandType: 'comment', intent: 'protocol', params: { message: 'x' } } });
      await action(robot, runId, 'play');
      await waitStatus(robot, runId, 'succeeded');
      assert.ok(seen.some(([t]) => t === 'robot-server/maintenance_runs/current_run'));
      assert.ok(seen.some(([t]) => t === 'robot-server/runs/commands_links'));
      assert.ok(seen.some(([t]) => t === `robot-server/runs/pre_serialized_commands/${runId}`));
      await call(robot, 'DELETE', `/runs/${runId}`);
      assert.ok(seen.some(([t, p]) => t === `robot-server/runs/${runId}` && JSON.stringify(p) === '{"unsubscribe":true}'));
    });
  });
});

async function waitUntilTerminal(robot: SimulatedRobot, id: string): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const s = await runStatus(robot, id);
    if (s === 'succeeded' || s === 'failed' || s === 'stopped') return s;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('run did not end');
}
