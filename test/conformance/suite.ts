// The capture replay of the conformance test, for one analyzer: every recorded exchange with the real robot-server
// 8.1.0 (test/fixtures/captures), in order, one fresh simulator per recording session, compared by status, version
// headers, error ids, JSON shape and values (values.ts states what is not compared literally: generated ids, paired
// one-to-one, and timestamps).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SimulatedRobot, type SimulatorOptions } from '../../nodes/lib/simulator';
import { DIFFERENCES } from './differences';
import { IdMap } from './ids';
import { applicable, captureNumber as number, judge, type AnalyzerKind, type Outcome } from './judge';
import { CAPTURE_DIR, loadCaptures, replay, untilAnalysesCompleted, type Capture } from './replay';
import type { ShapeOptions } from './shape';
import type { ValueOptions } from './values';

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

/** Captures the recording sent only once the protocol's analyses had completed (their notes say so). */
const AFTER_ANALYSES = new Set([153]);

/** Serial numbers are the robot's to choose (the second recording's hardware had other ones): paired like ids. */
const VALUES: ValueOptions = { idKeys: new Set(['serialNumber']) };

// Simulated time: slow enough that the states the captures saw right after an action are still there
// (an analysis pending right after upload, a run running right after play, stop-requested right after stop),
// fast enough for a test. The boot phase reproduces the 503 captures 01 and 02.
const TIMING = { speed: 1, commandMs: 40, analysisMs: 300 };

/** The Flex of the second recording had other instruments (captures README): attached as it had them. */
function secondFlexHardware(r: SimulatedRobot): void {
  r.attachPipette({ mount: 'left', instrumentName: 'p1000_single_flex', instrumentModel: 'p1000_single_v3.4', serialNumber: 'P1KSV3420230101A01', channels: 1, minVolume: 5, maxVolume: 1000 });
  r.attachPipette({ mount: 'right', instrumentName: 'p50_multi_flex', instrumentModel: 'p50_multi_v3.4', serialNumber: 'P50MV3420230101A01', channels: 8, minVolume: 5, maxVolume: 50 });
  r.setGripper({ instrumentModel: 'gripperV1', serialNumber: 'GRPV1120230101A01' });
}

/** The four recording sessions, each on its own fresh robot-server (captures README). */
const SESSIONS: { name: string; first: number; last: number; opts: SimulatorOptions; setUp?: (r: SimulatedRobot) => void }[] = [
  { name: 'OT-2, first recording', first: 1, last: 84, opts: { model: 'OT-2', bootMs: 400 } },
  { name: 'Flex, first recording', first: 85, last: 97, opts: { model: 'Flex', bootMs: 0 } },
  { name: 'OT-2, second recording', first: 98, last: 164, opts: { model: 'OT-2', bootMs: 0, name: 'opentrons-dev' } },
  { name: 'Flex, second recording', first: 165, last: 204, opts: { model: 'Flex', bootMs: 0 }, setUp: secondFlexHardware },
];

async function replayAll(captures: Capture[], opts: SimulatorOptions, setUp?: (r: SimulatedRobot) => void): Promise<{ outcomes: Outcome[]; analyzer: AnalyzerKind }> {
  const robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, ...TIMING, ...opts });
  setUp?.(robot);
  const ids = new IdMap();
  const out: Outcome[] = [];
  // Opentrons' analyzer is a Python process per analysis (seconds, cold): a GET waits for the analysis the capture saw.
  const pollMs = robot.analyzer.kind === 'opentrons' ? 60_000 : 5000;
  try {
    for (const c of captures) {
      if (AFTER_ANALYSES.has(number(c.file))) await untilAnalysesCompleted(robot.url, c, ids);
      const r = await replay(robot.url, c, { ids, shape: SHAPE, values: VALUES, pollMs });
      out.push({ file: c.file, problems: r.problems });
    }
  } finally {
    await robot.stop();
  }
  return { outcomes: out, analyzer: robot.analyzer.kind };
}

function indexed(name: string): string[] {
  return (JSON.parse(fs.readFileSync(path.join(CAPTURE_DIR, name), 'utf8')) as { file: string }[]).map((e) => e.file);
}

/**
 * One analyzer's replay of every capture, on its own simulated robots. Both analyzers are replayed, each in a file of
 * its own so they run side by side: Opentrons' own (this file; npm test finds or installs it: scripts/test-binaries,
 * test/setup/analyzer.ts), and the stand-in source reader a machine without Python gets
 * (simulator-conformance-stand-in.test.ts). The table in differences.ts lists fields per analyzer.
 */
export function conformanceSuite(analyzer: AnalyzerKind): void {
  describe(`simulator conformance with robot-server 8.1.0 captures (${analyzer} analyzer)`, function () {
    this.timeout(900_000);
    const all = loadCaptures();
    let outcomes: Outcome[] = [];

    before(async () => {
      for (const s of SESSIONS) {
        const session = await replayAll(all.filter((c) => number(c.file) >= s.first && number(c.file) <= s.last), { ...s.opts, analyzer }, s.setUp);
        assert.equal(session.analyzer, analyzer, 'the simulated robot used the analyzer asked for');
        outcomes.push(...session.outcomes);
      }
    });

    it('has every capture of both indexes, each in the session of its robot model', () => {
      const ot2 = indexed('_index.json');
      const flex = indexed('_index-flex.json');
      assert.deepEqual(all.map((c) => c.file).sort(), [...ot2, ...flex].sort());
      for (const s of SESSIONS) {
        const files = all.filter((c) => number(c.file) >= s.first && number(c.file) <= s.last).map((c) => c.file);
        assert.ok(files.length > 0, s.name);
        for (const f of files) assert.ok((s.opts.model === 'Flex' ? flex : ot2).includes(f), `${f} is not in the ${s.opts.model} index`);
      }
      assert.equal(all.length, 204);
    });

    it('equals every capture by value except the listed ones, which differ only in their listed fields', () => {
      outcomes = outcomes.sort((a, b) => number(a.file) - number(b.file));
      // CONFORMANCE_REPORT=<file>: every capture's problems as JSON, to retune the table in differences.ts.
      if (process.env.CONFORMANCE_REPORT) fs.writeFileSync(`${process.env.CONFORMANCE_REPORT}.${analyzer}.json`, JSON.stringify(outcomes, null, 1));
      const verdict = judge('sessions', outcomes, DIFFERENCES, analyzer);
      const listed = new Set(applicable('sessions', analyzer, DIFFERENCES).flatMap((d) => d.captures));
      console.log(`      ${verdict.equal.length} of ${outcomes.length} captures equal by value with the ${analyzer} analyzer (${listed.size} listed as differing, each in named fields)`);
      if (verdict.unused.length > 0) console.log(`      listed fields that did not differ this time: ${verdict.unused.join(', ')}`);
      assert.deepEqual(verdict.unexplained, [], 'differences not listed in test/conformance/differences.ts (fix the simulator, or list the field with a reason)');
      assert.deepEqual(verdict.stale, [], 'captures listed as differing that now match: remove them from test/conformance/differences.ts');
      for (const n of listed) assert.ok(outcomes.some((o) => number(o.file) === n), `listed capture ${n} does not exist`);
    });
  });
}
