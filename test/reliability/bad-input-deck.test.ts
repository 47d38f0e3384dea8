// Bad input for opentrons-deck, property-based: 1 200 random msgs (wrong types, junk analyses, slots off the
// deck, huge strings, prototype-pollution keys) with the checks of bad-input-kit.ts, and for this node: it
// only reads, every output is a well-formed SVG with text from the msg escaped, at least 20 msgs are drawn
// and some get the robot's error.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { asMsg, badInputSuite, junk, mostly, or, runIdArb } from './bad-input-kit';

const slotArb = or(fc.constantFrom('1', '3', '12', '13', '0', 'A1', 'D4', 'E1', 'Z9', '', '__proto__'));
const locationArb = or(
  fc.oneof(
    fc.record({ slotName: slotArb }),
    fc.record({ addressableAreaName: slotArb }),
    fc.record({ moduleId: or(fc.constantFrom('m1', 'nope')) }),
    fc.record({ labwareId: or(fc.constantFrom('l1', 'l2', 'nope')) }),
    fc.constant('offDeck'),
  ),
);
const labwareArb = or(
  fc.record(
    {
      id: or(fc.constantFrom('l1', 'l2', 'l3')),
      loadName: or(fc.constantFrom('corning_96_wellplate_360ul_flat', 'no_such_labware')),
      definitionUri: or(fc.constantFrom('opentrons/corning_96_wellplate_360ul_flat/2', 'opentrons/nest_12_reservoir_15ml/1', 'x/y/z', '')),
      location: locationArb,
      displayName: or(fc.string({ maxLength: 60 })),
    },
    { requiredKeys: [] },
  ),
);
const analysisArb = fc.record(
  {
    robotType: mostly(fc.constantFrom('OT-2 Standard', 'OT-3 Standard', 'OT-4')),
    labware: mostly(fc.array(labwareArb, { maxLength: 4 })),
    modules: or(fc.array(or(fc.record({ id: or(fc.constant('m1')), model: or(fc.constantFrom('temperatureModuleV2', 'heaterShakerModuleV1', 'unknownModule')), location: locationArb }, { requiredKeys: [] })), { maxLength: 2 })),
    pipettes: or(fc.array(or(fc.record({ id: junk, pipetteName: or(fc.constant('p300_single_gen2')), mount: or(fc.constantFrom('left', 'right')) }, { requiredKeys: [] })), { maxLength: 2 })),
    liquids: or(fc.array(or(fc.record({ id: or(fc.constant('w')), displayName: junk, displayColor: or(fc.constantFrom('#123456', '"><script>')) }, { requiredKeys: [] })), { maxLength: 2 })),
    commands: mostly(fc.array(or(fc.record({ commandType: or(fc.constantFrom('loadLiquid', 'loadLabware', 'moveToAddressableArea')), params: junk, result: junk }, { requiredKeys: [] })), { maxLength: 3 })),
    result: or(fc.constantFrom('ok', 'not-ok')),
    errors: junk,
  },
  { requiredKeys: [] },
);

badInputSuite('reliability: bad input (fast-check) — opentrons-deck', [
  {
    nodeType: 'opentrons-deck',
    config: { highlight: true, analysisTimeout: 2 },
    runs: 1200,
    // One msg shape at a time (a run, a protocol, an analysis in either property), each with junk mixed in.
    arbitrary: asMsg(
      fc.oneof(
        fc.record({ runId: or(runIdArb), highlight: junk }, { requiredKeys: [] }),
        fc.record({ protocolId: or(runIdArb) }, { requiredKeys: [] }),
        fc.record({ analysis: mostly(analysisArb), highlight: junk }, { requiredKeys: ['analysis'] }),
        fc.record({ payload: mostly(analysisArb), protocolId: junk }, { requiredKeys: ['payload'] }),
        fc.record({ runId: junk, protocolId: junk, analysis: junk, payload: junk, highlight: junk }, { requiredKeys: [] }),
      ),
    ),
    readOnly: true,
    // Most analyses carry some junk, so about 5 % are drawn; 20 of 1 200 is a floor the random mix always clears.
    minAccepted: 20,
    minRobotErrors: 1,
    checkOutput: (out) => {
      const svg = out.payload;
      assert.equal(typeof svg, 'string', 'the deck is drawn as text');
      assert.ok((svg as string).startsWith('<svg ') && (svg as string).endsWith('</svg>'), 'the output is one SVG element');
      assert.doesNotMatch(svg as string, /<script/, 'text from the msg is escaped');
    },
  },
]);
