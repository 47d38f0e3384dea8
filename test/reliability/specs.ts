// How each action node is driven in the reliability suite: its editor settings, the msg that makes it
// send one non-GET request to the robot (prepared fresh each time, so the next msg after a fault is a
// normal one), and which request that is (the one the fault is aimed at).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RobotClient } from '../../nodes/lib/client';
import type { SimulatedRobot, SimulatorOptions } from '../../nodes/lib/simulator';
import { PACKAGE_ROOT } from '../helpers/nodered';
import { sleep, type Msg } from './rig';

export interface ActionSpec {
  type: 'opentrons-upload' | 'opentrons-run' | 'opentrons-command' | 'opentrons-request';
  props: Record<string, unknown>;
  /** The request the node's msg sends that is not a GET. */
  target: { method: string; path: RegExp };
  /** Sets the robot up (with the test's own client) and returns the msg to send. */
  prepare(client: RobotClient, sim: SimulatedRobot): Promise<Msg>;
  /** Simulator options for this node's cells (e.g. a Flex). */
  simOpts?: SimulatorOptions;
}

const PROTOCOLS = join(PACKAGE_ROOT, 'test', 'fixtures', 'protocols');
export const PY = readFileSync(join(PROTOCOLS, 'basic_transfer.py'), 'utf8');
export const JSON_PROTOCOL = readFileSync(join(PROTOCOLS, 'simpleV8.json'));

let serial = 0;

/** Stops and dismisses whatever run is current, so a new one can be created. */
export async function clearCurrentRun(client: RobotClient): Promise<void> {
  const id = await client.getCurrentRunId();
  if (!id) return;
  let run = await client.getRun(id);
  if (!['stopped', 'failed', 'succeeded', 'idle'].includes(String(run.status))) {
    await client.createRunAction(id, 'stop').catch(() => undefined);
  }
  const end = Date.now() + 10_000;
  while (!['stopped', 'failed', 'succeeded', 'idle'].includes(String(run.status))) {
    if (Date.now() > end) throw new Error(`run ${id} did not end (status ${String(run.status)})`);
    await sleep(20);
    run = await client.getRun(id);
  }
  await client.dismissRun(id);
}

/** A run of a JSON protocol, created and not yet played. */
export async function idleProtocolRun(client: RobotClient): Promise<string> {
  await clearCurrentRun(client);
  const { protocol } = await client.uploadProtocol([{ filename: 'simpleV8.json', content: JSON_PROTOCOL }]);
  const run = await client.createRun({ protocolId: protocol.id });
  return run.id;
}

/** A Flex protocol-less run stopped in awaiting-recovery by a missing tip; returns it and the failed command. */
export async function recoveringRun(client: RobotClient, sim: SimulatedRobot): Promise<{ runId: string; failedCommandId: string }> {
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

export const ACTION_SPECS: ActionSpec[] = [
  {
    type: 'opentrons-upload',
    props: { waitForAnalysis: true, analysisTimeout: 10 },
    target: { method: 'POST', path: /^\/protocols$/ },
    // New content each time: an identical upload would be answered from the robot's store.
    prepare: async () => ({ files: [{ filename: 'transfer.py', content: `${PY}\n# upload ${++serial}\n` }] }),
  },
  {
    type: 'opentrons-run',
    props: { action: 'play' },
    target: { method: 'POST', path: /^\/runs\/[^/]+\/actions$/ },
    prepare: async (client) => ({ action: 'play', runId: await idleProtocolRun(client) }),
  },
  {
    type: 'opentrons-command',
    props: { target: 'robot', commandType: 'setRailLights', params: '{"on": true}', paramsType: 'json', waitUntilComplete: false },
    target: { method: 'POST', path: /^\/commands$/ },
    prepare: async () => ({}),
  },
];
