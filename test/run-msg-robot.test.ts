// opentrons-run with msg.robot: the action goes to the opentrons-robot config msg.robot names (by id, by name,
// by the fleet's "name (config id)"), not the node's own; refusals (unknown, ambiguous, not text) send nothing to
// any robot, counted at the simulators; a status node on the robot acted on sees the change at once; and a fleet's
// paused event fed to one opentrons-run play resumes the job on its robot.
import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import { RobotClient } from '../nodes/lib/client';
import type { SimulatedRobot } from '../nodes/lib/simulator';
import { findRobot, robotNames } from '../nodes/lib/robot-names';
import { liveWatchers } from '../nodes/lib/watch';
import { deployFleet, jsonProtocol, topicOf } from './helpers/fleet';
import { getNode, loadFlow, unloadFlow, type FlowNode } from './helpers/nodered';
import { CORE_NODES, robotConfig, robotRequests, startRobot, type TestMsg } from './helpers/protocol-nodes';

type Caught = { msg: TestMsg; error: { message: string; code?: string } };

/** Robot configs (ids ra, rb, rc…) with the given names, an opentrons-run on the first, Catch on the run node. */
async function deploy(sims: SimulatedRobot[], names: string[], run: Record<string, unknown> = {}, extra: FlowNode[] = []): Promise<void> {
  const robots = sims.map((s, i) => ({ ...robotConfig(s, `r${'abc'[i]}`), name: names[i] }));
  await loadFlow(
    [
      { id: 'tab', type: 'tab', label: 'msg.robot' },
      ...robots,
      { id: 'run', z: 'tab', type: 'opentrons-run', robot: 'ra', action: 'play', runId: '', runIdType: 'str', wires: [['out']], ...run },
      { id: 'out', z: 'tab', type: 'helper' },
      { id: 'catch', z: 'tab', type: 'catch', scope: ['run'], uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'tab', type: 'helper' },
      ...extra,
    ],
    { types: ['opentrons-robot', 'opentrons-run', 'opentrons-status'], extraNodes: CORE_NODES },
  );
}

/** Sends msg to the run node; resolves with its output or its caught error (whichever comes, once). */
function send(msg: TestMsg, timeoutMs = 15_000): Promise<{ ok: true; msg: TestMsg } | ({ ok: false } & Caught)> {
  const out = getNode('out') as unknown as EventEmitter;
  const caught = getNode('caught') as unknown as EventEmitter;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no outcome within ${timeoutMs} ms`));
    }, timeoutMs);
    const onOut = (m: TestMsg): void => {
      done();
      resolve({ ok: true, msg: m });
    };
    const onCaught = (m: TestMsg): void => {
      done();
      resolve({ ok: false, msg: m, error: m.error as Caught['error'] });
    };
    const done = (): void => {
      clearTimeout(timer);
      out.removeListener('input', onOut);
      caught.removeListener('input', onCaught);
    };
    out.on('input', onOut);
    caught.on('input', onCaught);
    getNode('run').receive(msg);
  });
}

async function ok(msg: TestMsg): Promise<TestMsg> {
  const r = await send(msg);
  if (!r.ok) throw new Error(`expected an output, got error: ${r.error.message}`);
  return r.msg;
}

async function refused(msg: TestMsg): Promise<Caught> {
  const r = await send(msg);
  if (r.ok) throw new Error(`expected an error, got output ${JSON.stringify(r.msg.payload).slice(0, 200)}`);
  return r;
}

/** Status texts the run node shows from now on. */
function statusTexts(): string[] {
  const texts: string[] = [];
  (getNode('run') as unknown as EventEmitter).on('call:status', (call: { args: Array<{ text?: unknown }> }) => texts.push(String(call.args[0]?.text ?? '')));
  return texts;
}

describe('robot names (the one resolver of the fleet and of msg.robot)', function () {
  const robot = (id: string, name: string, robotLabel: string): { id: string; config: { name: string; robotLabel: string } } => ({ id, config: { name, robotLabel } });
  const fleet = [robot('c1', 'OT-2 A', '10.0.0.1:31950'), robot('c2', '', 'simulated OT-2'), robot('c3', '', 'simulated OT-2'), robot('c4', 'Y', 'OT-2 A')];
  const found = (nameOrId: string): string | undefined => findRobot(fleet, nameOrId).found?.id;

  it('names robots by name, else label; a name two robots share becomes "name (config id)" for both', function () {
    assert.deepEqual(robotNames(fleet), ['OT-2 A', 'simulated OT-2 (c2)', 'simulated OT-2 (c3)', 'Y']);
  });

  it('finds by config id, by name, by "name (config id)", by an unshared label; a robot\'s name beats another\'s label', function () {
    assert.equal(found('c3'), 'c3');
    assert.equal(found('Y'), 'c4');
    assert.equal(found('simulated OT-2 (c2)'), 'c2');
    assert.equal(found('OT-2 A (c1)'), 'c1', 'the fleet\'s form of a name shared in another list');
    assert.equal(found('10.0.0.1:31950'), 'c1');
    assert.equal(found('OT-2 A'), 'c1', 'c4\'s label is "OT-2 A", but c1 is named so');
  });

  it('a shared name finds none and lists the names that tell the robots apart; an unknown one lists nothing', function () {
    assert.deepEqual(findRobot(fleet, 'simulated OT-2'), { found: undefined, candidates: ['simulated OT-2 (c2)', 'simulated OT-2 (c3)'] });
    assert.deepEqual(findRobot(fleet, 'OT-2 B'), { found: undefined, candidates: [] });
  });
});

describe('opentrons-run: msg.robot', function () {
  this.timeout(120_000);
  let sims: SimulatedRobot[] = [];
  let clients: RobotClient[] = [];

  async function robots(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const sim = await startRobot('OT-2', 1, 400);
      sims.push(sim);
      clients.push(new RobotClient({ baseUrl: sim.url, apiVersion: '3', timeoutMs: 5000 }));
    }
  }

  afterEach(async function () {
    await unloadFlow();
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(sims.map((s) => s.stop()));
    sims = [];
    clients = [];
    assert.equal(liveWatchers(), 0, 'every watcher released on close');
  });

  it('a node configured for robot A plays, reads and creates a run on robot B named by msg.robot (by name, by config id)', async function () {
    await robots(2);
    await deploy(sims, ['A', 'B']);
    const texts = statusTexts();
    const created = await ok({ action: 'create', robot: 'B', topic: 'kept' });
    const runId = String(created.runId);
    assert.equal((await clients[1].getRun(runId)).id, runId, 'the run was created on B');
    assert.equal(created.robot, 'B', 'msg.robot stays on the msg');
    assert.equal(created.topic, 'kept');

    const played = await ok({ action: 'play', runId, robot: 'B' });
    assert.equal(played.runId, runId);
    assert.equal(sims[1].stats.count('POST', `/runs/${runId}/actions`), 1, 'the play went to B');
    assert.notEqual((await clients[1].getRun(runId)).status, 'idle', 'B\'s run has been played');
    assert.ok(texts.some((t) => t.endsWith(' · B')), `the status names the robot: ${JSON.stringify(texts)}`);

    const reads = sims[1].stats.count('GET', `/runs/${runId}`);
    const got = await ok({ action: 'get', runId, robot: 'rb' });
    assert.equal((got.payload as { id: string }).id, runId, 'read from B by its config id');
    assert.equal(sims[1].stats.count('GET', `/runs/${runId}`), reads + 1);
    assert.equal(robotRequests(sims[0]), 0, 'robot A, the node\'s own, was never asked anything');

    // Without msg.robot the node's own robot is used.
    const own = await ok({ action: 'current' });
    assert.equal(own.payload, null, 'A has no current run');
    assert.ok(robotRequests(sims[0]) > 0);
  });

  it('an error on the robot msg.robot chose names that robot; the code and HTTP status stay the robot\'s', async function () {
    await robots(2);
    await deploy(sims, ['A', 'B']);
    const before = statusTexts();
    const r = await refused({ action: 'play', runId: 'no-such-run', robot: 'B' });
    assert.equal(r.error.code, 'RunNotFound');
    assert.equal(r.msg.statusCode, 404);
    assert.match(r.error.message, /robot B \(msg\.robot\): Run Not Found/);
    assert.equal(sims[1].stats.count('POST', '/runs/no-such-run/actions'), 1);
    assert.equal(robotRequests(sims[0]), 0);
    assert.ok(before.some((t) => t === 'RunNotFound · B'), `red status names the robot: ${JSON.stringify(before)}`);
  });

  it('an unknown name, an ambiguous name and a value that is not text are InvalidInput; nothing is sent to any robot', async function () {
    await robots(3);
    // B and C share the name "twin": the fleet's rule names them "twin (rb)" and "twin (rc)".
    await deploy(sims, ['A', 'twin', 'twin']);
    const run = await clients[2].createRun({});
    const before = sims.map(robotRequests);
    const counts = (): number[] => sims.map(robotRequests);

    const unknown = await refused({ action: 'play', runId: run.id, robot: 'OT-2 Z' });
    assert.equal(unknown.error.code, 'InvalidInput');
    assert.match(unknown.error.message, /no robot "OT-2 Z".*use one of "A", "twin \(rb\)", "twin \(rc\)".*set msg\.robot/);

    const ambiguous = await refused({ action: 'play', runId: run.id, robot: 'twin' });
    assert.equal(ambiguous.error.code, 'InvalidInput');
    assert.match(ambiguous.error.message, /robot "twin" is ambiguous: 2 robots .* "twin \(rb\)", "twin \(rc\)"/);

    for (const bad of [42, true, { name: 'A' }, ['A'], 0]) {
      const r = await refused({ action: 'play', runId: run.id, robot: bad });
      assert.equal(r.error.code, 'InvalidInput', JSON.stringify(bad));
      assert.match(r.error.message, /msg\.robot must be a string/, JSON.stringify(bad));
    }
    assert.deepEqual(counts(), before, 'no robot got a request');

    // The fleet's name for one of the twins reaches it, as does its id; '' and null mean the node's own robot.
    await ok({ action: 'play', runId: run.id, robot: 'twin (rc)' });
    assert.equal(sims[2].stats.count('POST', `/runs/${run.id}/actions`), 1);
    assert.equal(robotRequests(sims[1]), 0);
    for (const unset of ['', null]) {
      const own = await ok({ action: 'current', robot: unset });
      assert.equal(own.payload, null, 'robot A has no current run');
    }
    assert.equal(sims[0].stats.count('GET', '/runs'), 2, 'both reads went to A');
  });

  it('a status node watching robot B sees a play sent there through msg.robot at once, not at its next poll', async function () {
    await robots(2);
    // The status node polls an idle run every 30 s or slower: only the run node's notice makes it read sooner.
    await deploy(sims, ['A', 'B'], {}, [
      { id: 'st', z: 'tab', type: 'opentrons-status', robot: 'rb', runId: '', interval: '30000', progress: false, autostart: false, wires: [['changes'], []] },
      { id: 'changes', z: 'tab', type: 'helper' },
    ]);
    const run = await clients[1].createRun({});
    const topics: string[] = [];
    (getNode('changes') as unknown as EventEmitter).on('input', (m: TestMsg) => topics.push(String(m.topic)));
    getNode('st').receive({ runId: run.id });
    const until = async (pred: () => boolean, what: string, ms: number): Promise<void> => {
      const end = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms; got ${JSON.stringify(topics)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await until(() => topics.includes('idle'), 'the first status', 15_000);
    await ok({ action: 'play', runId: run.id, robot: 'B' });
    await until(() => topics.length > 1, 'the status after play', 15_000);
    assert.notEqual(topics[1], 'idle');
  });

  it('a fleet job\'s paused event fed to one opentrons-run play (configured for another robot) resumes the job on its robot', async function () {
    await robots(2);
    // robot-0 is held, so the job goes to robot-1; the run node is configured for robot-0.
    const rig = await deployFleet(sims, {
      start: 'auto',
      clearing: 'auto',
      extra: [
        { id: 'resume', z: 'tab', type: 'opentrons-run', robot: 'r0', action: 'play', runId: '', runIdType: 'str', wires: [['resumed']] },
        { id: 'resumed', z: 'tab', type: 'helper' },
      ],
    });
    await rig.ask({ action: 'hold', robot: 'robot-0' });
    const job = await rig.ask({ files: [jsonProtocol({ pause: true, name: 'fleet pause resumed through msg.robot' })] });
    const paused = await rig.event(topicOf(job.jobId, 'paused'), 'the job pauses', 60_000);
    assert.equal(paused.robot, 'robot-1');
    assert.equal(typeof (paused.payload as { pauseMessage?: unknown }).pauseMessage, 'string');

    const outcome = new Promise<TestMsg>((resolve, reject) => {
      (getNode('resumed') as unknown as EventEmitter).once('input', resolve);
      // (one Catch node per flow here: the test helper loads a core node's module once per node of its type)
      (getNode('resume') as unknown as EventEmitter).once('call:error', (call: { args: unknown[] }) => reject(new Error(`play failed: ${String(call.args[0])}`)));
    });
    getNode('resume').receive({ ...paused, _msgid: undefined });
    const resumed = await outcome;
    assert.equal(resumed.runId, paused.runId);
    const done = await rig.event(topicOf(job.jobId, 'succeeded'), 'the resumed job succeeds', 60_000);
    assert.equal(done.robot, 'robot-1');
    assert.equal((await clients[1].getRun(String(paused.runId))).status, 'succeeded');
    const actionsOn = (sim: SimulatedRobot): number => sim.stats.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/actions')).length;
    assert.equal(actionsOn(sims[0]), 0, 'robot-0, the run node\'s own, got no action');
    assert.equal(sims[1].stats.count('POST', `/runs/${String(paused.runId)}/actions`), 2, 'the fleet\'s play and the resume, on robot-1');
  });
});
