// Conformance BY VALUE of the simulated robot's hardware routes with robot-server 8.1.0: captures 98–116 (OT-2)
// and 165–172 (Flex) replayed in order through the conformance harness (test/conformance/replay.ts), each answer
// compared with the recorded one value for value — status, version headers, every key and value — after mapping
// what differs by design: ids and serial numbers the robot generated (paired one-to-one from the first answer that
// shows them), timestamps, and the order of the 422 deck-configuration errors (which changed between the
// recording's own trial runs). A difference must be listed in test/conformance/differences.ts (replay 'hardware').
import { strict as assert } from 'node:assert';
import { SimulatedRobot, type SimulatorOptions } from '../nodes/lib/simulator';
import { DIFFERENCES } from './conformance/differences';
import { IdMap } from './conformance/ids';
import { judge, type Outcome } from './conformance/judge';
import { capture, replay } from './conformance/replay';
import type { ValueOptions } from './conformance/values';

const OT2 = Array.from({ length: 19 }, (_, i) => 98 + i);
const FLEX = Array.from({ length: 8 }, (_, i) => 165 + i);
const VALUES: ValueOptions = { keys: true, idKeys: new Set(['serialNumber']), unordered: new Set(['errors']) };

async function replayHardware(numbers: number[], opts: SimulatorOptions, setUp: (r: SimulatedRobot) => void = () => undefined): Promise<Outcome[]> {
  const robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, ...opts });
  setUp(robot);
  const ids = new IdMap();
  const out: Outcome[] = [];
  try {
    for (const n of numbers) {
      const c = capture(n);
      out.push({ file: c.file, problems: (await replay(robot.url, c, { ids, values: VALUES })).problems });
    }
  } finally {
    await robot.stop();
  }
  return out;
}

function assertConforms(outcomes: Outcome[]): void {
  const verdict = judge('hardware', outcomes, DIFFERENCES);
  assert.deepEqual(verdict.unexplained, []);
  assert.deepEqual(verdict.stale, []);
}

describe('simulator hardware conformance by value (captures 98–116, 165–172)', function () {
  this.timeout(30_000);

  it('has the captures', () => {
    assert.equal(OT2.map(capture).length, 19);
    assert.equal(FLEX.map(capture).length, 8);
  });

  it('OT-2: instruments, pipettes, modules, lights, door, calibration, health, system time, module commands (98–116)', async () => {
    // speed: the recording's simulation reaches a temperature at once (capture 110); a fast clock does too
    assertConforms(await replayHardware(OT2, { model: 'OT-2', name: 'opentrons-dev', speed: 1e6, commandMs: 1 }));
  });

  it('Flex: instruments with the gripper, Heater-Shaker, door, E-stop, deck configuration get/put/invalid (165–172)', async () => {
    // the recording's Flex had other pipettes and a gripper: attached through the fault-injection API
    assertConforms(await replayHardware(FLEX, { model: 'Flex', speed: 1e6, commandMs: 1 }, (r) => {
      r.attachPipette({ mount: 'left', instrumentName: 'p1000_single_flex', instrumentModel: 'p1000_single_v3.4', serialNumber: 'P1KSV3420230101A01', channels: 1, minVolume: 5, maxVolume: 1000 });
      r.attachPipette({ mount: 'right', instrumentName: 'p50_multi_flex', instrumentModel: 'p50_multi_v3.4', serialNumber: 'P50MV3420230101A01', channels: 8, minVolume: 5, maxVolume: 50 });
      r.setGripper({ instrumentModel: 'gripperV1', serialNumber: 'GRPV1120230101A01' });
    }));
  });
});
