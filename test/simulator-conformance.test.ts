// Conformance with Opentrons' own analyzer (the issue's figure: npm test finds or installs it, scripts/test-binaries):
// every recorded exchange with the real robot-server 8.1.0 replayed against the simulated robot (test/conformance/
// suite.ts). The stand-in analyzer's replay is simulator-conformance-stand-in.test.ts, run side by side.
import { conformanceSuite } from './conformance/suite';

conformanceSuite('opentrons');
