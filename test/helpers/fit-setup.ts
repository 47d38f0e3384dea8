// Simulated hardware set up the way test/fixtures/protocols/flex-fixtures.json needs it, shared by the fit
// check's tests and the run node's check-before-play tests.
import type { RobotClient } from '../../nodes/lib/client';
import type { SimulatedRobot } from '../../nodes/lib/simulator';

/**
 * On a simulated Flex (as it starts: p50 left, p1000 right, a Temperature Module and a Heater-Shaker, no gripper):
 * a p1000 on the left, the gripper, a staging slot with the uncovered waste chute in D3, and the Temperature Module
 * set up in D1 (its fixture in the deck configuration).
 */
export async function setUpForFlexFixtures(robot: SimulatedRobot, client: RobotClient): Promise<void> {
  robot.attachPipette({ mount: 'left', instrumentName: 'p1000_single_flex', instrumentModel: 'p1000_single_v3.4', serialNumber: 'P1KSV3420230101A09', channels: 1, minVolume: 5, maxVolume: 1000 });
  robot.setGripper({ instrumentModel: 'gripperV1', serialNumber: 'GRPV1120230101A01' });
  const deck = await client.getDeckConfiguration();
  await client.setDeckConfiguration(deck.cutoutFixtures.map((f) => (f.cutoutId === 'cutoutD3' ? { ...f, cutoutFixtureId: 'stagingAreaSlotWithWasteChuteRightAdapterNoCover' } : f)));
  const temperature = (await client.getModules()).find((m) => m.moduleModel === 'temperatureModuleV2');
  robot.detachModule(temperature?.serialNumber as string);
  robot.attachModule('temperatureModuleV2', 'TDV21P20230101A09', 'D1');
}
