// The cost of reading a run's whole command log: a simulated OT-2 in a child process (bench/sim-fleet)
// holds a finished run of BENCH_LOG_COMMANDS commands (default 2 000); this process reads the log with
// readWholeLog (what opentrons-run `commands` with allPages does) and reports the time, the requests,
// and the peak RSS and heap above the level before the read, sampled every millisecond.
//   npm run build && node --expose-gc dist/bench/command-log.js
// bench/run.ts runs it as part of `npm run bench`.
import { RobotClient } from '../nodes/lib/client';
import { WALK_PAGE_LENGTH, readWholeLog } from '../nodes/lib/command-log';
import { SimFleet } from './fleet';
import { finishedRun } from './long-run';

const COMMANDS = Number(process.env.BENCH_LOG_COMMANDS) || 2000;
const REPEATS = 5;

export interface LogReadFigures {
  commands: number;
  pageLength: number;
  requests: number;
  medianMs: number;
  maxMs: number;
  peakRssMB: number;
  peakHeapMB: number;
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  g?.();
  g?.();
}

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 100) / 100;

async function measure(client: RobotClient, runId: string, pageLength: number): Promise<LogReadFigures> {
  const times: number[] = [];
  let peakRss = 0;
  let peakHeap = 0;
  let requests = 0;
  let commands = 0;
  for (let i = 0; i < REPEATS; i++) {
    gc();
    const base = process.memoryUsage();
    let rss = base.rss;
    let heap = base.heapUsed;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      rss = Math.max(rss, m.rss);
      heap = Math.max(heap, m.heapUsed);
    }, 1);
    const t0 = performance.now();
    const log = await readWholeLog(client, 'commands', runId, { pageLength });
    times.push(performance.now() - t0);
    clearInterval(sampler);
    const end = process.memoryUsage();
    rss = Math.max(rss, end.rss);
    heap = Math.max(heap, end.heapUsed);
    if (log.items.length === 0) throw new Error('empty log');
    peakRss = Math.max(peakRss, rss - base.rss);
    peakHeap = Math.max(peakHeap, heap - base.heapUsed);
    requests = log.pages;
    commands = log.items.length;
  }
  times.sort((a, b) => a - b);
  return {
    commands, pageLength, requests,
    medianMs: Math.round(times[Math.floor(times.length / 2)] * 10) / 10,
    maxMs: Math.round(times[times.length - 1] * 10) / 10,
    peakRssMB: mb(peakRss), peakHeapMB: mb(peakHeap),
  };
}

/** Figures for the default walk page and, for comparison, the whole log in one response. */
export async function runCommandLogBench(): Promise<LogReadFigures[]> {
  const fleet = await SimFleet.start({ count: 1, model: 'OT-2', speed: 1000, commandMs: 1, analysisMs: 1 });
  const client = new RobotClient({ baseUrl: fleet.robots[0].url, apiVersion: '3', timeoutMs: 30_000 });
  try {
    const runId = await finishedRun(client, COMMANDS, 120_000);
    await readWholeLog(client, 'commands', runId); // warm-up: connections, JIT
    return [await measure(client, runId, WALK_PAGE_LENGTH), await measure(client, runId, COMMANDS)];
  } finally {
    await client.close();
    await fleet.stop();
  }
}

if (require.main === module) {
  if (!(globalThis as { gc?: unknown }).gc) console.warn('run with node --expose-gc for exact heap figures');
  runCommandLogBench().then(
    (rows) => {
      console.table(rows);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
