// `npm run bench`: the cost of every message, measured in Node-RED's own process with the simulated
// robots in a child process (bench/sim-fleet.ts) and simulated durations set to zero. Prints a table
// and writes bench/results/bench-<date>.json. Restarts itself with --expose-gc for the memory figures
// (keeping node options such as --cpu-prof).
//   npm run bench                       every part; the command overhead 5 times (median and spread)
//   npm run bench -- overhead --runs 9  one part alone, 9 times
//   parts: overhead, memory, upload, fleet, hardware, push, log, deck, analyzer, queue
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, writeSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { RobotClient } from '../nodes/lib/client';
import { SimFleet } from './fleet';
import { runDeckBench } from './deck';
import { runAnalyzerBench } from './analyzer';
import { runHardwareWatchBench } from './hardware';
import { runFleetQueueBench } from './fleet-queue';
import { EmbeddedNodeRed, PACKAGE_ROOT } from './nodered';

const COMMANDS = Number(process.env.BENCH_COMMANDS) || 2000;
const MEMORY_COMMANDS = Number(process.env.BENCH_MEMORY_COMMANDS) || 20_000;
const FLEET = Number(process.env.BENCH_FLEET) || 50;
const FLEET_WINDOW_S = Number(process.env.BENCH_FLEET_WINDOW_S) || 30;
const QUEUE_ROBOTS = Number(process.env.BENCH_QUEUE_ROBOTS) || 50;
const QUEUE_JOBS = Number(process.env.BENCH_QUEUE_JOBS) || 1000;
const UPLOAD_MB = Number(process.env.BENCH_UPLOAD_MB) || 100;
const WARMUP = 200;

// Command line: `npm run bench -- [part…] [--runs N]`; parts: overhead, memory, upload, fleet, hardware, push, log, deck, analyzer, queue (default all).
const PARTS = ['overhead', 'memory', 'upload', 'fleet', 'hardware', 'push', 'log', 'deck', 'analyzer', 'queue'] as const;
type Part = (typeof PARTS)[number];
function parseArgs(argv: string[]): { parts: Set<Part>; runs: number } {
  const parts = new Set<Part>();
  let runs = Number(process.env.BENCH_RUNS) || 5;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') runs = Number(argv[++i]);
    else if ((PARTS as readonly string[]).includes(a)) parts.add(a as Part);
    else throw new Error(`bench: unknown argument "${a}" (parts: ${PARTS.join(', ')}; --runs N)`);
  }
  if (!Number.isInteger(runs) || runs < 1) throw new Error('bench: --runs needs a whole number ≥ 1');
  return { parts: parts.size ? parts : new Set(PARTS), runs };
}
const ARGS = parseArgs(process.argv.slice(2));
const RUNS = ARGS.runs;
const RAIL_LIGHTS = { commandType: 'setRailLights', params: { on: true } };

type Row = { metric: string; value: string; target: string; met: string };
const rows: Row[] = [];
const results: Record<string, unknown> = {};

function row(metric: string, value: number | string, target = '', met?: boolean): void {
  rows.push({ metric, value: typeof value === 'number' ? String(Math.round(value * 1000) / 1000) : value, target, met: met === undefined ? '' : met ? 'yes' : 'NO' });
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Wall time per call (median, p99, mean, ms) and this process's CPU time per call (µs): the robots run in a
 *  child process, so CPU per call is what Node-RED's side costs, and it is far less disturbed by other load. */
async function timed(n: number, one: () => Promise<unknown>): Promise<{ median: number; p99: number; mean: number; cpuUs: number }> {
  for (let i = 0; i < WARMUP; i++) await one();
  const ms: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await one();
    ms.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  const sorted = ms.sort((a, b) => a - b);
  return { median: pct(sorted, 50), p99: pct(sorted, 99), mean: ms.reduce((a, b) => a + b, 0) / ms.length, cpuUs: (cpu.user + cpu.system) / n };
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

const mb = (bytes: number): number => bytes / 1024 / 1024;

function robotNode(id: string, port: number, timeoutS = 30): Record<string, unknown> & { id: string; type: string } {
  return { id, type: 'opentrons-robot', host: '127.0.0.1', port, apiVersion: '3', timeout: timeoutS, notifications: 'off' };
}

const CMD_FLOW = (port: number): Array<Record<string, unknown> & { id: string; type: string }> => [
  robotNode('robot', port),
  { id: 'cmd', type: 'opentrons-command', robot: 'robot', target: 'robot', commandType: 'setRailLights', params: '{"on": true}', paramsType: 'json', waitUntilComplete: true, wires: [['out']] },
  { id: 'out', type: 'junction', wires: [] },
];

interface OverheadRun {
  rawUndici: Awaited<ReturnType<typeof timed>>;
  robotClient: Awaited<ReturnType<typeof timed>>;
  flow: Awaited<ReturnType<typeof timed>>;
  connections: { rawUndici: number; robotClient: number; flow: number };
}

/** One measurement of (a) raw undici, (b) RobotClient, (c) a deployed flow, against the same simulated robot. */
async function overheadOnce(red: EmbeddedNodeRed, fleet: SimFleet): Promise<OverheadRun> {
  const { url, port } = fleet.robots[0];
  const pool = new Pool(url, { connections: 6, pipelining: 1, keepAliveTimeout: 4_000 });
  const body = JSON.stringify({ data: RAIL_LIGHTS });
  await fleet.reset(0);
  const rawUndici = await timed(COMMANDS, async () => {
    const res = await pool.request({
      method: 'POST',
      path: '/commands?waitUntilComplete=true',
      headers: { 'opentrons-version': '3', 'content-type': 'application/json', accept: 'application/json' },
      body,
    });
    if (res.statusCode !== 201) throw new Error(`raw: HTTP ${res.statusCode}`);
    JSON.parse(await res.body.text());
  });
  const rawConnections = await fleet.connectionsOpened(0);
  await pool.close();

  await fleet.reset(0);
  const client = new RobotClient({ baseUrl: url, apiVersion: '3', timeoutMs: 30_000 });
  const robotClient = await timed(COMMANDS, () => client.createCommand(RAIL_LIGHTS, { waitUntilComplete: true }));
  const clientConnections = await fleet.connectionsOpened(0);
  await client.close();

  await red.deploy(CMD_FLOW(port));
  await fleet.reset(0);
  const flow = await timed(COMMANDS, () => red.send('cmd'));
  const flowConnections = await fleet.connectionsOpened(0);
  await red.deploy([]);
  return { rawUndici, robotClient, flow, connections: { rawUndici: rawConnections, robotClient: clientConnections, flow: flowConnections } };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const spread = (xs: number[], digits = 3): string => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;

/** 1 + 2: per-command overhead of the client and of a deployed flow over raw undici, RUNS times: median and spread. */
async function commandOverhead(red: EmbeddedNodeRed): Promise<void> {
  const fleet = await SimFleet.start({ count: 1, speed: 1e6, commandMs: 0 });
  try {
    const runs: OverheadRun[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await overheadOnce(red, fleet));
    const med = (pick: (r: OverheadRun) => number): number => median(runs.map(pick));
    const ba = runs.map((r) => r.robotClient.median / r.rawUndici.median);
    const ca = runs.map((r) => r.flow.median / r.rawUndici.median);
    const caP99 = runs.map((r) => r.flow.p99 / r.rawUndici.p99);
    const perCommandUs = runs.map((r) => (r.flow.mean - r.rawUndici.mean) * 1000);
    const cpuCA = runs.map((r) => r.flow.cpuUs - r.rawUndici.cpuUs);
    const last = runs[runs.length - 1].connections;
    results.commandOverhead = { commands: COMMANDS, warmup: WARMUP, runs, ratioCA: ca, ratioBA: ba };
    const of = `median of ${RUNS} run(s) [spread]`;
    row(`(a) raw undici: median / p99 ms per command, ${of}`, `${med((r) => r.rawUndici.median).toFixed(3)} / ${med((r) => r.rawUndici.p99).toFixed(3)}`);
    row(`(b) RobotClient.createCommand: median / p99 ms`, `${med((r) => r.robotClient.median).toFixed(3)} / ${med((r) => r.robotClient.p99).toFixed(3)}`);
    row(`(c) flow → opentrons-command → output: median / p99 ms`, `${med((r) => r.flow.median).toFixed(3)} / ${med((r) => r.flow.p99).toFixed(3)}`);
    row(`ratio b/a (median), ${of}`, `${median(ba).toFixed(3)} [${spread(ba)}]`);
    row(`ratio c/a (median), ${of}`, `${median(ca).toFixed(3)} [${spread(ca)}]`, '≤ 1.10', median(ca) <= 1.1);
    row(`ratio c/a (p99), ${of}`, `${median(caP99).toFixed(3)} [${spread(caP99)}]`);
    row(`flow cost over raw per command (mean c − mean a), µs, ${of}`, `${median(perCommandUs).toFixed(0)} [${spread(perCommandUs, 0)}]`);
    row(`CPU µs per command in the Node-RED process: raw / client / flow, ${of}`, `${med((r) => r.rawUndici.cpuUs).toFixed(0)} / ${med((r) => r.robotClient.cpuUs).toFixed(0)} / ${med((r) => r.flow.cpuUs).toFixed(0)}`);
    row(`CPU µs per command, flow − raw, ${of}`, `${median(cpuCA).toFixed(0)} [${spread(cpuCA, 0)}]`);
    row(`TCP connections opened, ${COMMANDS + WARMUP} commands: raw / client / flow`, `${last.rawUndici} / ${last.robotClient} / ${last.flow}`, '≤ 2 per robot', last.flow <= 2 && last.robotClient <= 2);
  } finally {
    await red.deploy([]);
    await fleet.stop();
  }
}

/** 3a: heap over many commands through the same flow. */
async function commandMemory(red: EmbeddedNodeRed): Promise<void> {
  const fleet = await SimFleet.start({ count: 1, speed: 1e6, commandMs: 0 });
  try {
    await red.deploy(CMD_FLOW(fleet.robots[0].port));
    for (let i = 0; i < WARMUP; i++) await red.send('cmd');
    gc();
    const before = process.memoryUsage();
    for (let i = 0; i < MEMORY_COMMANDS; i++) await red.send('cmd');
    gc();
    await new Promise((r) => setTimeout(r, 200));
    gc();
    const after = process.memoryUsage();
    const heapGrowth = mb(after.heapUsed - before.heapUsed);
    const rssGrowth = mb(after.rss - before.rss);
    results.memory = { commands: MEMORY_COMMANDS, gcExposed: Boolean((globalThis as { gc?: unknown }).gc), before, after, heapGrowthMB: heapGrowth, rssGrowthMB: rssGrowth };
    row(`heap growth after ${MEMORY_COMMANDS} commands + GC, MB`, heapGrowth, '< 5 MB', heapGrowth < 5);
    row(`RSS growth after ${MEMORY_COMMANDS} commands + GC, MB`, rssGrowth, '(info)');
  } finally {
    await red.deploy([]);
    await fleet.stop();
  }
}

/** 3b: peak RSS while uploading a protocol bundle with a large data file from editor paths. */
async function uploadMemory(red: EmbeddedNodeRed): Promise<void> {
  const fleet = await SimFleet.start({ count: 1, speed: 1e6, commandMs: 0, analysisMs: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'bench-upload-'));
  try {
    const py = readFileSync(join(PACKAGE_ROOT, 'test', 'fixtures', 'protocols', 'basic_transfer.py'));
    writeFileSync(join(dir, 'main.py'), py);
    const csv = join(dir, 'data.csv');
    const fd = openSync(csv, 'w');
    const line = Buffer.from('well,volume,sample\n' + 'A1,100,s0001\n'.repeat(4096));
    for (let written = 0; written < UPLOAD_MB * 1024 * 1024; written += line.length) writeSync(fd, line);
    closeSync(fd);
    await red.deploy([
      robotNode('robot', fleet.robots[0].port, 120),
      { id: 'up', type: 'opentrons-upload', robot: 'robot', paths: `${join(dir, 'main.py')}\n${csv}`, waitForAnalysis: false, wires: [[]] },
    ]);
    gc();
    await new Promise((r) => setTimeout(r, 200));
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const t0 = performance.now();
    await red.send('up');
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const above = mb(peak - baseline);
    results.upload = { sizeMB: UPLOAD_MB, seconds, baselineRssMB: mb(baseline), peakRssMB: mb(peak), peakAboveBaselineMB: above };
    row(`peak RSS above baseline, ${UPLOAD_MB} MB bundle upload from paths, MB`, above, '< 30 MB', above < 30);
    row(`upload time for the ${UPLOAD_MB} MB bundle, s`, seconds);
  } finally {
    await red.deploy([]);
    await fleet.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 4: 50 robots, each with a running run watched by opentrons-status at the default interval. */
async function fleetWatch(red: EmbeddedNodeRed): Promise<void> {
  const fleet = await SimFleet.start({ count: FLEET, speed: 1, commandMs: 3_000, analysisMs: 10 });
  try {
    const runIds: string[] = [];
    for (let i = 0; i < FLEET; i++) runIds.push(await fleet.playRun(i));
    const flows = fleet.robots.flatMap((r, i) => [
      robotNode(`robot${i}`, r.port, 10),
      { id: `status${i}`, type: 'opentrons-status', robot: `robot${i}`, runId: '', autostart: true, wires: [[], []] },
    ]);
    await red.deploy(flows);
    await new Promise((r) => setTimeout(r, 3_000)); // every watcher has found its run
    const gets0 = await Promise.all(fleet.robots.map((_, i) => fleet.count(i)));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, FLEET_WINDOW_S * 1000));
    const cpu = process.cpuUsage(cpu0);
    const wallMs = performance.now() - t0;
    const gets1 = await Promise.all(fleet.robots.map((_, i) => fleet.count(i)));
    // The figure is only about running runs if every run was still running when the window closed.
    const statuses = await Promise.all(runIds.map((id, i) => fleet.runStatus(i, id)));
    const notRunning = statuses.filter((s) => s !== 'running');
    if (notRunning.length > 0) throw new Error(`fleet: ${notRunning.length} runs were not running at the end of the window (${[...new Set(notRunning)].join(', ')})`);
    const perMin = gets1.map((g, i) => ((g - gets0[i]) * 60_000) / wallMs);
    const cpuPct = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
    const meanPerMin = perMin.reduce((a, b) => a + b, 0) / perMin.length;
    results.fleet = { robots: FLEET, windowS: wallMs / 1000, cpuPercentOfOneCore: cpuPct, requestsPerMinutePerRobot: { mean: meanPerMin, min: Math.min(...perMin), max: Math.max(...perMin) } };
    row(`CPU of the Node-RED process, ${FLEET} robots watched (running runs), % of one core`, cpuPct, '< 10 %', cpuPct < 10);
    row('requests per minute per robot while running (mean / min / max)', `${meanPerMin.toFixed(1)} / ${Math.min(...perMin).toFixed(1)} / ${Math.max(...perMin).toFixed(1)}`);
  } finally {
    await red.deploy([]);
    await fleet.stop();
  }
}

/** 4b: 50 robots, each with its modules and door watched by opentrons-hardware at the default interval. */
async function hardwareWatch(red: EmbeddedNodeRed): Promise<void> {
  const r = await runHardwareWatchBench(red, FLEET, FLEET_WINDOW_S);
  results.hardwareWatch = r;
  const m = r.requestsPerMinutePerRobot;
  row(`CPU of the Node-RED process, ${FLEET} robots' modules and doors watched, % of one core`, r.cpuPercentOfOneCore, '< 10 %', r.cpuPercentOfOneCore < 10);
  row(`requests per minute per robot, modules + door watched every ${r.intervalMs} ms (mean / min / max)`, `${m.mean.toFixed(1)} / ${m.min.toFixed(1)} / ${m.max.toFixed(1)}`);
}

/** 7: the fleet run queue (bench/fleet-queue.ts): 1 000 short jobs on 50 robots. */
async function fleetQueue(red: EmbeddedNodeRed): Promise<void> {
  gc();
  const r = await runFleetQueueBench(red, QUEUE_ROBOTS, QUEUE_JOBS, 900, Number(process.env.BENCH_QUEUE_WINDOW_S) || 60);
  results.fleetQueue = r;
  const ms = (x: number): string => x.toFixed(0);
  row(`fleet queue, ${r.jobs} short jobs on ${r.robots} robots: robot free → its next job's run playing, median / p95 ms (${r.freeToPlaying.count} hand-overs)`, `${ms(r.freeToPlaying.medianMs)} / ${ms(r.freeToPlaying.p95Ms)}`);
  row('  …of which until the queue sees the run end (watcher), median / p95 ms', `${ms(r.endSeen.medianMs)} / ${ms(r.endSeen.p95Ms)}`);
  row('  …and from then to the next run playing (placement, create, checks, play), median / p95 ms', `${ms(r.dispatch.medianMs)} / ${ms(r.dispatch.p95Ms)}`);
  row('fleet queue: CPU of the Node-RED process while the queue runs, % of one core', r.cpuPercentOfOneCore);
  row('fleet queue: heap used, MB (before / max / end)', `${r.heapMB.before} / ${r.heapMB.max} / ${r.heapMB.end}`);
  row('fleet queue: jobs per minute, submit burst s, total s', `${r.jobsPerMinute.toFixed(0)}, ${r.submitSeconds.toFixed(1)}, ${r.wallSeconds.toFixed(0)}`);
  row('fleet queue: job outcomes', JSON.stringify(r.outcomes));
  row(`fleet queue: requests per minute each robot gets, polling at the fleet's default interval: all robots free / a job running on each (${r.perRobotPerMinute.windowSeconds} s windows; the Opentrons App: 32 while a run runs)`, `${r.perRobotPerMinute.idle} / ${r.perRobotPerMinute.running}`);
}

/** 6: the deck map (bench/deck.ts): drawing a Flex deck with 12 labware, and the SVG's size. */
function deckRender(): void {
  const r = runDeckBench();
  results.deck = r;
  row(`opentrons-deck: Flex deck with ${r.labware} labware (${r.wells} wells), render median / p99`, `${r.medianMs.toFixed(2)} / ${r.p99Ms.toFixed(2)} ms`);
  row('opentrons-deck: SVG size (gzipped)', `${r.svgBytes} bytes (${r.svgGzipBytes})`);
}

/** 7: upload → completed analysis of the sample Python protocols with Opentrons' analyzer, cold and cached (bench/analyzer.ts). */
async function analyzerTimes(): Promise<void> {
  let r: Awaited<ReturnType<typeof runAnalyzerBench>>;
  try {
    r = await runAnalyzerBench();
  } catch (e) {
    // a machine without Opentrons' analyzer measures everything else; the row says why this part is missing
    if ((e as { code?: string }).code !== 'AnalyzerNotFound') throw e;
    row('Python analyses with Opentrons\' analyzer', `not measured: ${(e as Error).message}`);
    return;
  }
  results.analyzer = r;
  for (const x of r.rows) {
    const real = x.robotServerMs === undefined ? 'not captured' : `${x.robotServerMs} ms`;
    row(`analysis of ${x.protocol} (${x.result}): cold / cached / robot-server 8.1.0`, `${x.coldMs} / ${x.cachedMs} ms / ${real}`);
  }
}

/** 5: status latency and request rate, push vs polling (bench/status-push.ts by the notifications work). */
async function statusLatency(): Promise<void> {
  const file = join(__dirname, 'status-push.js');
  if (!existsSync(file)) {
    row('status latency', 'bench/status-push not built: skipped');
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runStatusPushBench } = require(file) as { runStatusPushBench(o: { windowS?: number; latencyRuns?: number }): Promise<Record<string, unknown>> };
  const r = await runStatusPushBench({ windowS: Number(process.env.BENCH_WINDOW_S) || undefined });
  results.statusPush = r;
  for (const mode of ['push', 'polling']) {
    const m = r[mode] as Record<string, number> | undefined;
    if (!m) continue;
    const polling = mode === 'polling';
    row(`status latency (${mode}): median / p95 ms`, `${m.latencyMedianMs} / ${m.latencyP95Ms}`, polling ? 'p95 ≤ 3000' : 'p95 ≤ 100', polling ? m.latencyP95Ms <= 3000 : m.latencyP95Ms <= 100);
    row(
      `requests per minute (${mode}): running / paused / idle run / idle robot (windows ${m.runningWindowS} s / ${m.pausedWindowS} s)`,
      `${m.requestsPerMinRunning} / ${m.requestsPerMinPaused} / ${m.requestsPerMinIdleRun} / ${m.requestsPerMinIdleRobot}`,
    );
  }
  const app = r.app as { requestsPerMin: number; pollingRunningVsApp: number } | undefined;
  const polling = r.polling as Record<string, number> | undefined;
  if (app && polling) {
    row(
      `polling a running run vs the Opentrons App (run every 5 s + current command every 3 s = ${app.requestsPerMin}/min)`,
      `${polling.requestsPerMinRunning}/min = ${(polling.requestsPerMinRunning / app.requestsPerMin).toFixed(2)}× the App`,
      `≤ ${app.requestsPerMin}/min`,
      polling.requestsPerMinRunning <= app.requestsPerMin,
    );
  }
}

/** 6: time and peak memory to read the whole command log of a 2 000-command run (bench/command-log.ts). */
async function commandLog(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runCommandLogBench } = require(join(__dirname, 'command-log.js')) as typeof import('./command-log');
  const figures = await runCommandLogBench();
  results.commandLog = figures;
  for (const f of figures) {
    row(`command log of ${f.commands} commands, pages of ${f.pageLength}: median / max ms`, `${f.medianMs} / ${f.maxMs}`);
    row(`  …peak RSS / heap above baseline (MB), requests`, `${f.peakRssMB} / ${f.peakHeapMB}, ${f.requests}`);
  }
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const { parts } = ARGS;
  if (parts.has('overhead') || parts.has('memory') || parts.has('upload') || parts.has('fleet') || parts.has('hardware') || parts.has('queue')) {
    const red = await EmbeddedNodeRed.start();
    try {
      if (parts.has('overhead')) await commandOverhead(red);
      if (parts.has('memory')) await commandMemory(red);
      if (parts.has('upload')) await uploadMemory(red);
      if (parts.has('fleet')) await fleetWatch(red);
      if (parts.has('hardware')) await hardwareWatch(red);
      if (parts.has('queue')) await fleetQueue(red);
    } finally {
      await red.stop();
    }
  }
  if (parts.has('push')) await statusLatency();
  if (parts.has('log')) await commandLog();
  if (parts.has('deck')) deckRender();
  if (parts.has('analyzer')) await analyzerTimes();
  const env = { parts: [...parts], runs: RUNS, node: process.version, platform: `${process.platform} ${process.arch}`, cpus: (await import('node:os')).cpus().length, durationS: (Date.now() - t0) / 1000 };
  console.log('');
  console.table(rows);
  console.log(`bench took ${env.durationS.toFixed(0)} s on Node ${env.node}, ${env.cpus} CPU(s)`);
  const dir = join(PACKAGE_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ env, rows, results }, null, 2));
  console.log(`written ${file}`);
}

if (require.main === module) {
  if (!(globalThis as { gc?: unknown }).gc && !process.env.BENCH_NO_GC_RESTART) {
    // Memory figures need gc(): run again with it exposed.
    const r = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', __filename, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, BENCH_NO_GC_RESTART: '1' } });
    process.exit(r.status ?? 1);
  }
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
