// Bad input into opentrons-hardware, property-based: 1 000 random msgs (unknown actions, junk selectors and
// deck configurations, huge strings, prototype-pollution keys) against a simulated Flex, with the checks of
// bad-input-kit.ts; at least one msg in twenty must be answered.
import fc from 'fast-check';
import { badInputSuite, junk, msgArb, or, settle } from './bad-input-kit';

const fixture = fc.record({
  cutoutId: or(fc.constantFrom('cutoutA1', 'cutoutD3', 'cutoutB2', 'cutoutZ9')),
  cutoutFixtureId: or(fc.constantFrom('singleLeftSlot', 'singleRightSlot', 'wasteChuteRightAdapterNoCover', 'trashBinAdapter', 'noSuchFixture')),
  opentronsModuleSerialNumber: junk,
}, { requiredKeys: [] });

const RUNS = 1000;

badInputSuite('reliability: bad input into opentrons-hardware (fast-check)', [
  {
    nodeType: 'opentrons-hardware',
    config: { action: 'health', module: '' },
    runs: RUNS,
    minAccepted: RUNS / 20,
    arbitrary: msgArb({
      action: or(fc.constantFrom('health', 'instruments', 'modules', 'lights', 'door', 'estop', 'deck-configuration', 'set-deck-configuration', 'calibration', 'temperature')),
      module: or(fc.constantFrom('temperatureModuleV2', 'heaterShakerModuleType', 'TDV2-SIM-FLEX-0001', 'D3', 'thermocyclerModuleV2')),
      payload: or(fc.oneof(fc.array(or(fixture), { maxLength: 13 }), fc.record({ cutoutFixtures: or(fc.array(or(fixture), { maxLength: 13 })) }, { requiredKeys: [] }))),
    }),
    // The node asks /health once for the model before its first Flex-only action: do that before counting.
    prepare: async (rig) => {
      rig.send({ action: 'estop', _msgid: 'warm-up' });
      await settle(() => rig.completed.length + rig.caught.length > 0, 5000, 'warm-up');
    },
  },
], { model: 'Flex' });
