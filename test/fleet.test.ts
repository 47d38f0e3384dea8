// The fleet run queue end to end: opentrons-fleet + opentrons-queue nodes in Node-RED, real HTTP to
// simulated robots. Dispatch by fit and by policy, priorities, the bench actions, cancel, hold, robots
// going away, and a burst of jobs checked at the robots' own run lists.
import assert from 'node:assert/strict';
import type { SimulatedRobot } from '../nodes/lib/simulator';
import { SimulatedRobot as Sim } from '../nodes/lib/simulator';
import { deployFleet, jsonProtocol, topicOf, type FleetRig } from './helpers/fleet';
import { getNode, unloadFlow } from './helpers/nodered';
import { protocolFile, startRobot, type TestMsg } from './helpers/protocol-nodes';
import { liveWatchers } from '../nodes/lib/watch';

const P300 = jsonProtocol();

function submit(rig: FleetRig, extra: TestMsg = {}, file = P300): Promise<TestMsg> {
  return rig.ask({ files: [file], ...extra });
}

async function runsOn(sim: SimulatedRobot): Promise<Array<{ id: string; status: string }>> {
  const res = await fetch(`${sim.url}/runs`, { headers: { 'Opentrons-Version': '3' } });
  return ((await res.json()) as { data: Array<{ id: string; status: string }> }).data;
}

describe('opentrons-fleet + opentrons-queue', function () {
  this.timeout(120_000);
  let sims: SimulatedRobot[] = [];

  afterEach(async function () {
    await unloadFlow();
    await Promise.all(sims.map((s) => s.stop()));
    sims = [];
    assert.equal(liveWatchers(), 0, 'every watcher released on close');
  });

  it('sends a job only to a robot that fits, and rejects one no robot fits with the reason per robot', async function () {
    sims = [await startRobot(), await startRobot()];
    // robot-0 has no p300 on its right mount: only robot-1 fits the p300 protocol.
    sims[0].detachPipette('right');
    const rig = await deployFleet(sims);
    const queued = await submit(rig);
    assert.equal(queued.topic, 'queued');
    const assigned = await rig.event(topicOf(queued.jobId, 'assigned'), 'assigned');
    assert.equal(assigned.robot, 'robot-1');
    assert.equal(typeof assigned.runId, 'string');
    const reasons = (assigned.payload as { reasons: Record<string, string> }).reasons;
    assert.match(reasons['robot-0'], /right mount is empty, the protocol loads p300_single_gen2/);

    // A job is rejected once every robot has been asked; robot-1 is busy until its job ends and it is cleared.
    const none = await submit(rig, {}, jsonProtocol({ pipette: 'p1000_single_gen2', name: 'p1000' }));
    await rig.ask({ action: 'start', jobId: queued.jobId });
    await rig.event(topicOf(queued.jobId, 'succeeded'), 'succeeded');
    assert.ok(!rig.all.some((m) => m.jobId === none.jobId && m.topic === 'rejected'), 'not rejected while a robot has not been asked');
    await rig.ask({ action: 'clear', robot: 'robot-1' });
    const rejected = await rig.event(topicOf(none.jobId, 'rejected'), 'rejected');
    const why = (rejected.payload as { reasons: Record<string, string> }).reasons;
    assert.ok(why['robot-0'] && why['robot-1'], JSON.stringify(why));
    assert.match(why['robot-1'], /p300_single_gen2, the protocol loads p1000_single_gen2/);
    assert.ok(rig.out.some((m) => m.jobId === none.jobId && m.topic === 'rejected'), 'the submitting node got the event too');

    // Files the robots refuse (422): rejected with the robot's words, not retried for ever.
    const unreadable = await submit(rig, {}, { filename: 'notes.json', content: '{"not": "a protocol"}' });
    const refused = await rig.event(topicOf(unreadable.jobId, 'rejected'), 'unreadable rejected');
    assert.match(String((refused.payload as { reasons: Record<string, string> }).reasons['robot-0']), /refused it: .*422/);
  });

  it('operator start and clear: assigned waits for start, needs-clearing waits for clear', async function () {
    sims = [await startRobot()];
    const rig = await deployFleet(sims);
    const a = await submit(rig);
    const b = await submit(rig);
    const assigned = await rig.event(topicOf(a.jobId, 'assigned'), 'a assigned');
    assert.equal((await runsOn(sims[0])).find((r) => r.id === assigned.runId)?.status, 'idle', 'not played before start');
    await rig.ask({ action: 'start', jobId: a.jobId });
    await rig.event(topicOf(a.jobId, 'succeeded'), 'a succeeded');
    const list = await rig.ask({ action: 'list' });
    const robots = (list.payload as { robots: Array<{ state: string }> }).robots;
    assert.equal(robots[0].state, 'needs-clearing');
    assert.ok(!rig.all.some((m) => m.jobId === b.jobId && m.topic === 'assigned'), 'b waits for the robot to be cleared');
    const cleared = await rig.ask({ action: 'clear', robot: 'robot-0' });
    assert.equal((cleared.payload as { state: string }).state, 'free');
    await rig.event(topicOf(b.jobId, 'assigned'), 'b assigned after clear');
  });

  it('start: auto plays at once, clearing: auto takes the next job; priorities first, then first in first out', async function () {
    sims = [await startRobot()];
    const rig = await deployFleet(sims, { start: 'auto', clearing: 'auto' });
    await rig.ask({ action: 'hold', robot: 'robot-0' });
    const low1 = await submit(rig, { priority: 0 });
    const low2 = await submit(rig, { priority: 0 });
    const high = await submit(rig, { priority: 5 });
    await rig.ask({ action: 'release', robot: 'robot-0' });
    for (const j of [high, low1, low2]) await rig.event(topicOf(j.jobId, 'succeeded'), `job ${String(j.jobId)} succeeded`);
    const order = rig.all.filter((m) => m.topic === 'running').map((m) => m.jobId);
    assert.deepEqual(order, [high.jobId, low1.jobId, low2.jobId]);
    const runs = await runsOn(sims[0]);
    assert.equal(runs.filter((r) => r.status === 'succeeded').length, 3);
  });

  it('start: auto whose checks fail: the job stays assigned and its event says why; start after the fix plays it', async function () {
    sims = [await startRobot()];
    // The OT-2's door switch on and its door open: the door check fails after the run is created.
    sims[0].setDoorSafetySwitch(true);
    sims[0].setDoor(true);
    const rig = await deployFleet(sims, { start: 'auto' });
    const job = await submit(rig);
    const told = await rig.event((m) => m.jobId === job.jobId && m.topic === 'assigned' && (m.payload as { reasons: unknown }).reasons !== null, 'assigned with the reason');
    const reason = (told.payload as { reasons: Record<string, string> }).reasons['robot-0'];
    assert.match(reason, /^not started: run .* door \(the door is open: close it/);
    assert.ok(rig.out.some((m) => m.jobId === job.jobId && m.topic === 'assigned' && (m.payload as { reasons: unknown }).reasons !== null), 'the submitting node got it too');
    assert.equal((await runsOn(sims[0])).find((r) => r.id === told.runId)?.status, 'idle', 'not played');
    sims[0].setDoor(false);
    const started = await rig.ask({ action: 'start', jobId: job.jobId });
    assert.equal(started.topic, 'running');
    assert.equal((started.payload as { reasons: unknown }).reasons, null, 'the reason is gone once it plays');
    await rig.event(topicOf(job.jobId, 'succeeded'), 'succeeded');
  });

  it('a failed run fails its job with the run\'s errors, and the robot waits to be cleared', async function () {
    sims = [await startRobot()];
    const rig = await deployFleet(sims, { start: 'auto' });
    sims[0].failNextCommand({ commandType: 'aspirate' });
    const job = await submit(rig);
    const failed = await rig.event(topicOf(job.jobId, 'failed'), 'failed');
    const errors = (failed.payload as { errors: Array<{ detail?: string }> }).errors;
    assert.ok(Array.isArray(errors) && errors.length > 0, JSON.stringify(failed.payload));
    assert.ok(rig.out.some((m) => m.jobId === job.jobId && m.topic === 'failed'), 'the submitting node got it too');
    const robots = ((await rig.ask({ action: 'list' })).payload as { robots: Array<{ state: string }> }).robots;
    assert.equal(robots[0].state, 'needs-clearing');
  });

  it('CSV files as content are uploaded to the robot that takes the job and passed to its run; a job without them is rejected', async function () {
    sims = [await startRobot()];
    const rig = await deployFleet(sims, { start: 'auto', clearing: 'auto' });
    const py = { filename: 'csv_plate_map.py', content: protocolFile('csv_plate_map.py').toString() };
    const csv = protocolFile('plate_map.csv').toString();
    const job = await submit(rig, { runTimeParameterFiles: { plate_map: { filename: 'plate_map.csv', content: csv } } }, py);
    const done = await rig.event(topicOf(job.jobId, 'succeeded'), 'succeeded');
    const res = await fetch(`${sims[0].url}/runs/${String(done.runId)}`, { headers: { 'Opentrons-Version': '3' } });
    const params = ((await res.json()) as { data: { runTimeParameters: Array<{ variableName: string; file?: { id: string; name: string } }> } }).data.runTimeParameters;
    const plate = params.find((p) => p.variableName === 'plate_map');
    assert.equal(plate?.file?.name, 'plate_map.csv', JSON.stringify(params));
    const without = await submit(rig, {}, py);
    const rejected = await rig.event(topicOf(without.jobId, 'rejected'), 'rejected without its CSV');
    assert.match(String((rejected.payload as { reasons: Record<string, string> }).reasons['robot-0']), /plate_map/);
  });

  it('robots with the same name (two unnamed simulated robots) are told apart by config id', async function () {
    sims = [await startRobot(), await startRobot()];
    const rig = await deployFleet(sims, { start: 'auto', clearing: 'auto', sameNames: true });
    const list = await rig.ask({ action: 'list' });
    const names = (list.payload as { robots: Array<{ robot: string }> }).robots.map((r) => r.robot);
    assert.deepEqual(names, ['sim (r0)', 'sim (r1)']);
    const job = await submit(rig, { robots: ['sim (r1)'] });
    const done = await rig.event(topicOf(job.jobId, 'succeeded'), 'succeeded');
    assert.equal(done.robot, 'sim (r1)');
    assert.equal((await runsOn(sims[0])).length, 0);
  });

  it('least-used sends the next job to the robot free longest; in-order to the first of the list', async function () {
    sims = [await startRobot(), await startRobot()];
    const rig = await deployFleet(sims, { policy: 'least-used', start: 'auto', clearing: 'auto' });
    const first = await submit(rig);
    const a = await rig.event(topicOf(first.jobId, 'succeeded'), 'first succeeded');
    const second = await submit(rig);
    const b = await rig.event(topicOf(second.jobId, 'assigned'), 'second assigned');
    assert.notEqual(b.robot, a.robot, 'the robot idle longest took it');
  });

  it('in-order gives each job, one after another, to the first robot of the list that is free', async function () {
    sims = [await startRobot(), await startRobot()];
    const rig = await deployFleet(sims, { policy: 'in-order', start: 'auto', clearing: 'auto' });
    for (let i = 0; i < 3; i++) {
      const job = await submit(rig);
      const done = await rig.event(topicOf(job.jobId, 'succeeded'), `job ${i} succeeded`);
      assert.equal(done.robot, 'robot-0');
    }
    assert.equal((await runsOn(sims[1])).length, 0);
  });

  it('uploads a protocol once per robot and content, and again when the robot has dropped it (it keeps 5 unused)', async function () {
    sims = [await startRobot()];
    const rig = await deployFleet(sims, { start: 'auto', clearing: 'auto' });
    const uploads = (): number => sims[0].stats.count('POST', '/protocols');
    const fits = jsonProtocol({ name: 'fits' });
    for (let i = 0; i < 2; i++) {
      const job = await submit(rig, {}, fits);
      await rig.event(topicOf(job.jobId, 'succeeded'), `job ${i} succeeded`);
    }
    assert.equal(uploads(), 1, 'the same protocol is uploaded once and its id reused');
    // Six protocols no robot fits: each is uploaded, analysed and left unused, so the robot drops the oldest.
    const misfit = (i: number): { filename: string; content: string } => jsonProtocol({ pipette: 'p1000_single_gen2', name: `misfit ${i}` });
    for (let i = 0; i < 6; i++) {
      const job = await submit(rig, {}, misfit(i));
      await rig.event(topicOf(job.jobId, 'rejected'), `misfit ${i} rejected`);
    }
    assert.equal(uploads(), 7);
    // misfit 0 was dropped by the robot: the queue uploads it again rather than failing on the stale id.
    const again = await submit(rig, {}, misfit(0));
    const rejected = await rig.event(topicOf(again.jobId, 'rejected'), 'misfit 0 rejected again');
    assert.match(String((rejected.payload as { reasons: Record<string, string> }).reasons['robot-0']), /p1000_single_gen2/);
    assert.equal(uploads(), 8);
  });

  it('cancel: a queued job is removed, an assigned one has its run deleted, a running one is stopped', async function () {
    sims = [await startRobot('OT-2', 50, 200)];
    const rig = await deployFleet(sims);
    const assigned = await submit(rig);
    const queued = await submit(rig);
    const ev = await rig.event(topicOf(assigned.jobId, 'assigned'), 'assigned');
    const c1 = await rig.ask({ action: 'cancel', jobId: queued.jobId });
    assert.equal(c1.topic, 'cancelled');
    const c2 = await rig.ask({ action: 'cancel', jobId: assigned.jobId });
    assert.equal(c2.topic, 'cancelled');
    assert.ok(!(await runsOn(sims[0])).some((r) => r.id === ev.runId), 'its run deleted');
    // a pausing protocol stays running/paused long enough to be stopped
    const running = await submit(rig, { start: 'auto' }, jsonProtocol({ pause: true, name: 'pauses' }));
    await rig.event(topicOf(running.jobId, 'paused'), 'paused');
    const paused = rig.all.find(topicOf(running.jobId, 'paused')) as TestMsg;
    assert.equal(typeof (paused.payload as { pauseMessage: unknown }).pauseMessage, 'string');
    await rig.ask({ action: 'cancel', jobId: running.jobId });
    await rig.event(topicOf(running.jobId, 'stopped'), 'stopped');
    await assert.rejects(rig.ask({ action: 'cancel', jobId: running.jobId }), (e: { code?: string }) => e.code === 'JobEnded');
  });

  it('a robot with a run that is not the queue\'s (idle or running) is busy: its run is left alone and the job waits', async function () {
    sims = [await startRobot()];
    const headers = { 'Opentrons-Version': '3', 'content-type': 'application/json' };
    const res = await fetch(`${sims[0].url}/runs`, { method: 'POST', headers, body: JSON.stringify({ data: {} }) });
    const foreign = ((await res.json()) as { data: { id: string } }).data.id;
    const rig = await deployFleet(sims);
    const job = await submit(rig);
    await new Promise((r) => setTimeout(r, 2500));
    assert.ok(!rig.all.some((m) => m.jobId === job.jobId && m.topic === 'assigned'), 'not assigned while another run is current');
    const robots = ((await rig.ask({ action: 'list' })).payload as { robots: Array<{ state: string; runId: string | null }> }).robots;
    assert.deepEqual([robots[0].state, robots[0].runId], ['running', foreign]);
    assert.equal((await runsOn(sims[0])).find((r) => r.id === foreign)?.status, 'idle', 'the other run is left alone');
    await fetch(`${sims[0].url}/runs/${foreign}`, { method: 'DELETE', headers });
    await rig.event(topicOf(job.jobId, 'assigned'), 'assigned once the robot is free', 30_000);
  });

  it('hold keeps a robot out of rotation until release', async function () {
    sims = [await startRobot(), await startRobot()];
    const rig = await deployFleet(sims, { start: 'auto', clearing: 'auto' });
    await rig.ask({ action: 'hold', robot: 'robot-0' });
    const jobs = [await submit(rig), await submit(rig)];
    for (const j of jobs) await rig.event(topicOf(j.jobId, 'succeeded'), 'succeeded');
    assert.ok(rig.all.filter((m) => m.topic === 'assigned').every((m) => m.robot === 'robot-1'));
    assert.equal((await runsOn(sims[0])).length, 0, 'the held robot got nothing');
    await rig.ask({ action: 'release', robot: 'robot-0' });
    const list = await rig.ask({ action: 'list' });
    assert.equal((list.payload as { robots: Array<{ state: string }> }).robots[0].state, 'free');
  });

  it('a robot unreachable and back keeps its job (no second dispatch); unreachable longer than the setting makes it lost', async function () {
    sims = [await startRobot('OT-2', 50, 200), await startRobot('OT-2', 50, 200)];
    const rig = await deployFleet(sims, { start: 'auto', lostAfter: 600 });
    const list = async (): Promise<Array<{ state: string }>> => ((await rig.ask({ action: 'list' })).payload as { robots: Array<{ state: string }> }).robots;
    const until = async (cond: (robots: Array<{ state: string }>) => boolean, what: string): Promise<void> => {
      for (let i = 0; i < 300; i++) {
        if (cond(await list())) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${what}: never`);
    };
    const job = await submit(rig, { robots: ['robot-0'] }, jsonProtocol({ pause: true, name: 'pauses' }));
    await rig.event(topicOf(job.jobId, 'paused'), 'paused');
    // The network drops every connection to robot-0; the robot itself (and its paused run) carries on.
    sims[0].faults.dropNext({ count: 1_000_000 });
    await until((r) => r[0].state === 'offline', 'offline');
    sims[0].faults.clear();
    await until((r) => r[0].state !== 'offline', 'back');
    assert.equal((await list())[0].state, 'paused', 'back with its job');
    assert.equal((await runsOn(sims[0])).length, 1, 'one run: the job was not dispatched again');
    assert.ok(!rig.all.some((m) => m.jobId === job.jobId && m.topic === 'lost'));
  });

  it('a robot that goes down and comes back up (robot.faults down/up: its unfinished runs stopped) reports the job stopped, never runs it again', async function () {
    sims = [await startRobot('OT-2', 50, 200)];
    const rig = await deployFleet(sims, { start: 'auto' });
    const job = await submit(rig, {}, jsonProtocol({ pause: true, name: 'pauses' }));
    await rig.event(topicOf(job.jobId, 'paused'), 'paused');
    await sims[0].faults.down();
    await new Promise((r) => setTimeout(r, 2500));
    await sims[0].faults.up();
    const stopped = await rig.event(topicOf(job.jobId, 'stopped'), 'stopped after the robot restarted', 60_000);
    assert.equal(stopped.robot, 'robot-0');
    const runs = await runsOn(sims[0]);
    assert.equal(runs.length, 1, 'its one run, not a second');
    const robots = ((await rig.ask({ action: 'list' })).payload as { robots: Array<{ state: string }> }).robots;
    assert.equal(robots[0].state, 'needs-clearing');
  });

  it('a running job whose robot stays unreachable longer than "robot lost after" is lost; a robot restarted without its run too, never re-run', async function () {
    sims = [await startRobot('OT-2', 50, 200)];
    const rig = await deployFleet(sims, { start: 'auto', lostAfter: 1 });
    const a = await submit(rig, {}, jsonProtocol({ pause: true, name: 'pauses' }));
    await rig.event(topicOf(a.jobId, 'paused'), 'a paused');
    sims[0].faults.dropNext({ count: 1_000_000 });
    const lostA = await rig.event(topicOf(a.jobId, 'lost'), 'a lost');
    assert.match(String((lostA.payload as { reasons: Record<string, string> }).reasons['robot-0']), /unreachable for more than 1 s/);
    sims[0].faults.clear();

    // The robot restarts with none of its runs: a new simulator on the same port.
    const port = sims[0].port;
    await sims[0].stop();
    sims[0] = await Sim.start({ host: '127.0.0.1', port, model: 'OT-2', speed: 50, analysisMs: 100, commandMs: 200 });
    await rig.ask({ action: 'clear', robot: 'robot-0' });
    const b = await submit(rig, {}, jsonProtocol({ pause: true, name: 'pauses' }));
    await rig.event(topicOf(b.jobId, 'paused'), 'b paused');
    const port2 = sims[0].port;
    await sims[0].stop();
    sims[0] = await Sim.start({ host: '127.0.0.1', port: port2, model: 'OT-2', speed: 50, analysisMs: 100, commandMs: 200 });
    const lostB = await rig.event(topicOf(b.jobId, 'lost'), 'b lost', 60_000);
    assert.match(String((lostB.payload as { reasons: Record<string, string> }).reasons['robot-0']), /gone from robot/);
    assert.equal((await runsOn(sims[0])).length, 0, 'never re-run');
  });

  it('a full redeploy keeps the queue (memory store): queued jobs, holds, and an assigned job re-attached to its run', async function () {
    sims = [await startRobot(), await startRobot()];
    const rig = await deployFleet(sims);
    const assigned = await submit(rig, { robots: ['robot-0'] });
    const a = await rig.event(topicOf(assigned.jobId, 'assigned'), 'assigned');
    await rig.ask({ action: 'hold', robot: 'robot-1' });
    const queued = await submit(rig, { robots: ['robot-1'] });
    await rig.redeploy();
    const list = await rig.ask({ action: 'list' });
    const payload = list.payload as { jobs: Array<{ jobId: string; state: string; runId: string | null }>; robots: Array<{ state: string }> };
    assert.deepEqual(payload.jobs.map((j) => [j.jobId, j.state, j.runId]), [[assigned.jobId, 'assigned', a.runId], [queued.jobId, 'queued', null]]);
    assert.deepEqual(payload.robots.map((r) => r.state), ['assigned', 'held']);
    // the job goes on from where it was: started after the redeploy, it runs its one run
    await rig.ask({ action: 'start', jobId: assigned.jobId });
    await rig.event(topicOf(assigned.jobId, 'succeeded'), 'succeeded after the redeploy');
    await rig.ask({ action: 'release', robot: 'robot-1' });
    await rig.event(topicOf(queued.jobId, 'assigned'), 'queued job assigned after release');
    assert.equal((await runsOn(sims[0])).length, 1, 'no second run for the re-attached job');
  });

  it('reads each robot at its interval: 2.5 s by default, as often as the Opentrons App; under 500 ms is a configuration error', async function () {
    // One command a second of real time: a job's run stays running for several seconds.
    sims = [await startRobot('OT-2', 1, 1000)];
    const runReads = async (interval: number | string): Promise<number> => {
      const rig = await deployFleet(sims, { start: 'auto', clearing: 'auto', interval });
      const job = await rig.ask({ files: [jsonProtocol({ name: `interval ${String(interval)}` })] });
      const running = await rig.event(topicOf(job.jobId, 'running'), 'job running', 30_000);
      const run = `/runs/${String(running.runId)}`;
      const from = sims[0].stats.count('GET', run);
      await new Promise((r) => setTimeout(r, 5000));
      const reads = sims[0].stats.count('GET', run) - from;
      await rig.ask({ action: 'cancel', jobId: job.jobId });
      await unloadFlow();
      return reads;
    };
    const atDefault = await runReads('');
    assert.ok(atDefault >= 1 && atDefault <= 3, `${atDefault} reads of the running run in 5 s at the default (2.5 s)`);
    const atOne = await runReads(1000);
    assert.ok(atOne >= 4 && atOne <= 7, `${atOne} reads of the running run in 5 s at 1 s`);
    for (const bad of [100, 499, 'soon']) {
      const rig = await deployFleet(sims, { interval: bad });
      const fleet = getNode(rig.fleetId) as unknown as { configError?: string };
      assert.match(fleet.configError ?? '', /interval must be whole milliseconds, at least 500/, String(bad));
      await unloadFlow();
    }
  });

  it('200 jobs in one burst on 5 robots: each runs once, no robot runs two at once', async function () {
    this.timeout(600_000);
    sims = await Promise.all([0, 1, 2, 3, 4].map(() => startRobot('OT-2', 200, 100)));
    const rig = await deployFleet(sims, { start: 'auto', clearing: 'auto' });
    const overlaps: string[] = [];
    // Sample every robot's run list while the queue runs: never two runs running at once.
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const [i, s] of sims.entries()) {
          const active = (await runsOn(s)).filter((r) => ['running', 'paused', 'finishing'].includes(r.status));
          if (active.length > 1) overlaps.push(`robot-${i}: ${active.map((r) => r.id).join(', ')}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const ids = new Set<string>();
    const burst = Array.from({ length: 200 }, (_, i) => submit(rig, { seq: i }));
    for (const m of await Promise.all(burst)) ids.add(String(m.jobId));
    assert.equal(ids.size, 200);
    for (const id of ids) await rig.event(topicOf(id, 'succeeded'), `job ${id} succeeded`, 600_000);
    sampling = false;
    await sampler;
    assert.deepEqual(overlaps, []);
    const assigned = rig.all.filter((m) => m.topic === 'assigned');
    assert.equal(assigned.length, 200, 'one assignment per job');
    assert.equal(new Set(assigned.map((m) => m.runId)).size, 200, 'one run per job');
    let total = 0;
    const runIds = new Set(assigned.map((m) => m.runId));
    for (const s of sims) {
      // the robot keeps its last 20 runs: every run it still lists must be one job's, and succeeded
      const runs = await runsOn(s);
      for (const r of runs) assert.ok(runIds.has(r.id) && r.status === 'succeeded', `${r.id} ${r.status}`);
      total += runs.length;
    }
    assert.ok(total > 0);
  });
});
