// opentrons-deck in Node-RED against the simulated robot over real HTTP: the deck map of an OT-2 protocol, a
// Flex protocol (staging slot, waste chute, heater-shaker with an adapter, custom labware), a run in progress
// with its current well, a failed analysis, a slot that is not on the deck, and input errors that send nothing.
// The SVG is parsed and checked structurally: well-formed, each labware inside its slot (or its module),
// the names in their slots.
import assert from 'node:assert/strict';
import { RobotClient } from '../nodes/lib/client';
import type { NodeMessage } from 'node-red';
import { SimulatedRobot } from '../nodes/lib/simulator';
import type { Analysis } from '../nodes/lib/types';
import { getNode } from './helpers/nodered';
import { NodeUnderTest, eventually, protocolFile, robotRequests, startRobot, unloadFlow, type TestMsg } from './helpers/protocol-nodes';
import { all, boxOf, inside, parseXml, textOf, type El } from './helpers/svg';

type Deck = {
  robotType: string;
  slots: Record<string, { module?: { model: string; displayName: string }; labware: Array<{ id: string; displayName: string; definitionUri: string; liquids?: Record<string, string> }> }>;
  fixtures: Array<{ cutoutId: string; kind: string; label: string }>;
  pipettes: Record<string, { pipetteName: string; displayName: string }>;
  liquids: Array<{ displayName: string; color: string }>;
  highlight?: { labwareId?: string; wellName?: string; slot?: string; commandType: string; index?: number };
  problem?: string;
};

function clientOf(robot: SimulatedRobot): RobotClient {
  return new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 10_000 });
}

async function upload(client: RobotClient, file: string): Promise<{ protocolId: string; analysis: Analysis }> {
  const { protocol } = await client.uploadProtocol([{ filename: file, content: protocolFile(file) }]);
  const id = protocol.analysisSummaries?.[protocol.analysisSummaries.length - 1]?.id as string;
  let analysis = await client.getAnalysis(protocol.id, id);
  while (analysis.status !== 'completed') {
    await new Promise((r) => setTimeout(r, 20));
    analysis = await client.getAnalysis(protocol.id, id);
  }
  return { protocolId: protocol.id, analysis };
}

/** The parsed SVG and the pieces the checks below look at. */
function parsed(out: TestMsg): { svg: El; slot: (name: string) => El; labware: (id: string) => El; label: (slot: string) => string } {
  assert.equal(typeof out.payload, 'string', 'msg.payload is the SVG text');
  const svg = parseXml(out.payload as string);
  assert.equal(svg.name, 'svg');
  assert.equal(svg.attrs.xmlns, 'http://www.w3.org/2000/svg');
  const one = (pred: (e: El) => boolean, what: string): El => {
    const found = all(svg, pred);
    assert.equal(found.length, 1, `exactly one ${what} (found ${found.length})`);
    return found[0];
  };
  return {
    svg,
    slot: (name) => one((e) => e.name === 'rect' && e.attrs['data-slot'] === name && /otd-slot/.test(e.attrs.class ?? ''), `slot ${name}`),
    labware: (id) => one((e) => e.name === 'g' && e.attrs['data-labware-id'] === id, `labware ${id}`),
    label: (slot) => textOf(one((e) => e.attrs['data-label-slot'] === slot, `label of slot ${slot}`)),
  };
}

function bodyOf(g: El): El {
  const body = g.children.find((c) => c.name === 'rect' && /otd-lwb/.test(c.attrs.class ?? ''));
  assert.ok(body, `labware ${g.attrs['data-labware-id']} has a body`);
  return body;
}

function moduleRect(svg: El, slot: string): El {
  const found = all(svg, (e) => e.name === 'rect' && e.attrs['data-module-id'] !== undefined && e.attrs['data-slot'] === slot);
  assert.equal(found.length, 1, `one module in slot ${slot}`);
  return found[0];
}

/** Every text element's font size, as px when the picture is `width` px wide. */
function smallestTextPx(svg: El, width: number): number {
  const viewBoxWidth = Number(svg.attrs.viewBox.split(' ')[2]);
  const sizes = all(svg, (e) => e.attrs['font-size'] !== undefined).map((e) => Number(e.attrs['font-size']));
  return (Math.min(...sizes) * width) / viewBoxWidth;
}

describe('opentrons-deck node', function () {
  this.timeout(20_000);
  let robot: SimulatedRobot;
  let client: RobotClient;

  afterEach(async function () {
    await unloadFlow();
    await client?.close();
    await robot?.stop();
  });

  it('draws an OT-2 protocol from msg.protocolId: tip rack, reservoir, a plate on a temperature module, fixed trash, liquids, pipette', async function () {
    robot = await startRobot('OT-2');
    client = clientOf(robot);
    const { protocolId } = await upload(client, 'deck-ot2.json');
    const t = await NodeUnderTest.deploy(robot, 'opentrons-deck', {});
    const out = await t.ok({ protocolId, topic: 'kept' });
    assert.equal(out.topic, 'kept', 'the rest of the msg passes through');
    assert.equal(out.protocolId, protocolId);

    const deck = out.deck as Deck;
    assert.equal(deck.robotType, 'OT-2 Standard');
    assert.deepEqual(deck.slots['1'].labware.map((l) => l.displayName), ['Tips 300 µL']);
    assert.deepEqual(deck.slots['2'].labware.map((l) => l.displayName), ['Buffer reservoir']);
    assert.deepEqual(deck.slots['3'].labware.map((l) => l.displayName), ['Sample plate']);
    assert.equal(deck.slots['3'].module?.model, 'temperatureModuleV2');
    assert.equal(deck.slots['3'].module?.displayName, 'Temperature Module GEN2');
    assert.deepEqual(deck.slots['2'].labware[0].liquids, { A1: 'Buffer' });
    assert.deepEqual(deck.slots['3'].labware[0].liquids, { A1: 'Sample', B1: 'Sample', C1: 'Sample' });
    assert.deepEqual(deck.pipettes.right, { id: 'p300', pipetteName: 'p300_single_gen2', displayName: 'P300 Single-Channel GEN2' });
    assert.deepEqual(deck.fixtures, [{ cutoutId: 'cutout12', kind: 'fixedTrash', label: 'Trash' }]);
    assert.equal(deck.slots['12'], undefined, 'the fixed trash names the fixture, not a labware over it');

    const { svg, slot, labware, label } = parsed(out);
    for (const s of ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12']) slot(s);
    assert.ok(inside(boxOf(bodyOf(labware('tiprack'))), boxOf(slot('1'))), 'the tip rack lies in slot 1');
    assert.ok(inside(boxOf(bodyOf(labware('reservoir'))), boxOf(slot('2'))), 'the reservoir lies in slot 2');
    const mod = moduleRect(svg, '3');
    assert.ok(inside(boxOf(bodyOf(labware('plate'))), boxOf(mod)), 'the plate lies on the module in slot 3');
    assert.match(label('1'), /Tips 300 µL/);
    assert.match(label('3'), /Sample plate.*on Temperature Module GEN2/);
    assert.equal(all(labware('plate'), (e) => e.name === 'circle').length, 96, 'the plate shows its 96 wells');
    assert.equal(all(labware('plate'), (e) => /fill:#e8590c/.test(e.attrs.style ?? '')).length, 3, 'three wells hold the sample (its colour)');
    const text = textOf(svg);
    assert.match(text, /P300 Single-Channel GEN2/);
    assert.match(text, /Liquids:.*Buffer.*Sample/);
    assert.match(text, /Cold plate fill/, 'the protocol name is the title');
    assert.ok(all(svg, (e) => e.attrs['data-fixture'] === 'fixedTrash').length === 1, 'the fixed trash is drawn');
    // Readable on light and dark pages: an own background, and dark colours when the viewer prefers dark.
    assert.ok(all(svg, (e) => /otd-bg/.test(e.attrs.class ?? '')).length === 1);
    assert.match(out.payload as string, /@media \(prefers-color-scheme:dark\)/);
    assert.ok(smallestTextPx(svg, 600) >= 9.5, `text stays legible at 600 px wide (smallest ${smallestTextPx(svg, 600).toFixed(1)} px)`);

    // msg.analysis that is no analysis (opentrons-upload "get" while it is pending) next to msg.protocolId: the robot's is drawn.
    const fallback = await t.ok({ protocolId, analysis: { id: 'a1', status: 'pending' } });
    assert.deepEqual((fallback.deck as Deck).slots, deck.slots);
  });

  it('draws a Flex analysis from msg.analysis without asking the robot: staging slot, waste chute, heater-shaker with an adapter, custom labware', async function () {
    robot = await startRobot('Flex');
    client = clientOf(robot);
    const { analysis } = await upload(client, 'deck-flex.json');
    const t = await NodeUnderTest.deploy(robot, 'opentrons-deck', {});
    await eventually(() => robot.stats.requests.length > 0, 2000, 'the config node checked the robot');
    const before = robotRequests(robot);
    // As opentrons-upload outputs it: the protocol in msg.payload, its analysis in msg.analysis.
    const out = await t.ok({ payload: { id: 'p', metadata: { protocolName: 'From the upload node' } }, analysis });
    assert.equal(robotRequests(robot), before, 'an analysis at hand needs no request');

    const deck = out.deck as Deck;
    assert.equal(deck.robotType, 'OT-3 Standard');
    assert.deepEqual(deck.slots.D1.labware.map((l) => l.displayName), ['Labwire 96 Flat Adapter', 'Lysis plate'], 'adapter under the plate');
    assert.equal(deck.slots.D1.module?.model, 'heaterShakerModuleV1');
    assert.equal(deck.slots.B2.labware[0].definitionUri, 'custom_beta/labwire_24_tuberack_2ml/1');
    assert.deepEqual(deck.slots.C4.labware.map((l) => l.displayName), ['Buffer (staging)']);
    assert.deepEqual(deck.fixtures.map((f) => `${f.cutoutId} ${f.kind}`), ['cutoutD3 wasteChute']);
    assert.equal(deck.pipettes.right.pipetteName, 'p1000_single_flex');

    const { svg, slot, labware, label } = parsed(out);
    for (const s of ['A1', 'A2', 'A3', 'B1', 'B2', 'B3', 'C1', 'C2', 'C3', 'D1', 'D2', 'C4']) slot(s);
    assert.equal(all(svg, (e) => e.attrs['data-slot'] === 'D3' && /otd-slot/.test(e.attrs.class ?? '')).length, 0, 'the waste chute takes D3');
    assert.match(slot('C4').attrs.class, /otd-staging/, 'C4 is a staging slot');
    for (const s of ['A4', 'B4', 'D4']) assert.equal(all(svg, (e) => e.attrs['data-slot'] === s && e.name === 'rect').length, 0, `no staging slot ${s}`);
    assert.ok(inside(boxOf(bodyOf(labware('tubes'))), boxOf(slot('B2'))), 'the custom tube rack lies in B2');
    assert.ok(inside(boxOf(bodyOf(labware('tips'))), boxOf(slot('C2'))), 'the tip rack lies in C2');
    assert.ok(inside(boxOf(bodyOf(labware('reservoir'))), boxOf(slot('C4'))), 'the reservoir lies in staging slot C4');
    const hs = moduleRect(svg, 'D1');
    assert.ok(inside(boxOf(bodyOf(labware('adapter'))), boxOf(hs)), 'the adapter lies on the heater-shaker');
    assert.ok(inside(boxOf(bodyOf(labware('plate'))), boxOf(bodyOf(labware('adapter')))), 'the plate lies on the adapter');
    assert.equal(all(labware('tubes'), (e) => e.name === 'circle').length, 24, 'the custom rack is drawn from its own definition (24 tubes)');
    assert.match(label('D1'), /Lysis plate.*on Labwire 96 Flat\s*Adapter.*on Heater-Shaker\s*Module GEN1/);
    assert.match(label('B2'), /Labwire 24 Tube Rack 2 mL/);
    const chute = all(svg, (e) => e.attrs['data-fixture'] === 'wasteChute');
    assert.equal(chute.length, 1);
    assert.match(textOf(chute[0]), /Waste chute/);
    assert.match(textOf(svg), /Flex deck — From the upload node/);
    assert.ok(smallestTextPx(svg, 600) >= 9, `text stays legible at 600 px wide (smallest ${smallestTextPx(svg, 600).toFixed(1)} px)`);

    // The robot's answer to GET /protocols/{id}/analyses/{id}, as opentrons-request passes it on: {data: analysis}.
    const wrapped = await t.ok({ payload: { data: analysis } });
    assert.deepEqual((wrapped.deck as Deck).slots, deck.slots);
    assert.equal(robotRequests(robot), before, 'an analysis at hand needs no request');
  });

  it('draws a run in progress with the current command\'s labware and well highlighted', async function () {
    // Real time, one second a command: the run stays on each liquid-handling command long enough to look at it.
    robot = await startRobot('OT-2', 1, 1000);
    client = clientOf(robot);
    const { protocolId } = await upload(client, 'deck-ot2.json');
    const run = await client.createRun({ protocolId });
    await client.createRunAction(run.id, 'play');
    await eventually(async () => (await client.listRunCommands(run.id, { pageLength: 1 })).data[0]?.commandType === 'aspirate', 15_000, 'the run reached its first aspirate');

    const t = await NodeUnderTest.deploy(robot, 'opentrons-deck', { highlight: false });
    const out = await t.ok({ runId: run.id, highlight: true });
    const deck = out.deck as Deck;
    const hl = deck.highlight;
    assert.ok(hl && hl.index !== undefined, `a highlight with the command's index: ${JSON.stringify(hl)}`);
    // Whatever command was current when the node looked, the highlight is exactly that command's labware and well.
    const page = await client.listRunCommands(run.id, { cursor: hl.index, pageLength: 1 });
    const cmd = page.data[0];
    assert.equal(hl.commandType, cmd.commandType);
    assert.ok(['aspirate', 'dispense'].includes(cmd.commandType), `the run was on a liquid-handling command (${cmd.commandType})`);
    assert.equal(hl.labwareId, cmd.params.labwareId);
    assert.equal(hl.wellName, cmd.params.wellName);
    assert.equal(hl.slot, cmd.params.labwareId === 'reservoir' ? '2' : '3');

    const { svg, labware } = parsed(out);
    const lit = all(svg, (e) => /otd-hlw/.test(e.attrs.class ?? ''));
    assert.equal(lit.length, 1, 'one well is highlighted');
    assert.equal(lit[0].attrs['data-well'], hl.wellName);
    assert.equal(lit[0].parent, labware(String(hl.labwareId)), 'inside the highlighted labware');
    assert.equal(all(labware(String(hl.labwareId)), (e) => /otd-hl\b/.test(e.attrs.class ?? '')).length, 1, 'the labware is outlined');
    assert.match(textOf(svg), new RegExp(`Now: step ${hl.index + 1}, ${cmd.commandType}`));
    // The run's own labware, from GET /runs/{id} and its loaded definitions.
    assert.deepEqual(Object.keys(deck.slots).sort(), ['1', '2', '3']);
    assert.ok(robot.stats.count('GET', /\/loaded_labware_definitions$/) >= 1);

    // Without highlight (the editor's setting): nothing is lit.
    const plain = await t.ok({ runId: run.id });
    assert.equal((plain.deck as Deck).highlight, undefined);
    assert.equal(all(parsed(plain).svg, (e) => /otd-hl/.test(e.attrs.class ?? '')).length, 0);
    await client.createRunAction(run.id, 'stop');
  });

  it('draws a Flex run with the robot\'s own deck configuration and the run\'s custom labware', async function () {
    robot = await startRobot('Flex');
    client = clientOf(robot);
    // The robot's configuration: a staging area in row B, the waste chute in D3, the trash bin in A1.
    const fixtures = [
      ...['A', 'B', 'C', 'D'].map((r) => ({ cutoutId: `cutout${r}2`, cutoutFixtureId: 'singleCenterSlot' })),
      { cutoutId: 'cutoutA1', cutoutFixtureId: 'trashBinAdapter' },
      ...['B', 'C', 'D'].map((r) => ({ cutoutId: `cutout${r}1`, cutoutFixtureId: 'singleLeftSlot' })),
      { cutoutId: 'cutoutA3', cutoutFixtureId: 'singleRightSlot' },
      { cutoutId: 'cutoutB3', cutoutFixtureId: 'stagingAreaRightSlot' },
      { cutoutId: 'cutoutC3', cutoutFixtureId: 'singleRightSlot' },
      { cutoutId: 'cutoutD3', cutoutFixtureId: 'wasteChuteRightAdapterNoCover' },
    ];
    const put = await fetch(`${robot.url}/deck_configuration`, {
      method: 'PUT', headers: { 'content-type': 'application/json', 'opentrons-version': '3' }, body: JSON.stringify({ data: { cutoutFixtures: fixtures } }),
    });
    assert.equal(put.status, 200);
    const run = await client.createRun({});
    const tubes = (JSON.parse(protocolFile('deck-flex.json').toString('utf8')) as { labwareDefinitions: Record<string, unknown> }).labwareDefinitions['custom_beta/labwire_24_tuberack_2ml/1'];
    const added = await fetch(`${robot.url}/runs/${run.id}/labware_definitions`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'opentrons-version': '3' }, body: JSON.stringify({ data: tubes }),
    });
    assert.equal(added.status, 201);
    for (const params of [
      { labwareId: 'tubes', loadName: 'labwire_24_tuberack_2ml', namespace: 'custom_beta', version: 1, location: { slotName: 'C2' } },
      { labwareId: 'res', loadName: 'nest_12_reservoir_15ml', namespace: 'opentrons', version: 1, location: { addressableAreaName: 'B4' } },
    ]) {
      const c = await client.createRunCommand(run.id, { commandType: 'loadLabware', params, intent: 'setup' }, { waitUntilComplete: true });
      assert.equal(c.status, 'succeeded', JSON.stringify(c.error));
    }
    const t = await NodeUnderTest.deploy(robot, 'opentrons-deck', {});
    const out = await t.ok({ runId: run.id });
    const deck = out.deck as Deck;
    // The node has no highlight setting: on, as the editor's checkbox starts. The run's last command is current.
    const hl = deck.highlight;
    assert.deepEqual(hl && { commandType: hl.commandType, labwareId: hl.labwareId, index: hl.index }, { commandType: 'loadLabware', labwareId: 'res', index: 1 });
    assert.deepEqual(deck.fixtures.map((f) => `${f.cutoutId} ${f.kind}`).sort(), ['cutoutA1 trashBin', 'cutoutD3 wasteChute']);
    assert.equal(deck.slots.C2.labware[0].displayName, 'Labwire 24 Tube Rack 2 mL', 'the custom definition came from the run');
    const { svg, slot, labware } = parsed(out);
    assert.match(slot('B4').attrs.class, /otd-staging/);
    assert.ok(inside(boxOf(bodyOf(labware('res'))), boxOf(slot('B4'))), 'the reservoir lies in staging slot B4');
    assert.equal(all(labware('tubes'), (e) => e.name === 'circle').length, 24);
    for (const s of ['A4', 'C4', 'D4']) assert.equal(all(svg, (e) => e.attrs['data-slot'] === s && e.name === 'rect').length, 0, `no staging slot ${s}`);
    assert.equal(all(svg, (e) => e.attrs['data-slot'] === 'A1' && e.name === 'rect').length, 0, 'the trash bin takes A1');
    assert.ok(robot.stats.count('GET', '/deck_configuration') >= 1, 'the robot\'s deck configuration was read');

    // A redraw asks only for what can change: the run, its definitions, the deck configuration, its first
    // commands and the current one. The robot's model is known from the config node's check, not asked again.
    robot.stats.reset();
    await t.ok({ runId: run.id, highlight: true });
    assert.deepEqual(robot.stats.requests.map((r) => `${r.method} ${r.path.replace(run.id, '{id}')}`).sort(), [
      'GET /deck_configuration',
      'GET /runs/{id}',
      'GET /runs/{id}/commands',
      'GET /runs/{id}/commands',
      'GET /runs/{id}/loaded_labware_definitions',
    ]);
  });

  it('draws a failed analysis up to the failing command and says it failed', async function () {
    robot = await startRobot('OT-2');
    client = clientOf(robot);
    const { protocolId, analysis } = await upload(client, 'deck-ot2-fails.json');
    assert.equal(analysis.result, 'not-ok', 'the fixture fails its analysis');
    const t = await NodeUnderTest.deploy(robot, 'opentrons-deck', {});
    const statuses = t.statusTexts();
    const out = await t.ok({ protocolId });
    const deck = out.deck as Deck;
    assert.match(String(deck.problem), /^Analysis failed: .*tip/i);
    assert.deepEqual(Object.keys(deck.slots).sort(), ['1', '2', '3'], 'what was loaded before the failure is drawn');
    const { svg, label } = parsed(out);
    const banner = all(svg, (e) => e.name === 'text' && /otd-bad/.test(e.attrs.class ?? ''));
    assert.equal(banner.length, 1);
    assert.match(textOf(banner[0]), /Analysis failed/);
    assert.match(label('2'), /Buffer reservoir/);
    assert.match(statuses[statuses.length - 1], /analysis failed/);
  });

  it('refuses a labware in a slot that is not on the deck, with a clear error and no request', async function () {
    robot = await startRobot('OT-2');
    client = clientOf(robot);
    const { analysis } = await upload(client, 'deck-ot2-slot13.json');
    const t = await NodeUnderTest.deploy(robot, 'opentrons-deck', {});
    await eventually(() => robot.stats.requests.length > 0, 2000, 'the config node checked the robot');
    const before = robotRequests(robot);
    const { msg, error } = await t.err({ analysis });
    assert.equal(error.code, 'InvalidInput');
    assert.match(error.message, /slot "13" is not on the OT-2 deck \(its slots are 1, 2, 3 … 12\)/);
    assert.equal(msg.payload, undefined, 'nothing drawn');
    assert.equal(robotRequests(robot), before);

    // A Flex analysis naming a row that does not exist.
    const flex = JSON.parse(JSON.stringify(analysis)) as Analysis & { labware: Array<{ location: unknown }> };
    flex.robotType = 'OT-3 Standard';
    flex.labware[0].location = { slotName: 'E1' };
    const e2 = await t.err({ analysis: flex });
    assert.match(e2.error.message, /slot "E1" is not on the Flex deck/);
  });

  it('on redeploy stops waiting for a pending analysis at once and leaves no request, poll or connection behind', async function () {
    robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'OT-2', speed: 1, analysisMs: 60_000 });
    client = clientOf(robot);
    const { protocol } = await client.uploadProtocol([{ filename: 'deck-ot2.json', content: protocolFile('deck-ot2.json') }]);
    const t = await NodeUnderTest.deploy(robot, 'opentrons-deck', { analysisTimeout: 120 });
    const polls = (): number => robot.stats.count('GET', /^\/protocols\/[^/]+\/analyses\//);
    const ended: string[] = [];
    for (const id of ['caught', 'completed', 'out']) getNode(id).on('input', () => ended.push(id));
    t.node.receive({ protocolId: protocol.id } as NodeMessage);
    await eventually(() => polls() >= 2, 5000, 'the node polls the pending analysis');
    const started = Date.now();
    await unloadFlow();
    assert.ok(Date.now() - started < 2000, `close took ${Date.now() - started} ms`);
    const after = polls();
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(polls(), after, 'no poll after close');
    assert.deepEqual(ended, [], 'a msg cut short by a redeploy ends quietly (no Catch, no output)');
    await client.close();
    await eventually(() => robot.stats.openConnections() === 0, 3000, 'every connection to the robot is closed');
  });

  it('tells what to send when the msg has nothing to draw or a bad highlight, and sends nothing', async function () {
    robot = await startRobot('OT-2');
    client = clientOf(robot);
    const t = await NodeUnderTest.deploy(robot, 'opentrons-deck', {});
    await eventually(() => robot.stats.requests.length > 0, 2000, 'the config node checked the robot');
    const before = robotRequests(robot);
    const cases: Array<[TestMsg, RegExp]> = [
      [{}, /nothing to draw: send msg\.runId .*msg\.protocolId .*analysis/],
      [{ payload: 'just text' }, /nothing to draw/],
      [{ payload: { robotType: 'OT-2 Standard' } }, /nothing to draw/],
      [{ runId: 42 }, /msg\.runId is required \(got a number\)/],
      [{ protocolId: ['x'] }, /msg\.protocolId is required \(got a array\)|msg\.protocolId is required \(got an array\)/],
      [{ runId: 'r', highlight: 'yes' }, /msg\.highlight must be true or false \(got string\)/],
      [{ analysis: { robotType: 'OT-4', labware: [], commands: [] } }, /robotType "OT-4": expected "OT-2 Standard" or "OT-3 Standard"/],
      [{ analysis: 'the analysis' }, /msg\.analysis is not a protocol analysis \(an object with robotType, labware and commands.*got string\)/],
      [{ analysis: { id: 'a1', result: 'ok' } }, /msg\.analysis is not a protocol analysis .*got an object with id, result\)/],
      [{ analysis: { id: 'a1', status: 'pending' } }, /msg\.analysis is an analysis still pending.*send msg\.protocolId/],
    ];
    for (const [msg, message] of cases) {
      const { error } = await t.err(msg);
      assert.equal(error.code, 'InvalidInput', `${JSON.stringify(msg)} → ${error.message}`);
      assert.match(error.message, message);
    }
    assert.equal(robotRequests(robot), before, 'no request for a bad msg');
    // A module standing on itself (found by fast-check): drawn without it, not a stack overflow.
    const loop = await t.ok({ analysis: { robotType: 'OT-2 Standard', labware: [], commands: [], modules: [{ id: 'm1', model: 'temperatureModuleV2', location: { moduleId: 'm1' } }] } });
    assert.deepEqual((loop.deck as Deck).slots, {});
    // The robot's own error for a run that does not exist, with its status and error object.
    const { msg, error } = await t.err({ runId: 'no-such-run' });
    assert.equal(error.code, 'RunNotFound');
    assert.equal(msg.statusCode, 404);
    assert.equal((msg.robotError as { id: string }).id, 'RunNotFound');
  });
});
