// Bad input, property-based, for the first four nodes (7 000 msgs): see bad-input-kit.ts for the checks.
// Nodes added later have their own test/reliability/bad-input-<node>.test.ts on the same kit.
import fc from 'fast-check';
import { CHECK_NAMES } from '../../nodes/lib/preflight';
import { PY, idleProtocolRun } from './specs';
import { badInputSuite, junk, msgArb, or, runIdArb, settle, type Msg } from './bad-input-kit';

const fileArb = fc.record(
  {
    filename: or(fc.constantFrom('a.py', 'b.json', 'c.csv', 'd.exe', '', 'noext', '/abs/dir/e.py', 'C:\\dir\\f.py')),
    content: or(fc.constantFrom(PY, Buffer.from(PY), '{}')),
    path: or(fc.constantFrom('/etc/passwd', 'relative.py', '/tmp/x.py')),
  },
  { requiredKeys: [] },
);

const isStop = (msg: Msg): boolean => Object.prototype.hasOwnProperty.call(msg, 'action') && msg.action === 'stop';

badInputSuite('reliability: bad input (fast-check)', [
  {
    nodeType: 'opentrons-upload',
    config: { waitForAnalysis: true, analysisTimeout: 5 },
    runs: 1500,
    arbitrary: msgArb({
      action: or(fc.constantFrom('upload', 'list', 'get', 'delete', 'analyze')),
      protocolId: or(runIdArb),
      files: or(fc.array(or(fileArb), { maxLength: 3 })),
      payload: or(fc.constantFrom(PY, Buffer.from(PY))),
      filename: or(fc.constantFrom('p.py', 'p.json', 'p.txt', '/data/p.py')),
      runTimeParameterValues: junk,
      runTimeParameterFiles: junk,
      key: junk,
      waitForAnalysis: junk,
      forceReAnalyze: junk,
    }),
  },
  {
    nodeType: 'opentrons-run',
    config: { action: 'get' },
    runs: 1500,
    // Nearly every random msg names a run that does not exist: accepted msgs are rare, not required.
    minAccepted: 0,
    arbitrary: msgArb({
      action: or(fc.constantFrom('create', 'play', 'pause', 'stop', 'resume-from-recovery', 'dismiss', 'delete', 'get', 'list', 'current')),
      runId: or(runIdArb),
      protocolId: or(runIdArb),
      runTimeParameterValues: junk,
      runTimeParameterFiles: junk,
      labwareOffsets: or(fc.array(fc.record({ definitionUri: junk, location: junk, vector: junk }, { requiredKeys: [] }), { maxLength: 2 })),
      waitForStatus: junk,
      // check before play (bad-input-preflight.test.ts plays a run whose checks all fail)
      checks: or(fc.oneof(fc.boolean(), fc.array(fc.constantFrom(...CHECK_NAMES, 'bogus'), { maxLength: 3 }))),
      // another robot (the rig's only robot config has id 'robot' and no name): by id, unknown, a near miss
      robot: or(fc.constantFrom('robot', 'no-such-robot', 'robot (robot)', 'Robot', ' robot')),
    }),
  },
  {
    nodeType: 'opentrons-command',
    config: { target: 'robot', commandType: '', waitUntilComplete: true },
    runs: 2500,
    arbitrary: msgArb({
      commandType: or(fc.constantFrom('setRailLights', 'home', 'aspirate', 'noSuchCommand')),
      params: or(fc.record({ on: junk, axes: junk }, { requiredKeys: [] })),
      intent: or(fc.constantFrom('setup', 'protocol', 'fixit')),
      waitUntilComplete: junk,
      // Beyond 2^31 ms a Node timer fires at once: such a timeout must be refused, not turned into 1 ms.
      timeout: or(fc.oneof(fc.integer({ min: -5, max: 5000 }), fc.constantFrom(2 ** 31, 1e12, Number.MAX_VALUE, '9007199254740993'))),
      payload: or(fc.array(fc.record({ commandType: or(fc.constant('setRailLights')), params: junk }, { requiredKeys: [] }), { maxLength: 3 })),
      runId: or(runIdArb),
    }),
  },
  {
    nodeType: 'opentrons-status',
    config: { runId: '', interval: 60_000, autostart: false },
    outputs: 2,
    outputKind: 'events',
    runs: 1500,
    startsStream: (msg) => !isStop(msg),
    // A current run, so that a msg without a run id (follow the current run) gets its first event too.
    prepare: async (rig) => void (await idleProtocolRun(rig.client)),
    arbitrary: msgArb({ action: or(fc.constantFrom('stop', 'play')), runId: or(runIdArb) }),
    // End the watch this msg started, so the next msg's requests and events are its own.
    cleanup: async ({ rig, sim, id }) => {
      const stopId = `${id}-stop`;
      const before = rig.completed.length;
      rig.send({ action: 'stop', _msgid: stopId });
      await settle(() => rig.completed.slice(before).some((m) => m._msgid === stopId), 5000, 'stop did not end');
      await settle(() => sim.stats.requests.every((q) => q.status !== 0), 5000, 'requests still in flight');
    },
  },
]);
