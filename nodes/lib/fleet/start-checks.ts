// The checks `start` runs before it plays an assigned job's run: the robot's analysis of it is ok, the robot
// still has what it loads, the door is closed (Flex) and the E-stop is not pressed (Flex). Interim until
// branch `preflight`'s preflight() is merged, which covers the same list.
import { analysisProblem, latestAnalysis } from '../analysis-wait';
import type { RobotClient } from '../client';
import { fitChecks, readEquipment, requirementsOf, type Check } from '../fit';

export async function startChecks(client: RobotClient, protocolId: string, signal: AbortSignal): Promise<Check[]> {
  const { protocol } = await client.getProtocol(protocolId, { signal });
  const summary = latestAnalysis(protocol);
  if (!summary) return [{ check: 'analysis', ok: false, detail: 'the protocol has no analysis on the robot' }];
  const analysis = await client.getAnalysis(protocolId, summary.id, { signal });
  const problem = analysis.status === 'completed' ? analysisProblem(protocol, analysis) : undefined;
  const checks: Check[] = [
    { check: 'analysis', ok: analysis.status === 'completed' && !problem, detail: problem?.message ?? `analysis ${analysis.status}` },
  ];
  const needs = requirementsOf(analysis);
  const equipment = await readEquipment(client, needs, { signal });
  checks.push(...fitChecks(needs, equipment));
  const door = await client.getDoorStatus({ signal });
  if (door.doorRequiredClosedForProtocol) {
    const closed = door.status === 'closed';
    checks.push({ check: 'door', ok: closed, detail: closed ? 'door closed' : 'the robot\'s door is open: close it' });
  }
  // The OT-2 has no E-stop route (403 NotSupportedOnOT2).
  if (/^OT-3|flex/i.test(equipment.model)) {
    const estop = await client.getEstopStatus({ signal });
    const released = estop.status === 'disengaged';
    checks.push({ check: 'estop', ok: released, detail: released ? 'E-stop released' : `E-stop is ${estop.status}: release it and acknowledge on the robot` });
  }
  return checks;
}
