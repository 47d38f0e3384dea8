// The capture replay of simulator-conformance.test.ts with the stand-in analyzer (a machine without Python), in a
// file of its own so the two replays run side by side.
import { conformanceSuite } from './conformance/suite';

conformanceSuite('stand-in');
