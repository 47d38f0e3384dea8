// The deck map's cost: the time to lay out and draw a Flex deck holding 12 labware (96-well plates, tip racks,
// reservoirs; three in staging slots; a heater-shaker; the waste chute), and the size of the SVG it makes.
// Pure rendering (no robot, no Node-RED): `node dist/bench/deck.js`; `npm run bench` runs it too.
import { gzipSync } from 'node:zlib';
import { fromAnalysis, renderDeck } from '../nodes/lib/deck';
import type { Analysis } from '../nodes/lib/types';

export interface DeckBenchResult {
  labware: number;
  renders: number;
  medianMs: number;
  p99Ms: number;
  svgBytes: number;
  svgGzipBytes: number;
  wells: number;
}

const LABWARE: Array<[string, string]> = [
  ['A1', 'opentrons/opentrons_flex_96_tiprack_1000ul/1'],
  ['A2', 'opentrons/opentrons_flex_96_tiprack_1000ul/1'],
  ['A3', 'opentrons/nest_12_reservoir_15ml/1'],
  ['B1', 'opentrons/corning_96_wellplate_360ul_flat/2'],
  ['B2', 'opentrons/nest_96_wellplate_200ul_flat/2'],
  ['B3', 'opentrons/corning_96_wellplate_360ul_flat/2'],
  ['C1', 'opentrons/nest_96_wellplate_200ul_flat/2'],
  ['C2', 'opentrons/corning_96_wellplate_360ul_flat/2'],
  ['C3', 'opentrons/nest_96_wellplate_200ul_flat/2'],
  ['A4', 'opentrons/nest_12_reservoir_15ml/1'],
  ['B4', 'opentrons/corning_96_wellplate_360ul_flat/2'],
  ['C4', 'opentrons/opentrons_flex_96_tiprack_1000ul/1'],
];

/** A Flex analysis as the robot would report it, with 12 labware, one of them on a heater-shaker in D1. */
export function flexAnalysis(): Analysis {
  const labware = LABWARE.map(([slot, uri], i) => {
    const [, loadName] = uri.split('/');
    const location = /4$/.test(slot) ? { addressableAreaName: slot } : slot === 'C1' ? { moduleId: 'hs' } : { slotName: slot };
    return { id: `lw${i + 1}`, loadName, definitionUri: uri, location, displayName: `Labware ${i + 1} (${loadName.replace(/_/g, ' ')})` };
  });
  return {
    id: 'bench',
    status: 'completed',
    result: 'ok',
    robotType: 'OT-3 Standard',
    runTimeParameters: [],
    labware,
    modules: [{ id: 'hs', model: 'heaterShakerModuleV1', location: { slotName: 'C1' } }],
    pipettes: [{ id: 'p', pipetteName: 'p1000_single_flex', mount: 'left' }],
    liquids: [{ id: 'w', displayName: 'Water', displayColor: '#1c7ed6' }],
    commands: [
      { id: 'c1', key: 'c1', commandType: 'loadLiquid', status: 'succeeded', params: { liquidId: 'w', labwareId: 'lw3', volumeByWell: { A1: 10_000, A2: 10_000 } }, createdAt: '' },
      { id: 'c2', key: 'c2', commandType: 'moveToAddressableAreaForDropTip', status: 'succeeded', params: { addressableAreaName: '1ChannelWasteChute' }, createdAt: '' },
    ],
    errors: [],
  } as unknown as Analysis;
}

export function runDeckBench(renders = Number(process.env.BENCH_DECK_RENDERS) || 500): DeckBenchResult {
  const analysis = flexAnalysis();
  const once = (): string => renderDeck(fromAnalysis(analysis, 'Bench: 12 labware')).svg;
  for (let i = 0; i < 50; i++) once();
  const ms: number[] = [];
  let svg = '';
  for (let i = 0; i < renders; i++) {
    const t0 = performance.now();
    svg = once();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const at = (p: number): number => ms[Math.min(ms.length - 1, Math.ceil((p / 100) * ms.length) - 1)];
  const drawn = renderDeck(fromAnalysis(analysis)).deck;
  const count = Object.values(drawn.slots).reduce((n, s) => n + s.labware.length, 0);
  if (count !== LABWARE.length) throw new Error(`bench deck drew ${count} labware, not ${LABWARE.length}`);
  return {
    labware: count,
    renders,
    medianMs: at(50),
    p99Ms: at(99),
    svgBytes: Buffer.byteLength(svg),
    svgGzipBytes: gzipSync(svg).length,
    wells: (svg.match(/<circle|<rect class="otd-w"/g) ?? []).length,
  };
}

if (require.main === module) {
  const r = runDeckBench();
  console.log(
    `Flex deck, ${r.labware} labware (${r.wells} wells drawn): render median ${r.medianMs.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms over ${r.renders} renders; ` +
      `SVG ${r.svgBytes} bytes (${r.svgGzipBytes} gzipped)`,
  );
}
