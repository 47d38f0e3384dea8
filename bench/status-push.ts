// Status push vs polling, side by side: two simulated robots run the same protocol at the same time;
// one is watched through MQTT push (the simulator publishing to an embedded broker), the other by
// polling at the default interval. Measured: latency from the robot's status change to the watcher's
// message (median, p95), and HTTP requests per minute to the robot from one watched run while it is idle
// (created, not played), running and paused, and from a robot watched with no run at all (follow mode,
// as a fleet watches its free robots) — set beside the Opentrons App's own 32 a minute.
//   node dist/bench/status-push.js            (bench/run.ts calls runStatusPushBench())
//   BENCH_LATENCY_RUNS=10 plays more short runs for the latency figures (default 5).
//   BENCH_INTERVAL_MS=1000 watches at another poll interval (default: the status node's default).
//   BENCH_WINDOW_S=20 shortens the running window (default 60 s). The other windows are never shorter than
//   two push safety-poll periods (2 × 30 s), or a push watcher's quiet rate would read 0 by chance.
import { RobotClient } from '../nodes/lib/client';
import { DEFAULT_SAFETY_POLL_MS, RobotNotifications, PushSource } from '../nodes/lib/notifications';
import { SimulatedRobot } from '../nodes/lib/simulator';
import { MqttBridge } from '../nodes/lib/simulator/mqtt-bridge';
import { jsonProtocol } from './long-run';
import { DEFAULT_INTERVAL_MS, PollingSource, watchRun, type SourceFactory, type Subscription, type WatchEvent } from '../nodes/lib/watch';

/** The watchers' poll interval: the status node's default unless BENCH_INTERVAL_MS says otherwise. */
const INTERVAL_MS = Number(process.env.BENCH_INTERVAL_MS) || DEFAULT_INTERVAL_MS;

/** Simulated duration of one command: slow enough that a run has distinct phases, like a real robot. */
const COMMAND_MS = 500;

/**
 * The Opentrons App's load on a robot while it shows a run without MQTT: the run every 5 s and its current
 * command every 3 s (12 + 20 a minute).
 */
export const APP_REQUESTS_PER_MIN = 32;

interface Side {
  name: 'push' | 'polling';
  robot: SimulatedRobot;
  client: RobotClient;
  bridge?: MqttBridge;
  notifications?: RobotNotifications;
  source: SourceFactory;
  /** times the robot's status of the watched run changed (its `robot-server/runs/<id>` hint) */
  changes: Map<string, number[]>;
  latencies: number[];
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function protocol(homesAfterPause: number): Buffer {
  const home = { commandType: 'home', params: {} };
  const commands = [home, { commandType: 'waitForResume', params: { message: 'bench pause' } }, ...Array.from({ length: homesAfterPause }, () => home)];
  return jsonProtocol(`bench: pause, then ${homesAfterPause} homes`, commands);
}

async function side(name: 'push' | 'polling'): Promise<Side> {
  const robot = await SimulatedRobot.start({ port: 0, model: 'OT-2', commandMs: COMMAND_MS });
  const client = new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 10_000 });
  const s: Side = { name, robot, client, source: () => new PollingSource(), changes: new Map(), latencies: [] };
  if (name === 'push') {
    s.bridge = await MqttBridge.start(robot, { port: 0 });
    const notifications = new RobotNotifications({
      url: s.bridge.url,
      enabled: true,
      softwareVersion: async () => (await client.health()).api_version,
    });
    s.notifications = notifications;
    s.source = () => new PushSource(notifications);
  }
  // The robot says `robot-server/runs/<id>` whenever the run's status changes: that is "the change".
  robot.on('notify', (topic: string) => {
    const m = /^robot-server\/runs\/([0-9a-f-]{36})$/.exec(topic);
    if (!m) return;
    const list = s.changes.get(m[1]) ?? [];
    list.push(Date.now());
    s.changes.set(m[1], list);
  });
  return s;
}

async function upload(s: Side, homes: number): Promise<string> {
  const { protocol: p } = await s.client.uploadProtocol([{ filename: `bench-${homes}.json`, content: protocol(homes) }]);
  for (;;) {
    const a = await s.client.listAnalyses(p.id);
    if (a.length && a.every((x) => x.status === 'completed')) return p.id;
    await sleep(20);
  }
}

/** Watches a run (undefined: the current run); each status msg's latency is measured from the robot's latest change before it. */
function watch(s: Side, runId: string | undefined, statuses: string[]): Subscription {
  return watchRun(s.client, runId, {
    intervalMs: INTERVAL_MS,
    progress: false,
    onEvent: (e: WatchEvent) => {
      if (e.type !== 'status') return;
      const at = Date.now();
      statuses.push(e.snapshot.status);
      if (statuses.length === 1 || runId === undefined) return; // the first read is not a change
      const before = (s.changes.get(runId) ?? []).filter((t) => t <= at);
      if (before.length) s.latencies.push(at - before[before.length - 1]);
    },
  }, { source: s.source });
}

async function until(ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('bench: timed out waiting for the run');
    await sleep(5);
  }
}

/** One run with a pause: play → paused → play → succeeded; latencies are collected by `watch`. */
async function latencyRun(s: Side, protocolId: string): Promise<void> {
  const run = await s.client.createRun({ protocolId });
  const statuses: string[] = [];
  const sub = watch(s, run.id, statuses);
  try {
    await until(() => statuses.includes('idle'), 10_000);
    await sleep(200);
    await s.client.createRunAction(run.id, 'play');
    await until(() => statuses.includes('paused'), 30_000);
    await sleep(500);
    await s.client.createRunAction(run.id, 'play');
    await until(() => statuses.includes('succeeded'), 30_000);
  } finally {
    sub.release();
  }
}

/** Requests per minute the robot received while `phase` held for `windowS` seconds. */
async function rate(s: Side, windowS: number): Promise<number> {
  const before = s.robot.stats.requests.length;
  await sleep(windowS * 1000);
  return ((s.robot.stats.requests.length - before) * 60) / windowS;
}

function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export async function runStatusPushBench(opts: { windowS?: number; latencyRuns?: number } = {}): Promise<Record<string, unknown>> {
  const windowS = opts.windowS ?? (Number(process.env.BENCH_WINDOW_S) || 60);
  // Steady state of the push side while paused is one safety poll per period: a window must hold several.
  const pausedWindowS = Math.max(windowS, (2 * DEFAULT_SAFETY_POLL_MS) / 1000 + 5);
  const latencyRuns = opts.latencyRuns ?? (Number(process.env.BENCH_LATENCY_RUNS) || 5);
  const sides = [await side('push'), await side('polling')];
  try {
    // 0. a robot with no run, watched in follow mode (what a fleet does with each free robot)
    const follow = sides.map((s) => watch(s, undefined, []));
    await sleep(2_000);
    const idleRobot = await Promise.all(sides.map((s) => rate(s, pausedWindowS)));
    follow.forEach((sub) => sub.release());

    // 1. latency: the same short runs on both robots at once
    const short = await Promise.all(sides.map((s) => upload(s, 3)));
    for (let i = 0; i < latencyRuns; i++) await Promise.all(sides.map((s, k) => latencyRun(s, short[k])));

    // 2. requests per minute: one long run, watched, first paused for a window, then running for a window
    const homes = Math.ceil(((windowS + 10) * 1000) / COMMAND_MS);
    const long = await Promise.all(sides.map((s) => upload(s, homes)));
    const runs = await Promise.all(sides.map((s, k) => s.client.createRun({ protocolId: long[k] })));
    const statuses: string[][] = sides.map(() => []);
    const subs = sides.map((s, k) => watch(s, runs[k].id, statuses[k]));
    await until(() => statuses.every((st) => st.includes('idle')), 30_000);
    await sleep(2_000);
    const idleRun = await Promise.all(sides.map((s) => rate(s, pausedWindowS)));
    await Promise.all(sides.map((s, k) => s.client.createRunAction(runs[k].id, 'play')));
    await until(() => statuses.every((st) => st.includes('paused')), 30_000);
    await sleep(2_000); // let the watchers settle into the paused rhythm
    const paused = await Promise.all(sides.map((s) => rate(s, pausedWindowS)));
    await Promise.all(sides.map((s, k) => s.client.createRunAction(runs[k].id, 'play')));
    // A watcher may miss the brief first `running` (play → paused within one command): running after paused counts.
    await until(() => statuses.every((st) => st.lastIndexOf('running') > st.indexOf('paused')), 30_000);
    await sleep(1_000);
    const running = await Promise.all(sides.map((s) => rate(s, windowS)));
    subs.forEach((sub) => sub.release());

    const table: Record<string, Record<string, number | string>> = {};
    sides.forEach((s, k) => {
      table[s.name] = {
        latencyMedianMs: Math.round(percentile(s.latencies, 50)),
        latencyP95Ms: Math.round(percentile(s.latencies, 95)),
        latencySamples: s.latencies.length,
        requestsPerMinRunning: Math.round(running[k] * 10) / 10,
        requestsPerMinPaused: Math.round(paused[k] * 10) / 10,
        requestsPerMinIdleRun: Math.round(idleRun[k] * 10) / 10,
        requestsPerMinIdleRobot: Math.round(idleRobot[k] * 10) / 10,
        runningWindowS: windowS,
        pausedWindowS,
      };
    });
    const pollingRunning = table.polling.requestsPerMinRunning as number;
    return {
      name: 'status push vs polling',
      setup: `one watched run per simulated OT-2, ${COMMAND_MS} ms per command, poll interval ${INTERVAL_MS} ms, push safety poll ${DEFAULT_SAFETY_POLL_MS / 1000} s, windows ${windowS} s running / ${pausedWindowS} s idle robot, idle run, paused`,
      push: table.push,
      polling: table.polling,
      app: { requestsPerMin: APP_REQUESTS_PER_MIN, pollingRunningVsApp: Math.round((pollingRunning / APP_REQUESTS_PER_MIN) * 100) / 100 },
      targets: {
        pushP95Le100ms: (table.push.latencyP95Ms as number) <= 100,
        pushPausedLe3PerMin: (table.push.requestsPerMinPaused as number) <= 3,
        pollingRunningLeApp: pollingRunning <= APP_REQUESTS_PER_MIN,
        pollingP95Le3s: (table.polling.latencyP95Ms as number) <= 3000,
      },
    };
  } finally {
    for (const s of sides) {
      await s.notifications?.close();
      await s.bridge?.stop();
      await s.client.close();
      await s.robot.stop();
    }
  }
}

if (require.main === module) {
  runStatusPushBench()
    .then((r) => {
      console.log(JSON.stringify(r, null, 2));
      const rows = ['push', 'polling'].map((k) => ({ mode: k, ...(r[k] as Record<string, unknown>) }));
      console.table(rows);
    })
    .catch((e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    });
}
