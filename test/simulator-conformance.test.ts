// Conformance: replay every recorded exchange with the real robot-server 8.1.0 (test/fixtures/captures)
// against the simulated robot, in order, and compare status, version headers, error ids and JSON shape.
import * as assert from 'node:assert/strict';
import { SimulatedRobot } from '../nodes/lib/simulator';
import { IdMap } from './conformance/ids';
import { loadCaptures, replay, type Capture } from './conformance/replay';
import type { ShapeOptions } from './conformance/shape';

/** Captures we decide not to reproduce, each with its reason. Keep this list short and justified. */
const NOT_REPRODUCED: Record<string, string> = {};

/**
 * Documented differences the shape comparison tolerates:
 * - `simulation`: the simulator's marker on analyses it did not compute (Python protocols); the real robot has no such key.
 * - empty vs non-empty `pipettes`/`labware`/`modules`/`liquids`: a Python protocol is not run by the simulator, so what its
 *   code loads is not reported (README: "what the simulated robot interprets and what it does not").
 */
const SHAPE: ShapeOptions = {
  extensionKeys: new Set(['simulation']),
  emptyTolerant: new Set(['pipettes', 'labware', 'modules', 'liquids']),
};

// Simulated time: slow enough that the states the captures saw right after an action are still there
// (an analysis pending right after upload, a run running right after play, stop-requested right after stop),
// fast enough for a test. The boot phase reproduces the 503 captures 01 and 02.
const OT2 = { model: 'OT-2' as const, speed: 1, commandMs: 40, analysisMs: 300, bootMs: 400 };
const FLEX = { model: 'Flex' as const, speed: 1, commandMs: 40, analysisMs: 300, bootMs: 0 };

interface Outcome { file: string; problems: string[] }

async function replayAll(captures: Capture[], opts: typeof OT2 | typeof FLEX): Promise<Outcome[]> {
  const robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, ...opts });
  const ids = new IdMap();
  const out: Outcome[] = [];
  try {
    for (const c of captures) {
      const r = await replay(robot.url, c, ids, SHAPE);
      out.push({ file: c.file, problems: r.problems });
    }
  } finally {
    await robot.stop();
  }
  return out;
}

describe('simulator conformance with robot-server 8.1.0 captures', function () {
  this.timeout(120_000);
  // 98 and later (second recording) are replayed by value in simulator-hardware-conformance.test.ts
  const all = loadCaptures().filter((c) => Number(c.file.split('-')[0]) <= 97);
  const ot2 = all.filter((c) => Number(c.file.slice(0, 2)) <= 84);
  const flex = all.filter((c) => Number(c.file.slice(0, 2)) >= 85);
  let outcomes: Outcome[] = [];

  before(async () => {
    outcomes = [...(await replayAll(ot2, OT2)), ...(await replayAll(flex, FLEX))];
  });

  it('has every capture file (OT-2 01–84, Flex 85–97)', () => {
    assert.equal(ot2.length, 84);
    assert.equal(flex.length, 13);
  });

  it('reproduces every capture except the listed ones', () => {
    const failing = outcomes.filter((o) => o.problems.length > 0 && !(o.file in NOT_REPRODUCED));
    const reproduced = outcomes.filter((o) => o.problems.length === 0).length;
    console.log(`      ${reproduced} of ${outcomes.length} captures reproduced` +
      (Object.keys(NOT_REPRODUCED).length ? ` (not reproduced by decision: ${Object.keys(NOT_REPRODUCED).join(', ')})` : ''));
    assert.deepEqual(failing.map((o) => `${o.file}: ${o.problems.slice(0, 6).join('; ')}`), []);
    assert.equal(reproduced, outcomes.length - Object.keys(NOT_REPRODUCED).length);
  });
});
