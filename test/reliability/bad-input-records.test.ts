// Bad input for the run-record actions, property-based (pattern of bad-input.test.ts): random msgs
// into opentrons-run commands / command-errors / add-labware-offsets and opentrons-upload's data file
// actions, 1 100 in all. Every msg ends exactly once (one output or one error for Catch), no error is a
// crash of our code, an input error sends nothing (counted at the simulated robot), and
// Object.prototype stays clean.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RobotClient } from '../../nodes/lib/client';
import { SimulatedRobot } from '../../nodes/lib/simulator';
import { deployRig, errorOf, sleep, until, type Msg, type Rig } from './rig';

const HUGE = 'x'.repeat(100_000);
const CRASH = /Cannot read prop|is not a function|is not iterable|undefined is not|Maximum call stack|Cannot convert|Invalid array length/;
const POLLUTION = ['{"__proto__": {"polluted": "yes"}}', '{"constructor": {"prototype": {"polluted": "yes"}}}'].map((j) => JSON.parse(j) as Record<string, unknown>);

const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(undefined), fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string({ maxLength: 30 }), fc.constant(HUGE), fc.constant(''),
  fc.uint8Array({ maxLength: 32 }).map((b) => Buffer.from(b)), fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 4 }), fc.anything({ maxDepth: 3 }),
  fc.constantFrom(...POLLUTION),
);
const or = <T>(plausible: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof(plausible, junk);

function msgArb(keys: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Msg> {
  return fc.tuple(fc.record(keys, { requiredKeys: [] }), fc.option(fc.constantFrom(...POLLUTION), { nil: undefined })).map(([rec, base]) => {
    const msg: Msg = base ? (JSON.parse(JSON.stringify(base)) as Msg) : {};
    for (const [k, v] of Object.entries(rec)) msg[k] = v;
    return msg;
  });
}

const offsetArb = fc.record(
  {
    definitionUri: or(fc.constantFrom('opentrons/corning_96_wellplate_360ul_flat/2', '')),
    location: or(fc.record({ slotName: or(fc.constantFrom('1', '2', 'D1')) }, { requiredKeys: [] })),
    vector: or(fc.record({ x: or(fc.double({ min: -5, max: 5, noNaN: true })), y: or(fc.integer({ min: -2, max: 2 })), z: or(fc.constant(0.5)) }, { requiredKeys: [] })),
  },
  { requiredKeys: [] },
);

describe('reliability: bad input to the run-record actions (fast-check)', function () {
  this.timeout(180_000);
  let sim: SimulatedRobot;
  let rig: Rig | undefined;
  let runId = '';
  let dataFileId = '';

  before(async function () {
    sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, speed: 10_000, commandMs: 0, analysisMs: 0 });
    const client = new RobotClient({ baseUrl: sim.url, apiVersion: '3', timeoutMs: 5000 });
    runId = (await client.createRun({})).id;
    dataFileId = (await client.uploadDataFile({ filename: 'plate_map.csv', content: 'well,volume\nA1,1\n' })).dataFile.id;
    await client.close();
  });
  after(async function () {
    await sim?.stop();
  });
  afterEach(async function () {
    await rig?.close();
    rig = undefined;
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted');
  });

  const cases: Array<{ type: string; props: Record<string, unknown>; numRuns: number; arb: () => fc.Arbitrary<Msg> }> = [
    {
      type: 'opentrons-run',
      props: { action: 'commands' },
      numRuns: 600,
      arb: () => msgArb({
        action: or(fc.constantFrom('commands', 'command-errors', 'add-labware-offsets')),
        runId: or(fc.constantFrom(runId, 'does-not-exist', '../../health')),
        cursor: or(fc.integer({ min: -2, max: 30 })),
        pageLength: or(fc.integer({ min: -1, max: 30 })),
        allPages: or(fc.boolean()),
        labwareOffsets: or(fc.oneof(offsetArb, fc.array(or(offsetArb), { maxLength: 3 }))),
      }),
    },
    {
      type: 'opentrons-upload',
      props: { action: 'list-data-files' },
      numRuns: 500,
      arb: () => msgArb({
        action: or(fc.constantFrom('upload-data-file', 'list-data-files', 'delete-data-file')),
        payload: or(fc.constantFrom('well,volume\nA1,5\n', Buffer.from('a,b\n'))),
        filename: or(fc.constantFrom('plate_map.csv', 'notes.txt', 'dir/x.csv', '')),
        files: or(fc.array(fc.record({ filename: or(fc.constantFrom('a.csv', 'b.py')), content: or(fc.constant('x,y\n')) }, { requiredKeys: [] }), { maxLength: 2 })),
        dataFileId: or(fc.constantFrom(dataFileId, 'missing')),
      }),
    },
  ];

  for (const c of cases) {
    it(`${c.type}: ${c.numRuns} random msgs each end exactly once; input errors send nothing`, async function () {
      const r = await deployRig({ type: c.type, props: c.props, sim, timeoutS: 5 });
      rig = r;
      await sleep(50);
      let n = 0;
      let refused = 0;
      let valid = 0;
      await fc.assert(
        fc.asyncProperty(c.arb(), async (msg) => {
          const id = `fuzz-${++n}`;
          msg._msgid = id;
          const mark = r.mark();
          const seen = { out: r.out.length, caught: r.caught.length, completed: r.completed.length };
          r.send(msg);
          await until(() => r.caught.length + r.completed.length > seen.caught + seen.completed, 10_000, `msg ${id} did not end`);
          await sleep(2);
          const caught = r.caught.slice(seen.caught);
          const ends = caught.length + r.completed.length - seen.completed;
          assert.equal(ends, 1, `msg must end exactly once (${ends})`);
          assert.equal(r.out.length - seen.out + caught.length, 1, 'one output or one error');
          const sent = r.mark() - mark;
          if (caught.length === 1) {
            const err = errorOf(caught[0]);
            assert.doesNotMatch(err.message, CRASH, `our code crashed on this msg: ${err.message}`);
            assert.ok(typeof err.code === 'string' && err.code.length > 0, `the error has a code: ${err.message}`);
            if (err.code === 'InvalidInput') {
              refused += 1;
              assert.equal(sent, 0, `an invalid msg sent ${sent} request(s): ${err.message}`);
            } else {
              assert.ok(sent > 0 || err.code === 'HTTP_431', `an error without a request must be InvalidInput, got ${err.code}: ${err.message}`);
            }
          } else {
            valid += 1;
          }
        }),
        { numRuns: c.numRuns, endOnFailure: true },
      ).catch((err: Error) => {
        throw new Error(err.message.replace(/x{80,}/g, (m) => `x…(${m.length} chars)`).slice(0, 4000));
      });
      assert.ok(refused > c.numRuns / 10, `only ${refused} msgs were refused as invalid`);
      assert.ok(valid > 0, 'no msg was accepted');
    });
  }
});
