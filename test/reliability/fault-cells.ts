// One cell of the fault matrix: a node × a fault the simulated robot can inject. The node must report
// one clear, catchable error (code per fault, node status red), the robot must see the request at most
// once (no non-GET repeated), and the next msg works without a redeploy. Used by fault-matrix.test.ts
// and fault-request.test.ts.
import assert from 'node:assert/strict';
import { RobotClient } from '../../nodes/lib/client';
import { SimulatedRobot } from '../../nodes/lib/simulator';
import type { ActionSpec } from './specs';
import { deployRig, errorOf, repeatedNonGets, sleep, until, type Msg, type Rig } from './rig';

export type Fault = 'down at deploy' | 'restart mid-request' | '5xx answer' | 'slower than the timeout' | 'dropped mid-response' | 'malformed JSON' | 'non-JSON body';
export const FAULTS: Fault[] = ['down at deploy', 'restart mid-request', '5xx answer', 'slower than the timeout', 'dropped mid-response', 'malformed JSON', 'non-JSON body'];

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

export const TIMEOUT_S = 1;

export function outcomeText(rig: Rig): string {
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

export function actionCell(spec: ActionSpec, fault: Fault): void {
  it(`${spec.type} × ${fault}`, async function () {
    const sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, speed: 50, analysisMs: 50, ...spec.simOpts });
    const client = new RobotClient({ baseUrl: sim.url, apiVersion: '3', timeoutMs: 10_000 });
    let rig: Rig | undefined;
    try {
      const msg = await spec.prepare(client, sim);
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
      const next = await spec.prepare(client, sim);
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
