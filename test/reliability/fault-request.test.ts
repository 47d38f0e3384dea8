// Fault matrix for opentrons-request and the error-recovery additions: the request node's POST and
// DELETE, opentrons-run `error-recovery-policy` and opentrons-command `fixit` (on a Flex run awaiting
// recovery), each × every fault the simulated robot can inject (cells as in fault-matrix.test.ts).
import type { RobotClient } from '../../nodes/lib/client';
import type { SimulatedRobot } from '../../nodes/lib/simulator';
import { FAULTS, actionCell } from './fault-cells';
import { clearCurrentRun, idleProtocolRun, type ActionSpec } from './specs';
import { sleep } from './rig';

const RULES = [{ matchCriteria: { command: { commandType: 'pickUpTip', error: { errorType: 'tipPhysicallyMissing' } } }, ifMatch: 'waitForRecovery' }];

/** A Flex protocol-less run stopped in awaiting-recovery by a missing tip; returns it and the failed command. */
async function recoveringRun(client: RobotClient, sim: SimulatedRobot): Promise<{ runId: string; failedCommandId: string }> {
  await clearCurrentRun(client);
  const run = await client.createRun({});
  const setup = { waitUntilComplete: true, commandTimeoutMs: 5000 };
  const tiprack = await client.createRunCommand(run.id, { commandType: 'loadLabware', intent: 'setup', params: { location: { slotName: 'D1' }, loadName: 'opentrons_flex_96_tiprack_1000ul', namespace: 'opentrons', version: 1 } }, setup);
  const pipette = await client.createRunCommand(run.id, { commandType: 'loadPipette', intent: 'setup', params: { pipetteName: 'p1000_single_flex', mount: 'right' } }, setup);
  const labwareId = String((tiprack.result as { labwareId: string }).labwareId);
  const pipetteId = String((pipette.result as { pipetteId: string }).pipetteId);
  const failed = await client.createRunCommand(run.id, { commandType: 'pickUpTip', intent: 'protocol', params: { pipetteId, labwareId, wellName: 'A1' } });
  sim.failNextCommand({ commandType: 'pickUpTip', errorType: 'tipPhysicallyMissing' });
  await client.createRunAction(run.id, 'play');
  const end = Date.now() + 5000;
  while ((await client.getRun(run.id)).status !== 'awaiting-recovery') {
    if (Date.now() > end) throw new Error('the run did not enter awaiting-recovery');
    await sleep(10);
  }
  return { runId: run.id, failedCommandId: failed.id };
}

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
