// Every capture the simulator does not reproduce by value, one line each with the reason.
// The conformance test fails when a listed capture now matches (remove its line) and when an unlisted one
// differs (fix the simulator, or list it here with an honest reason). Never hard-code a capture's answer.

/** Python protocols are not run: the simulator's stand-in timeline (comment, waitForResume per pause(), comment). */
const PY_ANALYSIS = 'Python protocol not run: stand-in analysis (3 comment commands, no labware/pipettes), so commands, ids and keys differ';
const PY_RUN = 'Python protocol not run: the run reports none of the labware/pipettes its code loads';
const PY_COMMANDS = 'Python protocol not run: the run\'s commands are the stand-in timeline, so the page, cursor and totals differ';
const PY_COMMAND_ID = 'Python protocol not run: the captured command id does not exist in the stand-in run (robot-server answers an unknown command of the current run with 500)';
const HW2 = 'serial numbers: the second recording\'s simulated hardware had other serials than the simulator\'s defaults (test/simulator-hardware-conformance.test.ts maps them)';

export const DIFFERS: Record<number, string> = {
  23: PY_ANALYSIS,
  24: PY_ANALYSIS,
  31: PY_RUN,
  32: PY_RUN,
  33: PY_COMMANDS,
  34: PY_COMMANDS,
  35: PY_COMMANDS,
  36: PY_COMMAND_ID,
  37: PY_RUN,
  47: `${PY_ANALYSIS}; the tip error is found by reading the source, with the simulator's own detail text`,
  53: 'pickUpTip tipLength: the simulator subtracts the tip rack\'s tipOverlap (7.47 mm); robot-server uses the pipette definition\'s overlap for that rack (8.2 mm for p300 gen2), which the simulator has no data for',
  69: PY_RUN,
  70: `${PY_COMMANDS} (totalLength counts the commands made so far)`,
  73: PY_RUN,
  78: PY_RUN,
  79: PY_RUN,
  90: PY_ANALYSIS,
  93: PY_RUN,
  94: PY_COMMANDS,
  98: HW2,
  99: `legacy /pipettes: ${HW2}`,
  100: `legacy /pipettes?refresh=true: ${HW2}`,
  101: HW2,
  110: `${HW2}; at this replay's speed the temperature module is still ramping (the recording reached 37 °C at once)`,
  113: HW2,
  116: HW2,
  119: '503 PreSerializedCommandsNotAvailable: no meta (Python traceback) and another detail text (run-records work)',
  121: PY_RUN,
  122: PY_COMMANDS,
  123: PY_COMMANDS,
  124: PY_COMMANDS,
  125: PY_COMMANDS,
  126: PY_COMMANDS,
  127: PY_COMMANDS,
  128: `${PY_COMMANDS}; pre-serialized JSON strings use robot-server's spacing`,
  130: PY_COMMAND_ID,
  132: `${PY_RUN}; the offset of 131 is missing`,
  137: `${PY_RUN}; the offset of 131 is missing`,
  149: `${PY_ANALYSIS}: command keys are not the ones of the protocol's earlier analysis (robot-server derives them from the protocol run; the stand-in makes new ones)`,
  153: 're-analysis of the same file right after the previous one completed: the simulator still answers 503 LastAnalysisPending at this replay speed, robot-server 200',
  154: PY_ANALYSIS,
  159: PY_RUN,
  166: HW2,
  199: PY_RUN,
  200: `${PY_COMMANDS} (totalLength counts the commands made so far)`,
  204: PY_RUN,
};
