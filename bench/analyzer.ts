// Time from upload to completed analysis of each sample Python protocol on the simulated robot with Opentrons'
// analyzer: cold (an analyzer process runs) and cached (the same files again, on another simulated robot), beside
// what the real robot-server took in the captures (their notes: "Analysis completed N s after upload").
// Needs an analyzer (OPENTRONS_ANALYZER, or python3 with opentrons): `node dist/bench/analyzer.js`; `npm run bench` runs it too.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SimulatedRobot } from '../nodes/lib/simulator';

const ROOT = join(__dirname, '..', '..');
const PROTOCOLS = join(ROOT, 'test', 'fixtures', 'protocols');
const CAPTURES = join(ROOT, 'test', 'fixtures', 'captures');

export interface AnalyzerBenchRow {
  protocol: string;
  result: string;
  coldMs: number;
  cachedMs: number;
  /** the real robot-server's upload → analysis completed, from the capture's note (undefined: not captured) */
  robotServerMs?: number;
  capture?: string;
}

const SAMPLES: { file: string; model: 'OT-2' | 'Flex'; capture?: string; dataFile?: string }[] = [
  { file: 'basic_transfer.py', model: 'OT-2', capture: '22-protocols-get-analysis-completed.json' },
  { file: 'pause_resume.py', model: 'OT-2' },
  { file: 'runtime_error.py', model: 'OT-2', capture: '46-protocols-get-runtime-error-analysis-completed.json' },
  { file: 'flex_basic.py', model: 'Flex', capture: '90-flex-protocols-analyses.json' },
  { file: 'csv_plate_map.py', model: 'OT-2', dataFile: 'plate_map.csv' },
];

function robotServerMs(capture: string | undefined): number | undefined {
  if (!capture || !readdirSync(CAPTURES).includes(capture)) return undefined;
  const note = (JSON.parse(readFileSync(join(CAPTURES, capture), 'utf8')) as { meta?: { note?: string } }).meta?.note ?? '';
  const m = /Analysis completed ([\d.]+) s after/.exec(note);
  return m ? Number(m[1]) * 1000 : undefined;
}

async function post(robot: SimulatedRobot, path: string, form: FormData): Promise<Record<string, unknown>> {
  const res = await fetch(robot.url + path, { method: 'POST', headers: { 'opentrons-version': '3' }, body: form });
  return ((await res.json()) as { data: Record<string, unknown> }).data;
}

/** Upload (with the data file, if any) and poll every 10 ms until the analysis is completed; returns ms and result. */
async function timeAnalysis(robot: SimulatedRobot, sample: (typeof SAMPLES)[number]): Promise<{ ms: number; result: string }> {
  const fields: Record<string, string> = {};
  if (sample.dataFile) {
    const f = new FormData();
    f.append('file', new Blob([new Uint8Array(readFileSync(join(PROTOCOLS, sample.dataFile)))]), sample.dataFile);
    const id = String((await post(robot, '/dataFiles', f)).id);
    fields.runTimeParameterFiles = JSON.stringify({ plate_map: id });
  }
  const form = new FormData();
  form.append('files', new Blob([new Uint8Array(readFileSync(join(PROTOCOLS, sample.file)))]), sample.file);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const t0 = performance.now();
  const p = await post(robot, '/protocols', form);
  const analysisId = (p.analysisSummaries as { id: string }[]).at(-1)?.id;
  for (;;) {
    const res = await fetch(`${robot.url}/protocols/${String(p.id)}/analyses/${String(analysisId)}`, { headers: { 'opentrons-version': '3' } });
    const a = ((await res.json()) as { data: { status: string; result?: string } }).data;
    if (a.status === 'completed') return { ms: performance.now() - t0, result: String(a.result) };
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function runAnalyzerBench(): Promise<{ analyzer: string; rows: AnalyzerBenchRow[] }> {
  // analysisMs 0: no minimum pending time, so the figure is the analyzer's (and the simulator's) own
  const opts = { analyzer: 'opentrons' as const, analysisMs: 0, log: () => undefined };
  const robots = { 'OT-2': [await SimulatedRobot.start({ ...opts, model: 'OT-2' }), await SimulatedRobot.start({ ...opts, model: 'OT-2' })], Flex: [await SimulatedRobot.start({ ...opts, model: 'Flex' }), await SimulatedRobot.start({ ...opts, model: 'Flex' })] };
  try {
    const rows: AnalyzerBenchRow[] = [];
    for (const s of SAMPLES) {
      const [first, second] = robots[s.model];
      const cold = await timeAnalysis(first, s);
      const cached = await timeAnalysis(second, s);
      rows.push({ protocol: s.file, result: cold.result, coldMs: Math.round(cold.ms), cachedMs: Math.round(cached.ms * 10) / 10, robotServerMs: robotServerMs(s.capture), capture: s.capture });
    }
    return { analyzer: robots['OT-2'][0].analyzerDescription, rows };
  } finally {
    await Promise.all([...robots['OT-2'], ...robots.Flex].map((r) => r.stop()));
  }
}

if (require.main === module) {
  runAnalyzerBench().then(
    (r) => {
      console.log(`analyzer: ${r.analyzer}`);
      console.table(r.rows);
    },
    (e: unknown) => {
      console.error((e as Error).message);
      process.exitCode = 1;
    },
  );
}
