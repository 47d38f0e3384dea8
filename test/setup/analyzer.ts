// The simulator's Python analyzer in the test run, stated in one place:
// - Opentrons' analyzer that scripts/test-binaries set up (npm test runs it before mocha, in another process: it
//   records the shared analyzer's path in .test-analyzer) is exported as OPENTRONS_ANALYZER, so the tests that pin
//   `analyzer: 'opentrons'` (test/simulator-analyzer.test.ts) and Node-RED processes the tests start find it;
// - every other simulated robot a test starts without an `analyzer` option gets the stand-in
//   (OPENTRONS_SIM_ANALYZER), so the many tests written against the stand-in timeline stay fast and unchanged. The
//   `auto` choice is tested explicitly, with the analyzer present and missing.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const recorded = join(__dirname, '..', '..', '..', '.test-analyzer');
if (!process.env.OPENTRONS_ANALYZER && existsSync(recorded)) {
  const path = readFileSync(recorded, 'utf8').trim();
  if (path) process.env.OPENTRONS_ANALYZER = path;
}
process.env.OPENTRONS_SIM_ANALYZER ??= 'stand-in';
