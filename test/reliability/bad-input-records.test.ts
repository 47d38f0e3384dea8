// Bad input for the run-record actions, property-based: random msgs into opentrons-run commands /
// command-errors / add-labware-offsets and opentrons-upload's data file actions, 1 100 in all, with the
// checks of bad-input-kit.ts. The ids are sometimes those of a real run and data file, made in `prepare`.
import fc from 'fast-check';
import { badInputSuite, msgArb, or } from './bad-input-kit';

const offsetArb = fc.record(
  {
    definitionUri: or(fc.constantFrom('opentrons/corning_96_wellplate_360ul_flat/2', '')),
    location: or(fc.record({ slotName: or(fc.constantFrom('1', '2', 'D1')) }, { requiredKeys: [] })),
    vector: or(fc.record({ x: or(fc.double({ min: -5, max: 5, noNaN: true })), y: or(fc.integer({ min: -2, max: 2 })), z: or(fc.constant(0.5)) }, { requiredKeys: [] })),
  },
  { requiredKeys: [] },
);

let runId = '';
let dataFileId = '';

badInputSuite('reliability: bad input to the run-record actions (fast-check)', [
  {
    nodeType: 'opentrons-run',
    config: { action: 'commands' },
    runs: 600,
    prepare: async (rig) => void (runId = (await rig.client.createRun({})).id),
    arbitrary: () => msgArb({
      action: or(fc.constantFrom('commands', 'command-errors', 'add-labware-offsets')),
      runId: or(fc.constantFrom(runId, 'does-not-exist', '../../health')),
      cursor: or(fc.integer({ min: -2, max: 30 })),
      pageLength: or(fc.integer({ min: -1, max: 30 })),
      allPages: or(fc.boolean()),
      labwareOffsets: or(fc.oneof(offsetArb, fc.array(or(offsetArb), { maxLength: 3 }))),
    }),
  },
  {
    nodeType: 'opentrons-upload',
    config: { action: 'list-data-files' },
    runs: 500,
    prepare: async (rig) => void (dataFileId = (await rig.client.uploadDataFile({ filename: 'plate_map.csv', content: 'well,volume\nA1,1\n' })).dataFile.id),
    arbitrary: () => msgArb({
      action: or(fc.constantFrom('upload-data-file', 'list-data-files', 'delete-data-file')),
      payload: or(fc.constantFrom('well,volume\nA1,5\n', Buffer.from('a,b\n'))),
      filename: or(fc.constantFrom('plate_map.csv', 'notes.txt', 'dir/x.csv', '')),
      files: or(fc.array(fc.record({ filename: or(fc.constantFrom('a.csv', 'b.py')), content: or(fc.constant('x,y\n')) }, { requiredKeys: [] }), { maxLength: 2 })),
      dataFileId: or(fc.constantFrom(dataFileId, 'missing')),
    }),
  },
]);
