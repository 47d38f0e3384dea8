// Bad input into opentrons-hardware, property-based: 1 000 random msgs (unknown actions, junk selectors and
// deck configurations, huge strings, prototype-pollution keys) against a simulated Flex. Every msg ends
// exactly once (one output or one Catch error), no error is a crash of our code, an input error sends no
// request (counted at the simulator), and Object.prototype stays clean. The junk and msg generators are a
// minimal copy of bad-input.test.ts's (to be folded into the shared kit).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SimulatedRobot } from '../../nodes/lib/simulator';
import { deployRig, errorOf, sleep, until, type Msg, type Rig } from './rig';

const HUGE = 'x'.repeat(100_000);
const POLLUTION = [
  '{"__proto__": {"polluted": "yes"}}',
  '{"constructor": {"prototype": {"polluted": "yes"}}}',
  '{"__proto__": {"toString": "not a function"}, "prototype": {"polluted": "yes"}}',
].map((t) => JSON.parse(t) as Record<string, unknown>);

const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(undefined), fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string({ maxLength: 30 }),
  fc.constant(HUGE), fc.constant(''), fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 4 }), fc.anything({ maxDepth: 3 }),
  fc.constantFrom(...POLLUTION),
);
const or = <T>(plausible: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof(plausible, junk);

const fixture = fc.record({
  cutoutId: or(fc.constantFrom('cutoutA1', 'cutoutD3', 'cutoutB2', 'cutoutZ9')),
  cutoutFixtureId: or(fc.constantFrom('singleLeftSlot', 'singleRightSlot', 'wasteChuteRightAdapterNoCover', 'trashBinAdapter', 'noSuchFixture')),
  opentronsModuleSerialNumber: junk,
}, { requiredKeys: [] });

const msgArb: fc.Arbitrary<Msg> = fc.tuple(
  fc.record({
    action: or(fc.constantFrom('health', 'instruments', 'modules', 'lights', 'door', 'estop', 'deck-configuration', 'set-deck-configuration', 'calibration', 'temperature')),
    module: or(fc.constantFrom('temperatureModuleV2', 'heaterShakerModuleType', 'TDV2-SIM-FLEX-0001', 'D3', 'thermocyclerModuleV2')),
    payload: or(fc.oneof(fc.array(or(fixture), { maxLength: 13 }), fc.record({ cutoutFixtures: or(fc.array(or(fixture), { maxLength: 13 })) }, { requiredKeys: [] }))),
  }, { requiredKeys: [] }),
  fc.option(fc.constantFrom(...POLLUTION), { nil: undefined }),
).map(([rec, base]) => {
  const msg: Msg = base ? (JSON.parse(JSON.stringify(base)) as Msg) : {};
  for (const [k, v] of Object.entries(rec)) msg[k] = v;
  return msg;
});

/** Messages of errors that mean our code broke, not that the input was refused. */
const CRASH = /Cannot read prop|is not a function|is not iterable|undefined is not|Maximum call stack|Cannot convert|Invalid array length/;
const RUNS = 1000;

describe('reliability: bad input into opentrons-hardware (fast-check)', function () {
  this.timeout(180_000);
  let sim: SimulatedRobot;
  let rig: Rig | undefined;

  before(async function () {
    sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'Flex', speed: 10_000, commandMs: 0, analysisMs: 0 });
  });
  after(async function () {
    await rig?.close();
    await sim?.stop();
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted');
    assert.equal(typeof Object.prototype.toString, 'function', 'Object.prototype.toString was replaced');
  });

  it(`${RUNS} random msgs each end exactly once; input errors send nothing`, async function () {
    const r = await deployRig({ type: 'opentrons-hardware', props: { action: 'health', module: '' }, sim, timeoutS: 5 });
    rig = r;
    await until(() => sim.stats.count('GET', '/health') > 0, 5000, 'the deploy-time version check');
    // the node asks /health once for the model before its first Flex-only action: do that now
    r.send({ action: 'estop', _msgid: 'warm-up' });
    await until(() => r.completed.length + r.caught.length > 0, 5000, 'warm-up');
    let n = 0;
    let refused = 0;
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(msgArb, async (msg) => {
        const id = `fuzz-${++n}`;
        msg._msgid = id;
        const mark = r.mark();
        const ended = (): Msg[] => [...r.completed, ...r.caught].filter((m) => m._msgid === id);
        r.send(msg);
        await until(() => ended().length > 0, 10_000, `msg ${id} did not end`);
        await sleep(2);
        const caught = r.caught.filter((m) => m._msgid === id);
        const outs = r.out.filter((m) => m._msgid === id);
        assert.equal(ended().length, 1, `msg ${id} ended ${ended().length} times`);
        assert.equal(outs.length + caught.length, 1, `one output or one error for ${id}`);
        const sent = r.mark() - mark;
        if (caught.length === 1) {
          const err = errorOf(caught[0]);
          assert.doesNotMatch(err.message, CRASH, `our code crashed: ${err.message}`);
          assert.ok(typeof err.code === 'string' && err.code.length > 0, `the error has a code: ${err.message}`);
          if (err.code === 'InvalidInput') {
            refused += 1;
            assert.equal(sent, 0, `an invalid msg sent ${sent} request(s): ${err.message}`);
          } else {
            assert.ok(sent > 0, `an error without a request must be InvalidInput, got ${err.code}: ${err.message}`);
          }
        } else {
          answered += 1;
        }
      }),
      { numRuns: RUNS, endOnFailure: true },
    ).catch((err: Error) => {
      throw new Error(err.message.replace(/x{80,}/g, (m) => `x…(${m.length} chars)`).slice(0, 4000));
    });
    assert.ok(refused > RUNS / 10, `only ${refused} msgs were refused as invalid`);
    assert.ok(answered > RUNS / 20, `only ${answered} msgs were answered`);
  });
});
