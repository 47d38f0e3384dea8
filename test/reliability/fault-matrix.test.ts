// Fault matrix: every node × every fault the simulated robot can inject. For each cell the node must
// report a clear error (Catch node: one msg with a code; node status red) or a clear status event,
// Node-RED must keep running (the process guard fails the test on any unhandled rejection), no
// request other than a GET may reach the robot twice, and once the robot is healthy again the next
// msg (or the watcher on its own) works without a redeploy.
import assert from 'node:assert/strict';
import { RobotClient } from '../../nodes/lib/client';
import { SimulatedRobot } from '../../nodes/lib/simulator';
import { ACTION_SPECS, JSON_PROTOCOL, clearCurrentRun } from './specs';
import { FAULTS, TIMEOUT_S, actionCell, type Fault } from './fault-cells';
import { deployRig, until, type Msg, type Rig } from './rig';

describe('reliability: fault matrix', function () {
  this.timeout(30_000);

  for (const spec of ACTION_SPECS) {
    describe(spec.type, function () {
      for (const fault of FAULTS) actionCell(spec, fault);
    });
  }

  describe('opentrons-status (watching the current run)', function () {
    // Real-time robot: a 26-command protocol at 1 s a command runs for ~26 s, long enough to fault it.
    let sim: SimulatedRobot;
    let client: RobotClient;
    let rig: Rig | undefined;

    beforeEach(async function () {
      sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, speed: 1, commandMs: 1000, analysisMs: 20 });
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
        props: { runId: '', interval: 100, autostart: true },
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
