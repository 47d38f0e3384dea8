// A run's loadPipette and loadModule must find that pipette on its mount and that module attached, as on the
// robot (robot-server 8.1.0: the engine's equipment handler, the hardware controller's cache_instruments and
// select_hardware_module_to_load); a protocol's analysis runs on virtual hardware and is not affected.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimulatedRobot, startSimulator, type RobotModel } from '../nodes/lib/simulator';
import { arr, call, waitStatus, waitUntil, type Loose, type Reply } from './simulator-util';

const PROTOCOLS = join(__dirname, '..', '..', 'test', 'fixtures', 'protocols');
const P300_LEFT = { mount: 'left' as const, instrumentName: 'p300_single_gen2', instrumentModel: 'p300_single_v2.0', serialNumber: 'P3HSV2020070199', channels: 1, minVolume: 20, maxVolume: 300 };

describe('simulator: a run loads only what is attached', () => {
  let robot: SimulatedRobot;
  afterEach(async () => {
    await robot?.stop();
  });

  async function start(model: RobotModel = 'OT-2'): Promise<void> {
    robot = await startSimulator({ model, speed: 100, commandMs: 20 });
  }
  async function newRun(): Promise<string> {
    return String((await call(robot, 'POST', '/runs', { data: {} })).body.data.id);
  }
  function setup(runId: string, commandType: string, params: Record<string, unknown>): Promise<Reply> {
    return call(robot, 'POST', `/runs/${runId}/commands?waitUntilComplete=true`, { data: { commandType, params, intent: 'setup' } });
  }
  function failedWith(r: Reply, errorType: string, errorCode: string, detail: string): void {
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.data.status, 'failed', r.text);
    const e = r.body.data.error;
    assert.equal(e.errorType, errorType);
    assert.equal(e.errorCode, errorCode);
    assert.equal(e.detail, detail);
    assert.deepEqual(e.wrappedErrors, []);
  }
  function succeeded(r: Reply): Loose {
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.data.status, 'succeeded', r.text);
    return r.body.data.result;
  }
  async function runPipettes(runId: string): Promise<string[]> {
    return arr((await call(robot, 'GET', `/runs/${runId}`)).body.data.pipettes).map((p) => `${String(p.mount)} ${String(p.pipetteName)}`);
  }

  it('OT-2: a pipette on a mount that holds another fails with FailedToLoadPipetteError 3010, in the robot\'s words', async () => {
    await start();
    const run = await newRun();
    failedWith(await setup(run, 'loadPipette', { pipetteName: 'p300_single_gen2', mount: 'left' }),
      'FailedToLoadPipetteError', '3010', 'mount LEFT: expected instrument p300_single_gen2 but got p20_single_v2.0');
    assert.deepEqual(await runPipettes(run), [], 'nothing was loaded');
    succeeded(await setup(run, 'loadPipette', { pipetteName: 'p300_single_gen2', mount: 'right' }));
    succeeded(await setup(run, 'loadPipette', { pipetteName: 'p20_single_gen2', mount: 'left' }));
    assert.deepEqual((await runPipettes(run)).sort(), ['left p20_single_gen2', 'right p300_single_gen2']);
  });

  it('OT-2: an empty mount fails too; a pipette attached there through the simulator then loads', async () => {
    await start();
    assert.equal(robot.detachPipette('left'), true);
    const run = await newRun();
    failedWith(await setup(run, 'loadPipette', { pipetteName: 'p20_single_gen2', mount: 'left' }),
      'FailedToLoadPipetteError', '3010', 'mount LEFT: instrument p20_single_gen2 was requested, but no instrument is present');
    robot.attachPipette(P300_LEFT);
    succeeded(await setup(run, 'loadPipette', { pipetteName: 'p300_single_gen2', mount: 'left' }));
    assert.deepEqual(await runPipettes(run), ['left p300_single_gen2']);
  });

  it('OT-2: GEN1 names load on the GEN2 pipettes that answer to them (backCompatNames), and only there', async () => {
    await start();
    const run = await newRun();
    succeeded(await setup(run, 'loadPipette', { pipetteName: 'p10_single', mount: 'left' }));
    succeeded(await setup(run, 'loadPipette', { pipetteName: 'p300_single', mount: 'right' }));
    assert.deepEqual((await runPipettes(run)).sort(), ['left p10_single', 'right p300_single']);
    failedWith(await setup(run, 'loadPipette', { pipetteName: 'p10_single', mount: 'right' }),
      'FailedToLoadPipetteError', '3010', 'mount RIGHT: expected instrument p10_single but got p300_single_v2.0');
    failedWith(await setup(run, 'loadPipette', { pipetteName: 'p300_multi', mount: 'right' }),
      'FailedToLoadPipetteError', '3010', 'mount RIGHT: expected instrument p300_multi but got p300_single_v2.0');
  });

  it('Flex: the pipette must be the one on the mount', async () => {
    await start('Flex');
    const run = await newRun();
    failedWith(await setup(run, 'loadPipette', { pipetteName: 'p1000_single_flex', mount: 'left' }),
      'FailedToLoadPipetteError', '3010', 'mount LEFT: expected instrument p1000_single_flex but got p50_single_v3.4');
    succeeded(await setup(run, 'loadPipette', { pipetteName: 'p1000_single_flex', mount: 'right' }));
    succeeded(await setup(run, 'loadPipette', { pipetteName: 'p50_single_flex', mount: 'left' }));
  });

  it('modules: the attached model or one its definition is compatible with, each attached module once per run', async () => {
    await start();
    const run = await newRun();
    failedWith(await setup(run, 'loadModule', { model: 'magneticModuleV1', location: { slotName: '4' } }),
      'ModuleNotAttachedError', '4000', 'No available magneticModuleV1 found.');
    const mag = succeeded(await setup(run, 'loadModule', { model: 'magneticModuleV2', location: { slotName: '4' } }));
    assert.equal(mag.serialNumber, 'MDV2-SIM-0001');
    // temperatureModuleV1's definition is compatible with a V2: it loads the attached V2
    const temp = succeeded(await setup(run, 'loadModule', { model: 'temperatureModuleV1', location: { slotName: '1' } }));
    assert.equal(temp.model, 'temperatureModuleV2');
    assert.equal(temp.serialNumber, 'TDV2-SIM-0001');
    failedWith(await setup(run, 'loadModule', { model: 'temperatureModuleV2', location: { slotName: '7' } }),
      'ModuleNotAttachedError', '4000', 'No available temperatureModuleV2 found.');
    const second = robot.attachModule('temperatureModuleV2', 'TDV2-SECOND');
    const again = succeeded(await setup(run, 'loadModule', { model: 'temperatureModuleV2', location: { slotName: '7' } }));
    assert.equal(again.serialNumber, 'TDV2-SECOND');
    assert.equal(again.moduleId, second, 'under the new module\'s /modules id');
  });

  it('modules: a module detached before the run is not there to load; an occupied slot is refused before the module is looked for', async () => {
    await start();
    assert.equal(robot.detachModule('MDV2-SIM-0001'), true);
    const run = await newRun();
    failedWith(await setup(run, 'loadModule', { model: 'magneticModuleV2', location: { slotName: '4' } }),
      'ModuleNotAttachedError', '4000', 'No available magneticModuleV2 found.');
    succeeded(await setup(run, 'loadLabware', { location: { slotName: '1' }, loadName: 'corning_96_wellplate_360ul_flat', namespace: 'opentrons', version: 2 }));
    const occupied = await setup(run, 'loadModule', { model: 'magneticModuleV2', location: { slotName: '1' } });
    assert.equal(occupied.body.data.error.errorType, 'LocationIsOccupiedError');
  });

  it('Flex: a slot whose deck configuration names a module by serial loads that module', async () => {
    await start('Flex');
    robot.attachModule('temperatureModuleV2', 'TDV2-IN-C1', 'C1');
    const run = await newRun();
    const inC1 = succeeded(await setup(run, 'loadModule', { model: 'temperatureModuleV2', location: { slotName: 'C1' } }));
    assert.equal(inC1.serialNumber, 'TDV2-IN-C1', 'not the first attached temperature module, the one set up in C1');
    const inD1 = succeeded(await setup(run, 'loadModule', { model: 'temperatureModuleV2', location: { slotName: 'D1' } }));
    assert.equal(inD1.serialNumber, 'TDV2-SIM-FLEX-0001');
  });

  it('a protocol\'s analysis is not affected (virtual hardware); its run is, and fails at the load', async () => {
    await start();
    const protocol = JSON.parse(readFileSync(join(PROTOCOLS, 'deck-ot2.json'), 'utf8')) as { commands: Array<{ commandType: string; params: Record<string, unknown> }> };
    const load = protocol.commands.find((c) => c.commandType === 'loadPipette');
    assert.ok(load);
    load.params.mount = 'left';
    const form = new FormData();
    form.append('files', new Blob([JSON.stringify(protocol)]), 'p300-left.json');
    const up = await fetch(`${robot.url}/protocols`, { method: 'POST', body: form, headers: { 'Opentrons-Version': '3' } });
    const protocolId = String(((await up.json()) as Loose).data.id);
    const analysis = await waitUntil(
      async () => arr((await call(robot, 'GET', `/protocols/${protocolId}/analyses`)).body.data).pop(),
      (a) => String(a?.status) === 'completed', 10_000);
    assert.equal(analysis?.result, 'ok');
    const run = String((await call(robot, 'POST', '/runs', { data: { protocolId } })).body.data.id);
    await call(robot, 'POST', `/runs/${run}/actions`, { data: { actionType: 'play' } });
    await waitStatus(robot, run, 'failed', 10_000);
    const errors = arr((await call(robot, 'GET', `/runs/${run}`)).body.data.errors);
    assert.deepEqual(errors.map((e) => `${String(e.errorType)} ${String(e.errorCode)}: ${String(e.detail)}`),
      ['FailedToLoadPipetteError 3010: mount LEFT: expected instrument p300_single_gen2 but got p20_single_v2.0']);
  });
});
