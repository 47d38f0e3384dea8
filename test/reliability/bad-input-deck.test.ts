// Bad input for opentrons-deck, property-based: 1 200 random msgs (wrong types, junk analyses, slots off the
// deck, huge strings, prototype-pollution keys). Every msg ends exactly once (an SVG or one error for a Catch
// node), no error is a crash of our code, an input error is found before any request (counted at the
// simulated robot), and Object.prototype stays clean. The pattern follows bad-input.test.ts.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SimulatedRobot } from '../../nodes/lib/simulator';
import { deployRig, errorOf, sleep, until, type Msg, type Rig } from './rig';

const HUGE = 'x'.repeat(100_000);
const CRASH = /Cannot read prop|is not a function|is not iterable|undefined is not|Maximum call stack|Cannot convert|Invalid array length/;

function pollution(): Array<Record<string, unknown>> {
  return [
    JSON.parse('{"__proto__": {"polluted": "yes"}}') as Record<string, unknown>,
    JSON.parse('{"constructor": {"prototype": {"polluted": "yes"}}}') as Record<string, unknown>,
  ];
}

const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 20 }),
  fc.constant(HUGE),
  fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 3 }),
  fc.anything({ maxDepth: 3 }),
  fc.constantFrom(...pollution()),
);

function or<T>(plausible: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof(plausible, junk);
}

/** Plausible five times in six: enough of each analysis is right for the drawing code to be reached. */
function mostly<T>(plausible: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ arbitrary: plausible, weight: 5 }, { arbitrary: junk, weight: 1 });
}

const slotArb = or(fc.constantFrom('1', '3', '12', '13', '0', 'A1', 'D4', 'E1', 'Z9', '', '__proto__'));
const locationArb = or(
  fc.oneof(
    fc.record({ slotName: slotArb }),
    fc.record({ addressableAreaName: slotArb }),
    fc.record({ moduleId: or(fc.constantFrom('m1', 'nope')) }),
    fc.record({ labwareId: or(fc.constantFrom('l1', 'l2', 'nope')) }),
    fc.constant('offDeck'),
  ),
);
const labwareArb = or(
  fc.record(
    {
      id: or(fc.constantFrom('l1', 'l2', 'l3')),
      loadName: or(fc.constantFrom('corning_96_wellplate_360ul_flat', 'no_such_labware')),
      definitionUri: or(fc.constantFrom('opentrons/corning_96_wellplate_360ul_flat/2', 'opentrons/nest_12_reservoir_15ml/1', 'x/y/z', '')),
      location: locationArb,
      displayName: or(fc.string({ maxLength: 60 })),
    },
    { requiredKeys: [] },
  ),
);
const analysisArb = fc.record(
  {
    robotType: mostly(fc.constantFrom('OT-2 Standard', 'OT-3 Standard', 'OT-4')),
    labware: mostly(fc.array(labwareArb, { maxLength: 4 })),
    modules: or(fc.array(or(fc.record({ id: or(fc.constant('m1')), model: or(fc.constantFrom('temperatureModuleV2', 'heaterShakerModuleV1', 'unknownModule')), location: locationArb }, { requiredKeys: [] })), { maxLength: 2 })),
    pipettes: or(fc.array(or(fc.record({ id: junk, pipetteName: or(fc.constant('p300_single_gen2')), mount: or(fc.constantFrom('left', 'right')) }, { requiredKeys: [] })), { maxLength: 2 })),
    liquids: or(fc.array(or(fc.record({ id: or(fc.constant('w')), displayName: junk, displayColor: or(fc.constantFrom('#123456', '"><script>')) }, { requiredKeys: [] })), { maxLength: 2 })),
    commands: mostly(fc.array(or(fc.record({ commandType: or(fc.constantFrom('loadLiquid', 'loadLabware', 'moveToAddressableArea')), params: junk, result: junk }, { requiredKeys: [] })), { maxLength: 3 })),
    result: or(fc.constantFrom('ok', 'not-ok')),
    errors: junk,
  },
  { requiredKeys: [] },
);
const idArb = fc.oneof(fc.constantFrom('does-not-exist', '../../health', 'a/b?c=d#e'), fc.string({ maxLength: 30 }), fc.constant(HUGE));

/** One msg shape at a time (a run, a protocol, an analysis in either property), each with junk mixed in. */
const msgArb: fc.Arbitrary<Msg> = fc
  .tuple(
    fc.oneof(
      fc.record({ runId: or(idArb), highlight: junk }, { requiredKeys: [] }),
      fc.record({ protocolId: or(idArb) }, { requiredKeys: [] }),
      fc.record({ analysis: mostly(analysisArb), highlight: junk }, { requiredKeys: ['analysis'] }),
      fc.record({ payload: mostly(analysisArb), protocolId: junk }, { requiredKeys: ['payload'] }),
      fc.record({ runId: junk, protocolId: junk, analysis: junk, payload: junk, highlight: junk }, { requiredKeys: [] }),
    ),
    fc.option(fc.constantFrom(...pollution()), { nil: undefined }),
  )
  .map(([rec, base]) => {
    const msg: Msg = base ? (JSON.parse(JSON.stringify(base)) as Msg) : {};
    for (const [k, v] of Object.entries(rec)) msg[k] = v;
    return msg;
  });

describe('reliability: bad input (fast-check) — opentrons-deck', function () {
  this.timeout(180_000);
  let sim: SimulatedRobot;
  let rig: Rig | undefined;

  before(async function () {
    sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, speed: 10_000, commandMs: 0, analysisMs: 0 });
  });
  after(async function () {
    await sim?.stop();
  });
  afterEach(async function () {
    await rig?.close();
    rig = undefined;
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted');
  });

  it('opentrons-deck: 1200 random msgs each end exactly once; input errors send nothing; SVG output stays well-formed text', async function () {
    const NUM_RUNS = 1200;
    const r = await deployRig({ type: 'opentrons-deck', props: { highlight: true, analysisTimeout: 2 }, sim, timeoutS: 5 });
    rig = r;
    await sleep(50);
    let n = 0;
    let refused = 0;
    let drawn = 0;
    let robotErrors = 0;
    await fc
      .assert(
        fc.asyncProperty(msgArb, async (generated) => {
          const id = `fuzz-${++n}`;
          const msg: Msg = generated;
          msg._msgid = id;
          const mark = r.mark();
          const counts = { out: r.out.length, caught: r.caught.length, completed: r.completed.length };
          r.send(msg);
          await until(() => r.completed.length + r.caught.length > counts.completed + counts.caught, 10_000, `msg ${id} did not end`);
          // Node-RED delivers the output and the Complete node's msg separately: under load either may come first.
          await until(() => r.out.length + r.caught.length > counts.out + counts.caught, 2_000, `msg ${id} completed without an output`);
          await sleep(2);
          const out = r.out.slice(counts.out);
          const caught = r.caught.slice(counts.caught);
          const completed = r.completed.length - counts.completed;
          const summary = `out ${out.length}, caught ${caught.length} (${caught.map((m) => errorOf(m).message.slice(0, 200)).join(' | ')}), completed ${completed}`;
          assert.equal(completed + caught.length, 1, `msg must end exactly once: ${summary}`);
          assert.equal(out.length + caught.length, 1, `one output or one error: ${summary}`);
          const sent = r.mark() - mark;
          if (caught.length === 1) {
            const err = errorOf(caught[0]);
            assert.doesNotMatch(err.message, CRASH, `our code crashed on this msg: ${err.message}`);
            assert.ok(typeof err.code === 'string' && err.code.length > 0, `the error has a code: ${err.message}`);
            if (err.code === 'InvalidInput') {
              refused += 1;
              assert.equal(sent, 0, `an invalid msg sent ${sent} request(s): ${err.message}`);
            } else {
              robotErrors += 1;
              assert.ok(sent > 0 || err.code === 'HTTP_431', `an error without any request must be an input error, got ${err.code}: ${err.message}`);
            }
          } else {
            drawn += 1;
            const svg = out[0].payload;
            assert.equal(typeof svg, 'string');
            assert.ok((svg as string).startsWith('<svg ') && (svg as string).endsWith('</svg>'));
            assert.doesNotMatch(svg as string, /<script/, 'text from the msg is escaped');
          }
          assert.ok(r.nonGets(mark).length === 0, 'the deck node only reads');
        }),
        { numRuns: NUM_RUNS, endOnFailure: true },
      )
      .catch((err: Error) => {
        // Counterexamples hold 100 kB strings: shorten them, and keep the assertion that failed (it comes last).
        const text = err.message.replace(/x{80,}/g, (m) => `x…(${m.length} chars)`);
        throw new Error(text.length > 6000 ? `${text.slice(0, 3000)}\n…\n${text.slice(-3000)}` : text);
      });
    assert.ok(refused > NUM_RUNS / 10, `only ${refused} msgs were refused as invalid`);
    // Most analyses carry some junk, so about 5 % are drawn; 20 of 1 200 is a floor the random mix always clears.
    assert.ok(drawn >= 20, `only ${drawn} msgs were drawn`);
    assert.ok(robotErrors > 0, 'some msgs reached the robot and got its error');
  });
});
