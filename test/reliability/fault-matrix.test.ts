// Fault matrix: every node × every fault the simulated robot can inject. For each cell the node must
// report a clear error (Catch node: one msg with a code; node status red) or a clear status event,
// Node-RED must keep running (the process guard fails the test on any unhandled rejection), no
// request other than a GET may reach the robot twice, and once the robot is healthy again the next
// msg (or the watcher on its own) works without a redeploy.
import assert from 'node:assert/strict';
import { RobotClient } from '../../nodes/lib/client';
import { SimulatedRobot } from '../../nodes/lib/simulator';
import { ACTION_SPECS, JSON_PROTOCOL, clearCurrentRun, type ActionSpec } from './specs';
import { deployRig, errorOf, repeatedNonGets, sleep, until, type Msg, type Rig } from './rig';

type Fault = 'down at deploy' | 'restart mid-request' | '5xx answer' | 'slower than the timeout' | 'dropped mid-response' | 'malformed JSON' | 'non-JSON body';
const FAULTS: Fault[] = ['down at deploy', 'restart mid-request', '5xx answer', 'slower than the timeout', 'dropped mid-response', 'malformed JSON', 'non-JSON body'];

/** The error code (→ msg.error.code in a Catch node) each fault must produce. */
const EXPECTED_CODE: Record<Fault, RegExp> = {
  'down at deploy': /^ECONNREFUSED$/,
  'restart mid-request': /^(ECONNRESET|ECONNREFUSED)$/,
  '5xx answer': /^UnexpectedError$/,
  'slower than the timeout': /^ETIMEDOUT$/,
  'dropped mid-response': /^EBADRESPONSE$/,
  'malformed JSON': /^EBADRESPONSE$/,
  'non-JSON body': /^EBADRESPONSE$/,
};

const TIMEOUT_S = 1;

function outcomeText(rig: Rig): string {
  return `(out ${rig.out.length}, caught ${rig.caught.length}: ${rig.caught.map((m) => errorOf(m).message).join(' | ')}, completed ${rig.completed.length}, status "${rig.lastStatus()}")`;
}

/** Sends msg and waits until it has ended (done or Catch), then a little longer to see a second ending. */
async function sendAndSettle(rig: Rig, msg: Msg, timeoutMs = 8000): Promise<void> {
  const before = rig.caught.length + rig.completed.length;
  rig.send(msg);
  await until(() => rig.caught.length + rig.completed.length > before, timeoutMs, 'the msg did not end', () => outcomeText(rig));
  await sleep(150);
}

async function injectFault(sim: SimulatedRobot, fault: Fault, target: { method: string; path: RegExp }): Promise<void> {
  switch (fault) {
    case '5xx answer': return sim.faults.failNext({ ...target, status: 500 });
    case 'slower than the timeout': return sim.faults.slowNext({ ...target, delayMs: TIMEOUT_S * 1000 + 1500 });
    case 'dropped mid-response': return sim.faults.dropNext(target);
    case 'malformed JSON': return sim.faults.malformedNext(target);
    case 'non-JSON body': return sim.faults.malformedNext({ ...target, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' });
    case 'restart mid-request': return sim.faults.slowNext({ ...target, delayMs: 2000 });
    case 'down at deploy': return;
  }
}

function actionCell(spec: ActionSpec, fault: Fault): void {
  it(`${spec.type} × ${fault}`, async function () {
    const sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, speed: 50, analysisMs: 50 });
    const client = new RobotClient({ baseUrl: sim.url, apiVersion: '3', timeoutMs: 10_000 });
    let rig: Rig | undefined;
    try {
      const msg = await spec.prepare(client);
      if (fault === 'down at deploy') await sim.faults.down();
      rig = await deployRig({ type: spec.type, props: spec.props, sim, timeoutS: TIMEOUT_S });
      const mark = rig.mark();
      await injectFault(sim, fault, spec.target);
      const hits = (): number => sim.stats.requests.slice(mark).filter((r) => r.method === spec.target.method && spec.target.path.test(r.path)).length;

      if (fault === 'restart mid-request') {
        rig.send(msg);
        await until(() => hits() > 0, 5000, 'the request did not reach the robot');
        await sim.faults.restart(200);
        await until(() => rig!.caught.length + rig!.completed.length > 0, 8000, 'the msg did not end', () => outcomeText(rig!));
        await sleep(150);
      } else {
        await sendAndSettle(rig, msg);
      }

      // One catchable error, nothing else.
      assert.equal(rig.caught.length, 1, `one error for the Catch node ${outcomeText(rig)}`);
      assert.equal(rig.completed.length, 0, `no completion ${outcomeText(rig)}`);
      assert.equal(rig.out.length, 0, `no output ${outcomeText(rig)}`);
      const err = errorOf(rig.caught[0]);
      assert.match(String(err.code), EXPECTED_CODE[fault], `error code for "${fault}": ${err.message}`);
      assert.ok(err.message.length > 20, `a readable message: ${err.message}`);
      if (fault === '5xx answer') assert.equal(rig.caught[0].statusCode, 500, 'msg.statusCode carries the robot\'s status');
      const status = rig.statuses[rig.statuses.length - 1];
      assert.equal(status?.fill, 'red', `node status is red: ${JSON.stringify(status)}`);

      // The robot saw the request at most once (down: never), and no other non-GET twice.
      assert.equal(hits(), fault === 'down at deploy' ? 0 : 1, `${spec.target.method} ${spec.target.path} reached the robot ${hits()} times`);
      assert.deepEqual(repeatedNonGets(rig.nonGets(mark)), [], 'a non-GET request was repeated');

      // The robot is healthy again: the next msg works on the same deployment.
      if (fault === 'down at deploy') await sim.faults.up();
      sim.faults.clear();
      const next = await spec.prepare(client);
      const mark2 = rig.mark();
      await sendAndSettle(rig, next);
      assert.equal(rig.caught.length, 1, `the next msg fails no more ${outcomeText(rig)}`);
      assert.equal(rig.completed.length, 1, `the next msg completes ${outcomeText(rig)}`);
      assert.equal(rig.out.length, 1, `the next msg is sent on ${outcomeText(rig)}`);
      assert.notEqual(rig.statuses[rig.statuses.length - 1]?.fill, 'red', 'the node status is no longer red');
      assert.deepEqual(repeatedNonGets(rig.nonGets(mark2)), [], 'a non-GET request was repeated after recovery');
    } finally {
      await rig?.close();
      await client.close();
      await sim.stop();
    }
  });
}

/**
 * The robot accepted the POST, then the GET after it failed: the msg is an output (the action
 * happened) with the read's error on it and a yellow node status, never a Catch error a retrying flow
 * would answer by sending the POST again.
 */
function acceptedThenReadFails(spec: ActionSpec, read: NonNullable<ActionSpec['followUpRead']>): void {
  it(`${spec.type} × 5xx on the GET after an accepted ${spec.target.method}`, async function () {
    const sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, speed: 50, analysisMs: 50 });
    const client = new RobotClient({ baseUrl: sim.url, apiVersion: '3', timeoutMs: 10_000 });
    let rig: Rig | undefined;
    try {
      const msg = await spec.prepare(client);
      rig = await deployRig({ type: spec.type, props: spec.props, sim, timeoutS: TIMEOUT_S });
      const mark = rig.mark();
      sim.faults.failNext({ method: 'GET', path: read.path, status: 500 });
      await sendAndSettle(rig, msg);

      assert.equal(rig.caught.length, 0, `no error for the Catch node ${outcomeText(rig)}`);
      assert.equal(rig.out.length, 1, `the accepted action is an output ${outcomeText(rig)}`);
      assert.equal(rig.completed.length, 1, `the msg completes ${outcomeText(rig)}`);
      const readError = rig.out[0][read.errorProperty] as { code?: string; message?: string } | undefined;
      assert.equal(readError?.code, 'UnexpectedError', `msg.${read.errorProperty} carries the read's error: ${JSON.stringify(readError)}`);
      const status = rig.statuses[rig.statuses.length - 1];
      assert.equal(status?.fill, 'yellow', `node status is yellow: ${JSON.stringify(status)}`);
      assert.match(String(status?.text), read.status);
      const reads = sim.stats.requests.slice(mark).filter((r) => r.method === 'GET' && read.path.test(r.path));
      assert.ok(reads.some((r) => r.status === 500), 'the fault hit the follow-up GET');
      const posts = sim.stats.requests.slice(mark).filter((r) => r.method === spec.target.method && spec.target.path.test(r.path));
      assert.equal(posts.length, 1, `${spec.target.method} sent once`);
      assert.deepEqual(repeatedNonGets(rig.nonGets(mark)), [], 'a non-GET request was repeated');
    } finally {
      await rig?.close();
      await client.close();
      await sim.stop();
    }
  });
}

describe('reliability: fault matrix', function () {
  this.timeout(30_000);

  for (const spec of ACTION_SPECS) {
    describe(spec.type, function () {
      for (const fault of FAULTS) actionCell(spec, fault);
      // opentrons-command reads nothing after its POST (the robot's answer is the command).
      if (spec.followUpRead) acceptedThenReadFails(spec, spec.followUpRead);
    });
  }

  describe('opentrons-status (watching the current run)', function () {
    // A slow robot: the 26-command protocol's timed commands take long enough (about 15 s in all) to fault
    // the watch, see it recover at the 500 ms minimum interval, and still pause the run.
    let sim: SimulatedRobot;
    let client: RobotClient;
    let rig: Rig | undefined;

    beforeEach(async function () {
      sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, speed: 0.2, commandMs: 1000, analysisMs: 4 });
      client = new RobotClient({ baseUrl: sim.url, apiVersion: '3', timeoutMs: 10_000 });
    });
    afterEach(async function () {
      await rig?.close();
      rig = undefined;
      await client.close();
      await sim.stop();
    });

    async function playRun(): Promise<string> {
      await clearCurrentRun(client);
      const { protocol } = await client.uploadProtocol([{ filename: 'simpleV8.json', content: JSON_PROTOCOL }]);
      const run = await client.createRun({ protocolId: protocol.id });
      await client.createRunAction(run.id, 'play');
      return run.id;
    }

    const topics = (r: Rig): string[] => r.out.map((m) => String(m.topic));
    const statusMsg = (r: Rig, runId: string, status: string): Msg | undefined =>
      r.out.find((m) => m.topic === status && m.runId === runId);

    async function deployWatcher(downAtDeploy = false): Promise<Rig> {
      return deployRig({
        type: 'opentrons-status',
        props: { runId: '', interval: 500, autostart: true },
        sim,
        timeoutS: TIMEOUT_S,
        outputs: 2,
        downAtDeploy,
      });
    }

    /** After the fault: the robot works again, and a new run's status changes reach the flow. */
    async function watcherRecovers(r: Rig): Promise<void> {
      const runId = await playRun();
      await until(() => statusMsg(r, runId, 'running') !== undefined, 8000, 'the watcher did not report the new run running', () => topics(r).join(','));
      assert.notEqual(r.statuses[r.statuses.length - 1]?.fill, 'red');
    }

    it('opentrons-status × down at deploy', async function () {
      rig = await deployWatcher(true);
      await until(() => topics(rig!).includes('robot-unreachable'), 5000, 'no robot-unreachable msg', () => topics(rig!).join(','));
      const unreachable = rig.out.find((m) => m.topic === 'robot-unreachable') as Msg;
      assert.equal((unreachable.payload as { error: { code: string } }).error.code, 'ECONNREFUSED');
      assert.match(rig.lastStatus(), /unreachable/);
      const mark = rig.mark();
      await sim.faults.up();
      await until(() => topics(rig!).includes('robot-reachable'), 8000, 'no robot-reachable msg', () => topics(rig!).join(','));
      assert.deepEqual(rig.nonGets(mark), [], 'a watcher sends only GETs');
      await watcherRecovers(rig);
      assert.equal(rig.caught.length, 0);
    });

    it('opentrons-status × restart mid-run (the run\'s end is not lost)', async function () {
      const runId = await playRun();
      rig = await deployWatcher();
      await until(() => statusMsg(rig!, runId, 'running') !== undefined, 5000, 'no running msg', () => topics(rig!).join(','));
      const mark = rig.mark();
      await sim.faults.restart(600);
      await until(() => statusMsg(rig!, runId, 'stopped') !== undefined, 10_000, 'the restart\'s effect on the run (stopped) was not reported', () => topics(rig!).join(','));
      assert.deepEqual(rig.nonGets(mark), [], 'a watcher sends only GETs');
      const stopped = statusMsg(rig, runId, 'stopped') as Msg;
      assert.equal((stopped.payload as { previousStatus: string }).previousStatus, 'running');
      assert.ok(rig.out2.some((m) => m.topic === 'stopped' && m.runId === runId), 'the finished run goes to output 2');
      await watcherRecovers(rig);
      assert.equal(rig.caught.length, 0);
    });

    const readFaults: Array<{ fault: Fault; inject: (s: SimulatedRobot) => void; code: RegExp }> = [
      { fault: '5xx answer', inject: (s) => s.faults.failNext({ method: 'GET', path: /^\/runs/, status: 500 }), code: /^UnexpectedError$/ },
      { fault: 'slower than the timeout', inject: (s) => s.faults.slowNext({ method: 'GET', path: /^\/runs/, delayMs: TIMEOUT_S * 1000 + 1500 }), code: /^ETIMEDOUT$/ },
      // A GET cut short is tried again (3 retries): four drops in a row make the outage visible.
      { fault: 'dropped mid-response', inject: (s) => s.faults.dropNext({ method: 'GET', path: /^\/runs/, count: 4 }), code: /^EBADRESPONSE$/ },
      { fault: 'malformed JSON', inject: (s) => s.faults.malformedNext({ method: 'GET', path: /^\/runs/ }), code: /^EBADRESPONSE$/ },
      { fault: 'non-JSON body', inject: (s) => s.faults.malformedNext({ method: 'GET', path: /^\/runs/, body: '<html>502</html>' }), code: /^EBADRESPONSE$/ },
    ];
    for (const rf of readFaults) {
      it(`opentrons-status × ${rf.fault}`, async function () {
        const runId = await playRun();
        rig = await deployWatcher();
        await until(() => statusMsg(rig!, runId, 'running') !== undefined, 5000, 'no running msg', () => topics(rig!).join(','));
        const mark = rig.mark();
        rf.inject(sim);
        await until(() => topics(rig!).includes('robot-unreachable'), 8000, 'the fault was not reported', () => topics(rig!).join(','));
        const reported = rig.out.find((m) => m.topic === 'robot-unreachable') as Msg;
        const code = (reported.payload as { error: { code?: string } }).error.code;
        assert.match(String(code), rf.code, `robot-unreachable carries the cause's code`);
        assert.ok(rig.statuses.some((st) => /unreachable/.test(String(st.text))), 'the node status said the robot is unreachable');
        await until(() => topics(rig!).includes('robot-reachable'), 8000, 'the watcher did not come back by itself', () => topics(rig!).join(','));
        assert.deepEqual(rig.nonGets(mark), [], 'a watcher sends only GETs');
        // Still watching the same run: a status change made now reaches the flow.
        await client.createRunAction(runId, 'pause');
        await until(() => statusMsg(rig!, runId, 'paused') !== undefined, 5000, 'the pause was not reported after the fault', () => topics(rig!).join(','));
        assert.equal(rig.caught.length, 0);
      });
    }
  });
});
