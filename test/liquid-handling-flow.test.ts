// The shipped example flows of opentrons-command, loaded from examples/ as a user would import them,
// deployed with their simulated robot (simulate: true) and run end to end.
import assert from 'node:assert/strict';
import type { RobotClient } from '../nodes/lib/client';
import type { RobotConfigNode } from '../nodes/lib/node-support';
import type { Command } from '../nodes/lib/types';
import { closeExampleServers, deployExample, readFlow, type DeployedExample } from './examples/deploy';
import { helper, unloadFlow } from './helpers/nodered';

function robotClient(ex: DeployedExample): RobotClient {
  const config = ex.flow.find((n) => n.type === 'opentrons-robot' && n.simulate === true);
  assert.ok(config, 'the example has a simulated robot');
  const node = helper.getNode(config.id) as unknown as RobotConfigNode;
  assert.ok(node?.client, 'the simulated robot is running');
  return node.client;
}

describe('example: atomic-liquid-handling.json', function () {
  this.timeout(30_000);
  afterEach(async () => {
    await unloadFlow();
    await closeExampleServers();
  });

  it('is a straight wire of command nodes with no function nodes, and tells the 7.1 no-fixed-trash rule', () => {
    const flow = readFlow('atomic-liquid-handling');
    assert.equal(flow.filter((n) => n.type === 'function').length, 0);
    const types = flow.filter((n) => n.type === 'opentrons-command').map((n) => n.commandType);
    assert.deepEqual(types, [
      'loadLabware',
      'loadLabware',
      'loadLabware',
      'loadPipette',
      'pickUpTip',
      'aspirate',
      'dispense',
      'moveToAddressableAreaForDropTip',
      'dropTipInPlace',
    ]);
    const comment = flow.find((n) => n.type === 'comment');
    assert.match(String(comment?.info), /no fixed trash/i);
    assert.ok(flow.some((n) => n.type === 'opentrons-robot' && n.simulate === true));
  });

  it('deploys and transfers 100 µL end to end: each step succeeded on the robot, ids chained by name', async () => {
    const ex = await deployExample('atomic-liquid-handling');
    ex.click('transfer 100 µL reservoir A1 → plate A1');
    const done = await ex.next('done', 20_000);
    assert.deepEqual(ex.pending('errors'), [], 'no command failed');
    const last = done.payload as Command;
    assert.equal(last.commandType, 'dropTipInPlace');
    assert.equal(last.status, 'succeeded');
    const ids = done.ids as Record<string, string>;
    assert.deepEqual(Object.keys(ids).sort(), ['pipette', 'plate', 'reservoir', 'tiprack']);

    // What the robot itself recorded for the run, in order.
    const client = robotClient(ex);
    const runId = done.runId as string;
    const page = await client.listRunCommands(runId, { cursor: 0, pageLength: 50 });
    assert.deepEqual(
      page.data.map((c) => [c.commandType, c.status, c.intent]),
      [
        ['loadLabware', 'succeeded', 'setup'],
        ['loadLabware', 'succeeded', 'setup'],
        ['loadLabware', 'succeeded', 'setup'],
        ['loadPipette', 'succeeded', 'setup'],
        ['pickUpTip', 'succeeded', 'setup'],
        ['aspirate', 'succeeded', 'setup'],
        ['dispense', 'succeeded', 'setup'],
        ['moveToAddressableAreaForDropTip', 'succeeded', 'setup'],
        ['dropTipInPlace', 'succeeded', 'setup'],
      ],
    );
    const byType = (t: string): Command => page.data.find((c) => c.commandType === t) as Command;
    assert.equal(byType('pickUpTip').params.labwareId, ids.tiprack);
    assert.equal(byType('aspirate').params.labwareId, ids.reservoir);
    assert.equal(byType('dispense').params.labwareId, ids.plate);
    const aspirate = await client.getRunCommand(runId, byType('aspirate').id);
    assert.equal((aspirate.result as Record<string, unknown>).volume, 100);
    const run = await client.getRun(runId);
    assert.equal(run.pipettes.length, 1);
    assert.equal(run.labware.length, 3, 'no fixed trash in a protocol-less run: only the three loaded labware');
  });

  it('a second click makes a fresh run and transfers again', async () => {
    const ex = await deployExample('atomic-liquid-handling');
    ex.click('transfer 100 µL reservoir A1 → plate A1');
    const first = await ex.next('done', 20_000);
    ex.click('transfer 100 µL reservoir A1 → plate A1');
    const second = await ex.next('done', 20_000);
    assert.notEqual(first.runId, second.runId);
    assert.deepEqual(ex.pending('errors'), []);
  });
});

describe('example: robot-basics.json', function () {
  this.timeout(30_000);
  afterEach(async () => {
    await unloadFlow();
    await closeExampleServers();
  });

  it('homes, homes the left pipette\'s axes, and switches the rail lights on and off', async () => {
    const flow = readFlow('robot-basics');
    assert.equal(flow.filter((n) => n.type === 'function').length, 0);
    const ex = await deployExample('robot-basics');

    ex.click('home');
    const home = (await ex.next('done')).payload as Command;
    assert.deepEqual([home.commandType, home.status], ['home', 'succeeded']);
    const client = robotClient(ex); // the simulated robot has started by now

    ex.click('home left pipette');
    const left = (await ex.next('done')).payload as Command;
    assert.deepEqual(left.params.axes, ['leftZ', 'leftPlunger']);

    ex.click('lights on');
    assert.equal(((await ex.next('done')).payload as Command).status, 'succeeded');
    assert.deepEqual(await client.getLights(), { on: true });
    ex.click('lights off');
    await ex.next('done');
    assert.deepEqual(await client.getLights(), { on: false });

    const sent = await client.listCommands({ cursor: 0, pageLength: 10 });
    assert.deepEqual(sent.data.map((c) => c.commandType), ['home', 'home', 'setRailLights', 'setRailLights']);
    assert.deepEqual(ex.pending('errors'), []);
  });
});
