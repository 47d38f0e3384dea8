// Conformance by value for the run-record captures (117–164: command paging, command errors, labware
// offsets, data files, CSV run-time parameters): each exchange is replayed in order through the conformance harness
// (test/conformance/replay.ts) against the simulated OT-2 and its status, version headers, error ids and every value
// compared, ids mapped, timestamps skipped. A difference must be listed in test/conformance/differences.ts (replay
// 'records'), field by field.
import * as assert from 'node:assert/strict';
import { SimulatedRobot } from '../nodes/lib/simulator';
import { DIFFERENCES } from './conformance/differences';
import { IdMap } from './conformance/ids';
import { judge } from './conformance/judge';
import { capture, replay, untilAnalysesCompleted } from './conformance/replay';

/** The 13 commands of capture 122 as a JSON protocol (after the engine's own home), with the Python API's keys. */
function pagingProtocol(): Buffer {
  const page = capture(122).response.body as { data: Array<{ commandType: string; key: string; params: Record<string, unknown> }> };
  const pick = page.data[4].params.labwareId as string;
  const plate = page.data[5].params.labwareId as string;
  const pipette = page.data[4].params.pipetteId as string;
  const commands = page.data.slice(1).map((c, i) => {
    const params = { ...c.params };
    if (c.commandType === 'loadLabware') params.labwareId = i === 0 ? pick : plate;
    if (c.commandType === 'loadPipette') params.pipetteId = pipette;
    return { commandType: c.commandType, key: c.key, params };
  });
  return Buffer.from(JSON.stringify({
    $otSharedSchema: '#/protocol/schemas/8', schemaVersion: 8, metadata: { protocolName: 'paging (rebuilt)' },
    robot: { model: 'OT-2 Standard', deckId: 'ot2_standard' }, liquidSchemaId: 'opentronsLiquidSchemaV1', liquids: {},
    labwareDefinitionSchemaId: 'opentronsLabwareSchemaV2', labwareDefinitions: {}, commandSchemaId: 'opentronsCommandSchemaV8',
    commands, commandAnnotationSchemaId: 'opentronsCommandAnnotationSchemaV1', commandAnnotations: [],
  }));
}

describe('simulator conformance by value: run records (captures 117–164)', function () {
  this.timeout(300_000);
  let robot: SimulatedRobot;
  const ids = new IdMap();
  /** The paging run is rebuilt from a JSON protocol: its own id map, with the captured run and protocol ids paired. */
  const pagingIds = new IdMap();

  before(async function () {
    robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'OT-2', speed: 1, commandMs: 20, analysisMs: 300, bootMs: 0 });
  });
  after(async function () {
    await robot?.stop();
  });

  /** Replays the captures in order (GETs retried until the statuses the capture saw) and judges them against the table. */
  async function expectSame(numbers: number[], map: IdMap = ids): Promise<void> {
    const outcomes = [];
    for (const n of numbers) {
      const c = capture(n);
      // Opentrons' analyzer (when $OPENTRONS_SIM_ANALYZER picks it) takes seconds, cold: wait for the analysis the capture saw
      const pollMs = robot.analyzer.kind === 'opentrons' ? 60_000 : 5000;
      outcomes.push({ file: c.file, problems: (await replay(robot.url, c, { ids: map, values: { keys: true }, pollMs })).problems });
    }
    const verdict = judge('records', outcomes, DIFFERENCES, robot.analyzer.kind);
    assert.deepEqual(verdict.unexplained, []);
    assert.deepEqual(verdict.stale, []);
  }

  it('117–121: a Python protocol run; commandsAsPreSerializedList is 503 while idle', async function () {
    await expectSame([117, 118, 119, 120, 121]);
  });

  it('122–130: command pages (default page, pageLength, cursor, cursor past the end), the pre-serialized list, no command errors', async function () {
    // The simulator does not run Python: the run of capture 118 is rebuilt with the same 13 commands
    // from a JSON protocol, and the captured run id is mapped to it.
    const form = new FormData();
    form.append('files', new Blob([new Uint8Array(pagingProtocol())]), 'paging.json');
    const up = (await (await fetch(`${robot.url}/protocols`, { method: 'POST', headers: { 'opentrons-version': '3' }, body: form })).json()) as { data: { id: string } };
    const post = async (p: string, data: unknown): Promise<{ data: { id: string; status: string } }> =>
      (await (await fetch(robot.url + p, { method: 'POST', headers: { 'opentrons-version': '3', 'content-type': 'application/json' }, body: JSON.stringify({ data }) })).json()) as { data: { id: string; status: string } };
    const run = await post('/runs', { protocolId: up.data.id });
    await post(`/runs/${run.data.id}/actions`, { actionType: 'play' });
    const capturedRunId = capture(122).request.path.split('/')[2];
    const capturedProtocolId = (capture(132).response.body as { data: { protocolId: string } }).data.protocolId;
    pagingIds.learn({ run: capturedRunId, protocol: capturedProtocolId }, { run: run.data.id, protocol: up.data.id });
    for (let i = 0; i < 200; i++) {
      const r = (await (await fetch(`${robot.url}/runs/${run.data.id}`, { headers: { 'opentrons-version': '3' } })).json()) as { data: { status: string } };
      if (r.data.status === 'succeeded') break;
      await new Promise((res) => setTimeout(res, 20));
    }
    await expectSame([122, 123, 124, 125, 126, 127, 128, 129, 130], pagingIds);
  });

  it('131–137: labware offsets on a finished current run (201), an idle run (201), a run no longer current (409 RunStopped)', async function () {
    await expectSame([131, 132, 133, 134, 135, 136, 137], pagingIds);
  });

  it('138–147: data files: upload, the same bytes again (200, same id), wrong field, not CSV, list, get, download, DELETE 405, missing id 404', async function () {
    await expectSame([138, 139, 140, 141, 142, 143, 144, 145, 146, 147]);
  });

  it('148–164: a CSV parameter: analysis without its file, a missing file id (422), with the file, a run with and without it', async function () {
    await expectSame([148, 149, 150, 151, 152]);
    // 153 was sent after polling GET /protocols/{id} until both analyses were completed (capture note): so is the replay
    await untilAnalysesCompleted(robot.url, capture(153), ids);
    await expectSame([153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164]);
  });
});
