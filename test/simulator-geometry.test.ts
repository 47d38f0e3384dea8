// Positions in command results come from the definitions (deck cutouts, module and adapter offsets, wells), checked
// against Opentrons' own analyzer (test/fixtures/geometry/oracle.json: every module and an adapter on both robots,
// Flex trash bin, OT-2 fixed trash, alternating tip drops) and against the robot-server captures that carry positions.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SimulatedRobot } from '../nodes/lib/simulator';

type Json = Record<string, unknown>;
interface OracleCommand {
  commandType: string;
  params: Json;
  result?: Json;
}
interface Oracle {
  source: string;
  robotType: 'OT-2 Standard' | 'OT-3 Standard';
  commands: OracleCommand[];
  definitions: Record<string, Json>;
}

const FIXTURES = path.join(__dirname, '..', '..', 'test', 'fixtures');
const ORACLE = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'geometry', 'oracle.json'), 'utf8')) as Oracle[];
const H = { 'Opentrons-Version': '4', 'Content-Type': 'application/json' };

function capture(n: number): { request: { body: { data: { params: Json } } }; response: { body: { data: Json } } } {
  const file = fs.readdirSync(path.join(FIXTURES, 'captures')).find((f) => f.startsWith(`${n}-`));
  assert.ok(file, `capture ${n}`);
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, 'captures', file), 'utf8')) as ReturnType<typeof capture>;
}

/** The oracle's commands with the ids its load results chose written into the load params, so the replay reuses them. */
function replayable(oracle: Oracle): OracleCommand[] {
  return oracle.commands.map((c) => {
    const params = { ...c.params };
    for (const key of ['labwareId', 'pipetteId', 'moduleId']) {
      if (c.commandType.startsWith('load') && typeof c.result?.[key] === 'string') params[key] = c.result[key];
    }
    return { ...c, params };
  });
}

/** The simulated robot has no thermocycler to attach: a run replays everything but the thermocycler and its plate. */
function withoutThermocycler(cs: OracleCommand[]): OracleCommand[] {
  const gone = new Set<unknown>();
  return cs.filter((c) => {
    const p = c.params;
    const loc = (p.location ?? {}) as Json;
    const uses = [p.moduleId, p.labwareId, loc.moduleId, loc.labwareId].some((id) => gone.has(id));
    if ((c.commandType === 'loadModule' && String(p.model).startsWith('thermocycler')) || uses) {
      for (const key of ['moduleId', 'labwareId']) if (typeof p[key] === 'string' && c.commandType.startsWith('load')) gone.add(p[key]);
      return false;
    }
    return true;
  });
}

const positioned = (cs: OracleCommand[]): OracleCommand[] => cs.filter((c) => c.result && 'position' in c.result);

describe('simulated robot: geometry from the definitions', function () {
  this.timeout(60_000);
  let robot: SimulatedRobot | undefined;

  afterEach(async () => {
    await robot?.stop();
    robot = undefined;
  });

  async function call(method: string, p: string, body?: unknown): Promise<{ status: number; body: Json }> {
    assert.ok(robot);
    const res = await fetch(robot.url + p, { method, headers: H, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Json };
  }

  /** Moves a pipette the simulated robot has onto `mount` (the captures' Flex had its P1000 on the left). */
  async function attachAs(pipetteName: string, mount: 'left' | 'right'): Promise<void> {
    const spec = ((await call('GET', '/instruments')).body.data as Json[]).find((i) => i.instrumentName === pipetteName);
    assert.ok(spec, `the simulated robot has no ${pipetteName} to attach`);
    if (spec.mount === mount) return;
    assert.ok(robot, 'a simulated robot is running');
    const data = spec.data as { channels: number; min_volume: number; max_volume: number };
    robot.attachPipette({
      mount, instrumentName: pipetteName, instrumentModel: String(spec.instrumentModel), serialNumber: String(spec.serialNumber),
      channels: data.channels, minVolume: data.min_volume, maxVolume: data.max_volume,
    });
  }

  async function command(runId: string, commandType: string, params: Json): Promise<Json> {
    const r = await call('POST', `/runs/${runId}/commands?waitUntilComplete=true&timeout=30000`, { data: { commandType, params, intent: 'setup' } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.data as Json;
  }

  for (const oracle of ORACLE) {
    const model = oracle.robotType === 'OT-3 Standard' ? 'Flex' : 'OT-2';

    it(`${model}: a run's command results carry the positions Opentrons' analyzer computes (${oracle.source}: modules but the thermocycler, adapter, trash)`, async function () {
      robot = await SimulatedRobot.start({ model, speed: 1000 });
      const replay = withoutThermocycler(replayable(oracle));
      const attached = new Set(((await call('GET', '/modules')).body.data as Json[]).map((m) => m.moduleModel));
      for (const c of replay) {
        const m = String(c.params.model);
        if (c.commandType === 'loadModule' && m !== 'magneticBlockV1' && !attached.has(m)) robot.attachModule(m);
      }
      // A run loads only what is attached (as on the robot): put each pipette the oracle loads on its mount.
      for (const c of replay.filter((x) => x.commandType === 'loadPipette')) {
        const { pipetteName, mount } = c.params as { pipetteName: string; mount: 'left' | 'right' };
        await attachAs(pipetteName, mount);
      }
      const runId = ((await call('POST', '/runs', { data: {} })).body.data as Json).id as string;
      for (const def of Object.values(oracle.definitions)) {
        assert.equal((await call('POST', `/runs/${runId}/labware_definitions`, { data: def })).status, 201);
      }
      let compared = 0;
      for (const c of replay) {
        const done = await command(runId, c.commandType, c.params);
        assert.equal(done.status, 'succeeded', `${c.commandType} ${JSON.stringify(c.params)}: ${JSON.stringify(done.error)}`);
        if (c.result && 'position' in c.result) {
          assert.deepEqual((done.result as Json).position, c.result.position, `${c.commandType} ${JSON.stringify(c.params)}`);
          compared++;
        }
      }
      assert.equal(compared, positioned(replay).length);
      assert.ok(compared >= 20, `${compared} positions compared`);
    });

    it(`${model}: a JSON protocol's analysis carries the same positions (${oracle.source} as a schema 8 protocol)`, async function () {
      robot = await SimulatedRobot.start({ model, speed: 1000, analysisMs: 0 });
      const replay = replayable(oracle);
      const protocol = {
        $otSharedSchema: '#/protocol/schemas/8',
        schemaVersion: 8,
        metadata: { protocolName: `geometry ${oracle.source}` },
        robot: { model: oracle.robotType, deckId: model === 'Flex' ? 'ot3_standard' : 'ot2_standard' },
        labwareDefinitions: oracle.definitions,
        liquidSchemaId: 'opentronsLiquidSchemaV1',
        liquids: {},
        commandSchemaId: 'opentronsCommandSchemaV8',
        commands: replay.filter((c) => c.commandType !== 'home').map((c) => ({ commandType: c.commandType, params: c.params })),
        commandAnnotationSchemaId: 'opentronsCommandAnnotationSchemaV1',
        commandAnnotations: [],
      };
      const form = new FormData();
      form.append('files', new Blob([JSON.stringify(protocol)]), 'geometry.json');
      const up = await fetch(`${robot.url}/protocols`, { method: 'POST', body: form, headers: { 'Opentrons-Version': '4' } });
      assert.equal(up.status, 201);
      const protocolId = ((await up.json()) as { data: Json }).data.id as string;
      let analysis: Json | undefined;
      for (let i = 0; i < 600 && !analysis; i++) {
        const list = (await call('GET', `/protocols/${protocolId}/analyses`)).body.data as Json[];
        const last = list[list.length - 1];
        if (last?.status === 'completed') analysis = last;
        else await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(analysis, 'the analysis completed');
      assert.equal(analysis.result, 'ok', JSON.stringify(analysis.errors));
      const got = positioned(analysis.commands as OracleCommand[]).map((c) => [c.commandType, c.result?.position]);
      const want = positioned(replay).map((c) => [c.commandType, c.result?.position]);
      assert.deepEqual(got, want);
    });
  }

  it('Flex: liquidProbe in C2 is at C2\'s cutout plus the well (captures 180–190), to the robot\'s own figures', async function () {
    robot = await SimulatedRobot.start({ model: 'Flex', speed: 1000 });
    const runId = ((await call('POST', '/runs', { data: {} })).body.data as Json).id as string;
    const tips = await command(runId, 'loadLabware', capture(179).request.body.data.params);
    const plate = await command(runId, 'loadLabware', capture(180).request.body.data.params);
    await attachAs('p1000_single_flex', 'left');
    const pipette = await command(runId, 'loadPipette', capture(181).request.body.data.params);
    const pipetteId = (pipette.result as Json).pipetteId;
    await command(runId, 'pickUpTip', { pipetteId, labwareId: (tips.result as Json).labwareId, wellName: 'A1' });
    const probe = await command(runId, 'liquidProbe', { pipetteId, labwareId: (plate.result as Json).labwareId, wellName: 'A1' });
    const want = capture(190).response.body.data.result as Json;
    assert.deepEqual((probe.result as Json).position, want.position);
    assert.deepEqual(want.position, { x: 178.28, y: 181.18, z: 14.3 }, 'C2 (164, 107) + well A1 (14.28, 74.18, 3.5 + 10.8)');
  });

  it('OT-2: pickUpTip is at the tip rack\'s slot plus the well (capture 53)', async function () {
    robot = await SimulatedRobot.start({ model: 'OT-2', speed: 1000 });
    const runId = ((await call('POST', '/runs', { data: {} })).body.data as Json).id as string;
    const tips = await command(runId, 'loadLabware', { location: { slotName: '1' }, loadName: 'opentrons_96_tiprack_300ul', namespace: 'opentrons', version: 1 });
    const pipette = await command(runId, 'loadPipette', { pipetteName: 'p300_single_gen2', mount: 'right' });
    const pick = await command(runId, 'pickUpTip', { pipetteId: (pipette.result as Json).pipetteId, labwareId: (tips.result as Json).labwareId, wellName: 'A1' });
    assert.deepEqual((pick.result as Json).position, (capture(53).response.body.data.result as Json).position);
  });

  it('applies the well location: bottom, center and top origins with an offset vector, and a labware offset', async function () {
    robot = await SimulatedRobot.start({ model: 'Flex', speed: 1000 });
    const runId = ((await call('POST', '/runs', { data: {} })).body.data as Json).id as string;
    const location = { slotName: 'B3' };
    const offset = await call('POST', `/runs/${runId}/labware_offsets`, { data: { definitionUri: 'opentrons/nest_96_wellplate_200ul_flat/2', location, vector: { x: 0.5, y: -0.25, z: 1 } } });
    assert.equal(offset.status, 201);
    const plate = await command(runId, 'loadLabware', { location, loadName: 'nest_96_wellplate_200ul_flat', namespace: 'opentrons', version: 2 });
    await attachAs('p1000_single_flex', 'left');
    const pipette = await command(runId, 'loadPipette', { pipetteName: 'p1000_single_flex', mount: 'left' });
    const at = async (wellLocation: Json): Promise<unknown> =>
      ((await command(runId, 'moveToWell', { pipetteId: (pipette.result as Json).pipetteId, labwareId: (plate.result as Json).labwareId, wellName: 'B2', wellLocation })).result as Json).position;
    // B3 cutout (328, 214, 0) + offset (0.5, -0.25, 1) + well B2 (23.28, 65.18, 3.5; depth 10.8)
    assert.deepEqual(await at({ origin: 'bottom', offset: { x: 1, y: 2, z: 3 } }), { x: 328 + 0.5 + 1 + 23.28, y: 214 - 0.25 + 2 + 65.18, z: 0 + 1 + 3 + 3.5 });
    assert.deepEqual(await at({ origin: 'center', offset: { x: 0, y: 0, z: 0 } }), { x: 328 + 0.5 + 0 + 23.28, y: 214 - 0.25 + 0 + 65.18, z: 0 + 1 + (0 + 10.8 / 2) + 3.5 });
    assert.deepEqual(await at({ origin: 'top', offset: { x: 0, y: 0, z: -2 } }), { x: 328 + 0.5 + 0 + 23.28, y: 214 - 0.25 + 0 + 65.18, z: 0 + 1 + (-2 + 10.8) + 3.5 });
  });

  it('fails a position the deck cannot give with the engine\'s error, not a made-up point', async function () {
    robot = await SimulatedRobot.start({ model: 'Flex', speed: 1000 });
    const runId = ((await call('POST', '/runs', { data: {} })).body.data as Json).id as string;
    await attachAs('p1000_single_flex', 'left');
    const pipette = await command(runId, 'loadPipette', { pipetteName: 'p1000_single_flex', mount: 'left' });
    const r = await call('POST', `/runs/${runId}/commands?waitUntilComplete=true`, {
      data: { commandType: 'moveToAddressableArea', params: { pipetteId: (pipette.result as Json).pipetteId, addressableAreaName: 'noSuchArea' }, intent: 'setup' },
    });
    const data = r.body.data as Json;
    assert.equal(data.status, 'failed');
    assert.equal((data.error as Json).errorType, 'AddressableAreaDoesNotExistError');
    assert.equal(data.result, undefined);
  });
});
