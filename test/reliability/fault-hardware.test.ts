// Fault matrix cells for opentrons-hardware (rig.ts): its one non-GET request (PUT /deck_configuration) and a
// read (GET /modules) under every fault the simulated robot injects — one catchable error with the right code,
// a red status, the PUT never repeated, the next msg fine — and its watcher (door) under the same faults:
// robot-unreachable with the cause's code, robot-reachable by itself, only GETs, changes seen again after.
import assert from 'node:assert/strict';
import { SimulatedRobot } from '../../nodes/lib/simulator';
import { deployRig, errorOf, repeatedNonGets, sleep, until, type Msg, type Rig } from './rig';

type Fault = 'down at deploy' | '5xx answer' | 'slower than the timeout' | 'dropped mid-response' | 'malformed JSON' | 'non-JSON body';
const TIMEOUT_S = 1;
const CODE: Record<Fault, RegExp> = {
  'down at deploy': /^ECONNREFUSED$/,
  '5xx answer': /^UnexpectedError$/,
  'slower than the timeout': /^ETIMEDOUT$/,
  'dropped mid-response': /^EBADRESPONSE$/,
  'malformed JSON': /^EBADRESPONSE$/,
  'non-JSON body': /^EBADRESPONSE$/,
};

function inject(sim: SimulatedRobot, fault: Fault, target: { method: string; path: RegExp }): void {
  switch (fault) {
    case '5xx answer': return sim.faults.failNext({ ...target, status: 500 });
    case 'slower than the timeout': return sim.faults.slowNext({ ...target, delayMs: TIMEOUT_S * 1000 + 1500 });
    // a GET cut short is retried (3 times): four drops in a row make it fail; a PUT is never retried
    case 'dropped mid-response': return sim.faults.dropNext({ ...target, count: 4 });
    case 'malformed JSON': return sim.faults.malformedNext(target);
    case 'non-JSON body': return sim.faults.malformedNext({ ...target, body: '<html><body>502 Bad Gateway</body></html>' });
    case 'down at deploy': return;
  }
}

const DECK = [
  ...['A', 'B', 'C', 'D'].map((r) => ({ cutoutId: `cutout${r}1`, cutoutFixtureId: 'singleLeftSlot' })),
  ...['A', 'B', 'C', 'D'].map((r) => ({ cutoutId: `cutout${r}2`, cutoutFixtureId: 'singleCenterSlot' })),
  { cutoutId: 'cutoutA3', cutoutFixtureId: 'trashBinAdapter' },
  ...['B', 'C', 'D'].map((r) => ({ cutoutId: `cutout${r}3`, cutoutFixtureId: 'singleRightSlot' })),
];

const CELLS = [
  { action: 'set-deck-configuration', msg: (): Msg => ({ payload: DECK.map((f) => ({ ...f })) }), target: { method: 'PUT', path: /^\/deck_configuration$/ } },
  { action: 'modules', msg: (): Msg => ({ module: 'heaterShakerModuleV1' }), target: { method: 'GET', path: /^\/modules$/ } },
];
const FAULTS: Fault[] = ['down at deploy', '5xx answer', 'slower than the timeout', 'dropped mid-response', 'malformed JSON', 'non-JSON body'];

const text = (r: Rig): string => `(out ${r.out.length}, caught ${r.caught.map((m) => errorOf(m).message).join(' | ')}, completed ${r.completed.length}, status "${r.lastStatus()}")`;

async function settle(r: Rig, msg: Msg): Promise<void> {
  const before = r.caught.length + r.completed.length;
  r.send(msg);
  await until(() => r.caught.length + r.completed.length > before, 8000, 'the msg did not end', () => text(r));
  await sleep(150);
}

describe('reliability: fault matrix, opentrons-hardware', function () {
  this.timeout(30_000);
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  for (const cell of CELLS) {
    for (const fault of FAULTS) {
      it(`${cell.action} × ${fault}`, async function () {
        rig = await deployRig({ type: 'opentrons-hardware', props: { action: cell.action, module: '' }, simOpts: { model: 'Flex' }, timeoutS: TIMEOUT_S, downAtDeploy: fault === 'down at deploy' });
        const r = rig;
        const mark = r.mark();
        inject(r.sim, fault, cell.target);
        await settle(r, cell.msg());
        assert.equal(r.caught.length, 1, `one error for the Catch node ${text(r)}`);
        assert.equal(r.out.length + r.completed.length, 0, `nothing else ${text(r)}`);
        const err = errorOf(r.caught[0]);
        assert.match(String(err.code), CODE[fault], err.message);
        if (fault === '5xx answer') assert.equal(r.caught[0].statusCode, 500);
        assert.equal(r.statuses[r.statuses.length - 1]?.fill, 'red');
        const hits = r.sim.stats.requests.slice(mark).filter((q) => q.method === cell.target.method && cell.target.path.test(q.path)).length;
        if (cell.target.method !== 'GET') assert.ok(hits <= (fault === 'down at deploy' ? 0 : 1), `the PUT reached the robot ${hits} times`);
        assert.deepEqual(repeatedNonGets(r.nonGets(mark)), [], 'a non-GET request was repeated');

        if (fault === 'down at deploy') await r.sim.faults.up();
        r.sim.faults.clear();
        await settle(r, cell.msg());
        assert.equal(r.out.length, 1, `the next msg works ${text(r)}`);
        assert.notEqual(r.statuses[r.statuses.length - 1]?.fill, 'red');
      });
    }
  }

  const topics = (r: Rig): string[] => r.out.map((m) => String(m.topic));
  for (const fault of FAULTS) {
    it(`watching the door × ${fault}`, async function () {
      rig = await deployRig({
        type: 'opentrons-hardware', props: { action: 'door', watch: true, interval: 500 }, simOpts: { model: 'Flex' }, timeoutS: TIMEOUT_S, downAtDeploy: fault === 'down at deploy',
      });
      const r = rig;
      const mark = r.mark();
      if (fault !== 'down at deploy') {
        await until(() => topics(r).includes('door'), 5000, 'no first door msg', () => topics(r).join(','));
        inject(r.sim, fault, { method: 'GET', path: /^\/robot\/door\/status$/ });
      }
      await until(() => topics(r).includes('robot-unreachable'), 10_000, 'the fault was not reported', () => topics(r).join(','));
      const reported = r.out.find((m) => m.topic === 'robot-unreachable') as Msg;
      assert.match(String((reported.payload as { error: { code?: string } }).error.code), CODE[fault]);
      assert.match(r.statuses.map((s) => String(s.text)).join('|'), /unreachable/);
      if (fault === 'down at deploy') await r.sim.faults.up();
      await until(() => topics(r).includes('robot-reachable'), 15_000, 'the watcher did not come back by itself', () => topics(r).join(','));
      r.sim.setDoor(true);
      await until(() => r.out.some((m) => m.topic === 'door' && (m.payload as { current: { status: string } }).current.status === 'open'), 8000, 'the door change after the fault', () => topics(r).join(','));
      assert.deepEqual(r.nonGets(mark), [], 'a watcher sends only GETs');
      assert.equal(r.caught.length, 0);
    });
  }
});
