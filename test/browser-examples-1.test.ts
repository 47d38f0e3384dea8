// Part 1 of the examples imported through Import ▸ Examples in a real browser (test/browser/examples.ts
// decides which examples are in this part; the parts run in parallel workers, each with its own Node-RED).
import { describeExampleImports } from './browser/examples';

describeExampleImports(1);
