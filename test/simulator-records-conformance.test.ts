// Conformance by value for the run-record captures (117–164: command paging, command errors, labware
// offsets, data files, CSV run-time parameters): each exchange is replayed in order against the
// simulated OT-2 and its status, error ids and every value compared, ids mapped, timestamps skipped.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SimulatedRobot } from '../nodes/lib/simulator';
import { IdMap } from './conformance/ids';
import { CAPTURE_DIR, type Capture } from './conformance/replay';
import { compareValues, type ValueOptions } from './conformance/values';

function capture(n: number): Capture {
  const file = fs.readdirSync(CAPTURE_DIR).find((f) => f.startsWith(`${n}-`));
  if (!file) throw new Error(`capture ${n} missing from test/fixtures/captures`);
  return { file, ...(JSON.parse(fs.readFileSync(path.join(CAPTURE_DIR, file), 'utf8')) as Omit<Capture, 'file'>) };
}

/**
 * Tolerated, each for a stated reason:
 * - `simulation`: the simulator's marker on a Python analysis it did not run (README).
 * - the commands, labware and pipettes of a Python protocol's analysis or run: the simulator reads a
 *   Python protocol's parameters but does not run its code, so those come from its stand-in.
 * - `labwareId`/`pipetteId` in load params: the paging run is rebuilt from a JSON protocol whose loads
 *   name their ids (see below); the Python protocol's loads do not. For the same reason command `key`s
 *   are not compared there (the engine keys a JSON run's initial home itself).
 * - 128 only: `tipLength` of pickUpTip and `position` of moveToAddressableAreaForDropTip — known gaps of the
 *   simulated executor (its tip-overlap model and the OT-2 fixed trash area position differ from robot-server's).
 * - `meta` of the 503 in 119: the robot's own Python traceback, with its file paths.
 */
const PYTHON: ValueOptions = { extra: new Set(['simulation']), skip: new Set(['commands', 'labware', 'pipettes']) };
const PAGING: ValueOptions = { extra: new Set(['labwareId', 'pipetteId']), skip: new Set(['key']) };
const TRACEBACK: ValueOptions = { skip: new Set(['meta']) };

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

/** The statuses a body reports (a run's, an analysis's, each of a list's): a GET is retried until they match the capture's. */
function statuses(body: unknown): string {
  const data = (body as { data?: unknown } | undefined)?.data;
  const list = Array.isArray(data) ? data : [data];
  return list.map((d) => (d && typeof d === 'object' ? String((d as { status?: unknown }).status) : '')).join(',');
}

describe('simulator conformance by value: run records (captures 117–164)', function () {
  this.timeout(60_000);
  let robot: SimulatedRobot;
  const ids = new IdMap();

  before(async function () {
    robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'OT-2', speed: 1, commandMs: 20, analysisMs: 300, bootMs: 0 });
  });
  after(async function () {
    await robot?.stop();
  });

  async function send(c: Capture): Promise<{ status: number; body: unknown; contentType: string }> {
    const headers: Record<string, string> = { 'opentrons-version': '3' };
    let body: string | FormData | undefined;
    if (c.request.multipart) {
      const form = new FormData();
      for (const part of c.request.multipart) {
        form.append(part.field, new Blob([ids.apply(part.content)], { type: part.contentType ?? 'application/octet-stream' }), part.filename);
      }
      body = form;
    } else if (c.request.body !== undefined) {
      body = ids.apply(JSON.stringify(c.request.body));
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(robot.url + ids.apply(c.request.path), { method: c.request.method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').startsWith('application/json')) parsed = JSON.parse(text);
    return { status: res.status, body: parsed, contentType: res.headers.get('content-type') ?? '' };
  }

  /** Replays capture n (GETs retried until the status the capture saw), compares by value, returns the problems. */
  async function check(n: number, opts: ValueOptions = {}): Promise<string[]> {
    const c = capture(n);
    const wantStatus = statuses(c.response.body);
    let got = await send(c);
    for (let i = 0; i < 200 && c.request.method === 'GET' && statuses(got.body) !== wantStatus; i++) {
      await new Promise((r) => setTimeout(r, 20));
      got = await send(c);
    }
    const problems: string[] = [];
    if (got.status !== c.response.status) problems.push(`status: expected ${c.response.status}, got ${got.status}`);
    const ct = c.response.headers['content-type'];
    if (ct && ct !== got.contentType) problems.push(`content-type: expected ${ct}, got ${got.contentType}`);
    problems.push(...compareValues(c.response.body, got.body, ids, { keys: true, ...opts }));
    return problems.map((p) => `${c.file}: ${p.slice(0, 300)}`);
  }

  async function expectSame(numbers: number[], opts: ValueOptions = {}): Promise<void> {
    const problems: string[] = [];
    for (const n of numbers) problems.push(...(await check(n, opts)));
    assert.deepEqual(problems, []);
  }

  it('117–121: a Python protocol run; commandsAsPreSerializedList is 503 while idle', async function () {
    await expectSame([117], PYTHON);
    await expectSame([118]);
    await expectSame([119], TRACEBACK);
    await expectSame([120]);
    await expectSame([121], PYTHON);
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
    const problems: string[] = [];
    for (const n of [122, 123, 124, 125, 126, 127, 129, 130]) problems.push(...(await checkWith(pagingIds, n, PAGING)));
    problems.push(...(await checkWith(pagingIds, 128, { ...PAGING, skip: new Set(['key', 'tipLength', 'position']) })));
    assert.deepEqual(problems, []);
  });

  it('131–137: labware offsets on a finished current run (201), an idle run (201), a run no longer current (409 RunStopped)', async function () {
    const problems: string[] = [];
    for (const n of [131, 132, 133, 134, 135, 136, 137]) problems.push(...(await checkWith(pagingIds, n, PAGING)));
    assert.deepEqual(problems, []);
  });

  it('138–147: data files: upload, the same bytes again (200, same id), wrong field, not CSV, list, get, download, DELETE 405, missing id 404', async function () {
    await expectSame([138, 139, 140, 141, 142, 143, 144, 145, 146, 147]);
  });

  it('148–164: a CSV parameter: analysis without its file, a missing file id (422), with the file, a run with and without it', async function () {
    await expectSame([148], PYTHON);
    await expectSame([149], PYTHON);
    await expectSame([150]);
    await expectSame([151, 152]);
    await new Promise((r) => setTimeout(r, 400));
    await expectSame([153]);
    await expectSame([154], PYTHON);
    await expectSame([155, 156, 157, 158]);
    await expectSame([159], PYTHON);
    await expectSame([160, 161, 162]);
    await expectSame([163, 164], PYTHON);
  });

  const pagingIds = new IdMap();
  async function checkWith(map: IdMap, n: number, opts: ValueOptions): Promise<string[]> {
    const c = capture(n);
    const wantStatus = statuses(c.response.body);
    const headers: Record<string, string> = { 'opentrons-version': '3' };
    let body: string | undefined;
    if (c.request.body !== undefined) {
      body = map.apply(JSON.stringify(c.request.body));
      headers['content-type'] = 'application/json';
    }
    const once = async (): Promise<{ status: number; body: unknown }> => {
      const res = await fetch(robot.url + map.apply(c.request.path), { method: c.request.method, headers, body });
      return { status: res.status, body: (await res.json()) as unknown };
    };
    let got = await once();
    for (let i = 0; i < 200 && c.request.method === 'GET' && statuses(got.body) !== wantStatus; i++) {
      await new Promise((r) => setTimeout(r, 20));
      got = await once();
    }
    const problems = got.status === c.response.status ? [] : [`status: expected ${c.response.status}, got ${got.status}`];
    problems.push(...compareValues(c.response.body, got.body, map, { keys: true, ...opts }));
    return problems.map((p) => `${c.file}: ${p.slice(0, 300)}`);
  }
});
