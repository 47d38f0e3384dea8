// Bad input, property-based, for opentrons-request and the error-recovery additions (opentrons-run
// `error-recovery-policy`, opentrons-command intent `fixit`): 1 100 random msgs through the kit of
// bad-input.test.ts. Paths that try to leave the robot, missing placeholders, junk methods, bodies and
// queries must be refused before any request; every msg ends exactly once; Object.prototype stays clean.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RobotClient } from '../../nodes/lib/client';
import { fuzzCase, fuzzHooks, junk, msgArb, or, runIdArb, type FuzzCase } from './fuzz-kit';
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

const CASES: FuzzCase[] = [
  {
    type: 'opentrons-request',
    props: { method: 'GET', path: '' },
    numRuns: 600,
    arb: msgArb({
      method: or(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'get', 'TRACE', 'CONNECT')),
      path: or(fc.oneof(fc.constantFrom(...PATHS), fc.string({ maxLength: 30 }).map((s) => `/${s}`))),
      runId: or(runIdArb),
      protocolId: or(runIdArb),
      payload: or(fc.constantFrom({ data: {} }, '{"data": {}}', [], 'not json', '{"data": {"actionType": "play"}}')),
      query: or(fc.record({ pageLength: or(fc.integer({ min: -1, max: 5 })), cursor: junk }, { requiredKeys: [] })),
    }),
  },
  {
    type: 'opentrons-run',
    props: { action: 'error-recovery-policy' },
    numRuns: 250,
    arb: msgArb({
      action: or(fc.constant('error-recovery-policy')),
      runId: or(runIdArb),
      payload: or(fc.oneof(fc.array(ruleArb, { maxLength: 3 }), fc.record({ policyRules: or(fc.array(ruleArb, { maxLength: 2 })) }))),
    }),
  },
  {
    type: 'opentrons-command',
    props: { target: 'run', commandType: '', intent: 'fixit', waitUntilComplete: true },
    numRuns: 250,
    // Valid fixit msgs are rare among random ones: one in two msgs is a plausible fixit to the current run.
    arb: fc.oneof(fc.record({ failedCommandId: fc.constantFrom('failed-1', 'b0e1'), payload: fc.constant({ commandType: 'home', params: {} }) }), msgArb({
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
];

describe('reliability: bad input for opentrons-request and error recovery (fast-check)', function () {
  this.timeout(180_000);
  const ctx = fuzzHooks({ model: 'Flex' });

  it('has at least 1 000 msgs in all', function () {
    assert.ok(CASES.reduce((n, c) => n + c.numRuns, 0) >= 1000);
  });

  for (const c of CASES.filter((x) => x.type !== 'opentrons-command')) fuzzCase(c, ctx);

  describe('while the current run awaits recovery (so fixit commands without msg.runId can succeed)', function () {
    before(async function () {
      const client = new RobotClient({ baseUrl: ctx.sim().url, apiVersion: '3', timeoutMs: 5000 });
      try {
        await recoveringRun(client, ctx.sim());
      } finally {
        await client.close();
      }
    });
    for (const c of CASES.filter((x) => x.type === 'opentrons-command')) fuzzCase(c, ctx);
  });
});
