// Fault-matrix cells for opentrons-deck: each way of reading the deck (a run, a protocol's analysis) × each
// fault the simulated robot can inject. The node only reads (GETs, which the transport tries again after a
// connection error or a cut-short answer), so a short fault may be absorbed by a retry; a lasting one must end
// as one clear, coded error for a Catch node with the node status red. Node-RED keeps running (the process
// guard fails the test on any unhandled rejection), nothing but GETs reaches the robot, and the next msg works
// without a redeploy.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RobotClient } from '../../nodes/lib/client';
import { SimulatedRobot } from '../../nodes/lib/simulator';
import { PACKAGE_ROOT } from '../helpers/nodered';
import { deployRig, errorOf, sleep, until, type Msg, type Rig } from './rig';
import { clearCurrentRun } from './specs';

const TIMEOUT_S = 1;
const OT2_PROTOCOL = readFileSync(join(PACKAGE_ROOT, 'test', 'fixtures', 'protocols', 'deck-ot2.json'));

interface Source {
  name: string;
  /** The GET the fault is aimed at. */
  target: { method: string; path: RegExp };
  prepare(client: RobotClient): Promise<Msg>;
}

async function uploaded(client: RobotClient): Promise<string> {
  const { protocol } = await client.uploadProtocol([{ filename: 'deck-ot2.json', content: OT2_PROTOCOL }]);
  return protocol.id;
}

const SOURCES: Source[] = [
  {
    name: 'a run (msg.runId)',
    target: { method: 'GET', path: /^\/runs\/[^/]+$/ },
    prepare: async (client) => {
      await clearCurrentRun(client);
      const run = await client.createRun({ protocolId: await uploaded(client) });
      return { runId: run.id, highlight: true };
    },
  },
  {
    name: 'a protocol (msg.protocolId)',
    target: { method: 'GET', path: /^\/protocols\/[^/]+$/ },
    prepare: async (client) => ({ protocolId: await uploaded(client) }),
  },
];

interface FaultCase {
  fault: string;
  inject(sim: SimulatedRobot, target: Source['target']): Promise<void> | void;
  /** The error code a lasting fault ends with; undefined: a retry absorbs it and the deck is drawn. */
  code?: RegExp;
  /** How often the target GET reaches the robot (retries included); undefined: not checked (a restart). */
  hits?: number;
}

const CASES: FaultCase[] = [
  { fault: 'down at deploy', inject: () => undefined, code: /^ECONNREFUSED$/, hits: 0 },
  { fault: '5xx answer', inject: (s, t) => s.faults.failNext({ ...t, status: 500 }), code: /^UnexpectedError$/, hits: 1 },
  // A timeout is not tried again (the robot may still be working on the request): one GET, one error.
  { fault: 'slower than the timeout', inject: (s, t) => s.faults.slowNext({ ...t, delayMs: TIMEOUT_S * 1000 + 1500 }), code: /^ETIMEDOUT$/, hits: 1 },
  { fault: 'dropped mid-response (every try)', inject: (s, t) => s.faults.dropNext({ ...t, count: 4 }), code: /^EBADRESPONSE$/, hits: 4 },
  { fault: 'dropped mid-response (once: the retry gets it)', inject: (s, t) => s.faults.dropNext(t), hits: 2 },
  { fault: 'malformed JSON', inject: (s, t) => s.faults.malformedNext(t), code: /^EBADRESPONSE$/, hits: 1 },
  { fault: 'non-JSON body', inject: (s, t) => s.faults.malformedNext({ ...t, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' }), code: /^EBADRESPONSE$/, hits: 1 },
];

function outcomeText(rig: Rig): string {
  return `(out ${rig.out.length}, caught ${rig.caught.length}: ${rig.caught.map((m) => errorOf(m).message).join(' | ')}, completed ${rig.completed.length}, status "${rig.lastStatus()}")`;
}

async function settle(rig: Rig, before: number, ms = 15_000): Promise<void> {
  await until(() => rig.caught.length + rig.completed.length > before, ms, 'the msg did not end', () => outcomeText(rig));
  await sleep(150);
}

describe('reliability: fault matrix — opentrons-deck', function () {
  this.timeout(40_000);

  for (const source of SOURCES) {
    describe(`opentrons-deck from ${source.name}`, function () {
      for (const c of CASES) {
        it(`× ${c.fault}`, async function () {
          const sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, speed: 50, analysisMs: 20 });
          const client = new RobotClient({ baseUrl: sim.url, apiVersion: '3', timeoutMs: 10_000 });
          let rig: Rig | undefined;
          try {
            const msg = await source.prepare(client);
            if (c.fault === 'down at deploy') await sim.faults.down();
            rig = await deployRig({ type: 'opentrons-deck', props: {}, sim, timeoutS: TIMEOUT_S });
            const mark = rig.mark();
            await c.inject(sim, source.target);
            rig.send(msg);
            await settle(rig, 0);
            const hits = sim.stats.requests.slice(mark).filter((r) => r.method === source.target.method && source.target.path.test(r.path)).length;

            if (c.code) {
              assert.equal(rig.caught.length, 1, `one error for the Catch node ${outcomeText(rig)}`);
              assert.equal(rig.completed.length + rig.out.length, 0, `no completion, no output ${outcomeText(rig)}`);
              const err = errorOf(rig.caught[0]);
              assert.match(String(err.code), c.code, `error code: ${err.message}`);
              assert.ok(err.message.length > 20, `a readable message: ${err.message}`);
              if (c.fault === '5xx answer') assert.equal(rig.caught[0].statusCode, 500);
              assert.equal(rig.statuses[rig.statuses.length - 1]?.fill, 'red', 'node status is red');
            } else {
              assert.equal(rig.caught.length, 0, `a retry absorbed the fault ${outcomeText(rig)}`);
              assert.equal(rig.out.length, 1, `the deck was drawn ${outcomeText(rig)}`);
              assert.match(String(rig.out[0].payload), /^<svg /);
            }
            if (c.hits !== undefined) assert.equal(hits, c.hits, `${source.target.path} reached the robot ${hits} times`);
            assert.deepEqual(rig.nonGets(mark), [], 'the deck node only reads');

            // The robot is healthy again: the next msg works on the same deployment.
            if (c.fault === 'down at deploy') await sim.faults.up();
            sim.faults.clear();
            const next = await source.prepare(client);
            const outs = rig.out.length;
            const ended = rig.caught.length + rig.completed.length;
            rig.send(next);
            await settle(rig, ended);
            assert.equal(rig.out.length, outs + 1, `the next msg draws the deck ${outcomeText(rig)}`);
            const deck = rig.out[rig.out.length - 1].deck as { slots: Record<string, unknown> };
            assert.deepEqual(Object.keys(deck.slots).sort(), source.name.startsWith('a run') ? [] : ['1', '2', '3']);
            assert.notEqual(rig.statuses[rig.statuses.length - 1]?.fill, 'red', 'the node status is no longer red');
          } finally {
            await rig?.close();
            await client.close();
            await sim.stop();
          }
        });
      }

      it('× restart mid-request: one ending (drawn after a retry, or a connection error), then it works again', async function () {
        const sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, speed: 50, analysisMs: 20 });
        const client = new RobotClient({ baseUrl: sim.url, apiVersion: '3', timeoutMs: 10_000 });
        let rig: Rig | undefined;
        try {
          const msg = await source.prepare(client);
          rig = await deployRig({ type: 'opentrons-deck', props: {}, sim, timeoutS: 5 });
          const mark = rig.mark();
          sim.faults.slowNext({ ...source.target, delayMs: 2000 });
          rig.send(msg);
          await until(() => sim.stats.requests.slice(mark).some((r) => source.target.path.test(r.path)), 5000, 'the request did not reach the robot');
          await sim.faults.restart(200);
          await settle(rig, 0);
          assert.equal(rig.caught.length + rig.completed.length, 1, `the msg ended once ${outcomeText(rig)}`);
          if (rig.caught.length === 1) assert.match(String(errorOf(rig.caught[0]).code), /^(ECONNRESET|ECONNREFUSED)$/);
          else assert.equal(rig.out.length, 1);
          assert.deepEqual(rig.nonGets(mark), [], 'the deck node only reads');
          const next = await source.prepare(client);
          rig.send(next);
          await settle(rig, 1);
          assert.equal(rig.out[rig.out.length - 1]?.runId ?? rig.out[rig.out.length - 1]?.protocolId, next.runId ?? next.protocolId, `the next msg is drawn ${outcomeText(rig)}`);
        } finally {
          await rig?.close();
          await client.close();
          await sim.stop();
        }
      });
    });
  }
});
