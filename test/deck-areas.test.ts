// opentrons-deck with locations that are addressable areas but not slots: a Flex analysis with an absorbance
// reader in D3 whose lid ends the protocol in its dock ({addressableAreaName: "absorbanceReaderV1LidDockD4"},
// as the Opentrons engine records it after absorbanceReader/openLid). The map draws the dock and the lid in
// it; an area the deck definition does not have, or one without a surface, puts what stands there off the
// deck with a note — the rest of the map is still drawn.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimulatedRobot } from '../nodes/lib/simulator';
import type { Analysis } from '../nodes/lib/types';
import { PACKAGE_ROOT } from './helpers/nodered';
import { NodeUnderTest, eventually, robotRequests, startRobot, unloadFlow, type TestMsg } from './helpers/protocol-nodes';
import { all, boxOf, inside, parseXml, textOf, type El } from './helpers/svg';

type Deck = {
  slots: Record<string, { module?: { model: string }; labware: Array<{ id: string; displayName: string }> }>;
  offDeck: Array<{ id: string; displayName: string; note?: string }>;
};

function readerAnalysis(lidLocation?: unknown): Analysis {
  const a = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'test', 'fixtures', 'analyses', 'flex-absorbance-lid.json'), 'utf8')) as Analysis & {
    labware: Array<{ id: string; location: unknown }>;
  };
  if (lidLocation !== undefined) a.labware.find((l) => l.id === 'lid-abs')!.location = lidLocation;
  return a;
}

function svgOf(out: TestMsg): El {
  assert.equal(typeof out.payload, 'string', 'msg.payload is the SVG text');
  return parseXml(out.payload as string);
}

function lidBody(svg: El): El {
  const g = all(svg, (e) => e.name === 'g' && e.attrs['data-labware-id'] === 'lid-abs');
  assert.equal(g.length, 1, 'the lid is drawn once');
  const body = g[0].children.find((c) => c.name === 'rect' && /otd-lwb/.test(c.attrs.class ?? ''));
  assert.ok(body, 'the lid has a body');
  return body;
}

describe('opentrons-deck: addressable areas that are not slots', function () {
  this.timeout(20_000);
  let robot: SimulatedRobot;
  let t: NodeUnderTest;

  beforeEach(async function () {
    robot = await startRobot('Flex');
    t = await NodeUnderTest.deploy(robot, 'opentrons-deck', {});
    await eventually(() => robot.stats.requests.length > 0, 2000, 'the config node checked the robot');
  });
  afterEach(async function () {
    await unloadFlow();
    await robot?.stop();
  });

  it('draws an absorbance reader in D3 with its lid in the lid dock (absorbanceReaderV1LidDockD4)', async function () {
    const before = robotRequests(robot);
    const out = await t.ok({ payload: readerAnalysis() });
    assert.equal(robotRequests(robot), before, 'an analysis at hand needs no request');

    const deck = out.deck as Deck;
    assert.equal(deck.slots.D3.module?.model, 'absorbanceReaderV1');
    assert.deepEqual(deck.slots.D3.labware.map((l) => l.displayName), ['Assay plate']);
    assert.deepEqual(deck.slots.absorbanceReaderV1LidDockD4.labware.map((l) => l.id), ['lid-abs']);
    assert.deepEqual(deck.offDeck, []);

    const svg = svgOf(out);
    const docks = all(svg, (e) => e.name === 'rect' && e.attrs['data-slot'] === 'absorbanceReaderV1LidDockD4');
    assert.equal(docks.length, 1, 'the dock is drawn');
    assert.equal(docks[0].attrs['data-area'], 'D4 lid dock');
    const dock = boxOf(docks[0]);
    assert.ok(inside(boxOf(lidBody(svg)), dock, 1), 'the lid lies in its dock');
    assert.equal(all(svg, (e) => e.name === 'rect' && e.attrs['data-module-id'] === 'reader-d3').length, 1, 'the reader is drawn');
    // The dock is column 4: right of slot D3, where the reader stands, on the same row.
    const d3 = boxOf(all(svg, (e) => e.name === 'rect' && e.attrs['data-slot'] === 'D3' && /otd-slot/.test(e.attrs.class ?? ''))[0]);
    assert.ok(dock.x >= d3.x + d3.w, `dock x ${dock.x} right of D3 (${d3.x}+${d3.w})`);
    assert.equal(dock.y, d3.y, 'dock and D3 on one row');
    assert.match(textOf(all(svg, (e) => e.attrs['data-label-slot'] === 'absorbanceReaderV1LidDockD4')[0]), /Absorbance Reader Lid.*D4 lid dock/);
    for (const s of ['A1', 'B2', 'C2', 'D1']) assert.equal(all(svg, (e) => e.attrs['data-slot'] === s && /otd-slot/.test(e.attrs.class ?? '')).length, 1, `slot ${s}`);
  });

  it('puts labware in an area it cannot place off the deck with a note, and still draws the rest', async function () {
    const unknown = await t.ok({ payload: readerAnalysis({ addressableAreaName: 'someFutureDockZ9' }) });
    const deck = unknown.deck as Deck;
    assert.deepEqual(deck.offDeck, [
      { id: 'lid-abs', displayName: 'Absorbance Reader Lid', note: 'in addressable area "someFutureDockZ9", which the Flex deck definition here does not have' },
    ]);
    assert.equal(deck.slots.D3.module?.model, 'absorbanceReaderV1');
    const svg = svgOf(unknown);
    assert.equal(all(svg, (e) => e.attrs['data-labware-id'] === 'lid-abs').length, 0, 'not drawn on the deck');
    assert.ok(all(svg, (e) => e.attrs['data-labware-id'] === 'plate-1').length === 1, 'the plate is drawn');
    assert.ok(textOf(svg).includes('Off deck: Absorbance Reader Lid (in addressable area "someFutureDockZ9"'), textOf(svg));

    // An area of the deck definition without a surface to draw on (the gripper's waste chute opening).
    const chute = await t.ok({ payload: readerAnalysis({ addressableAreaName: 'gripperWasteChute' }) });
    assert.deepEqual((chute.deck as Deck).offDeck, [{ id: 'lid-abs', displayName: 'Absorbance Reader Lid', note: 'in Waste Chute (gripperWasteChute), not drawn' }]);
  });

  it('still refuses a slotName that is not on the deck (a bad protocol, not an area)', async function () {
    const before = robotRequests(robot);
    const { error } = await t.err({ payload: readerAnalysis({ slotName: 'E1' }) });
    assert.equal(error.code, 'InvalidInput');
    assert.match(error.message, /slot "E1" is not on the Flex deck \(its slots are D1, C1, B1 … A3\)/);
    assert.equal(robotRequests(robot), before);
  });
});
