// The fit check (nodes/lib/fit.ts): requirements read from real analyses (the simulator's, and the real
// robot-server's in the captures), equipment read over HTTP from simulated robots whose hardware differs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RobotClient } from '../nodes/lib/client';
import { fitChecks, readEquipment, requirementsOf, type Check, type Requirements } from '../nodes/lib/fit';
import { waitForAnalysis, latestAnalysisId } from '../nodes/lib/analysis-wait';
import { SimulatedRobot } from '../nodes/lib/simulator';
import type { Analysis } from '../nodes/lib/types';

const ROOT = join(__dirname, '..', '..');
const protocolFile = (name: string): string => readFileSync(join(ROOT, 'test', 'fixtures', 'protocols', name), 'utf8');
const captureAnalysis = (name: string): Analysis => {
  const data = (JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'captures', name), 'utf8')) as { response: { body: { data: Analysis | Analysis[] } } }).response.body.data;
  return Array.isArray(data) ? data[data.length - 1] : data;
};

function byName(checks: Check[]): Map<string, Check> {
  return new Map(checks.map((c) => [c.check, c]));
}

describe('fit check (nodes/lib/fit.ts)', function () {
  const robots: SimulatedRobot[] = [];
  const clients: RobotClient[] = [];

  async function robot(model: 'OT-2' | 'Flex'): Promise<{ robot: SimulatedRobot; client: RobotClient }> {
    const r = await SimulatedRobot.start({ model, speed: 1000 });
    robots.push(r);
    const client = new RobotClient({ baseUrl: r.url, apiVersion: '3', timeoutMs: 20_000, retryDelayMs: 10 });
    clients.push(client);
    return { robot: r, client };
  }

  async function analysisOf(client: RobotClient, filename: string, content: string): Promise<Analysis> {
    const { protocol } = await client.uploadProtocol([{ filename, content }]);
    return waitForAnalysis(client, protocol.id, latestAnalysisId(protocol) as string, { timeoutMs: 30_000 });
  }

  afterEach(async function () {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(robots.splice(0).map((r) => r.stop()));
  });

  it('a real Flex analysis (capture 90) fits a simulated Flex set up like the captures; only /instruments and the deck configuration are read', async function () {
    const needs = requirementsOf(captureAnalysis('90-flex-protocols-analyses.json'));
    assert.equal(needs.robotType, 'Flex');
    assert.deepEqual(needs.pipettes, [{ mount: 'right', pipetteName: 'p1000_single_flex' }]);
    assert.deepEqual(needs.modules, []);
    assert.equal(needs.gripper, false);
    const { robot: r, client } = await robot('Flex');
    r.stats.reset();
    const checks = fitChecks(needs, await readEquipment(client, needs));
    assert.deepEqual(checks.map((c) => c.check), ['robot type', 'pipette right', 'fixture D1', 'fixture D2', 'fixture A3']);
    assert.ok(checks.every((c) => c.ok), JSON.stringify(checks));
    assert.match(byName(checks).get('fixture A3')?.detail ?? '', /cutout A3 has trashBinAdapter.*movableTrashA3/);
    assert.equal(r.stats.count('GET', '/modules'), 0);
    assert.equal(r.stats.count('GET', '/instruments'), 1);
    assert.equal(r.stats.count('GET', '/deck_configuration'), 1);
  });

  it('the same analysis on an OT-2: robot type fails, the fixtures cannot be checked, and no deck configuration is asked of an OT-2', async function () {
    const needs = requirementsOf(captureAnalysis('90-flex-protocols-analyses.json'));
    const { robot: r, client } = await robot('OT-2');
    r.stats.reset();
    const checks = byName(fitChecks(needs, await readEquipment(client, needs)));
    assert.deepEqual(checks.get('robot type'), { check: 'robot type', ok: false, detail: 'the protocol is for a Flex; this robot is an OT-2' });
    assert.equal(checks.get('pipette right')?.ok, false);
    assert.equal(checks.get('pipette right')?.detail, 'right mount has p300_single_gen2, the protocol loads p1000_single_flex');
    assert.equal(checks.get('fixture A3')?.ok, false);
    assert.match(checks.get('fixture A3')?.detail ?? '', /no deck configuration/);
    assert.equal(r.stats.count('GET', '/deck_configuration'), 0);
  });

  it('OT-2: a GEN2 pipette takes its GEN1 name, modules are matched; a wrong pipette, an empty mount and a missing module each fail with what to fix', async function () {
    const { robot: r, client } = await robot('OT-2');
    const analysis = await analysisOf(client, 'simpleV8.json', protocolFile('simpleV8.json'));
    const needs = requirementsOf(analysis);
    assert.deepEqual(needs.pipettes, [{ mount: 'left', pipetteName: 'p10_single' }]);
    assert.deepEqual(needs.modules.map((m) => m.model).sort(), ['magneticModuleV2', 'temperatureModuleV2']);
    assert.deepEqual(needs.fixtures, [], 'an OT-2 has no deck configuration');

    let checks = byName(fitChecks(needs, await readEquipment(client, needs)));
    assert.ok([...checks.values()].every((c) => c.ok), JSON.stringify([...checks.values()]));
    assert.equal(checks.get('pipette left')?.detail, 'left mount has p20_single_gen2, which the robot accepts for p10_single, as the protocol loads');

    r.attachPipette({ mount: 'left', instrumentName: 'p300_single_gen2', instrumentModel: 'p300_single_v2.0', serialNumber: 'P3HSV2020070199', channels: 1, minVolume: 20, maxVolume: 300 });
    const magnetic = (await client.getModules()).find((m) => m.moduleModel === 'magneticModuleV2');
    r.detachModule(magnetic?.serialNumber as string);
    checks = byName(fitChecks(needs, await readEquipment(client, needs)));
    assert.deepEqual(checks.get('pipette left'), { check: 'pipette left', ok: false, detail: 'left mount has p300_single_gen2, the protocol loads p10_single' });
    assert.equal(checks.get('module magneticModuleV2')?.ok, false);
    assert.match(checks.get('module magneticModuleV2')?.detail ?? '', /^no magneticModuleV2 is attached \(no other module is free\), the protocol loads one in slot 3$/);
    assert.equal(checks.get('module temperatureModuleV2')?.ok, true);

    r.detachPipette('left');
    checks = byName(fitChecks(needs, await readEquipment(client, needs)));
    assert.equal(checks.get('pipette left')?.detail, 'left mount is empty, the protocol loads p10_single');
  });

  it('module models: an attached Temperature Module GEN2 serves a GEN1 load (compatibleWith), a Magnetic Module GEN2 does not serve a GEN1 load', async function () {
    const { client } = await robot('OT-2');
    const protocol = JSON.parse(protocolFile('simpleV8.json')) as { metadata: { protocolName: string }; commands: Array<{ commandType: string; params: { model?: string } }> };
    protocol.metadata.protocolName = 'GEN1 modules';
    for (const c of protocol.commands) {
      if (c.params.model === 'temperatureModuleV2') c.params.model = 'temperatureModuleV1';
      if (c.params.model === 'magneticModuleV2') c.params.model = 'magneticModuleV1';
    }
    const needs = requirementsOf(await analysisOf(client, 'gen1-modules.json', JSON.stringify(protocol)));
    const checks = byName(fitChecks(needs, await readEquipment(client, needs)));
    assert.equal(checks.get('module temperatureModuleV1')?.ok, true);
    assert.match(checks.get('module temperatureModuleV1')?.detail ?? '', /^temperatureModuleV2 attached \(serial [^)]+\), which the robot accepts for temperatureModuleV1/);
    assert.equal(checks.get('module magneticModuleV1')?.ok, false);
    assert.match(checks.get('module magneticModuleV1')?.detail ?? '', /no magneticModuleV1 is attached \(attached and not used by the protocol: magneticModuleV2\)/);
  });

  it('Flex fixtures from the commands: trash bin, staging slot + waste chute in one cutout, a module fixture, the gripper — failing until the robot is set up, then passing', async function () {
    const { robot: r, client } = await robot('Flex');
    const needs = requirementsOf(await analysisOf(client, 'flex-fixtures.json', protocolFile('flex-fixtures.json')));
    assert.equal(needs.gripper, true);
    const fixtures = new Map(needs.fixtures.map((f) => [f.cutoutId, f]));
    assert.deepEqual(fixtures.get('cutoutA3')?.cutoutFixtureIds, ['trashBinAdapter']);
    assert.deepEqual(fixtures.get('cutoutD1')?.cutoutFixtureIds, ['temperatureModuleV2']);
    // D4 alone could be any staging fixture, the gripper's waste chute any uncovered chute: only one fixture gives both.
    assert.deepEqual(fixtures.get('cutoutD3')?.cutoutFixtureIds, ['stagingAreaSlotWithWasteChuteRightAdapterNoCover']);
    assert.match(fixtures.get('cutoutD3')?.why ?? '', /D4.*gripperWasteChute/);

    let checks = byName(fitChecks(needs, await readEquipment(client, needs)));
    assert.deepEqual([...checks.values()].filter((c) => !c.ok).map((c) => c.check), ['pipette left', 'fixture D1', 'fixture D3', 'gripper']);
    assert.equal(checks.get('pipette left')?.detail, 'left mount has p50_single_flex, the protocol loads p1000_single_flex (the right mount has p1000_single_flex)');
    assert.equal(checks.get('fixture D3')?.detail, 'cutout D3 has singleRightSlot; the protocol needs stagingAreaSlotWithWasteChuteRightAdapterNoCover (loadLabware uses D4; moveLabware uses gripperWasteChute)');
    assert.equal(checks.get('gripper')?.detail, 'no gripper is attached, the protocol moves labware with the gripper');

    r.attachPipette({ mount: 'left', instrumentName: 'p1000_single_flex', instrumentModel: 'p1000_single_v3.4', serialNumber: 'P1KSV3420230101A09', channels: 1, minVolume: 5, maxVolume: 1000 });
    r.setGripper({ instrumentModel: 'gripperV1', serialNumber: 'GRPV1120230101A01' });
    const deck = await client.getDeckConfiguration();
    await client.setDeckConfiguration(deck.cutoutFixtures.map((f) => (f.cutoutId === 'cutoutD3' ? { ...f, cutoutFixtureId: 'stagingAreaSlotWithWasteChuteRightAdapterNoCover' } : f)));
    const temperature = (await client.getModules()).find((m) => m.moduleModel === 'temperatureModuleV2');
    r.detachModule(temperature?.serialNumber as string);
    r.attachModule('temperatureModuleV2', 'TDV21P20230101A09', 'D1');
    checks = byName(fitChecks(needs, await readEquipment(client, needs)));
    assert.ok([...checks.values()].every((c) => c.ok), JSON.stringify([...checks.values()]));
  });

  it('Flex 96-channel: loaded on the left, it takes the right mount too; the magnetic block is a fixture, not an attached module', async function () {
    const { robot: r, client } = await robot('Flex');
    const needs = requirementsOf(await analysisOf(client, 'simpleFlexV8.json', protocolFile('simpleFlexV8.json')));
    assert.deepEqual(needs.pipettes, [{ mount: 'left', pipetteName: 'p1000_96' }]);
    assert.deepEqual(needs.modules, [{ model: 'temperatureModuleV2', slotName: 'D1' }], 'the magnetic block has no electronics to find on /modules');
    // Protocol Designer wrote OT-2 slot numbers; a Flex reads slot 3 as D3.
    assert.deepEqual(needs.fixtures.find((f) => f.cutoutId === 'cutoutD3')?.cutoutFixtureIds, ['magneticBlockV1', 'stagingAreaSlotWithMagneticBlockV1']);

    r.detachPipette('right');
    r.attachPipette({ mount: 'left', instrumentName: 'p1000_96', instrumentModel: 'p1000_96_v3.5', serialNumber: 'P1KHV3520230101A01', channels: 96, minVolume: 5, maxVolume: 1000 });
    const withRight: Requirements = { ...needs, pipettes: [...needs.pipettes, { mount: 'right', pipetteName: 'p50_single_flex' }] };
    const checks = byName(fitChecks(withRight, await readEquipment(client, withRight)));
    assert.equal(checks.get('pipette left')?.ok, true);
    assert.deepEqual(checks.get('pipette right'), { check: 'pipette right', ok: false, detail: 'the right mount is taken by the 96-channel p1000_96 on the left, the protocol loads p50_single_flex' });
    assert.equal(checks.get('fixture D3')?.ok, false);
  });
});
