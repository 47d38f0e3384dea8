// opentrons-hardware in Node-RED against the simulated robot over real HTTP: every action on OT-2 and Flex,
// the module selector, bad input (nothing sent), module control end to end with opentrons-command, and
// watching (door, E-stop, modules, robot down and back, sharing, nothing left after close).
import { strict as assert } from 'node:assert';
import { SimulatedRobot } from '../nodes/lib/simulator';
import { liveWatchers } from '../nodes/lib/watch';
import { commandHarness, eventually, expectCaught, expectOut, type AnyMsg, type CommandHarness } from './helpers/command-node';
import { getNode, loadFlow, unloadFlow } from './helpers/nodered';

const TYPES = ['opentrons-robot', 'opentrons-hardware', 'opentrons-command'];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function hw(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, type: 'opentrons-hardware', action: 'health', module: '', watch: false, interval: 500, ...extra };
}

type Mod = { id: string; moduleModel: string; serialNumber: string; data: Record<string, unknown> };

/** Every msg a helper node receives (default `out`, where the harness wires every node). */
function outMsgs(id = 'out'): AnyMsg[] {
  const msgs: AnyMsg[] = [];
  getNode(id).on('input', (m: AnyMsg) => msgs.push(m));
  return msgs;
}

async function waitFor<T>(what: string, fn: () => T | undefined, ms = 8000): Promise<T> {
  return eventually(async () => fn(), ms, what);
}

describe('opentrons-hardware node', function () {
  this.timeout(30_000);
  let h: CommandHarness | undefined;

  afterEach(async () => {
    await h?.close();
    h = undefined;
    assert.equal(liveWatchers(), 0, 'every watcher stopped when the flow closed');
  });

  describe('actions on an OT-2', () => {
    beforeEach(async () => {
      h = await commandHarness([hw('hw')], { model: 'OT-2' }, TYPES);
    });

    it('health, instruments (+ GET /pipettes), modules, lights, door and calibration answer with the robot data', async () => {
      const health = expectOut(await h!.send({ action: 'health' }, 'hw'));
      assert.equal((health.payload as { robot_model: string }).robot_model, 'OT-2 Standard');
      assert.equal(health.action, undefined, 'msg.action is removed once carried out');

      const inst = expectOut(await h!.send({ action: 'instruments' }, 'hw'));
      assert.deepEqual((inst.payload as Array<{ mount: string }>).map((i) => i.mount), ['left', 'right']);
      assert.equal((inst.pipettes as { left: { name: string } }).left.name, 'p20_single_gen2');
      assert.equal(h!.sim.stats.count('GET', '/pipettes'), 1);

      const mods = expectOut(await h!.send({ action: 'modules' }, 'hw'));
      assert.deepEqual((mods.payload as Mod[]).map((m) => m.moduleModel), ['temperatureModuleV2', 'magneticModuleV2']);
      assert.equal((mods.payload as Mod[])[1].data.status, 'disengaged');
      assert.equal(mods.moduleId, undefined, 'no selector, no moduleId');

      assert.deepEqual(expectOut(await h!.send({ action: 'lights' }, 'hw')).payload, { on: false });
      assert.deepEqual(expectOut(await h!.send({ action: 'door' }, 'hw')).payload, { status: 'closed', doorRequiredClosedForProtocol: false });
      const cal = expectOut(await h!.send({ action: 'calibration' }, 'hw')).payload as { deckCalibration: { status: string } };
      assert.equal(cal.deckCalibration.status, 'IDENTITY');
    });

    it('E-stop and deck configuration on an OT-2 are a clear error and the robot gets no such request', async () => {
      for (const action of ['estop', 'deck-configuration', 'set-deck-configuration']) {
        const payload = action === 'set-deck-configuration' ? [{ cutoutId: 'cutoutD3', cutoutFixtureId: 'singleRightSlot' }] : undefined;
        const err = expectCaught(await h!.send({ action, payload }, 'hw'));
        assert.equal(err.error.code, 'InvalidInput');
        assert.match(err.error.message, /needs a Flex: this robot is an OT-2/);
      }
      assert.equal(h!.sim.stats.count(undefined, /estop|deck_configuration/), 0);
      assert.equal(h!.lastStatus('hw'), 'InvalidInput');
    });

    it('module selector: one match sets msg.moduleId; none and several are errors naming the modules', async () => {
      const one = expectOut(await h!.send({ action: 'modules', module: 'magneticModuleV2' }, 'hw'));
      const mag = (one.payload as Mod[]).find((m) => m.moduleModel === 'magneticModuleV2');
      assert.equal(one.moduleId, mag?.id);
      assert.equal((one.selectedModule as Mod).serialNumber, mag?.serialNumber);
      const byType = expectOut(await h!.send({ action: 'modules', module: 'temperatureModuleType' }, 'hw'));
      assert.equal((byType.selectedModule as Mod).moduleModel, 'temperatureModuleV2');

      const none = expectCaught(await h!.send({ action: 'modules', module: 'thermocyclerModuleV2' }, 'hw'));
      assert.equal(none.error.code, 'ModuleNotFound');
      assert.match(none.error.message, /no attached module matches "thermocyclerModuleV2": attached are temperatureModuleV2 .*magneticModuleV2/);

      h!.sim.attachModule('temperatureModuleV2', 'TDV2-SECOND');
      const several = expectCaught(await h!.send({ action: 'modules', module: 'temperatureModuleV2' }, 'hw'));
      assert.equal(several.error.code, 'ModuleAmbiguous');
      assert.match(several.error.message, /2 modules match "temperatureModuleV2": .*TDV2-SECOND/);
      const bySerial = expectOut(await h!.send({ action: 'modules', module: 'TDV2-SECOND' }, 'hw'));
      assert.equal((bySerial.selectedModule as Mod).serialNumber, 'TDV2-SECOND');
    });

    it('bad input (unknown action, bad selector, bad deck configuration) is a clear error and sends nothing', async () => {
      // the config node checks the API version with one GET /health at deploy; count from after it
      await eventually(async () => (h!.sim.stats.count('GET', '/health') >= 1 ? true : undefined), 5000, 'the deploy-time /health');
      h!.sim.stats.reset();
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ action: 'temperature' }, /unknown action "temperature": set msg.action .* one of health, instruments, modules/],
        [{ action: ['door'] }, /unknown action an array/],
        [{ action: 'modules', module: ['temperatureModuleV2'] }, /msg.module must be a module model .*got an array/],
        [{ action: 'modules', module: { serial: 'x' } }, /msg.module must be .*got object/],
        [{ action: 'set-deck-configuration', payload: 'cutoutD3' }, /deck configuration: msg.payload is not a list of cutout fixtures/],
        [{ action: 'set-deck-configuration', payload: [{ cutoutId: 'cutoutD3' }] }, /entry 1 needs string cutoutId and cutoutFixtureId/],
      ];
      for (const [msg, want] of cases) {
        const err = expectCaught(await h!.send(msg, 'hw'));
        assert.equal(err.error.code, 'InvalidInput', JSON.stringify(msg));
        assert.match(err.error.message, want);
      }
      assert.equal(h!.sim.stats.requests.length, 0, 'the robot got no request');
    });
  });

  describe('actions on a Flex', () => {
    beforeEach(async () => {
      h = await commandHarness([hw('hw')], { model: 'Flex' }, TYPES);
    });

    it('health, instruments, modules (Heater-Shaker), lights, door, E-stop, deck configuration and calibration', async () => {
      assert.equal((expectOut(await h!.send({ action: 'health' }, 'hw')).payload as { robot_model: string }).robot_model, 'OT-3 Standard');
      const inst = expectOut(await h!.send({ action: 'instruments' }, 'hw'));
      assert.equal((inst.payload as unknown[]).length, 2);
      assert.equal(inst.pipettes, undefined, 'GET /pipettes is an OT-2 addition');
      const mods = (expectOut(await h!.send({ action: 'modules' }, 'hw')).payload as Mod[]).map((m) => m.moduleModel);
      assert.deepEqual(mods, ['temperatureModuleV2', 'heaterShakerModuleV1']);
      assert.deepEqual(expectOut(await h!.send({ action: 'lights' }, 'hw')).payload, { on: false });
      assert.deepEqual(expectOut(await h!.send({ action: 'door' }, 'hw')).payload, { status: 'closed', doorRequiredClosedForProtocol: true });
      assert.deepEqual(expectOut(await h!.send({ action: 'estop' }, 'hw')).payload, { status: 'disengaged', leftEstopPhysicalStatus: 'disengaged', rightEstopPhysicalStatus: 'disengaged' });
      const deck = expectOut(await h!.send({ action: 'deck-configuration' }, 'hw')).payload as { cutoutFixtures: unknown[] };
      assert.equal(deck.cutoutFixtures.length, 12);
      assert.ok('deckCalibration' in (expectOut(await h!.send({ action: 'calibration' }, 'hw')).payload as object));
    });

    it('set-deck-configuration: a valid deck is stored; the robot validation errors reach Catch, every problem named', async () => {
      const deck = (expectOut(await h!.send({ action: 'deck-configuration' }, 'hw')).payload as { cutoutFixtures: Array<{ cutoutId: string; cutoutFixtureId: string }> }).cutoutFixtures;
      const withChute = deck.map((f) => (f.cutoutId === 'cutoutD3' ? { ...f, cutoutFixtureId: 'wasteChuteRightAdapterNoCover' } : f));
      const set = expectOut(await h!.send({ action: 'set-deck-configuration', payload: { cutoutFixtures: withChute } }, 'hw'));
      assert.equal((set.payload as { cutoutFixtures: typeof deck }).cutoutFixtures.find((f) => f.cutoutId === 'cutoutD3')?.cutoutFixtureId, 'wasteChuteRightAdapterNoCover');
      assert.equal(typeof (set.payload as { lastModifiedAt?: string }).lastModifiedAt, 'string');

      const bad = [...withChute.filter((f) => f.cutoutId !== 'cutoutB2'), { cutoutId: 'cutoutA1', cutoutFixtureId: 'wasteChuteRightAdapterNoCover' }];
      const err = expectCaught(await h!.send({ action: 'set-deck-configuration', payload: bad }, 'hw'));
      assert.equal(err.error.code, 'InvalidDeckConfiguration');
      assert.equal(err.statusCode, 422);
      assert.equal((err.robotErrors as unknown[]).length, 3);
      assert.match(err.error.message, /InvalidLocationError cutoutA1 wasteChuteRightAdapterNoCover \(allowed in cutoutD3\)/);
      assert.match(err.error.message, /OvercrowdedCutoutError cutoutA1/);
      assert.match(err.error.message, /UnoccupiedCutoutError cutoutB2/);
      const after = expectOut(await h!.send({ action: 'deck-configuration' }, 'hw')).payload as { cutoutFixtures: typeof deck };
      assert.deepEqual(after.cutoutFixtures, withChute, 'the rejected deck changed nothing');
    });
  });

  describe('module selector by slot', () => {
    it('Flex: a slot finds the module the deck configuration puts there (one GET /deck_configuration, only for a slot)', async () => {
      h = await commandHarness([hw('hw')], { model: 'Flex' }, TYPES);
      const temp = (expectOut(await h.send({ action: 'modules' }, 'hw')).payload as Mod[]).find((m) => m.moduleModel === 'temperatureModuleV2')!;
      const deck = (await h.client.getDeckConfiguration()).cutoutFixtures.map((f) =>
        (f.cutoutId === 'cutoutC1' ? { cutoutId: 'cutoutC1', cutoutFixtureId: 'temperatureModuleV2', opentronsModuleSerialNumber: temp.serialNumber } : f));
      expectOut(await h.send({ action: 'set-deck-configuration', payload: deck }, 'hw'));

      h.sim.stats.reset();
      const byModel = expectOut(await h.send({ action: 'modules', module: 'temperatureModuleV2' }, 'hw'));
      assert.equal(byModel.moduleId, temp.id);
      assert.equal(h.sim.stats.count('GET', '/deck_configuration'), 0, 'a model selector reads no deck configuration');
      const bySlot = expectOut(await h.send({ action: 'modules', module: 'c1' }, 'hw'));
      assert.equal(bySlot.moduleId, temp.id);
      assert.equal((bySlot.selectedModule as Mod).serialNumber, temp.serialNumber);
      assert.equal(h.sim.stats.count('GET', '/deck_configuration'), 1);

      const empty = expectCaught(await h.send({ action: 'modules', module: 'B1' }, 'hw'));
      assert.equal(empty.error.code, 'ModuleNotFound');
      assert.match(empty.error.message, /put no module in slot B1: set msg.module to a model, type or serial number, or record the module's slot/);
    });

    it('Flex: a module set up in a slot (moduleOffset.slot) is found by it; two modules, two slots', async () => {
      h = await commandHarness([hw('hw')], { model: 'Flex' }, TYPES);
      const a3 = h.sim.attachModule('heaterShakerModuleV1', 'HSV1-A3', 'A3');
      const d3 = h.sim.attachModule('heaterShakerModuleV1', 'HSV1-D3', 'D3');
      const mods = expectOut(await h.send({ action: 'modules' }, 'hw')).payload as Array<Mod & { moduleOffset?: { slot: string } }>;
      assert.equal(mods.find((m) => m.id === a3)?.moduleOffset?.slot, 'A3');
      assert.equal(expectOut(await h.send({ action: 'modules', module: 'A3' }, 'hw')).moduleId, a3);
      assert.equal(expectOut(await h.send({ action: 'modules', module: 'D3' }, 'hw')).moduleId, d3);
      const both = expectCaught(await h.send({ action: 'modules', module: 'heaterShakerModuleV1' }, 'hw'));
      assert.match(both.error.message, /3 modules match "heaterShakerModuleV1"/);
    });

    it('OT-2: a slot is a clear error (the OT-2 reports no module slot) and reads no deck configuration', async () => {
      h = await commandHarness([hw('hw')], { model: 'OT-2' }, TYPES);
      const err = expectCaught(await h.send({ action: 'modules', module: '3' }, 'hw'));
      assert.equal(err.error.code, 'ModuleNotFound');
      assert.match(err.error.message, /an OT-2 does not report which slot a module is in: set msg.module to a model, type or serial number/);
      assert.equal(h.sim.stats.count(undefined, /deck_configuration/), 0);
    });

    it('watching by slot: msgs only for the module in that slot; on an OT-2 the watch is refused', async () => {
      h = await commandHarness([hw('w', { action: 'modules', watch: true, module: 'A3', interval: 500 })], { model: 'Flex', speed: 50 }, TYPES);
      const msgs = outMsgs();
      const a3 = h.sim.attachModule('heaterShakerModuleV1', 'HSV1-A3', 'A3');
      const found = await waitFor('the A3 module', () => msgs.find((m) => m.moduleId === a3));
      // attached before the watch's first read (as found: `state`) or after it (`attached`)
      assert.ok(['state', 'attached'].includes((found.payload as { change: string }).change));
      // the other modules change too; only A3's changes come out
      const other = (await h.client.getModules()).find((m) => m.moduleModel === 'temperatureModuleV2')!;
      await h.client.createCommand({ commandType: 'temperatureModule/setTargetTemperature', params: { moduleId: other.id, celsius: 30 } }, { waitUntilComplete: true });
      await h.client.createCommand({ commandType: 'heaterShaker/setTargetTemperature', params: { moduleId: a3, celsius: 40 } }, { waitUntilComplete: true });
      await waitFor('A3 heating', () => msgs.find((m) => ((m.payload as { current: Mod | null }).current?.data.temperatureStatus === 'heating')));
      await sleep(600);
      assert.ok(msgs.length >= 2);
      assert.deepEqual([...new Set(msgs.map((m) => m.moduleId))], [a3], 'only the module in A3');
      await h.close();

      h = await commandHarness([hw('w', { action: 'modules', watch: true, module: '3' })], { model: 'OT-2' }, TYPES);
      await eventually(async () => (/an OT-2 reports no module slot/.test(h!.lastStatus('w')) ? true : undefined), 5000, 'the refusal');
      assert.equal(liveWatchers(), 0);
    });
  });

  describe('module control end to end (set temperature → watch until reached → read back)', () => {
    /**
     * modules(selector) → command (JSONata params from msg.moduleId, no function node) → a watching node's
     * module msg with the target reached → read back.
     */
    async function setAndWait(
      model: 'OT-2' | 'Flex', selector: string, commandType: string, params: string, reached: (d: Record<string, unknown>) => boolean,
      before: Array<[string, string]> = [], setUp: (sim: CommandHarness['sim']) => void = () => undefined,
    ): Promise<Record<string, unknown>> {
      h = await commandHarness(
        [
          hw('pick', { action: 'modules', module: selector }),
          { id: 'cmd', target: 'robot', commandType, params, paramsType: 'jsonata', waitUntilComplete: true },
          hw('watch', { action: 'modules', module: selector, watch: true, interval: 500, wires: [['watched']] }),
          ...before.map(([type, extra], i) => ({ id: `pre${i}`, target: 'robot', commandType: type, params: `{"moduleId": moduleId${extra}}`, paramsType: 'jsonata', waitUntilComplete: true })),
        ],
        { model, speed: 50 },
        TYPES,
        [{ id: 'watched', type: 'helper' }],
      );
      setUp(h.sim);
      const msgs = outMsgs('watched');
      // one msg along the chain, as wires would carry it: pick → (latch) → set → … → read back
      const picked = expectOut(await h.send({ action: 'modules', module: selector }, 'pick'));
      assert.equal(typeof picked.moduleId, 'string');
      let msg: AnyMsg = picked;
      for (let i = 0; i < before.length; i++) msg = expectOut(await h.send(msg, `pre${i}`));
      const sent = expectOut(await h.send(msg, 'cmd'));
      assert.equal((sent.payload as { status: string }).status, 'succeeded');
      assert.equal(sent.moduleId, picked.moduleId);
      const done = await waitFor('the module msg saying the target is reached', () =>
        msgs.find((m) => m.topic === 'module' && m.moduleId === picked.moduleId && reached(((m.payload as { current: Mod }).current).data)));
      assert.equal((done.payload as { what: string }).what, 'module');
      // read back: the msg that went through the command node still names the module (msg.module stays)
      const back = expectOut(await h.send({ ...sent, action: 'modules' }, 'pick'));
      assert.equal(back.moduleId, picked.moduleId);
      return (back.selectedModule as Mod).data;
    }

    it('OT-2 temperature module: 4 °C set, reached, read back', async () => {
      const data = await setAndWait('OT-2', 'temperatureModuleV2', 'temperatureModule/setTargetTemperature', '{"moduleId": moduleId, "celsius": 4}', (d) => d.status === 'holding at target');
      assert.deepEqual(data, { status: 'holding at target', currentTemperature: 4, targetTemperature: 4 });
    });

    it('OT-2 magnetic module: engaged at 10 mm, read back', async () => {
      const data = await setAndWait('OT-2', 'magneticModuleV2', 'magneticModule/engage', '{"moduleId": moduleId, "height": 10}', (d) => d.engaged === true);
      assert.deepEqual(data, { status: 'engaged', engaged: true, height: 10 });
    });

    it('Flex temperature module and Heater-Shaker (latch closed, 37 °C reached, read back)', async () => {
      const temp = await setAndWait('Flex', 'temperatureModuleV2', 'temperatureModule/setTargetTemperature', '{"moduleId": moduleId, "celsius": 4}', (d) => d.status === 'holding at target');
      assert.equal(temp.currentTemperature, 4);
      await h!.close();
      const hs = await setAndWait('Flex', 'heaterShakerModuleV1', 'heaterShaker/setTargetTemperature', '{"moduleId": moduleId, "celsius": 37}',
        (d) => d.temperatureStatus === 'holding at target', [['heaterShaker/closeLabwareLatch', '']]);
      assert.equal(hs.currentTemperature, 37);
      assert.equal(hs.labwareLatchStatus, 'idle_closed');
    });

    it('OT-2 Heater-Shaker (attached): latch closed, shaking at 500 rpm, read back', async () => {
      const hs = await setAndWait('OT-2', 'heaterShakerModuleV1', 'heaterShaker/setAndWaitForShakeSpeed', '{"moduleId": moduleId, "rpm": 500}',
        (d) => d.speedStatus === 'holding at target', [['heaterShaker/closeLabwareLatch', '']], (sim) => sim.attachModule('heaterShakerModuleV1', 'HSV1-OT2'));
      assert.equal(hs.currentSpeed, 500);
      assert.equal(hs.labwareLatchStatus, 'idle_closed');
      assert.equal(hs.status, 'running');
    });

    it('waitForTemperature is refused as a stateless command, and an unknown moduleId fails the command: both reach Catch', async () => {
      h = await commandHarness([{ id: 'cmd', target: 'robot', commandType: '', waitUntilComplete: true }], { model: 'OT-2' }, TYPES);
      h.sim.stats.reset();
      const wait = expectCaught(await h.send({ commandType: 'temperatureModule/waitForTemperature', params: { moduleId: 'x' } }));
      assert.match(wait.error.message, /temperatureModule\/waitForTemperature/);
      assert.equal(h.sim.stats.count('POST', '/commands'), 0, 'refused before sending');

      const bogus = expectCaught(await h.send({ commandType: 'magneticModule/engage', params: { moduleId: 'no-such-module', height: 10 } }));
      assert.equal(bogus.error.code, 'ModuleNotLoadedError');
      assert.match(bogus.error.message, /failed on the robot: Module no-such-module not found/);
      assert.equal(h.sim.stats.count('POST', '/commands'), 1);
    });
  });

  describe('watching', () => {
    it('door: the state as found, then exactly one msg per open and per close', async () => {
      h = await commandHarness([hw('door', { action: 'door', watch: true })], { model: 'Flex' }, TYPES);
      const msgs = outMsgs();
      await waitFor('first door msg', () => msgs.find((m) => m.topic === 'door'));
      h.sim.setDoor(true);
      await waitFor('door open msg', () => msgs.find((m) => (m.payload as { current: { status: string } }).current.status === 'open'));
      h.sim.setDoor(false);
      await waitFor('door closed msg', () => msgs.filter((m) => m.topic === 'door').length >= 3 ? true : undefined);
      await sleep(1200);
      const door = msgs.filter((m) => m.topic === 'door').map((m) => m.payload as { what: string; current: { status: string }; previous: { status: string } | null; robot: string });
      assert.deepEqual(door.map((p) => [p.previous?.status ?? null, p.current.status]), [[null, 'closed'], ['closed', 'open'], ['open', 'closed']]);
      assert.equal(door[1].what, 'door');
      assert.equal(typeof door[1].robot, 'string');
    });

    it('E-stop pressed and released (Flex)', async () => {
      h = await commandHarness([hw('es', { action: 'estop', watch: true })], { model: 'Flex' }, TYPES);
      const msgs = outMsgs();
      await waitFor('first estop msg', () => msgs.find((m) => m.topic === 'estop'));
      h.sim.setEstop(true);
      await waitFor('pressed', () => msgs.find((m) => (m.payload as { current: { status: string } }).current.status === 'physicallyEngaged'));
      h.sim.setEstop(false);
      await waitFor('released', () => msgs.find((m) => (m.payload as { current: { status: string } }).current.status === 'logicallyEngaged'));
      assert.deepEqual(msgs.filter((m) => m.topic === 'estop').map((m) => (m.payload as { current: { status: string } }).current.status), ['disengaged', 'physicallyEngaged', 'logicallyEngaged']);
    });

    it('modules: attached and detached modules, readings only when asked', async () => {
      h = await commandHarness([hw('w', { action: 'modules', watch: true, readings: false })], { model: 'OT-2' }, TYPES);
      const msgs = outMsgs();
      await waitFor('both modules as found', () => (msgs.filter((m) => m.topic === 'module').length === 2 ? true : undefined));
      const id = h.sim.attachModule('heaterShakerModuleV1');
      const attached = await waitFor('attached', () => msgs.find((m) => (m.payload as { change: string }).change === 'attached'));
      assert.equal(attached.moduleId, id);
      h.sim.detachModule(id);
      const detached = await waitFor('detached', () => msgs.find((m) => (m.payload as { change: string }).change === 'detached'));
      assert.equal((detached.payload as { current: unknown }).current, null);
      assert.equal(msgs.filter((m) => (m.payload as { change: string }).change === 'temperature').length, 0);
    });

    it('robot down and back: robot-unreachable, then robot-reachable, once each', async () => {
      h = await commandHarness([hw('door', { action: 'door', watch: true })], { model: 'OT-2' }, TYPES);
      const msgs = outMsgs();
      await waitFor('first door msg', () => msgs.find((m) => m.topic === 'door'));
      await h.sim.faults.down();
      await waitFor('unreachable', () => msgs.find((m) => m.topic === 'robot-unreachable'), 10_000);
      await h.sim.faults.up();
      await waitFor('reachable', () => msgs.find((m) => m.topic === 'robot-reachable'), 15_000);
      assert.equal(msgs.filter((m) => m.topic === 'robot-unreachable').length, 1);
      assert.equal(msgs.filter((m) => m.topic === 'robot-reachable').length, 1);
      assert.equal(msgs.filter((m) => m.topic === 'door').length, 1, 'the door did not change');
    });

    it('a watch that needs the robot\'s model (E-stop, a slot) waits for a robot that is down at deploy, then watches', async () => {
      const sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'Flex' });
      try {
        await sim.faults.down();
        await loadFlow([
          { id: 'robot', type: 'opentrons-robot', host: '127.0.0.1', port: sim.port, apiVersion: '3', timeout: 2, notifications: 'off' },
          { ...hw('es', { robot: 'robot', action: 'estop', watch: true, interval: 1000, wires: [['out']] }), id: 'es', type: 'opentrons-hardware' },
          { ...hw('slot', { robot: 'robot', action: 'modules', module: 'A3', watch: true, interval: 1000, wires: [['out']] }), id: 'slot', type: 'opentrons-hardware' },
          { id: 'out', type: 'helper' },
        ], { types: TYPES });
        const statuses = new Map<string, string>();
        for (const id of ['es', 'slot']) {
          (getNode(id) as unknown as NodeJS.EventEmitter).on('call:status', (c: { args: Array<{ text?: string }> }) => statuses.set(id, String(c.args[0]?.text)));
        }
        const msgs = outMsgs();
        await eventually(async () => (statuses.get('es') === 'robot unreachable — retrying' && statuses.get('slot') === 'robot unreachable — retrying' ? true : undefined), 10_000, 'both retrying');
        assert.equal(liveWatchers(), 0, 'nothing watched yet');
        await sim.faults.up();
        const a3 = sim.attachModule('heaterShakerModuleV1', 'HSV1-A3', 'A3');
        await waitFor('the E-stop as found', () => msgs.find((m) => m.topic === 'estop'), 10_000);
        await waitFor('the module in A3', () => msgs.find((m) => m.moduleId === a3), 10_000);
      } finally {
        await unloadFlow();
        await sim.stop();
      }
    });

    it('two nodes watching the door share one reader: one set of requests; nothing runs after close', async () => {
      h = await commandHarness([hw('a', { action: 'door', watch: true }), hw('b', { action: 'door', watch: true })], { model: 'OT-2' }, TYPES);
      const msgs = outMsgs();
      await waitFor('both nodes told the state', () => (msgs.filter((m) => m.topic === 'door').length === 2 ? true : undefined));
      assert.equal(liveWatchers(), 1);
      const start = Date.now();
      const before = h.sim.stats.count('GET', '/robot/door/status');
      await sleep(2100);
      const reads = h.sim.stats.count('GET', '/robot/door/status') - before;
      const expected = (Date.now() - start) / 500;
      assert.ok(reads <= Math.ceil(expected) + 1 && reads >= 2, `one reader at 500 ms: ${reads} reads in ${Date.now() - start} ms`);
      await unloadFlow();
      h.sim.stats.reset();
      await sleep(1200);
      assert.equal(h.sim.stats.requests.length, 0, 'no request after close');
      assert.equal(liveWatchers(), 0);
    });

    it('a watch setting that cannot work is refused at deploy (interval below 500 ms, action that cannot be watched)', async () => {
      h = await commandHarness([hw('fast', { action: 'door', watch: true, interval: 100 }), hw('health', { action: 'health', watch: true })], { model: 'OT-2' }, TYPES);
      await sleep(300);
      assert.match(h.lastStatus('fast'), /interval "100" must be at least 500 ms/);
      assert.match(h.lastStatus('health'), /cannot be watched/);
      assert.equal(h.sim.stats.count('GET', '/robot/door/status'), 0);
      assert.equal(liveWatchers(), 0);
    });
  });
});
