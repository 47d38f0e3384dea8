// Bad input, property-based, for opentrons-request and the error-recovery additions (opentrons-run
// `error-recovery-policy`, opentrons-command intent `fixit`): 1 500 random msgs with the checks of
// bad-input-kit.ts. Paths that try to leave the robot, missing placeholders, junk methods, bodies and
// queries must be refused before any request; every msg ends exactly once; Object.prototype stays clean.
import fc from 'fast-check';
import { badInputSuite, junk, msgArb, or, runIdArb } from './bad-input-kit';
import { recoveringRun } from './specs';

const PATHS = [
  '/health', '/runs', '/runs/{runId}', '/runs/{runId}/commands', '/runs/{runId}/actions', '/protocols/{protocolId}',
  '/runs/{runId}/errorRecoveryPolicy', 'http://127.0.0.1:9/health', '//127.0.0.1:9/x', '/runs/../health', '/runs/%2e%2e/x',
  '/runs?pageLength=1', '/runs/{run-id}', '/runs/{runId', 'runs', '/logs/api.log', '/openapi.json',
];

const ruleArb = fc.record(
  {
    matchCriteria: or(fc.record({ command: or(fc.record({ commandType: or(fc.constantFrom('pickUpTip', 'aspirate')), error: or(fc.record({ errorType: or(fc.constantFrom('tipPhysicallyMissing', 'overpressure')) })) }, { requiredKeys: [] })) })),
    ifMatch: or(fc.constantFrom('ignoreAndContinue', 'failRun', 'waitForRecovery', 'retry')),
  },
  { requiredKeys: [] },
);

badInputSuite('reliability: bad input for opentrons-request and error recovery (fast-check)', [
  {
    nodeType: 'opentrons-request',
    config: { method: 'GET', path: '' },
    runs: 1000,
    // Random msgs are nearly all refused: one in ten is a plausible read, so accepted answers are checked too
    // (about 100 of 1 000; 20 is a floor the mix always clears).
    minAccepted: 20,
    arbitrary: fc.oneof({ weight: 1, arbitrary: fc.record({ method: fc.constant('GET'), path: fc.constantFrom('/health', '/runs', '/protocols', '/modules') }) }, { weight: 9, arbitrary: msgArb({
      method: or(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'get', 'TRACE', 'CONNECT')),
      path: or(fc.oneof(fc.constantFrom(...PATHS), fc.string({ maxLength: 30 }).map((s) => `/${s}`))),
      runId: or(runIdArb),
      protocolId: or(runIdArb),
      payload: or(fc.constantFrom({ data: {} }, '{"data": {}}', [], 'not json', '{"data": {"actionType": "play"}}')),
      query: or(fc.record({ pageLength: or(fc.integer({ min: -1, max: 5 })), cursor: junk }, { requiredKeys: [] })),
    }) }),
  },
  {
    nodeType: 'opentrons-run',
    config: { action: 'error-recovery-policy' },
    runs: 250,
    // Nearly every random msg names a run that does not exist: accepted msgs are rare, not required.
    minAccepted: 0,
    arbitrary: msgArb({
      action: or(fc.constant('error-recovery-policy')),
      runId: or(runIdArb),
      payload: or(fc.oneof(fc.array(ruleArb, { maxLength: 3 }), fc.record({ policyRules: or(fc.array(ruleArb, { maxLength: 2 })) }))),
    }),
  },
  {
    nodeType: 'opentrons-command',
    config: { target: 'run', commandType: '', intent: 'fixit', waitUntilComplete: true },
    runs: 250,
    // The current run awaits recovery, so fixit commands without msg.runId can succeed.
    prepare: async (rig) => void (await recoveringRun(rig.client, rig.sim)),
    // Valid fixit msgs are rare among random ones: one in two msgs is a plausible fixit to the current run.
    arbitrary: fc.oneof(fc.record({ failedCommandId: fc.constantFrom('failed-1', 'b0e1'), payload: fc.constant({ commandType: 'home', params: {} }) }), msgArb({
      intent: or(fc.constantFrom('fixit', 'setup', 'protocol')),
      failedCommandId: or(runIdArb),
      runId: or(runIdArb),
      payload: or(fc.oneof(
        fc.record({ commandType: or(fc.constantFrom('home', 'pickUpTip')), params: junk, intent: or(fc.constantFrom('fixit', 'setup')) }, { requiredKeys: [] }),
        fc.array(fc.record({ commandType: or(fc.constant('home')), params: junk }, { requiredKeys: [] }), { maxLength: 3 }),
      )),
      timeout: or(fc.integer({ min: -5, max: 5000 })),
    })),
  },
], { model: 'Flex' });
