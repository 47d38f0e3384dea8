// What the status watcher reads per run to learn totalCommands, against the simulated robot: the list of
// every stored analysis (before) versus the protocol's summaries plus its newest analysis (now).
// Rerun: npm run build && node dist/bench/analysis-read.js
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimulatedRobot } from '../nodes/lib/simulator';

const HEADERS = { 'opentrons-version': '3' };

async function text(url: string, init?: RequestInit): Promise<string> {
  const res = await fetch(url, { ...init, headers: { ...HEADERS, ...(init?.headers as Record<string, string> | undefined) } });
  return res.text();
}

async function main(): Promise<void> {
  const sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, analysisMs: 10 });
  try {
    const form = new FormData();
    const file = readFileSync(join(__dirname, '..', '..', 'test', 'fixtures', 'protocols', 'simpleV8.json'));
    form.append('files', new Blob([file]), 'simpleV8.json');
    const id = (JSON.parse(await text(`${sim.url}/protocols`, { method: 'POST', body: form })) as { data: { id: string } }).data.id;
    // Four re-analyses: five stored, the most a robot keeps per protocol.
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 200));
      await text(`${sim.url}/protocols/${id}/analyses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: { forceReAnalyze: true } }) });
    }
    await new Promise((r) => setTimeout(r, 500));
    const list = await text(`${sim.url}/protocols/${id}/analyses`);
    const protocol = await text(`${sim.url}/protocols/${id}`);
    const summaries = (JSON.parse(protocol) as { data: { analysisSummaries: Array<{ id: string }> } }).data.analysisSummaries;
    const newest = await text(`${sim.url}/protocols/${id}/analyses/${summaries[summaries.length - 1].id}`);
    const stored = (JSON.parse(list) as { data: unknown[] }).data.length;
    console.log(`analyses stored: ${stored}`);
    console.log(`before: GET /protocols/{id}/analyses — 1 request, ${stored} analyses, ${list.length} bytes`);
    console.log(`now:    GET /protocols/{id} + GET /protocols/{id}/analyses/{newest} — 2 requests, 1 analysis, ${protocol.length + newest.length} bytes`);
  } finally {
    await sim.stop();
  }
}

void main();
