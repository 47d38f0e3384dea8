// Mocha's spec reporter plus the per-file timings (test/setup/timing.ts) and one closing line in the
// plain "N passed, N failed" form, which CI reads to know how many tests really ran.
import Mocha from 'mocha';
import { readTimings, timingTable, writeLatest } from './timing-file';

const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SpecWithTotals extends Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats;
      if (!s) return;
      const timings = readTimings(process.pid);
      const table = timingTable(timings);
      if (table) process.stdout.write(`${table}\n`);
      // Only a whole-suite run with no failure says which files start Node-RED (a partial run would drop files).
      if (s.failures === 0 && timings.length > 0 && process.env.OPENTRONS_TIMINGS_LATEST !== 'off') writeLatest(process.env.NODE_RED_PACKAGE || 'node-red', timings);
      process.stdout.write(`mocha: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
    });
  }
}

export = SpecWithTotals;
