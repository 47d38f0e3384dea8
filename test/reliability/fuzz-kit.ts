// The property-based bad-input kit: random msgs (wrong types, missing ids, huge strings, nested junk,
// prototype-pollution keys) into one deployed node. Every msg must end exactly once — one output or one
// error a Catch node gets — no error may be a crash of our code, an input error must be found before any
// request (counted at the simulated robot). Used by bad-input.test.ts and bad-input-request.test.ts.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SimulatedRobot, type SimulatorOptions } from '../../nodes/lib/simulator';
import { deployRig, errorOf, sleep, until, type Msg, type Rig } from './rig';

export const HUGE = 'x'.repeat(100_000);

/** Objects whose own keys try to reach Object.prototype when merged or cloned carelessly. */
export function pollutionObjects(): Array<Record<string, unknown>> {
  return [
    JSON.parse('{"__proto__": {"polluted": "yes"}}') as Record<string, unknown>,
    JSON.parse('{"constructor": {"prototype": {"polluted": "yes"}}}') as Record<string, unknown>,
    JSON.parse('{"__proto__": {"toString": "not a function"}, "prototype": {"polluted": "yes"}}') as Record<string, unknown>,
  ];
}

export const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 30 }),
  fc.constant(HUGE),
  fc.constant(''),
  fc.uint8Array({ maxLength: 32 }).map((b) => Buffer.from(b)),
  fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 4 }),
  fc.anything({ maxDepth: 3 }),
  fc.constantFrom(...pollutionObjects()),
);

export function or<T>(plausible: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof(plausible, junk);
}

/** A msg with some of `keys`, each plausible or junk, sometimes on top of own __proto__ / constructor keys. */
export function msgArb(keys: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Msg> {
  return fc.tuple(fc.record(keys, { requiredKeys: [] }), fc.option(fc.constantFrom(...pollutionObjects()), { nil: undefined })).map(([rec, base]) => {
    const msg: Msg = base ? (JSON.parse(JSON.stringify(base)) as Msg) : {};
    for (const [k, v] of Object.entries(rec)) msg[k] = v;
    return msg;
  });
}

export const runIdArb = fc.oneof(fc.constantFrom('does-not-exist', '../../health', '%2e%2e', 'a/b?c=d#e'), fc.string({ maxLength: 40 }), fc.constant(HUGE));

export interface FuzzCase {
  type: string;
  props: Record<string, unknown>;
  outputs?: number;
  numRuns: number;
  arb: fc.Arbitrary<Msg>;
}

/** Messages of errors that mean our code broke, not that the input was refused. */
export const CRASH = /Cannot read prop|is not a function|is not iterable|undefined is not|Maximum call stack|Cannot convert|Invalid array length/;

export interface FuzzContext {
  sim(): SimulatedRobot;
  /** Called with the deployed rig, so the suite closes it after the test. */
  rig(r: Rig): void;
}

/**
 * The hooks of a fuzz suite, registered in the calling describe: one fast simulated robot for the suite,
 * each test's rig closed after it, and Object.prototype checked clean after every test.
 */
export function fuzzHooks(simOpts: SimulatorOptions = {}): FuzzContext {
  let sim: SimulatedRobot | undefined;
  let rig: Rig | undefined;
  before(async function () {
    sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, speed: 10_000, commandMs: 0, analysisMs: 0, ...simOpts });
  });
  after(async function () {
    await sim?.stop();
  });
  afterEach(async function () {
    await rig?.close();
    rig = undefined;
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted');
    assert.equal(typeof Object.prototype.toString, 'function', 'Object.prototype.toString was replaced');
  });
  return {
    sim: () => {
      if (!sim) throw new Error('the fuzz suite\'s simulated robot is not running');
      return sim;
    },
    rig: (r) => (rig = r),
  };
}

/** One `it` for a case: c.numRuns random msgs, each ending exactly once; input errors send nothing. */
export function fuzzCase(c: FuzzCase, ctx: FuzzContext): void {
  it(`${c.type}: ${c.numRuns} random msgs each end exactly once; input errors send nothing`, async function () {
    const r = await deployRig({ type: c.type, props: c.props, sim: ctx.sim(), timeoutS: 5, outputs: c.outputs });
    ctx.rig(r);
    await sleep(50); // the config node's version check at deploy
    const ends = new Map<string, { out: number; caught: Msg[]; completed: number }>();
    const tally = (m: Msg) => {
      const id = String(m._msgid);
      let t = ends.get(id);
      if (!t) ends.set(id, (t = { out: 0, caught: [], completed: 0 }));
      return t;
    };
    const counts = { out: r.out.length, caught: r.caught.length, completed: r.completed.length };
    const drain = (): void => {
      for (const m of r.out.slice(counts.out)) tally(m).out += 1;
      for (const m of r.caught.slice(counts.caught)) tally(m).caught.push(m);
      for (const m of r.completed.slice(counts.completed)) tally(m).completed += 1;
      counts.out = r.out.length;
      counts.caught = r.caught.length;
      counts.completed = r.completed.length;
    };
    let n = 0;
    let valid = 0;
    let refused = 0;
    await fc
      .assert(
      fc.asyncProperty(c.arb, async (generated) => {
        const id = `fuzz-${++n}`;
        const msg: Msg = generated;
        msg._msgid = id;
        const mark = r.mark();
        r.send(msg);
        await until(() => (drain(), (ends.get(id)?.completed ?? 0) + (ends.get(id)?.caught.length ?? 0) > 0), 10_000, `msg ${id} did not end`);
        await sleep(2);
        drain();
        const t = ends.get(id)!;
        const summary = `out ${t.out}, caught ${t.caught.length} (${t.caught.map((m) => errorOf(m).message.slice(0, 200)).join(' | ')}), completed ${t.completed}`;
        assert.equal(t.completed + t.caught.length, 1, `msg must end exactly once: ${summary}`);
        if (c.outputs !== 2) assert.equal(t.out + t.caught.length, 1, `one output or one error: ${summary}`);
        const sent = r.mark() - mark;
        if (t.caught.length === 1) {
          const err = errorOf(t.caught[0]);
          assert.doesNotMatch(err.message, CRASH, `our code crashed on this msg: ${err.message}`);
          assert.ok(typeof err.code === 'string' && err.code.length > 0, `the error has a code: ${err.message}`);
          if (err.code === 'InvalidInput') {
            refused += 1;
            assert.equal(sent, 0, `an invalid msg sent ${sent} request(s): ${err.message}`);
          } else {
            // A 100 kB id makes a request line the HTTP server refuses (431) before the robot's routes,
            // so the simulator's counter cannot see it; it did reach the robot.
            const refusedByHttp = err.code === 'HTTP_431';
            assert.ok(sent > 0 || refusedByHttp, `an error without any request must be an input error (InvalidInput), got ${err.code}: ${err.message}`);
          }
        } else {
          valid += 1;
        }
        if (c.type === 'opentrons-status') {
          // End any watch this msg started, so the next msg's request count is its own.
          r.send({ action: 'stop', _msgid: `${id}-stop` });
          await until(() => (drain(), (ends.get(`${id}-stop`)?.completed ?? 0) > 0), 5000, 'stop did not end');
          await until(() => ctx.sim().stats.requests.every((q) => q.status !== 0), 5000, 'requests still in flight');
        }
      }),
      { numRuns: c.numRuns, endOnFailure: true },
    )
      .catch((err: Error) => {
        // Counterexamples hold 100 kB strings: shorten them so the report stays readable.
        throw new Error(err.message.replace(/x{80,}/g, (m) => `x…(${m.length} chars)`).slice(0, 4000));
      });
    // Both kinds must have been exercised, or the property proved little.
    assert.ok(refused > c.numRuns / 10, `only ${refused} msgs were refused as invalid`);
    assert.ok(valid > 0 || c.type === 'opentrons-run', `no msg was accepted (valid ${valid})`);
  });
}
