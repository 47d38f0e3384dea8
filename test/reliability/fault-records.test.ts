// Fault matrix for the run-record actions: opentrons-upload upload-data-file, opentrons-run
// add-labware-offsets, commands (whole log) and command-errors, each × every fault the simulated robot
// injects into the request the action makes. Each cell: one error a Catch node gets, with the fault's
// code, node status red; a non-GET request reaches the robot once; after the fault the next msg works
// on the same deployment.
import assert from 'node:assert/strict';
import { RobotClient } from '../../nodes/lib/client';
import { SimulatedRobot } from '../../nodes/lib/simulator';
import { idleProtocolRun } from './specs';
import { deployRig, errorOf, repeatedNonGets, sleep, until, type Msg, type Rig } from './rig';

type Fault = '5xx answer' | 'slower than the timeout' | 'dropped mid-response' | 'malformed JSON' | 'non-JSON body';

const EXPECTED_CODE: Record<Fault, RegExp> = {
  '5xx answer': /^UnexpectedError$/,
  'slower than the timeout': /^ETIMEDOUT$/,
  'dropped mid-response': /^EBADRESPONSE$/,
  'malformed JSON': /^EBADRESPONSE$/,
  'non-JSON body': /^EBADRESPONSE$/,
};
const TIMEOUT_S = 1;
let serial = 0;

interface RecordSpec {
  name: string;
  type: 'opentrons-upload' | 'opentrons-run';
  props: Record<string, unknown>;
  target: { method: string; path: RegExp };
  prepare(client: RobotClient): Promise<Msg>;
}

const SPECS: RecordSpec[] = [
  {
    name: 'upload-data-file',
    type: 'opentrons-upload',
    props: { action: 'upload-data-file' },
    target: { method: 'POST', path: /^\/dataFiles$/ },
    // New bytes each time: the same bytes would be answered from the robot's store.
    prepare: async () => ({ payload: `well,volume\nA1,${++serial}\n`, filename: 'plate_map.csv' }),
  },
  {
    name: 'add-labware-offsets',
    type: 'opentrons-run',
    props: { action: 'add-labware-offsets' },
    target: { method: 'POST', path: /^\/runs\/[^/]+\/labware_offsets$/ },
    prepare: async (client) => ({
      runId: await idleProtocolRun(client),
      labwareOffsets: [{ definitionUri: 'opentrons/corning_96_wellplate_360ul_flat/2', location: { slotName: '2' }, vector: { x: 0, y: 0, z: 1 } }],
    }),
  },
  {
    name: 'commands (all pages)',
    type: 'opentrons-run',
    props: { action: 'commands', allPages: true },
    target: { method: 'GET', path: /^\/runs\/[^/]+\/commands$/ },
    prepare: async (client) => ({ runId: await idleProtocolRun(client), pageLength: 5 }),
  },
  {
    name: 'command-errors',
    type: 'opentrons-run',
    props: { action: 'command-errors' },
    target: { method: 'GET', path: /^\/runs\/[^/]+\/commandErrors$/ },
    prepare: async (client) => ({ runId: await idleProtocolRun(client) }),
  },
];

function inject(sim: SimulatedRobot, fault: Fault, target: RecordSpec['target']): void {
  // A GET cut short is tried again (3 retries): four drops in a row make it fail.
  const count = target.method === 'GET' ? 4 : 1;
  switch (fault) {
    case '5xx answer': return sim.faults.failNext({ ...target, status: 500 });
    case 'slower than the timeout': return sim.faults.slowNext({ ...target, count, delayMs: TIMEOUT_S * 1000 + 1500 });
    case 'dropped mid-response': return sim.faults.dropNext({ ...target, count });
    case 'malformed JSON': return sim.faults.malformedNext(target);
    case 'non-JSON body': return sim.faults.malformedNext({ ...target, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' });
  }
}

function text(rig: Rig): string {
  return `(out ${rig.out.length}, caught ${rig.caught.length}: ${rig.caught.map((m) => errorOf(m).message).join(' | ')}, completed ${rig.completed.length})`;
}

async function sendAndSettle(rig: Rig, msg: Msg): Promise<void> {
  const before = rig.caught.length + rig.completed.length;
  rig.send(msg);
  await until(() => rig.caught.length + rig.completed.length > before, 15_000, 'the msg did not end', () => text(rig));
  await sleep(150);
}

describe('reliability: fault matrix of the run-record actions', function () {
  this.timeout(40_000);
  for (const spec of SPECS) {
    for (const fault of Object.keys(EXPECTED_CODE) as Fault[]) {
      it(`${spec.type} ${spec.name} × ${fault}`, async function () {
        const sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, speed: 50, analysisMs: 50 });
        const client = new RobotClient({ baseUrl: sim.url, apiVersion: '3', timeoutMs: 10_000 });
        let rig: Rig | undefined;
        try {
          const msg = await spec.prepare(client);
          rig = await deployRig({ type: spec.type, props: spec.props, sim, timeoutS: TIMEOUT_S });
          const mark = rig.mark();
          inject(sim, fault, spec.target);
          const hits = (): number => sim.stats.requests.slice(mark).filter((r) => r.method === spec.target.method && spec.target.path.test(r.path)).length;
          await sendAndSettle(rig, msg);

          assert.equal(rig.caught.length, 1, `one error for the Catch node ${text(rig)}`);
          assert.equal(rig.completed.length + rig.out.length, 0, `no output ${text(rig)}`);
          const err = errorOf(rig.caught[0]);
          assert.match(String(err.code), EXPECTED_CODE[fault], `error code for "${fault}": ${err.message}`);
          if (fault === '5xx answer') assert.equal(rig.caught[0].statusCode, 500);
          assert.equal(rig.statuses[rig.statuses.length - 1]?.fill, 'red');
          if (spec.target.method === 'GET') assert.ok(hits() >= 1);
          else assert.equal(hits(), 1, `${spec.target.method} reached the robot ${hits()} times`);
          assert.deepEqual(repeatedNonGets(rig.nonGets(mark)), [], 'a non-GET request was repeated');

          sim.faults.clear();
          const next = await spec.prepare(client);
          await sendAndSettle(rig, next);
          assert.equal(rig.caught.length, 1, `the next msg fails no more ${text(rig)}`);
          assert.equal(rig.out.length, 1, `the next msg is sent on ${text(rig)}`);
          assert.notEqual(rig.statuses[rig.statuses.length - 1]?.fill, 'red');
        } finally {
          await rig?.close();
          await client.close();
          await sim.stop();
        }
      });
    }
  }
});
