// The fleet run queue under load (issue 22, Benchmarks): 50 simulated robots in a child process
// (bench/sim-fleet.ts), one opentrons-fleet with start and clearing `auto`, and 1 000 short jobs submitted
// in one burst to an opentrons-queue node in an embedded Node-RED (this process). Measures:
//   - the time from "a robot becomes free" (its run's completedAt, the robot's own clock) to its next job's
//     run playing (that run's startedAt), for every job that was waiting in the queue at that moment;
//     split into the part until the queue saw the end (the `succeeded` event) and the part after;
//   - the CPU the Node-RED process spends while the queue runs (the robots run in the child), as a
//     share of one core, and its heap;
//   - then what the fleet asks each robot (requests per minute, counted at the robots, polling at the fleet's
//     default interval): with every robot free, and with one long job running on every robot.
//   node dist/bench/run.js queue            (BENCH_QUEUE_ROBOTS, BENCH_QUEUE_JOBS change the sizes)
import { SimFleet, type RunTimes } from './fleet';
import { jsonProtocol } from './long-run';
import type { EmbeddedNodeRed } from './nodered';

export interface FleetQueueFigures {
  robots: number;
  jobs: number;
  submitSeconds: number;
  wallSeconds: number;
  jobsPerMinute: number;
  /** completedAt of a robot's run → startedAt of its next run, when a job was waiting (ms). */
  freeToPlaying: { count: number; medianMs: number; p95Ms: number; maxMs: number };
  /** completedAt → the queue's `succeeded` event for that run (ms): how long the end takes to be seen. */
  endSeen: { medianMs: number; p95Ms: number };
  /** The queue's `succeeded` event → the next run on that robot playing (ms): the queue's own dispatch. */
  dispatch: { medianMs: number; p95Ms: number };
  cpuPercentOfOneCore: number;
  heapMB: { before: number; max: number; end: number };
  outcomes: Record<string, number>;
  /** Requests per minute each robot got from the fleet (polling; mean over the robots), once the queue was empty. */
  perRobotPerMinute: { windowSeconds: number; idle: number; running: number };
}

const TERMINAL = new Set(['succeeded', 'failed', 'stopped', 'cancelled', 'rejected', 'lost']);

/** Protocol variants; job i uses variant i % VARIANTS. */
const VARIANTS = 7;

/**
 * A short JSON protocol: a p20 on the left picks up a tip, waits a little and drops it (about 1–2 s at ×1).
 * The wait differs per variant so runs do not all last the same: with one fixed length every run would end
 * at the same point of the watcher's poll cycle, and the figure would show that one phase, not the spread.
 */
function shortProtocol(variant: number): Buffer {
  return jsonProtocol(`Fleet bench: short job ${variant}`, [
    { commandType: 'loadPipette', params: { pipetteId: 'p', pipetteName: 'p20_single_gen2', mount: 'left' } },
    { commandType: 'loadLabware', params: { labwareId: 'tips', loadName: 'opentrons_96_tiprack_20ul', namespace: 'opentrons', version: 1, location: { slotName: '1' } } },
    { commandType: 'pickUpTip', params: { pipetteId: 'p', labwareId: 'tips', wellName: 'A1' } },
    { commandType: 'waitForDuration', params: { seconds: 0.1 + 0.137 * variant } },
    { commandType: 'dropTipInPlace', params: { pipetteId: 'p' } },
  ]);
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

interface RunSeen {
  runId: string;
  robot: string;
  /** Whether a job was still queued when the queue saw this run end. */
  jobWaiting: boolean;
  seenAt: number;
  /** The robot's own times of the run, asked at once: a robot keeps only its last 20 runs. */
  times: Promise<RunTimes>;
}

/** Mean requests per minute per robot over `windowS` seconds, counted at the robots. */
async function perRobotRate(sims: SimFleet, windowS: number): Promise<number> {
  const at = async (): Promise<number[]> => Promise.all(sims.robots.map((_, i) => sims.count(i)));
  const before = await at();
  await new Promise((r) => setTimeout(r, windowS * 1000));
  const after = await at();
  const total = after.reduce((sum, n, i) => sum + n - before[i], 0);
  return Math.round(((total / sims.robots.length) * 60 * 10) / windowS) / 10;
}

export async function runFleetQueueBench(red: EmbeddedNodeRed, robots = 50, jobs = 1000, timeoutS = 900, loadWindowS = 60): Promise<FleetQueueFigures> {
  // Analyses take no time here: the figures are the queue's own, not a robot's analysis (seconds on a real robot, once per protocol and robot).
  const sims = await SimFleet.start({ count: robots, speed: 1, commandMs: 200, analysisMs: 0 });
  try {
    const names = sims.robots.map((_, i) => `robot-${i}`);
    const flow = [
      ...sims.robots.map((r, i) => ({ id: `robot${i}`, type: 'opentrons-robot', name: names[i], host: '127.0.0.1', port: r.port, apiVersion: '3', timeout: 30, notifications: 'off' })),
      { id: 'fleet', type: 'opentrons-fleet', name: 'bench fleet', robots: sims.robots.map((_, i) => `robot${i}`), store: 'default', policy: 'in-order', start: 'auto', clearing: 'auto' },
      { id: 'queue', type: 'opentrons-queue', fleet: 'fleet', action: 'submit', events: 'own', wires: [['out']] },
      { id: 'out', type: 'junction', wires: [] },
    ];
    await red.deploy(flow);

    const index = new Map(names.map((n, i) => [n, i]));
    const counts: Record<string, number> = {};
    let queued = 0;
    let ended = 0;
    const seen: RunSeen[] = [];
    let allEnded: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (allEnded = resolve));
    const stop = red.onSend('queue', (msg) => {
      const topic = String(msg.topic);
      counts[topic] = (counts[topic] ?? 0) + 1;
      if (topic === 'queued') queued += 1;
      if (topic === 'assigned') queued -= 1;
      if (topic === 'succeeded' && typeof msg.runId === 'string') {
        const robot = String(msg.robot);
        const times = sims.runTimes(index.get(robot) as number, msg.runId);
        times.catch(() => undefined); // awaited below
        seen.push({ runId: msg.runId, robot, jobWaiting: queued > 0, seenAt: Date.now(), times });
      }
      if (TERMINAL.has(topic) && ++ended === jobs) allEnded();
    });

    const heap0 = process.memoryUsage().heapUsed;
    let heapMax = heap0;
    const sampler = setInterval(() => (heapMax = Math.max(heapMax, process.memoryUsage().heapUsed)), 250);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const protocols = Array.from({ length: VARIANTS }, (_, v) => shortProtocol(v));
    try {
      for (let i = 0; i < jobs; i++) await red.send('queue', { payload: protocols[i % VARIANTS], filename: `short-${i % VARIANTS}.json` });
      const submitSeconds = (performance.now() - t0) / 1000;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        done,
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`fleet queue bench: ${ended} of ${jobs} jobs ended within ${timeoutS} s (${JSON.stringify(counts)})`)), timeoutS * 1000))),
      ]).finally(() => clearTimeout(timer));
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const heapEnd = process.memoryUsage().heapUsed;
      clearInterval(sampler);

      const times = await Promise.all(seen.map(async (s) => ({ ...s, ...(await s.times) })));
      const byRobot = new Map<string, typeof times>();
      for (const t of times) byRobot.set(t.robot, [...(byRobot.get(t.robot) ?? []), t]);
      const gaps: number[] = [];
      const endSeen: number[] = [];
      const dispatch: number[] = [];
      for (const runs of byRobot.values()) {
        runs.sort((a, b) => Date.parse(String(a.startedAt)) - Date.parse(String(b.startedAt)));
        for (let i = 0; i < runs.length; i++) {
          const completed = Date.parse(String(runs[i].completedAt));
          endSeen.push(runs[i].seenAt - completed);
          const next = runs[i + 1];
          if (!next || !runs[i].jobWaiting) continue;
          gaps.push(Date.parse(String(next.startedAt)) - completed);
          dispatch.push(Date.parse(String(next.startedAt)) - runs[i].seenAt);
        }
      }
      // What watching costs each robot: free robots first, then one long job on each (a 10 min wait), once all run.
      const idle = await perRobotRate(sims, loadWindowS);
      const long = jsonProtocol('Fleet bench: long job', [{ commandType: 'waitForDuration', params: { seconds: 600 } }]);
      let playing = 0;
      const allPlaying = new Promise<void>((resolve) => {
        const off = red.onSend('queue', (msg) => {
          if (String(msg.topic) === 'running' && ++playing === sims.robots.length) {
            off();
            resolve();
          }
        });
      });
      for (let i = 0; i < sims.robots.length; i++) await red.send('queue', { payload: long, filename: 'long.json' });
      await allPlaying;
      const running = await perRobotRate(sims, loadWindowS);
      const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
      const g = sorted(gaps);
      const e = sorted(endSeen);
      const d = sorted(dispatch);
      return {
        robots,
        jobs,
        submitSeconds,
        wallSeconds: wallMs / 1000,
        jobsPerMinute: (jobs * 60_000) / wallMs,
        freeToPlaying: { count: g.length, medianMs: pct(g, 50), p95Ms: pct(g, 95), maxMs: g[g.length - 1] ?? NaN },
        endSeen: { medianMs: pct(e, 50), p95Ms: pct(e, 95) },
        dispatch: { medianMs: pct(d, 50), p95Ms: pct(d, 95) },
        cpuPercentOfOneCore: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
        heapMB: { before: mb(heap0), max: mb(heapMax), end: mb(heapEnd) },
        outcomes: counts,
        perRobotPerMinute: { windowSeconds: loadWindowS, idle, running },
      };
    } finally {
      clearInterval(sampler);
      stop();
    }
  } finally {
    await red.deploy([]);
    await sims.stop();
  }
}
