// Bad input, property-based: thousands of random msgs (wrong types, missing ids, huge strings, nested
// junk, prototype-pollution keys) into each node. Every msg must end exactly once — one output or one
// error a Catch node gets — no error may be a crash of our code, an input error must be found before
// any request (counted at the simulated robot), and Object.prototype must stay clean.
import fc from 'fast-check';
import { PY } from './specs';
import { fuzzCase, fuzzHooks, junk, msgArb, or, runIdArb, type FuzzCase } from './fuzz-kit';

const fileArb = fc.record(
  {
    filename: or(fc.constantFrom('a.py', 'b.json', 'c.csv', 'd.exe', '', 'noext')),
    content: or(fc.constantFrom(PY, Buffer.from(PY), '{}')),
    path: or(fc.constantFrom('/etc/passwd', 'relative.py', '/tmp/x.py')),
  },
  { requiredKeys: [] },
);


const CASES: FuzzCase[] = [
  {
    type: 'opentrons-upload',
    props: { waitForAnalysis: true, analysisTimeout: 5 },
    numRuns: 500,
    arb: msgArb({
      action: or(fc.constantFrom('upload', 'list', 'get', 'delete', 'analyze')),
      protocolId: or(runIdArb),
      files: or(fc.array(or(fileArb), { maxLength: 3 })),
      payload: or(fc.constantFrom(PY, Buffer.from(PY))),
      filename: or(fc.constantFrom('p.py', 'p.json', 'p.txt')),
      runTimeParameterValues: junk,
      runTimeParameterFiles: junk,
      key: junk,
      waitForAnalysis: junk,
      forceReAnalyze: junk,
    }),
  },
  {
    type: 'opentrons-run',
    props: { action: 'get' },
    numRuns: 500,
    arb: msgArb({
      action: or(fc.constantFrom('create', 'play', 'pause', 'stop', 'resume-from-recovery', 'dismiss', 'delete', 'get', 'list', 'current')),
      runId: or(runIdArb),
      protocolId: or(runIdArb),
      runTimeParameterValues: junk,
      runTimeParameterFiles: junk,
      labwareOffsets: or(fc.array(fc.record({ definitionUri: junk, location: junk, vector: junk }, { requiredKeys: [] }), { maxLength: 2 })),
      waitForStatus: junk,
    }),
  },
  {
    type: 'opentrons-command',
    props: { target: 'robot', commandType: '', waitUntilComplete: true },
    numRuns: 700,
    arb: msgArb({
      commandType: or(fc.constantFrom('setRailLights', 'home', 'aspirate', 'noSuchCommand')),
      params: or(fc.record({ on: junk, axes: junk }, { requiredKeys: [] })),
      intent: or(fc.constantFrom('setup', 'protocol', 'fixit')),
      waitUntilComplete: junk,
      timeout: or(fc.integer({ min: -5, max: 5000 })),
      payload: or(fc.array(fc.record({ commandType: or(fc.constant('setRailLights')), params: junk }, { requiredKeys: [] }), { maxLength: 3 })),
      runId: or(runIdArb),
    }),
  },
  {
    type: 'opentrons-status',
    props: { runId: '', interval: 60_000, autostart: false },
    outputs: 2,
    numRuns: 400,
    arb: msgArb({ action: or(fc.constantFrom('stop', 'play')), runId: or(runIdArb) }),
  },
];

describe('reliability: bad input (fast-check)', function () {
  this.timeout(120_000);
  const ctx = fuzzHooks();

  for (const c of CASES) fuzzCase(c, ctx);
});
