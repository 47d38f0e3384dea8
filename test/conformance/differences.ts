// Every capture the simulator does not reproduce by value: the replay that found it, the fields (paths as the harness
// reports them, wildcards allowed, see judge.ts) in which it may differ, and why. Any other difference in a listed
// capture fails its test, as does any difference in an unlisted one, and a listed capture that now matches.
// Data only, so it can be retuned from a run's report:
//   CONFORMANCE_REPORT=/tmp/report.json npx mocha --no-config … dist/test/simulator-conformance.test.js
// lists every capture's problems with their paths.
import type { Allowance } from './judge';

const PY_ANALYSIS = 'Python protocol not run: stand-in analysis (comment and waitForResume commands, no labware/pipettes), so its commands, ids and keys differ';
const PY_RUN = 'Python protocol not run: the run reports none of the labware/pipettes its code loads';
const PY_COMMANDS = 'Python protocol not run: the run\'s commands are the stand-in timeline, so the page\'s commands, cursor, totals and current-command link differ';
const TIP_LENGTH = 'pickUpTip tipLength: the simulator subtracts the tip rack\'s tipOverlap (7.47 mm); robot-server uses the pipette definition\'s overlap for that rack (8.2 mm for p300 gen2), which the simulator has no data for';
const REBUILT = 'the paging run is rebuilt from a JSON protocol whose loads name their ids (the simulator does not run the recorded Python protocol), so its load params carry labwareId/pipetteId';
const STANDIN_MARKER = 'Python protocol not run: the simulator marks its stand-in analysis with `simulation` (README)';
const PY_COMMAND_ID = 'Python protocol not run: the captured command id does not exist in the stand-in run (robot-server answers an unknown command of the current run with 500)';

/** A whole answer about a command the stand-in run does not have. */
const WHOLE_ANSWER = ['status', 'header.opentrons-version', 'header.opentrons-min-version', '$.data', '$.errors', '$.meta'];
/** A page of stand-in commands: the list's length and each command's type, id, key and params; the paging meta. */
const COMMAND_PAGE = ['$.data!', '$.data[*].commandType', '$.data[*].id', '$.data[*].key', '$.data[*].params', '$.links.current.href', '$.links.current.meta', '$.meta.cursor', '$.meta.totalLength'];

export const DIFFERENCES: readonly Allowance[] = [
  // --- the full replay of every capture, one simulator per recording session (simulator-conformance.test.ts)
  { replay: 'sessions', analyzer: 'stand-in', captures: [23, 90], fields: ['$.data[*].commands', '$.data[*].labware', '$.data[*].pipettes'], why: PY_ANALYSIS },
  { replay: 'sessions', analyzer: 'stand-in', captures: [24, 154], fields: ['$.data.commands', '$.data.labware', '$.data.pipettes'], why: PY_ANALYSIS },
  {
    replay: 'sessions', analyzer: 'stand-in', captures: [47],
    fields: ['$.data[*].commands', '$.data[*].labware', '$.data[*].pipettes', '$.data[*].errors[*].detail', '$.data[*].errors[*].wrappedErrors[*].detail'],
    why: `${PY_ANALYSIS}; the tip error is found by reading the source, with the simulator's own detail text`,
  },
  {
    replay: 'sessions', analyzer: 'stand-in', captures: [149], fields: ['$.data[*].commands[0].key'],
    why: 'Python protocol not run: the initial home\'s key is not the one of the protocol\'s earlier analysis (robot-server derives keys from the protocol run; the stand-in makes new ones)',
  },
  { replay: 'sessions', analyzer: 'stand-in', captures: [31, 32, 69, 73, 78, 79, 93, 121, 132, 137, 159, 199, 204], fields: ['$.data.labware', '$.data.pipettes'], why: PY_RUN },
  { replay: 'sessions', analyzer: 'stand-in', captures: [37], fields: ['$.data[*].labware', '$.data[*].pipettes'], why: PY_RUN },
  { replay: 'sessions', analyzer: 'stand-in', captures: [33, 34, 35, 94, 122, 123, 124, 125, 126, 127], fields: COMMAND_PAGE, why: PY_COMMANDS },
  { replay: 'sessions', analyzer: 'stand-in', captures: [70, 200], fields: ['$.links.current.meta.index', '$.meta.cursor', '$.meta.totalLength'], why: `${PY_COMMANDS} (totalLength counts the commands made so far)` },
  { replay: 'sessions', analyzer: 'stand-in', captures: [128], fields: ['$.data!', '$.data[*](json).commandType', '$.data[*](json).key', '$.data[*](json).params', '$.meta.totalLength'], why: `${PY_COMMANDS}; pre-serialized JSON strings use robot-server's spacing` },
  { replay: 'sessions', analyzer: 'stand-in', captures: [36, 130], fields: WHOLE_ANSWER, why: PY_COMMAND_ID },
  {
    replay: 'sessions', captures: [53], fields: ['$.data.result.tipLength'], why: TIP_LENGTH,
  },
  {
    replay: 'sessions', captures: [110], fields: ['$.data[*].data.currentTemperature', '$.data[*].data.status'],
    why: 'at this replay\'s speed the temperature module is still ramping (the recording reached 37 °C at once; the hardware replay runs the clock fast and matches)',
  },
  {
    replay: 'sessions', analyzer: 'opentrons', captures: [31, 78, 79], fields: ['$.data.labware', '$.data.pipettes'],
    why: 'a run of an analysed Python protocol reports what its executed commands loaded: read right after play (31) or stop (78, 79), robot-server (simulated hardware, no waits) had run the loads, the simulated robot at this replay\'s pace (40 ms a command) had not',
  },
  { replay: 'sessions', analyzer: 'opentrons', captures: [128], fields: ['$.data[*](json).result.tipLength'], why: TIP_LENGTH },
  { replay: 'sessions', captures: [119], fields: ['$.errors[*].meta'], why: '503 PreSerializedCommandsNotAvailable: robot-server\'s meta is its Python traceback, with its own file paths' },


  // --- run records (simulator-records-conformance.test.ts): the paging run rebuilt from a JSON protocol
  { replay: 'records', captures: [119], fields: ['$.errors[*].meta'], why: '503 PreSerializedCommandsNotAvailable: robot-server\'s meta is its Python traceback, with its own file paths' },
  { replay: 'records', analyzer: 'stand-in', captures: [121, 159], fields: ['$.data.labware', '$.data.pipettes'], why: PY_RUN },
  { replay: 'records', analyzer: 'stand-in', captures: [154], fields: ['$.data.commands', '$.data.labware', '$.data.pipettes', '$.data.simulation'], why: `${PY_ANALYSIS}; ${STANDIN_MARKER}` },
  { replay: 'records', captures: [122, 124], fields: ['$.data[*].params.labwareId', '$.data[*].params.pipetteId'], why: REBUILT },
  { replay: 'records', captures: [128], fields: ['$.data[*](json).params.labwareId', '$.data[*](json).params.pipetteId'], why: REBUILT },
  { replay: 'records', captures: [128], fields: ['$.data[*](json).result.tipLength'], why: TIP_LENGTH },
  { replay: 'records', analyzer: 'stand-in', captures: [149], fields: ['$.data[*].simulation'], why: STANDIN_MARKER },
];
