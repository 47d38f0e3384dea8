// The simulated robot's protocols API beyond the captures: JSON protocol analyses, roles of uploaded
// files, the unused-protocol limit, re-analysis, delete rules, run-time parameters and the Python stand-in.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SimulatedRobot } from '../nodes/lib/simulator';

const PROTOCOLS = path.join(__dirname, '..', '..', 'test', 'fixtures', 'protocols');
const H = { 'Opentrons-Version': '3' };
type Json = Record<string, unknown>;

function fixture(name: string): string {
  return fs.readFileSync(path.join(PROTOCOLS, name), 'utf8');
}

describe('simulated robot: protocols', function () {
  this.timeout(20_000);
  let robot: SimulatedRobot;

  async function upload(files: [string, string][], fields: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
    const form = new FormData();
    for (const [name, content] of files) form.append('files', new Blob([content]), name);
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    const res = await fetch(`${robot.url}/protocols`, { method: 'POST', body: form, headers: H });
    return { status: res.status, body: (await res.json()) as Json };
  }
  async function call(method: string, p: string, body?: unknown): Promise<{ status: number; body: Json }> {
    const res = await fetch(robot.url + p, {
      method, headers: { ...H, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Json };
  }
  async function completedAnalysis(protocolId: string): Promise<Json> {
    for (let i = 0; i < 200; i++) {
      const list = (await call('GET', `/protocols/${protocolId}/analyses`)).body.data as Json[];
      const last = list[list.length - 1];
      if (last.status === 'completed') return last;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('analysis did not complete');
  }
  const data = (r: { body: Json }): Json => r.body.data as Json;
  const errorId = (r: { body: Json }): unknown => (r.body.errors as Json[])[0].id;

  beforeEach(async () => {
    robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'OT-2', speed: 1, commandMs: 5, analysisMs: 60 });
  });
  afterEach(async () => {
    await robot.stop();
  });

  it('reads a schema 6 JSON protocol for real: pipette names, module models and labware from its maps, fixed trash, liquids', async () => {
    const up = await upload([['simpleV6.json', fixture('simpleV6.json')]]);
    assert.equal(up.status, 201);
    assert.equal(data(up).protocolType, 'json');
    assert.equal((data(up).metadata as Json).protocolName, 'Simple test protocol');
    const a = await completedAnalysis(data(up).id as string);
    assert.equal(a.result, 'ok');
    const commands = a.commands as Json[];
    assert.equal(commands[0].commandType, 'home');
    assert.equal(commands.length, 25); // the initial home + the protocol's 24 commands
    const loadPipette = commands.find((c) => c.commandType === 'loadPipette') as Json;
    assert.equal((loadPipette.params as Json).pipetteName, 'p10_single');
    assert.deepEqual(loadPipette.result, { pipetteId: 'pipetteId' });
    assert.equal(loadPipette.key, '0abc123');
    assert.deepEqual(a.pipettes, [{ id: 'pipetteId', pipetteName: 'p10_single', mount: 'left' }]);
    assert.deepEqual((a.modules as Json[]).map((m) => m.model), ['magneticModuleV2', 'temperatureModuleV2']);
    const labware = a.labware as Json[];
    assert.deepEqual(labware.map((l) => l.id), ['fixedTrash', 'sourcePlateId', 'destPlateId', 'tipRackId']);
    const tipRackLoad = commands.find((c) => c.commandType === 'loadLabware' && (c.params as Json).labwareId === 'tipRackId') as Json;
    assert.equal(((tipRackLoad.result as Json).definition as Json & { parameters: Json }).parameters.loadName, 'opentrons_96_tiprack_10ul');
    assert.ok(commands.some((c) => c.commandType === 'waitForDuration'), 'schema 6 delay with seconds becomes waitForDuration');
    assert.deepEqual((a.liquids as Json[]).map((l) => l.id), ['waterId']);
    assert.equal(a.simulation, undefined, 'a JSON analysis is computed, not a stand-in');
  });

  it('analyses a schema 8 protocol and reports a labware it cannot find as a failed loadLabware (not-ok)', async () => {
    const up = await upload([['simpleV8.json', fixture('simpleV8.json')]]);
    assert.equal(up.status, 201);
    const a = await completedAnalysis(data(up).id as string);
    // simpleV8 loads opentrons/armadillo_… but embeds only example/plate/1: the robot would have the definition,
    // the simulator (which ships a handful) does not, and says so with the engine's error type.
    assert.equal(a.result, 'not-ok');
    const last = (a.commands as Json[]).at(-1) as Json;
    assert.equal(last.commandType, 'loadLabware');
    assert.equal(last.status, 'failed');
    assert.equal((a.errors as Json[])[0].errorType, 'LabwareDefinitionDoesNotExistError');
  });

  it('runs a JSON protocol with its own command list and ids', async () => {
    const defs = JSON.parse(fixture('simpleV8.json')) as Json & { commands: Json[]; labwareDefinitions: Json };
    // Make the protocol self-contained the way Protocol Designer writes it: use shipped labware only.
    const protocol = {
      ...defs,
      commands: [
        { commandType: 'loadPipette', key: 'k1', params: { pipetteId: 'left', pipetteName: 'p20_single_gen2', mount: 'left' } },
        { commandType: 'loadLabware', key: 'k2', params: { labwareId: 'tips', loadName: 'opentrons_96_tiprack_20ul', namespace: 'opentrons', version: 1, location: { slotName: '1' } } },
        { commandType: 'loadLabware', key: 'k3', params: { labwareId: 'plate', loadName: 'nest_96_wellplate_200ul_flat', namespace: 'opentrons', version: 2, location: { slotName: '2' } } },
        { commandType: 'pickUpTip', key: 'k4', params: { pipetteId: 'left', labwareId: 'tips', wellName: 'A1' } },
        { commandType: 'aspirate', key: 'k5', params: { pipetteId: 'left', labwareId: 'plate', wellName: 'A1', volume: 10, flowRate: 5 } },
        { commandType: 'waitForResume', key: 'k6', params: { message: 'check it' } },
        { commandType: 'dispense', key: 'k7', params: { pipetteId: 'left', labwareId: 'plate', wellName: 'B1', volume: 10, flowRate: 5 } },
      ],
    };
    const up = await upload([['mine.json', JSON.stringify(protocol)]]);
    const id = data(up).id as string;
    const a = await completedAnalysis(id);
    assert.equal(a.result, 'ok', JSON.stringify(a.errors));
    assert.deepEqual((a.commands as Json[]).map((c) => c.key).slice(1), ['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']);
    assert.equal(((a.commands as Json[])[5].result as Json).volume, 10);
    const run = await call('POST', '/runs', { data: { protocolId: id } });
    assert.equal(run.status, 201);
    const runId = data(run).id as string;
    assert.equal((await call('POST', `/runs/${runId}/actions`, { data: { actionType: 'play' } })).status, 201);
    let status = '';
    for (let i = 0; i < 300 && status !== 'paused'; i++) {
      status = data(await call('GET', `/runs/${runId}`)).status as string;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(status, 'paused', 'waitForResume pauses the run');
    const page = await call('GET', `/runs/${runId}/commands?cursor=0&pageLength=50`);
    const types = (page.body.data as Json[]).map((c) => c.commandType);
    assert.deepEqual(types, ['home', 'loadPipette', 'loadLabware', 'loadLabware', 'pickUpTip', 'aspirate', 'waitForResume', 'dispense']);
  });

  it('gives uploaded files their roles: main protocol, labware definitions and csv/txt data', async () => {
    const labware = fixture('../../../nodes/lib/data/labware/opentrons_96_tiprack_20ul/1.json');
    const up = await upload([['data.csv', 'a,b\n1,2\n'], ['tips.json', labware], ['basic_transfer.py', fixture('basic_transfer.py')], ['notes.txt', 'hello']]);
    assert.equal(up.status, 201);
    assert.deepEqual(data(up).files, [
      { name: 'basic_transfer.py', role: 'main' }, { name: 'tips.json', role: 'labware' },
      { name: 'data.csv', role: 'data' }, { name: 'notes.txt', role: 'data' },
    ]);
  });

  it('rejects invalid uploads with 422 ProtocolFilesInvalid', async () => {
    const cases: [string, string][][] = [
      [['readme.md', '# hi']], // unknown extension
      [['broken.json', '{not json']], // not JSON
      [['other.json', '{"hello": 1}']], // not an Opentrons format
      [['data.csv', 'a,b']], // no main file
      [['a.py', fixture('basic_transfer.py')], ['b.json', fixture('simpleV6.json')]], // two main files
      [['nodef.py', 'metadata = {"apiLevel": "2.13"}\n']], // no run()
      [['future.py', 'requirements = {"apiLevel": "2.99"}\ndef run(p):\n    pass\n']],
      [['unclosed.py', 'requirements = {"apiLevel": "2.13"}\ndef run(p):\n    p.comment("x"\n']],
      [['indent.py', 'requirements = {"apiLevel": "2.13"}\ndef run(p):\np.comment("x")\n']],
    ];
    for (const files of cases) {
      const r = await upload(files);
      assert.equal(r.status, 422, files[0][0]);
      assert.equal(errorId(r), 'ProtocolFilesInvalid', files[0][0]);
    }
    assert.deepEqual(data(await call('GET', '/protocols')), []);
  });

  it('returns 200 with the same protocol for identical files in any order, and starts no new analysis', async () => {
    const labware = fixture('../../../nodes/lib/data/labware/opentrons_96_tiprack_20ul/1.json');
    const first = await upload([['basic_transfer.py', fixture('basic_transfer.py')], ['tips.json', labware]], { key: 'my-key' });
    assert.equal(first.status, 201);
    assert.equal(data(first).key, 'my-key');
    const pending = await upload([['tips.json', labware], ['basic_transfer.py', fixture('basic_transfer.py')]]);
    assert.equal(pending.status, 503, 'the first analysis is still pending');
    assert.equal(errorId(pending), 'LastAnalysisPending');
    await completedAnalysis(data(first).id as string);
    const again = await upload([['tips.json', labware], ['basic_transfer.py', fixture('basic_transfer.py')]]);
    assert.equal(again.status, 200);
    assert.equal(data(again).id, data(first).id);
    assert.equal(data(again).key, 'my-key');
    assert.equal((data(again).analysisSummaries as Json[]).length, 1);
  });

  it('keeps at most 5 unused protocols, deleting the oldest unused one, never one a run references', async () => {
    const ids: string[] = [];
    const make = async (i: number): Promise<string> => {
      const src = `metadata = {"protocolName": "p${i}"}\nrequirements = {"robotType": "OT-2", "apiLevel": "2.16"}\n\ndef run(protocol):\n    protocol.comment("${i}")\n`;
      const r = await upload([[`p${i}.py`, src]]);
      assert.equal(r.status, 201);
      return data(r).id as string;
    };
    ids.push(await make(0));
    await completedAnalysis(ids[0]);
    assert.equal((await call('POST', '/runs', { data: { protocolId: ids[0] } })).status, 201);
    for (let i = 1; i <= 6; i++) ids.push(await make(i));
    const left = (data(await call('GET', '/protocols')) as unknown as Json[]).map((p) => p.id);
    assert.deepEqual(left, [ids[0], ids[2], ids[3], ids[4], ids[5], ids[6]], 'p1 (oldest unused) went; p0 is used by a run');
    const refused = await call('DELETE', `/protocols/${ids[0]}`);
    assert.equal(refused.status, 409);
    assert.equal(errorId(refused), 'ProtocolUsedByRun');
    const got = await call('GET', `/protocols/${ids[0]}`);
    assert.equal(((got.body.links as Json).referencingRuns as Json[]).length, 1);
    assert.deepEqual((await call('DELETE', `/protocols/${ids[2]}`)).body, {});
    assert.equal(errorId(await call('GET', `/protocols/${ids[2]}`)), 'ProtocolNotFound');
    assert.equal((await call('DELETE', `/protocols/${ids[2]}`)).status, 404);
  });

  it('reads run-time parameters, applies values, re-analyses only when values change, and asks for a missing CSV', async () => {
    const src = [
      'requirements = {"robotType": "OT-2", "apiLevel": "2.20"}',
      'def add_parameters(parameters):',
      '    parameters.add_int(variable_name="count", display_name="Samples", default=6, minimum=1, maximum=12, unit="samples")',
      '    parameters.add_float(variable_name="volume", display_name="Volume", default=20.5, minimum=1.0, maximum=100.0)',
      '    parameters.add_bool(variable_name="dry", display_name="Dry run", default=False)',
      '    parameters.add_str(variable_name="mode", display_name="Mode", default="fast",',
      '                       choices=[{"display_name": "Fast", "value": "fast"}, {"display_name": "Slow", "value": "slow"}])',
      'def run(protocol):',
      '    protocol.pause("Load the plate")',
      '    protocol.pause("Check the tips")',
      '',
    ].join('\n');
    const up = await upload([['rtp.py', src]], { runTimeParameterValues: JSON.stringify({ count: 8 }) });
    assert.equal(up.status, 201);
    const id = data(up).id as string;
    const a = await completedAnalysis(id);
    assert.equal(a.result, 'ok');
    const params = a.runTimeParameters as Json[];
    assert.deepEqual(params[0], { displayName: 'Samples', variableName: 'count', suffix: 'samples', type: 'int', value: 8, default: 6, min: 1, max: 12 });
    assert.equal(params[1].type, 'float');
    assert.deepEqual(params[2], { displayName: 'Dry run', variableName: 'dry', type: 'bool', value: false, default: false });
    assert.deepEqual(params[3].choices, [{ displayName: 'Fast', value: 'fast' }, { displayName: 'Slow', value: 'slow' }]);
    // the stand-in: marked, with one waitForResume per pause() message, in order
    assert.equal((a.simulation as Json).interpreted, false);
    const waits = (a.commands as Json[]).filter((c) => c.commandType === 'waitForResume').map((c) => (c.params as Json).message);
    assert.deepEqual(waits, ['Load the plate', 'Check the tips']);

    const same = await call('POST', `/protocols/${id}/analyses`, { data: { runTimeParameterValues: { count: 8 } } });
    assert.equal(same.status, 200, 'same values: no new analysis');
    const changed = await call('POST', `/protocols/${id}/analyses`, { data: { runTimeParameterValues: { count: 3 } } });
    assert.equal(changed.status, 201);
    assert.equal((changed.body.data as Json[]).length, 2);
    const pending = await call('POST', `/protocols/${id}/analyses`, { data: { runTimeParameterValues: { count: 4 } } });
    assert.equal(pending.status, 503);
    assert.equal(errorId(pending), 'LastAnalysisPending');
    assert.equal(((await completedAnalysis(id)).runTimeParameters as Json[])[0].value, 3);
    const forced = await call('POST', `/protocols/${id}/analyses`, { data: { forceReAnalyze: true } });
    assert.equal(forced.status, 201);
    await completedAnalysis(id);
    const bad = await call('POST', `/protocols/${id}/analyses`, { data: { runTimeParameterValues: { count: 99 } } });
    assert.equal(bad.status, 201);
    const failed = await completedAnalysis(id);
    assert.equal(failed.result, 'not-ok', 'an out-of-range value fails the analysis at once');
    assert.equal((failed.errors as Json[])[0].id, 'internal-error');
    const doc = await fetch(`${robot.url}/protocols/${id}/analyses/${failed.id as string}/asDocument`, { headers: H });
    assert.equal(((await doc.json()) as Json).id, failed.id);

    const csv = await upload([['csv.py', 'requirements = {"robotType": "OT-2", "apiLevel": "2.20"}\ndef add_parameters(p):\n    p.add_csv_file(variable_name="plate_map", display_name="Plate map")\ndef run(protocol):\n    pass\n']]);
    const csvAnalysis = await completedAnalysis(data(csv).id as string);
    assert.equal(csvAnalysis.result, 'parameter-value-required');
    assert.equal((csvAnalysis.runTimeParameters as Json[])[0].type, 'csv_file');
  });

  it('keeps at most 5 analyses per protocol and 404s unknown analyses', async () => {
    const up = await upload([['pause_resume.py', fixture('pause_resume.py')]]);
    const id = data(up).id as string;
    for (let i = 0; i < 6; i++) {
      await completedAnalysis(id);
      assert.equal((await call('POST', `/protocols/${id}/analyses`, { data: { forceReAnalyze: true } })).status, 201);
    }
    const list = await call('GET', `/protocols/${id}/analyses`);
    assert.equal((list.body.data as Json[]).length, 5);
    assert.equal(errorId(await call('GET', `/protocols/${id}/analyses/nope`)), 'AnalysisNotFound');
    const pendingId = ((list.body.data as Json[]).at(-1) as Json).id as string;
    const doc = await call('GET', `/protocols/${id}/analyses/${pendingId}/asDocument`);
    assert.equal(doc.status, 404, 'asDocument of a pending analysis');
  });

  it('flags a Python protocol that aspirates before picking up a tip, and says the finding is static', async () => {
    const up = await upload([['runtime_error.py', fixture('runtime_error.py')]]);
    const a = await completedAnalysis(data(up).id as string);
    assert.equal(a.result, 'not-ok');
    const err = (a.errors as Json[])[0];
    assert.equal(err.errorType, 'ExceptionInProtocolError');
    assert.match(String(err.detail), /line 12/);
    assert.match(String(err.detail), /not run/);
    const ok = await upload([['basic_transfer.py', fixture('basic_transfer.py')]]);
    assert.equal((await completedAnalysis(data(ok).id as string)).result, 'ok');
  });

  /** Plays a run to a terminal status, pressing play again whenever a waitForResume pauses it. */
  async function playToEnd(runId: string): Promise<Json> {
    assert.equal((await call('POST', `/runs/${runId}/actions`, { data: { actionType: 'play' } })).status, 201);
    for (let i = 0; i < 500; i++) {
      const run = data(await call('GET', `/runs/${runId}`));
      if (['succeeded', 'failed', 'stopped'].includes(run.status as string)) return run;
      if (run.status === 'paused') await call('POST', `/runs/${runId}/actions`, { data: { actionType: 'play' } });
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('run did not finish');
  }

  /** The schema 6/8 fixtures embed their custom plate under the key example/plate/1; its own loadName differs. */
  function embeddedPlate(): Json & { parameters: Json } {
    const v6 = JSON.parse(fixture('simpleV6.json')) as { labwareDefinitions: Record<string, Json & { parameters: Json }> };
    return v6.labwareDefinitions['example/plate/1'];
  }

  async function restartFast(): Promise<void> {
    await robot.stop();
    robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'OT-2', speed: 1000, commandMs: 5, analysisMs: 20 });
  }

  it('runs simpleV6.json to succeeded: schema 6 labware is loaded by its definition\'s loadName, namespace and version', async () => {
    await restartFast(); // its 42 s delay takes 42 ms
    const up = await upload([['simpleV6.json', fixture('simpleV6.json')]]);
    const id = data(up).id as string;
    const a = await completedAnalysis(id);
    assert.equal(a.result, 'ok', JSON.stringify(a.errors));
    const source = (a.commands as Json[]).find((c) => c.commandType === 'loadLabware' && (c.params as Json).labwareId === 'sourcePlateId') as Json;
    assert.deepEqual(
      [(source.params as Json).namespace, (source.params as Json).loadName, (source.params as Json).version],
      ['example', 'foo_8_plate_33ul', 1],
      'taken from the embedded definition, not from the definitionId key example/plate/1',
    );
    const inAnalysis = (a.labware as Json[]).find((l) => l.id === 'sourcePlateId') as Json;
    assert.equal(inAnalysis.definitionUri, 'example/foo_8_plate_33ul/1');

    const runId = data(await call('POST', '/runs', { data: { protocolId: id } })).id as string;
    const run = await playToEnd(runId);
    assert.deepEqual(run.errors, []);
    assert.equal(run.status, 'succeeded');
    const plates = (run.labware as Json[]).filter((l) => l.loadName === 'foo_8_plate_33ul').map((l) => l.id);
    assert.deepEqual(plates, ['sourcePlateId', 'destPlateId']);
    const commands = data(await call('GET', `/runs/${runId}/commands?cursor=0&pageLength=100`)) as unknown as Json[];
    assert.equal(commands.length, 25);
    assert.ok(commands.every((c) => c.status === 'succeeded'), JSON.stringify(commands.filter((c) => c.status !== 'succeeded')));
  });

  it('a JSON protocol\'s embedded definitions and the labware files uploaded with it are known to its analysis and run', async () => {
    await restartFast();
    const uploadedPlate = { ...structuredClone(embeddedPlate()), namespace: 'custom_beta', version: 3 };
    uploadedPlate.parameters = { ...uploadedPlate.parameters, loadName: 'bar_8_plate' };
    const protocol = JSON.parse(fixture('simpleV8.json')) as Json;
    protocol.commands = [
      { commandType: 'loadPipette', key: 'k1', params: { pipetteId: 'left', pipetteName: 'p20_single_gen2', mount: 'left' } },
      { commandType: 'loadLabware', key: 'k2', params: { labwareId: 'tips', loadName: 'opentrons_96_tiprack_20ul', namespace: 'opentrons', version: 1, location: { slotName: '1' } } },
      // embedded under the key example/plate/1, loaded by its own URI
      { commandType: 'loadLabware', key: 'k3', params: { labwareId: 'embedded', loadName: 'foo_8_plate_33ul', namespace: 'example', version: 1, location: { slotName: '2' } } },
      // only in the labware file uploaded beside the protocol
      { commandType: 'loadLabware', key: 'k4', params: { labwareId: 'uploaded', loadName: 'bar_8_plate', namespace: 'custom_beta', version: 3, location: { slotName: '3' } } },
      { commandType: 'pickUpTip', key: 'k5', params: { pipetteId: 'left', labwareId: 'tips', wellName: 'A1' } },
      { commandType: 'aspirate', key: 'k6', params: { pipetteId: 'left', labwareId: 'embedded', wellName: 'A1', volume: 5, flowRate: 5 } },
      { commandType: 'dispense', key: 'k7', params: { pipetteId: 'left', labwareId: 'uploaded', wellName: 'B1', volume: 5, flowRate: 5 } },
    ];
    const up = await upload([['custom.json', JSON.stringify(protocol)], ['bar_8_plate.json', JSON.stringify(uploadedPlate)]]);
    assert.equal(up.status, 201);
    const id = data(up).id as string;
    const a = await completedAnalysis(id);
    assert.equal(a.result, 'ok', JSON.stringify(a.errors));
    const runId = data(await call('POST', '/runs', { data: { protocolId: id } })).id as string;
    const run = await playToEnd(runId);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.errors));
    const loaded = data(await call('GET', `/runs/${runId}/loaded_labware_definitions`)) as unknown as (Json & { parameters: Json })[];
    assert.deepEqual(loaded.map((d) => `${String(d.namespace)}/${String(d.parameters.loadName)}/${String(d.version)}`).sort(), [
      'custom_beta/bar_8_plate/3', 'example/foo_8_plate_33ul/1', 'opentrons/opentrons_96_tiprack_20ul/1',
    ]);
  });

  it('labware files uploaded with a Python protocol are known to its run; POST labware_definitions adds one to a protocol-less run', async () => {
    const plate = embeddedPlate();
    const load = { commandType: 'loadLabware', intent: 'setup', params: { loadName: 'foo_8_plate_33ul', namespace: 'example', version: 1, location: { slotName: '4' } } };
    const up = await upload([['basic_transfer.py', fixture('basic_transfer.py')], ['foo_8_plate_33ul.json', JSON.stringify(plate)]]);
    assert.equal(up.status, 201);
    const protocolRun = data(await call('POST', '/runs', { data: { protocolId: data(up).id } })).id as string;
    const inProtocolRun = data(await call('POST', `/runs/${protocolRun}/commands?waitUntilComplete=true`, { data: load }));
    assert.equal(inProtocolRun.status, 'succeeded', JSON.stringify(inProtocolRun.error));
    assert.equal(((inProtocolRun.result as Json).definition as Json & { parameters: Json }).parameters.loadName, 'foo_8_plate_33ul');

    const liveRun = data(await call('POST', '/runs', { data: {} })).id as string;
    const unknown = data(await call('POST', `/runs/${liveRun}/commands?waitUntilComplete=true`, { data: load }));
    assert.equal(unknown.status, 'failed', 'a protocol-less run does not know the protocol\'s labware');
    assert.equal((unknown.error as Json).errorType, 'LabwareDefinitionDoesNotExistError');
    const added = await call('POST', `/runs/${liveRun}/labware_definitions`, { data: plate });
    assert.equal(added.status, 201);
    assert.deepEqual(data(added), { definitionUri: 'example/foo_8_plate_33ul/1' });
    const known = data(await call('POST', `/runs/${liveRun}/commands?waitUntilComplete=true`, { data: load }));
    assert.equal(known.status, 'succeeded', JSON.stringify(known.error));
  });

  it('GET /protocols/{id}/dataFiles: 404 ProtocolNotFound for an unknown protocol, like every /protocols/{id}/… route', async () => {
    const unknown = await call('GET', '/protocols/no-such-protocol/dataFiles');
    assert.equal(unknown.status, 404);
    assert.equal(errorId(unknown), 'ProtocolNotFound');
    const up = await upload([['basic_transfer.py', fixture('basic_transfer.py')]]);
    const known = await call('GET', `/protocols/${data(up).id as string}/dataFiles`);
    assert.equal(known.status, 200);
    assert.deepEqual(known.body, { data: [], meta: { cursor: 0, totalLength: 0 } });
  });

  it('a POST /runs refused (409 RunAlreadyActive) does not add its data files to GET /protocols/{id}/dataFiles; an accepted one does', async () => {
    const up = await upload([['csv.py', 'requirements = {"robotType": "OT-2", "apiLevel": "2.20"}\ndef add_parameters(p):\n    p.add_csv_file(variable_name="plate_map", display_name="Plate map")\ndef run(protocol):\n    pass\n']]);
    const protocolId = data(up).id as string;
    const form = new FormData();
    form.append('file', new Blob(['well,volume\nA1,10\n']), 'plate_map.csv');
    const file = (await (await fetch(`${robot.url}/dataFiles`, { method: 'POST', body: form, headers: H })).json()) as { data: Json };
    const fileId = file.data.id as string;

    // a played run held by waitForResume stays active (paused) until stopped
    const active = data(await call('POST', '/runs', { data: {} })).id as string;
    assert.equal((await call('POST', `/runs/${active}/commands`, { data: { commandType: 'waitForResume', intent: 'protocol', params: {} } })).status, 201);
    assert.equal((await call('POST', `/runs/${active}/actions`, { data: { actionType: 'play' } })).status, 201);
    const refused = await call('POST', '/runs', { data: { protocolId, runTimeParameterFiles: { plate_map: fileId } } });
    assert.equal(refused.status, 409);
    assert.equal(errorId(refused), 'RunAlreadyActive');
    assert.deepEqual(data(await call('GET', `/protocols/${protocolId}/dataFiles`)), [], 'the refused run used no file');

    assert.equal((await call('POST', `/runs/${active}/actions`, { data: { actionType: 'stop' } })).status, 201);
    for (let i = 0; i < 200 && data(await call('GET', `/runs/${active}`)).status !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 10));
    const accepted = await call('POST', '/runs', { data: { protocolId, runTimeParameterFiles: { plate_map: fileId } } });
    assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
    assert.deepEqual((data(await call('GET', `/protocols/${protocolId}/dataFiles`)) as unknown as Json[]).map((f) => f.id), [fileId]);
  });
});
