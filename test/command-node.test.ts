// opentrons-command against the simulated robot over real HTTP: stateless commands, atomic commands
// in a protocol-less run, the robot's "201 but failed/unfinished" answers, validation before sending.
import assert from 'node:assert/strict';
import type { Command, Run } from '../nodes/lib/types';
import { AnyMsg, CommandHarness, commandHarness, eventually, expectCaught, expectOut } from './helpers/command-node';
import { deployRig, errorOf, until } from './reliability/rig';

const TIPRACK = { loadName: 'opentrons_96_tiprack_300ul', namespace: 'opentrons', version: 1 };
const PLATE = { loadName: 'nest_96_wellplate_200ul_flat', namespace: 'opentrons', version: 2 };

function command(msg: AnyMsg): Command {
  return msg.payload as Command;
}


describe('opentrons-command: stateless robot commands (POST /commands)', function () {
  let h: CommandHarness;
  afterEach(async () => h?.close());

  it('homes the robot and outputs the command with its result', async () => {
    h = await commandHarness([{ target: 'robot', commandType: 'home', params: '{}', paramsType: 'json' }]);
    const msg = expectOut(await h.send({ payload: 'go', topic: 't' }));
    assert.equal(command(msg).commandType, 'home');
    assert.equal(command(msg).status, 'succeeded');
    assert.equal(msg.commandId, command(msg).id);
    assert.equal(msg.topic, 't', 'the incoming msg passes through');
    assert.equal(h.sim.stats.count('POST', '/commands'), 1);
    const listed = await h.client.getCommand(msg.commandId as string);
    assert.equal(listed.status, 'succeeded');
    assert.equal(h.completed(), 1, 'done() called once without an error');
  });

  it('homes only the axes given (one pipette: leftZ + leftPlunger)', async () => {
    h = await commandHarness([{ target: 'robot', commandType: 'home', params: '{"axes":["leftZ","leftPlunger"]}', paramsType: 'json' }]);
    const msg = expectOut(await h.send({}));
    assert.deepEqual(command(msg).params, { axes: ['leftZ', 'leftPlunger'] });
    assert.equal(command(msg).status, 'succeeded');
  });

  it('turns the rail lights on and off, and the robot reports the new state', async () => {
    h = await commandHarness([{ target: 'robot', commandType: 'setRailLights', params: 'payload', paramsType: 'msg' }]);
    expectOut(await h.send({ payload: { on: true } }));
    assert.deepEqual(await h.client.getLights(), { on: true });
    expectOut(await h.send({ payload: { on: false } }));
    assert.deepEqual(await h.client.getLights(), { on: false });
    assert.equal(h.sim.stats.count('POST', '/commands'), 2);
  });

  it('refuses a run-only type for the stateless target without sending anything', async () => {
    h = await commandHarness([{ target: 'robot', commandType: '', params: '{}' }]);
    const msg = expectCaught(await h.send({ commandType: 'aspirate', params: { pipetteId: 'p', labwareId: 'l', wellName: 'A1', volume: 5, flowRate: 5 } }));
    assert.equal(msg.error.code, 'InvalidInput');
    assert.match(msg.error.message, /stateless POST \/commands accepts only/);
    assert.equal(h.sim.stats.count('POST'), 0);
  });

  it('reports the robot\'s 409 RunActive when a protocol run is in progress', async () => {
    h = await commandHarness([{ target: 'robot', commandType: 'home', params: '{}' }]);
    const run = await h.client.createRun({});
    // A protocol-intent pause keeps the played run active (paused, not terminal).
    await h.client.createRunCommand(run.id, { commandType: 'waitForResume', params: { message: 'hold' }, intent: 'protocol' });
    await h.client.createRunAction(run.id, 'play');
    await eventually(async () => ((await h.client.getRun(run.id)).status === 'paused' ? true : undefined), 5000, 'run paused');
    const msg = expectCaught(await h.send({}));
    assert.equal(msg.error.code, 'RunActive');
    assert.equal(msg.statusCode, 409);
    assert.equal((msg.robotError as { id?: string }).id, 'RunActive');
    assert.match(msg.error.message, /Run Active/);
    await h.client.createRunAction(run.id, 'stop');
  });

  it('a wait that ends before the command is COMMAND_NOT_FINISHED with msg.commandId, and the command is never sent again', async () => {
    // One simulated command takes 3 s here; the node waits 100 ms.
    h = await commandHarness([{ target: 'robot', commandType: 'home', params: '{}', timeout: 100 }], { speed: 1, commandMs: 3000 });
    const started = Date.now();
    const msg = expectCaught(await h.send({}));
    assert.ok(Date.now() - started < 2500, 'the robot answered when the wait ended, not when the command did');
    // Not ETIMEDOUT: the robot answered, and the command is on it and may still run.
    assert.equal(msg.error.code, 'COMMAND_NOT_FINISHED');
    assert.match(msg.error.message, /still (queued|running) after waiting 100 ms: the command is on the robot and may still run/);
    assert.equal(typeof msg.commandId, 'string');
    assert.match(msg.error.message, new RegExp(`command ${String(msg.commandId)}`), 'the message names the command');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(h.sim.stats.count('POST', '/commands'), 1, 'sent exactly once');
    const onRobot = await h.client.getCommand(msg.commandId as string);
    assert.ok(['queued', 'running'].includes(onRobot.status), 'the command is still the robot\'s to finish');
  });

  it('a request with no answer within the robot timeout is ETIMEDOUT (not COMMAND_NOT_FINISHED)', async function () {
    this.timeout(15_000);
    const rig = await deployRig({
      type: 'opentrons-command',
      props: { target: 'robot', commandType: 'home', params: '{}', paramsType: 'json', waitUntilComplete: false },
      timeoutS: 1,
    });
    try {
      rig.sim.faults.slowNext({ method: 'POST', path: '/commands', delayMs: 2500 });
      rig.send({});
      await until(() => rig.caught.length > 0, 8000, 'no error for the Catch node');
      const err = errorOf(rig.caught[0]);
      assert.equal(err.code, 'ETIMEDOUT');
      assert.match(err.message, /no answer from the robot within 1000 ms/);
      assert.equal(rig.out.length, 0);
    } finally {
      await rig.close();
    }
  });

  it('does not wait when waitUntilComplete is off: outputs the command as the robot accepted it', async () => {
    h = await commandHarness([{ target: 'robot', commandType: 'home', params: '{}', waitUntilComplete: false }], { speed: 1, commandMs: 1000 });
    const msg = expectOut(await h.send({}));
    assert.ok(['queued', 'running'].includes(command(msg).status));
  });
});

describe('opentrons-command: atomic commands in a protocol-less run', function () {
  let h: CommandHarness;
  afterEach(async () => h?.close());

  async function setupNodes(): Promise<CommandHarness> {
    return commandHarness([
      { id: 'tiprack', commandType: 'loadLabware', params: JSON.stringify({ location: { slotName: '1' }, ...TIPRACK }), storeIdAs: 'tiprack' },
      { id: 'plate', commandType: 'loadLabware', params: JSON.stringify({ location: { slotName: '2' }, ...PLATE }), storeIdAs: 'plate' },
      { id: 'pipette', commandType: 'loadPipette', params: '{"pipetteName":"p300_single_gen2","mount":"right"}', storeIdAs: 'pipette' },
      {
        id: 'pick',
        commandType: 'pickUpTip',
        paramsType: 'jsonata',
        params: '{"pipetteId": ids.pipette, "labwareId": ids.tiprack, "wellName": "A1"}',
      },
      {
        id: 'aspirate',
        commandType: 'aspirate',
        paramsType: 'jsonata',
        params: '{"pipetteId": ids.pipette, "labwareId": ids.plate, "wellName": "A1", "volume": 50, "flowRate": 46}',
      },
      { id: 'generic', commandType: '', params: '{}' },
      { id: 'queued', commandType: 'moveToWell', intent: 'protocol', paramsType: 'jsonata', params: '{"pipetteId": ids.pipette, "labwareId": ids.plate, "wellName": "B2"}' },
    ]);
  }

  /** Runs msg through the listed nodes in order, as a wire would, and returns the last output. */
  async function chain(ids: string[], msg: AnyMsg): Promise<AnyMsg> {
    let m = msg;
    for (const id of ids) m = expectOut(await h.send(m, id));
    return m;
  }

  it('loads labware and a pipette and picks up a tip (setup intent, waited), chaining ids by name', async () => {
    h = await setupNodes();
    const run = await h.client.createRun({});
    const msg = await chain(['tiprack', 'plate', 'pipette', 'pick'], {});
    assert.equal(msg.runId, run.id, 'no run id given: the robot\'s current run was used');
    assert.match(h.lastStatus('tiprack'), /current run/, 'the first node found the current run and said so');
    assert.doesNotMatch(h.lastStatus('pick'), /current run/, 'later nodes use msg.runId from the first');
    const ids = msg.ids as Record<string, string>;
    assert.equal(typeof ids.tiprack, 'string');
    assert.equal(typeof ids.plate, 'string');
    assert.equal(msg.pipetteId, ids.pipette);
    assert.equal(msg.labwareId, ids.plate, 'msg.labwareId is the last loaded labware');
    const pick = command(msg);
    assert.equal(pick.commandType, 'pickUpTip');
    assert.equal(pick.status, 'succeeded');
    assert.equal(pick.intent, 'setup');
    assert.deepEqual([pick.params.pipetteId, pick.params.labwareId, pick.params.wellName], [ids.pipette, ids.tiprack, 'A1'], 'JSONata params read msg.ids');
    const onRobot: Run = await h.client.getRun(run.id);
    assert.equal(onRobot.status, 'idle', 'setup commands run without play');
    assert.equal(onRobot.labware.length, 2);
    assert.equal(onRobot.pipettes.length, 1);
    const loaded = await h.client.getRunCommand(run.id, msg.commandId as string);
    assert.equal(typeof (loaded.result as Record<string, unknown>).tipVolume, 'number');
    assert.equal(h.completed(), 4);
  });

  it('every atomic step of the robot documentation\'s example, from a flow: aspirate, dispense, blowout, moveToWell, moveToCoordinates, moveRelative, dropTip', async () => {
    h = await setupNodes();
    const run = await h.client.createRun({});
    const ready = await chain(['tiprack', 'plate', 'pipette', 'pick'], {});
    const ids = ready.ids as Record<string, string>;
    const top = { origin: 'top', offset: { x: 0, y: 0, z: 10 } };
    const steps = [
      { commandType: 'aspirate', params: { pipetteId: ids.pipette, labwareId: ids.plate, wellName: 'A1', volume: 50, flowRate: 46, wellLocation: { origin: 'bottom', offset: { x: 0, y: 0, z: 1 } } } },
      { commandType: 'dispense', params: { pipetteId: ids.pipette, labwareId: ids.plate, wellName: 'A2', volume: 50, flowRate: 46 } },
      { commandType: 'blowout', params: { pipetteId: ids.pipette, labwareId: ids.plate, wellName: 'A2', flowRate: 46, wellLocation: top } },
      { commandType: 'moveToWell', params: { pipetteId: ids.pipette, labwareId: ids.plate, wellName: 'A3', wellLocation: top } },
      { commandType: 'moveToCoordinates', params: { pipetteId: ids.pipette, coordinates: { x: 100, y: 100, z: 100 }, minimumZHeight: 50, forceDirect: true } },
      { commandType: 'moveRelative', params: { pipetteId: ids.pipette, axis: 'z', distance: 10 } },
      { commandType: 'dropTip', params: { pipetteId: ids.pipette, labwareId: ids.tiprack, wellName: 'A1' } },
    ];
    const msg = expectOut(await h.send({ ...ready, payload: steps }, 'generic'));
    const results = msg.payload as Command[];
    assert.deepEqual(results.map((c) => [c.commandType, c.status]), steps.map((s) => [s.commandType, 'succeeded']));
    assert.equal((results[0].result as Record<string, unknown>).volume, 50);
    const onRobot = await h.client.listRunCommands(run.id, { cursor: 0, pageLength: 50 });
    assert.equal(onRobot.meta.totalLength, 4 + steps.length, 'each step sent once');
  });

  it('sends to msg.runId when given', async () => {
    h = await setupNodes();
    const run = await h.client.createRun({});
    const msg = expectOut(await h.send({ runId: run.id }, 'pipette'));
    assert.equal(msg.runId, run.id);
    assert.doesNotMatch(h.lastStatus('pipette'), /current run/);
    assert.equal(h.sim.stats.count('GET', '/runs'), 0, 'no current-run lookup');
  });

  it('the run id setting is a typedInput (msg property here); a plain saved run id (no runIdType) still works', async () => {
    h = await commandHarness([
      { id: 'typed', commandType: 'loadPipette', params: '{"pipetteName":"p300_single_gen2","mount":"right"}', runId: 'target.run', runIdType: 'msg' },
    ]);
    const run = await h.client.createRun({});
    const typed = expectOut(await h.send({ target: { run: run.id } }, 'typed'));
    assert.equal(typed.runId, run.id);
    // Saved before the typedInput: run id text and no runIdType. It is used as the run id, as before.
    await h.close();
    h = await commandHarness([{ id: 'plain', commandType: 'home', params: '{}', runId: 'saved-run-1' }]);
    const plain = expectCaught(await h.send({}, 'plain'));
    assert.equal(plain.statusCode, 404);
    assert.equal(h.sim.stats.count('POST', '/runs/saved-run-1/commands'), 1);
  });

  it('a malformed msg.runId (100 kB, control characters) is an input error and nothing is sent', async () => {
    h = await setupNodes();
    const before = h.sim.stats.count();
    for (const runId of ['r'.repeat(100_000), 'run\nid']) {
      const msg = expectCaught(await h.send({ runId }, 'pipette'));
      assert.equal(msg.error.code, 'InvalidInput');
      assert.match(msg.error.message, /msg\.runId (is 100000 characters long|contains control characters)/);
    }
    assert.equal(h.sim.stats.count(), before, 'nothing sent to the robot');
  });

  it('queues a protocol-intent command on an un-played run without waiting; it runs only after play', async () => {
    h = await setupNodes();
    const run = await h.client.createRun({});
    const ready = await chain(['plate', 'pipette'], {});
    const msg = expectOut(await h.send(ready, 'queued'));
    const queued = command(msg);
    assert.equal(queued.intent, 'protocol');
    assert.equal(queued.status, 'queued');
    assert.match(h.lastStatus('queued'), /queued until play/);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await h.client.getRunCommand(run.id, queued.id)).status, 'queued', 'still queued: the run was not played');
    await h.client.createRunAction(run.id, 'play');
    const done = await eventually(async () => {
      const c = await h.client.getRunCommand(run.id, queued.id);
      return c.status === 'succeeded' ? c : undefined;
    }, 5000, 'queued command succeeded after play');
    assert.equal(done.commandType, 'moveToWell');
  });

  it('waits on a protocol-intent command when the run is already playing', async () => {
    h = await setupNodes();
    const run = await h.client.createRun({});
    const ready = await chain(['plate', 'pipette'], {});
    await h.client.createRunCommand(run.id, { commandType: 'waitForResume', params: {}, intent: 'protocol' });
    await h.client.createRunAction(run.id, 'play');
    await eventually(async () => ((await h.client.getRun(run.id)).status === 'paused' ? true : undefined), 5000, 'run paused');
    const sending = h.send(ready, 'queued');
    await new Promise((r) => setTimeout(r, 100));
    await h.client.createRunAction(run.id, 'play');
    const msg = expectOut(await sending);
    assert.equal(command(msg).status, 'succeeded');
  });

  it('a failed command (aspirate without a tip) goes to Catch with the robot\'s error', async () => {
    h = await setupNodes();
    await h.client.createRun({});
    const ready = await chain(['plate', 'pipette'], {});
    const msg = expectCaught(await h.send(ready, 'aspirate'));
    assert.equal(msg.error.code, 'TipNotAttachedError');
    const robotError = msg.robotError as { errorType: string; errorCode: string; detail: string };
    assert.equal(robotError.errorType, 'TipNotAttachedError');
    assert.equal(robotError.errorCode, '3005');
    assert.match(robotError.detail, /without a tip/);
    assert.match(msg.error.message, /aspirate failed on the robot/);
    assert.equal(typeof msg.commandId, 'string');
  });

  it('an array of commands stops at the first failure and names it', async () => {
    h = await setupNodes();
    const run = await h.client.createRun({});
    const ready = await chain(['plate', 'pipette'], {});
    const ids = ready.ids as Record<string, string>;
    const aspirate = { commandType: 'aspirate', params: { pipetteId: ids.pipette, labwareId: ids.plate, wellName: 'A1', volume: 10, flowRate: 10 } };
    const before = h.sim.stats.count('POST', `/runs/${run.id}/commands`);
    const msg = expectCaught(
      await h.send({ ...ready, payload: [{ commandType: 'home', params: {} }, aspirate, { commandType: 'home', params: {} }] }, 'generic'),
    );
    assert.match(msg.error.message, /command 2 of 3 \(aspirate\) failed on the robot/);
    assert.equal(msg.error.code, 'TipNotAttachedError');
    assert.equal(h.sim.stats.count('POST', `/runs/${run.id}/commands`) - before, 2, 'the third command was not sent');
  });

  it('an array of commands that all succeed outputs an array of results', async () => {
    h = await setupNodes();
    await h.client.createRun({});
    const msg = expectOut(
      await h.send(
        {
          payload: [
            { commandType: 'loadLabware', params: { location: { slotName: '3' }, ...TIPRACK } },
            { commandType: 'loadPipette', params: { pipetteName: 'p20_single_gen2', mount: 'left' }, key: 'my-pipette' },
          ],
        },
        'generic',
      ),
    );
    const results = msg.payload as Command[];
    assert.equal(results.length, 2);
    assert.deepEqual(results.map((c) => c.status), ['succeeded', 'succeeded']);
    assert.equal(results[1].key, 'my-pipette');
    assert.equal(msg.labwareId, (results[0].result as Record<string, string>).labwareId);
    assert.equal(msg.pipetteId, (results[1].result as Record<string, string>).pipetteId);
    assert.equal(msg.commandId, results[1].id);
  });

  it('msg.commandType + msg.params override the editor and are consumed', async () => {
    h = await setupNodes();
    await h.client.createRun({});
    const msg = expectOut(await h.send({ commandType: 'loadPipette', params: { pipetteName: 'p20_single_gen2', mount: 'left' } }, 'tiprack'));
    assert.equal(command(msg).commandType, 'loadPipette');
    assert.equal(typeof msg.pipetteId, 'string');
    assert.equal(msg.commandType, undefined);
    assert.equal(msg.params, undefined);
  });

  it('refuses to resend a command the robot already answered (a previous output in msg.payload)', async () => {
    h = await setupNodes();
    await h.client.createRun({});
    const loaded = expectOut(await h.send({}, 'pipette'));
    const before = h.sim.stats.count('POST');
    const msg = expectCaught(await h.send(loaded, 'generic'));
    assert.match(msg.error.message, /already ran/);
    assert.equal(h.sim.stats.count('POST'), before);
  });

  it('with no run current on the robot: a clear error and no command sent', async () => {
    h = await setupNodes();
    const msg = expectCaught(await h.send({}, 'pipette'));
    assert.equal(msg.error.code, 'InvalidInput');
    assert.match(msg.error.message, /no current run/);
    assert.equal(h.sim.stats.count('POST'), 0);
  });

  it('Flex: slot names, module commands and moveLabware with the gripper pass through', async () => {
    h = await commandHarness([{ commandType: '', params: '{}' }], { model: 'Flex' });
    await h.client.createRun({});
    const msg = expectOut(
      await h.send({
        payload: [
          { commandType: 'loadLabware', params: { location: { slotName: 'C2' }, loadName: 'nest_96_wellplate_200ul_flat', namespace: 'opentrons', version: 2 } },
          { commandType: 'loadModule', params: { model: 'temperatureModuleV2', location: { slotName: 'D1' } } },
          { commandType: 'loadPipette', params: { pipetteName: 'p1000_single_flex', mount: 'right' } },
        ],
      }),
    );
    const [plate, module] = msg.payload as Command[];
    assert.deepEqual((await h.client.getRun(msg.runId as string)).labware.map((l) => (l.location as Record<string, unknown>).slotName), ['C2']);
    const labwareId = (plate.result as Record<string, string>).labwareId;
    const moduleId = (module.result as Record<string, string>).moduleId;
    assert.equal(msg.moduleId, moduleId);
    const moved = expectOut(
      await h.send({
        payload: [
          { commandType: 'temperatureModule/setTargetTemperature', params: { moduleId, celsius: 4 } },
          { commandType: 'moveLabware', params: { labwareId, newLocation: { slotName: 'B2' }, strategy: 'usingGripper' } },
          { commandType: 'configureNozzleLayout', params: { pipetteId: msg.pipetteId, configurationParams: { style: 'ALL' } } },
        ],
      }),
    );
    assert.deepEqual((moved.payload as Command[]).map((c) => c.status), ['succeeded', 'succeeded', 'succeeded']);
  });
});

describe('opentrons-command: validation before sending', function () {
  let h: CommandHarness;
  afterEach(async () => h?.close());

  it('an unknown command type: an error naming it, and no request to the robot', async () => {
    h = await commandHarness([{ commandType: '', params: '{}' }]);
    const msg = expectCaught(await h.send({ commandType: 'aspirat', params: {} }));
    assert.equal(msg.error.code, 'InvalidInput');
    assert.match(msg.error.message, /unknown command type "aspirat"/);
    assert.equal(h.sim.stats.count(undefined, /commands|runs/), 0);
  });

  it('bad params: an error naming the param, and no request to the robot', async () => {
    h = await commandHarness([{ commandType: 'aspirate', params: '{"pipetteId":"p","labwareId":"l","wellName":"A1","volume":"lots","flowRate":10}' }]);
    const msg = expectCaught(await h.send({ runId: 'any' }));
    assert.match(msg.error.message, /params\.volume must be number/);
    const missing = expectCaught(await h.send({ runId: 'any', params: { pipetteId: 'p', labwareId: 'l', wellName: 'A1', volume: 1 } }));
    assert.match(missing.error.message, /params\.flowRate is required/);
    assert.equal(h.sim.stats.count(undefined, /commands|runs/), 0);
  });

  it('an array with one bad entry sends none of them', async () => {
    h = await commandHarness([{ target: 'robot', commandType: '', params: '{}' }]);
    const msg = expectCaught(await h.send({ payload: [{ commandType: 'home', params: {} }, { commandType: 'setRailLights', params: { on: 'yes' } }] }));
    assert.match(msg.error.message, /command 2 of 2 \(setRailLights\): params\.on must be boolean/);
    assert.equal(h.sim.stats.count('POST'), 0);
  });

  it('"allow unknown types" sends a type this package does not know, and the robot judges it', async () => {
    h = await commandHarness([{ target: 'robot', commandType: 'futureCommand', params: '{}', allowUnknownTypes: true }]);
    const msg = expectCaught(await h.send({}));
    assert.equal(h.sim.stats.count('POST', '/commands'), 1, 'sent to the robot');
    assert.equal(msg.statusCode, 422);
  });

  it('a bad timeout or intent from the msg is refused before sending', async () => {
    h = await commandHarness([{ target: 'robot', commandType: 'home', params: '{}' }]);
    assert.match(expectCaught(await h.send({ timeout: -5 })).error.message, /timeout must be a whole number/);
    h.sim.stats.reset();
    const run = expectCaught(await h.send({ intent: 'later' }));
    assert.match(run.error.message, /intent must be "setup", "protocol" or "fixit"/);
    assert.equal(h.sim.stats.count('POST'), 0);
  });

  it('a fixit command to target robot is refused before sending: fixit goes into a run awaiting recovery', async () => {
    h = await commandHarness([{ target: 'robot', commandType: '', params: '{}' }]);
    const inPayload = expectCaught(await h.send({ failedCommandId: 'abc', payload: { commandType: 'home', params: {}, intent: 'fixit' } }));
    assert.equal(inPayload.error.code, 'InvalidInput');
    assert.match(inPayload.error.message, /fixit commands go into a run awaiting recovery: set the node's target to "run"/);
    const fromMsg = expectCaught(await h.send({ intent: 'fixit', failedCommandId: 'abc', payload: { commandType: 'home', params: {} } }));
    assert.equal(fromMsg.error.code, 'InvalidInput');
    assert.match(fromMsg.error.message, /set the node's target to "run"/);
    assert.equal(h.sim.stats.count('POST'), 0);
  });
});

describe('opentrons-command: lifecycle', function () {
  it('closing the flow aborts a command in flight and ends its msg once, without an error', async () => {
    const h = await commandHarness([{ target: 'robot', commandType: 'home', params: '{}', timeout: 60000 }], { speed: 1, commandMs: 30000 });
    try {
      let outcome: string | undefined;
      h.send({}).then(
        (o) => (outcome = o.kind),
        () => (outcome = 'none'),
      );
      await eventually(async () => (h.sim.stats.count('POST', '/commands') === 1 ? true : undefined), 2000, 'command sent');
      const started = Date.now();
      await h.close();
      assert.ok(Date.now() - started < 3000, 'close did not wait for the robot');
      assert.equal(outcome, undefined, 'no output and no error after close');
    } finally {
      await h.close().catch(() => undefined);
    }
  });
});
