// The bad-input property kit: random msgs (wrong types, missing ids, huge strings, nested junk,
// prototype-pollution keys) into one of our nodes, deployed with Node-RED's Catch and Complete nodes
// against a real simulated robot, and the same checks for every msg.
//
// API
//   badInputSuite(title, cases, simOptions?)   mocha `describe` with one `it` per case; starts one simulated
//                                              robot (real HTTP on 127.0.0.1, ephemeral port) and stops it;
//                                              checks Object.prototype after every case.
//   checkBadInput(sim, case) → { valid, refused, robotErrors, ms }   the property for one case, for use in your own `it`.
//   A case (BadInputCase):
//     nodeType      the node's type, e.g. 'opentrons-hardware'
//     config        the node's editor properties (the `robot` wire to a config node is added for you)
//     arbitrary     fc.Arbitrary<Msg>: build it with msgArb({ key: or(plausibleArb) | junk, … }) or asMsg(anyRecordArb);
//                   or () => fc.Arbitrary<Msg>, built after `prepare` (for ids that prepare created)
//     runs          how many msgs (each node type's bad-input file: ≥ 1000)
//     outputs       1 (default) or 2
//     outputKind    'answer' (default): each msg gets its own answer — the output msg keeps msg._msgid;
//                   'events': outputs are events of a stream the msg started (opentrons-status): they are
//                   counted from the msg's send until its first event, and the case's `cleanup` ends the stream
//     startsStream  ('events' only) (msg) => boolean: whether an accepted msg starts a stream (default: always)
//     isInputError  (err) => boolean; default: err.code === 'InvalidInput'
//     minAccepted   default 1: at least this many msgs must have been valid (0 if nearly nothing can be)
//     minRobotErrors  default 0: at least this many msgs must have got an error from the robot (not an input error)
//     readOnly      no msg may make a request other than GET
//     checkOutput   ('answer' only) (out, msg) => void: asserts on the one output of an accepted msg
//     prepare       async (rig) => void, run once after deploy (e.g. create the run a watcher will follow)
//     extraFlow, extraTypes  more nodes deployed with it (e.g. an opentrons-fleet config over `robot`) and their types
//     cleanup       async (ctx) => void, run after every msg (e.g. send { action: 'stop' } to a watcher)
//   The checks, per msg:
//     - it ends exactly once: one done() (Complete node) or one error (Catch node), never both, never twice;
//     - exactly one output or one error, on either output: an error means nothing was sent on any output;
//       'answer' nodes send exactly one msg (out 1 + out 2 = 1); 'events' nodes start their stream (≥ 1 event,
//       out 2 only carries copies of out-1 events) and never report the (running) robot unreachable;
//     - an error is a refusal, not a crash of our code (no TypeError-like message), and has a string code;
//     - an input error (isInputError) sent no request to the robot (counted at the simulator); any other error
//       must come from a request that reached it (HTTP_431, a request line too long for the server to route it,
//       only for a msg that holds a HUGE string);
//     and per case: no TimeoutOverflowWarning (a timer beyond 24.8 days fires at once: a bad timeout got through);
//     more than a tenth of the msgs were refused as input errors, at least minAccepted were valid, at least
//     minRobotErrors got the robot's error; after every case (badInputSuite) Object.prototype is clean.
//   Arbitraries: junk (anything wrong), or(plausible) (plausible or junk), mostly(plausible) (plausible 5 times in 6),
//   msgArb(keys), asMsg(recordArb), runIdArb, HUGE, pollutionObjects().
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SimulatedRobot, type SimulatorOptions } from '../../nodes/lib/simulator';
import type { FlowNode } from '../helpers/nodered';
import { deployRig, errorOf, type CaughtError, type Msg, type Rig } from './rig';

export type { Msg } from './rig';

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

/** Plausible five times in six: enough of a deep structure is right for the code behind its checks to be reached. */
export function mostly<T>(plausible: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ arbitrary: plausible, weight: 5 }, { arbitrary: junk, weight: 1 });
}

/** A msg of each record `records` gives, sometimes on top of own __proto__ / constructor keys. */
export function asMsg(records: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Msg> {
  return fc.tuple(records, fc.option(fc.constantFrom(...pollutionObjects()), { nil: undefined })).map(([rec, base]) => {
    const msg: Msg = base ? (JSON.parse(JSON.stringify(base)) as Msg) : {};
    for (const [k, v] of Object.entries(rec)) msg[k] = v;
    return msg;
  });
}

/** A msg with some of `keys`, each as its arbitrary gives it, sometimes on top of own __proto__ / constructor keys. */
export function msgArb(keys: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Msg> {
  return asMsg(fc.record(keys, { requiredKeys: [] }));
}

/** Whether a value holds a string of 8 kB or more (the most a request line can carry) at any depth. */
export function holdsHugeString(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.length >= 8192;
  if (value === null || typeof value !== 'object' || depth > 8 || Buffer.isBuffer(value)) return false;
  return Object.values(value).some((v) => holdsHugeString(v, depth + 1));
}

/** Ids that are wrong in every way a path segment can be: unknown, traversal, escapes, control characters, 100 kB. */
export const runIdArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('does-not-exist', '../../health', '%2e%2e', 'a/b?c=d#e', 'tab\there', 'nl\nhere', '\u0000'),
  fc.string({ maxLength: 40 }),
  fc.constant(HUGE),
);

/** Messages of errors that mean our code broke, not that the input was refused. */
export const CRASH = /Cannot read prop|is not a function|is not iterable|undefined is not|Maximum call stack|Cannot convert|Invalid array length/;

export interface BadInputContext {
  rig: Rig;
  sim: SimulatedRobot;
  /** the fuzzed msg's _msgid */
  id: string;
}

export interface BadInputCase {
  nodeType: string;
  config: Record<string, unknown>;
  arbitrary: fc.Arbitrary<Msg> | (() => fc.Arbitrary<Msg>);
  runs: number;
  outputs?: 1 | 2;
  outputKind?: 'answer' | 'events';
  startsStream?: (msg: Msg) => boolean;
  isInputError?: (err: CaughtError) => boolean;
  minAccepted?: number;
  minRobotErrors?: number;
  readOnly?: boolean;
  checkOutput?: (out: Msg, msg: Msg) => void;
  prepare?: (rig: Rig) => Promise<void>;
  /** More nodes deployed with the node under test (a config node it needs besides the robot) and their types. */
  extraFlow?: FlowNode[];
  extraTypes?: string[];
  cleanup?: (ctx: BadInputContext) => Promise<void>;
}

export interface BadInputResult {
  valid: number;
  refused: number;
  robotErrors: number;
  ms: number;
}

const isInvalidInput = (err: CaughtError): boolean => err.code === 'InvalidInput';

/** Waits for cond, checking every millisecond (a msg usually ends within a few). */
export async function settle(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

interface Tally { out: number; out2: number; caught: Msg[]; completed: number }

/** The property for one case: see the API at the top of this file. */
export async function checkBadInput(sim: SimulatedRobot, c: BadInputCase): Promise<BadInputResult> {
  const started = Date.now();
  const beforeDeploy = sim.stats.requests.length;
  const rig = await deployRig({ type: c.nodeType, props: c.config, sim, timeoutS: 5, outputs: c.outputs ?? 1, extraFlow: c.extraFlow, extraTypes: c.extraTypes });
  let n = 0;
  const overflows: string[] = [];
  const onWarning = (w: Error): void => {
    if (w.name === 'TimeoutOverflowWarning') overflows.push(`msg fuzz-${n}: ${w.message}`);
  };
  process.on('warning', onWarning);
  try {
    // The config node checks the robot's version at deploy: let that request end before counting any msg's.
    await settle(() => rig.mark() > beforeDeploy && sim.stats.requests.every((q) => q.status !== 0), 5000, 'the version check at deploy').catch(() => undefined);
    if (c.prepare) await c.prepare(rig);
    const events = c.outputKind === 'events';
    const isInputError = c.isInputError ?? isInvalidInput;
    const tallies = new Map<string, Tally>();
    const tally = (id: string): Tally => {
      let t = tallies.get(id);
      if (!t) tallies.set(id, (t = { out: 0, out2: 0, caught: [], completed: 0 }));
      return t;
    };
    const seen = { out: rig.out.length, out2: rig.out2.length, caught: rig.caught.length, completed: rig.completed.length };
    /** Attributes what arrived since the last call; events (no _msgid of the msg) go to `current`. */
    const drain = (current: string): void => {
      for (const m of rig.out.slice(seen.out)) tally(events ? current : String(m._msgid)).out += 1;
      for (const m of rig.out2.slice(seen.out2)) tally(events ? current : String(m._msgid)).out2 += 1;
      for (const m of rig.caught.slice(seen.caught)) tally(String(m._msgid)).caught.push(m);
      for (const m of rig.completed.slice(seen.completed)) tally(String(m._msgid)).completed += 1;
      seen.out = rig.out.length;
      seen.out2 = rig.out2.length;
      seen.caught = rig.caught.length;
      seen.completed = rig.completed.length;
    };
    let valid = 0;
    let refused = 0;
    let robotErrors = 0;
    const arbitrary = typeof c.arbitrary === 'function' ? c.arbitrary() : c.arbitrary;
    await fc
      .assert(
        fc.asyncProperty(arbitrary, async (msg) => {
          const id = `fuzz-${++n}`;
          msg._msgid = id;
          const mark = rig.mark();
          const firstOut = rig.out.length;
          const firstOut2 = rig.out2.length;
          rig.send(msg);
          const ended = (): boolean => {
            drain(id);
            const t = tally(id);
            return t.completed + t.caught.length > 0;
          };
          await settle(ended, 10_000, `msg ${id} did not end`);
          const t = tally(id);
          if (events && t.caught.length === 0 && (c.startsStream?.(msg) ?? true)) {
            await settle(() => (drain(id), t.out > 0), 10_000, `msg ${id} was accepted but its stream sent no event`);
          } else if (!events && t.caught.length === 0) {
            // Node-RED delivers the output and the Complete node's msg separately: under load either may come
            // first. Wait for the output a while; the check below fails if none came.
            await settle(() => (drain(id), t.out + t.out2 > 0), 2000, 'output').catch(() => undefined);
          }
          await new Promise((r) => setTimeout(r, 2)); // anything sent twice arrives now
          drain(id);
          const errors = t.caught.map((m) => errorOf(m));
          const summary = `out ${t.out}, out2 ${t.out2}, caught ${errors.length} (${errors.map((e) => `${e.code}: ${e.message.slice(0, 200)}`).join(' | ')}), completed ${t.completed}`;
          assert.equal(t.completed + errors.length, 1, `msg must end exactly once: ${summary}`);
          if (errors.length === 1) {
            assert.equal(t.out + t.out2, 0, `an error and an output for one msg: ${summary}`);
          } else if (events) {
            const outs = rig.out.slice(firstOut, firstOut + t.out).map((m) => String(m.topic));
            assert.ok(!outs.includes('robot-unreachable'), `the running robot was reported unreachable (the msg made a request it refused; it should be an input error): ${summary}`);
            assert.ok(t.out2 <= t.out, `output 2 sent more than output 1: ${summary}`);
          } else {
            assert.equal(t.out + t.out2, 1, `one output or one error: ${summary}`);
            if (c.checkOutput) {
              const out = t.out === 1 ? rig.out.slice(firstOut).find((m) => m._msgid === id) : rig.out2.slice(firstOut2).find((m) => m._msgid === id);
              assert.ok(out, `the output of ${id} is recorded`);
              c.checkOutput(out, msg);
            }
          }
          const sent = rig.mark() - mark;
          if (c.readOnly) {
            const writes = rig.nonGets(mark).map((q) => `${q.method} ${q.path}`);
            assert.deepEqual(writes, [], `the node only reads, but this msg made other requests: ${summary}`);
          }
          if (errors.length === 1) {
            const err = errors[0];
            assert.doesNotMatch(err.message, CRASH, `our code crashed on this msg: ${err.message}`);
            assert.ok(typeof err.code === 'string' && err.code.length > 0, `the error has a code: ${err.message}`);
            if (isInputError(err)) {
              refused += 1;
              assert.equal(sent, 0, `an invalid msg sent ${sent} request(s): ${err.message}`);
            } else {
              robotErrors += 1;
              // A 100 kB id makes a request line the HTTP server refuses (431) before the robot's routes,
              // so the simulator's counter cannot see it; it did reach the robot.
              const tooLongForHttp = err.code === 'HTTP_431' && holdsHugeString(msg);
              assert.ok(sent > 0 || tooLongForHttp, `an error without any request must be an input error, got ${err.code}: ${err.message}`);
            }
          } else {
            valid += 1;
          }
          if (c.cleanup) await c.cleanup({ rig, sim, id });
          drain(`${id}-cleanup`);
        }),
        { numRuns: c.runs, endOnFailure: true },
      )
      .catch((err: Error) => {
        // Counterexamples hold 100 kB strings: shorten them, and keep the assertion that failed (it comes last).
        const cause = err.cause instanceof Error ? `\n${err.cause.message}` : '';
        const text = `${err.message}${cause}`.replace(/x{80,}/g, (m) => `x…(${m.length} chars)`);
        throw new Error(text.length > 6000 ? `${text.slice(0, 3000)}\n…\n${text.slice(-3000)}` : text);
      });
    // Warnings are emitted on the next tick: give the last one time to arrive.
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(overflows, [], 'a timer was set beyond what Node allows (it fires at once): a bad timeout was not refused');
    // Both kinds must have been exercised, or the property proved little.
    assert.ok(refused > c.runs / 10, `only ${refused} of ${c.runs} msgs were refused as invalid`);
    const minAccepted = c.minAccepted ?? 1;
    if (minAccepted > 0) assert.ok(valid >= minAccepted, `only ${valid} of ${c.runs} msgs were accepted (at least ${minAccepted} must be)`);
    const minRobotErrors = c.minRobotErrors ?? 0;
    if (minRobotErrors > 0) assert.ok(robotErrors >= minRobotErrors, `only ${robotErrors} msgs got the robot's error (at least ${minRobotErrors} must)`);
    return { valid, refused, robotErrors, ms: Date.now() - started };
  } finally {
    process.off('warning', onWarning);
    await rig.close();
  }
}

/** One mocha describe: a simulated robot for the whole suite, one `it` per case, Object.prototype checked after each. */
export function badInputSuite(title: string, cases: BadInputCase[], simOptions: SimulatorOptions = {}): void {
  describe(title, function () {
    this.timeout(300_000);
    let sim: SimulatedRobot | undefined;

    before(async function () {
      sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, speed: 10_000, commandMs: 0, analysisMs: 0, ...simOptions });
    });
    after(async function () {
      await sim?.stop();
    });
    afterEach(function () {
      assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted');
      assert.equal(typeof Object.prototype.toString, 'function', 'Object.prototype.toString was replaced');
    });

    for (const c of cases) {
      it(`${c.nodeType}: ${c.runs} random msgs each end exactly once, with one output or one error; input errors send nothing`, async function () {
        const r = await checkBadInput(sim!, c);
        console.log(`      ${c.nodeType}: ${c.runs} msgs (${r.refused} refused as input errors, ${r.robotErrors} robot errors, ${r.valid} accepted) in ${(r.ms / 1000).toFixed(1)} s`);
      });
    }
  });
}
