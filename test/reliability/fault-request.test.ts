// Fault matrix for opentrons-request and the error-recovery additions: the request node's POST and
// DELETE, opentrons-run `error-recovery-policy` and opentrons-command `fixit` (on a Flex run awaiting
// recovery), each × every fault the simulated robot can inject (cells as in fault-matrix.test.ts).
import { FAULTS, actionCell } from './fault-cells';
import { clearCurrentRun, idleProtocolRun, recoveringRun, type ActionSpec } from './specs';

const RULES = [{ matchCriteria: { command: { commandType: 'pickUpTip', error: { errorType: 'tipPhysicallyMissing' } } }, ifMatch: 'waitForRecovery' }];

const SPECS: ActionSpec[] = [
  {
    type: 'opentrons-request',
    props: { method: 'POST', path: '/runs' },
    target: { method: 'POST', path: /^\/runs$/ },
    prepare: async (client) => {
      await clearCurrentRun(client);
      return { payload: { data: {} } };
    },
  },
  {
    type: 'opentrons-request',
    props: { method: 'DELETE', path: '/runs/{runId}' },
    target: { method: 'DELETE', path: /^\/runs\/[^/]+$/ },
    prepare: async (client) => ({ runId: await idleProtocolRun(client) }),
  },
  {
    type: 'opentrons-run',
    props: { action: 'error-recovery-policy' },
    target: { method: 'PUT', path: /^\/runs\/[^/]+\/errorRecoveryPolicy$/ },
    prepare: async (client) => ({ runId: await idleProtocolRun(client), payload: RULES }),
  },
  {
    type: 'opentrons-command',
    props: { target: 'run', commandType: 'home', params: '{}', paramsType: 'json', intent: 'fixit', waitUntilComplete: false },
    target: { method: 'POST', path: /^\/runs\/[^/]+\/commands$/ },
    simOpts: { model: 'Flex', speed: 100, commandMs: 20 },
    prepare: async (client, sim) => recoveringRun(client, sim),
  },
];

describe('reliability: fault matrix, opentrons-request and error recovery', function () {
  this.timeout(30_000);
  for (const spec of SPECS) {
    describe(`${spec.type} ${JSON.stringify(spec.props).slice(0, 60)}`, function () {
      for (const fault of FAULTS) actionCell(spec, fault);
    });
  }
});
