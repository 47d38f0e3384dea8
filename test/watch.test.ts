// RunWatcher against the simulated robot over real HTTP: the statuses a flow sees, in order, and what
// the robot pays for them (requests counted at the simulator).
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { RobotClient } from '../nodes/lib/client';
import { SimulatedRobot } from '../nodes/lib/simulator';
import type { CommandCreate } from '../nodes/lib/types';
import {
  COMMAND_READ_EVERY,
  DEFAULT_INTERVAL_MS,
  WAITING_READ_MS,
  liveWatchers,
  nextDelay,
  watchRun,
  type Subscription,
  type WatchEvent,
} from '../nodes/lib/watch';
import { PACKAGE_ROOT } from './helpers/nodered';

const PROTOCOLS = join(PACKAGE_ROOT, 'test', 'fixtures', 'protocols');

/** Collects a subscriber's events and waits for the ones a test expects. */
class Recorder {
  readonly events: WatchEvent[] = [];
  private waiters: Array<() => void> = [];

  readonly onEvent = (e: WatchEvent): void => {
    this.events.push(e);
    for (const w of this.waiters.splice(0)) w();
  };

  statuses(runId?: string): string[] {
    return this.events
      .filter((e): e is Extract<WatchEvent, { type: 'status' }> => e.type === 'status')
      .filter((e) => runId === undefined || e.snapshot.runId === runId)
      .map((e) => e.snapshot.status);
  }

  of<T extends WatchEvent['type']>(type: T): Array<Extract<WatchEvent, { type: T }>> {
    return this.events.filter((e): e is Extract<WatchEvent, { type: T }> => e.type === type);
  }

  async until(what: string, pred: () => boolean, timeoutMs = 8000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(this.events.map(summary))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

function summary(e: WatchEvent): string {
  if (e.type === 'status') return `${e.snapshot.status}(${e.snapshot.runId.slice(0, 4)})`;
  if (e.type === 'current-run-changed') return `current→${e.runId?.slice(0, 4) ?? 'none'}`;
  return e.type;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

describe('RunWatcher: when it reads (the polling load on a robot)', () => {
  const at = (phase: 'active' | 'waiting' | 'quiet' | 'unreachable', intervalMs: number, failures = 0): number => nextDelay({ phase, failures, intervalMs });

  it('reads a running run every interval (2.5 s by default, within the 3 s a status change may take to reach a flow)', () => {
    assert.equal(DEFAULT_INTERVAL_MS, 2500);
    assert.equal(at('active', DEFAULT_INTERVAL_MS), 2500);
    assert.equal(at('active', 500), 500);
  });

  it('reads a run that waits for someone (idle, paused, recovery) every 2.5 s, or every interval when that is longer', () => {
    // Its next status comes from a person, maybe at the App: no slower than the running rate at the default.
    assert.equal(WAITING_READ_MS, 2500);
    assert.equal(at('waiting', DEFAULT_INTERVAL_MS), 2500);
    assert.equal(at('waiting', 1000), 2500, 'a flow saved with the old 1000 ms default: was 5 s, now 2.5 s');
    assert.equal(at('waiting', 500), 2500);
    assert.equal(at('waiting', 10_000), 10_000, 'never faster than the interval asked for');
    assert.equal(at('waiting', 50), 250, 'test-sized intervals keep the five-fold spacing');
  });

  it('reads an ended run or a robot with no current run five times less often, at most every 30 s', () => {
    assert.equal(at('quiet', DEFAULT_INTERVAL_MS), 12_500);
    assert.equal(at('quiet', 1000), 5000);
    assert.equal(at('quiet', 10_000), 30_000);
  });

  it('backs off from an unreachable robot from the interval up to 30 s', () => {
    assert.equal(at('unreachable', DEFAULT_INTERVAL_MS, 1), 5000);
    assert.equal(at('unreachable', DEFAULT_INTERVAL_MS, 20), 30_000);
  });
});

describe('RunWatcher (simulated robot, real HTTP)', function () {
  this.timeout(30_000);
  let robot: SimulatedRobot;
  let client: RobotClient;
  let other: RobotClient;
  const subs: Subscription[] = [];

  async function startRobot(commandMs: number): Promise<void> {
    robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'OT-2', speed: 1, commandMs, analysisMs: 20 });
    client = new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 2000, retryDelayMs: 50 });
    // "Another client": the Opentrons App or a second Node-RED acting on the same robot.
    other = new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 2000 });
  }

  function watch(runId: string | undefined, rec: Recorder, intervalMs = 20): Subscription {
    const sub = watchRun(client, runId, { intervalMs, progress: false, onEvent: rec.onEvent });
    subs.push(sub);
    return sub;
  }

  async function protocolRun(file: string): Promise<{ runId: string; protocolId: string }> {
    const { protocol } = await other.uploadProtocol([{ path: join(PROTOCOLS, file) }]);
    // Wait for the analysis, as a flow's upload node does, so the run starts from an analysed protocol.
    for (let p = protocol; p.analysisSummaries.some((a) => a.status !== 'completed'); p = (await other.getProtocol(protocol.id)).protocol) {
      await sleep(10);
    }
    const run = await other.createRun({ protocolId: protocol.id });
    return { runId: run.id, protocolId: protocol.id };
  }

  /** A protocol-less run with protocol-intent commands queued for play. */
  async function liveRun(commands: CommandCreate[]): Promise<string> {
    const run = await other.createRun({});
    for (const c of commands) await other.createRunCommand(run.id, { ...c, intent: 'protocol' });
    return run.id;
  }

  afterEach(async () => {
    for (const s of subs.splice(0)) s.release();
    await client?.close();
    await other?.close();
    await robot?.stop();
  });

  it('reports idle → running → paused (with the message) → running → finishing → succeeded, in order, then ends', async () => {
    // The simulator's stand-in for a Python protocol runs comment, waitForResume, comment after home:
    // 600 ms commands keep each status long enough to be read at a 20 ms interval.
    await startRobot(600);
    const { runId, protocolId } = await protocolRun('pause_resume.py');
    const rec = new Recorder();
    const sub = watch(runId, rec);
    await rec.until('idle', () => rec.statuses().includes('idle'));
    await other.createRunAction(runId, 'play');
    await rec.until('paused', () => rec.statuses().includes('paused'));
    await other.createRunAction(runId, 'play');
    // As a flow does by passing the play msg on to the status node: read now, not at the paused rate.
    sub.refresh();
    await rec.until('ended', () => rec.of('ended').length === 1);

    assert.deepEqual(rec.statuses(), ['idle', 'running', 'paused', 'running', 'finishing', 'succeeded']);
    const status = rec.of('status');
    assert.deepEqual(status.map((e) => e.previousStatus), [null, 'idle', 'running', 'paused', 'running', 'finishing']);
    const paused = status[2].snapshot;
    assert.equal(paused.pauseMessage, 'Check the tip, then resume');
    assert.equal(paused.currentCommand?.commandType, 'waitForResume');
    for (const e of status) {
      assert.equal(e.snapshot.runId, runId);
      assert.equal(e.snapshot.protocolId, protocolId);
      if (e.snapshot.status !== 'paused') assert.equal(e.snapshot.pauseMessage, null);
    }
    // The analysis (for totalCommands) was read once for the whole run.
    // Only the run's (newest) analysis is read, never the list of every stored one.
    assert.equal(robot.stats.count('GET', `/protocols/${protocolId}/analyses`), 0);
    assert.equal(robot.stats.requests.filter((r) => r.method === 'GET' && r.path.startsWith(`/protocols/${protocolId}/analyses/`)).length, 1);
    const analyses = await other.listAnalyses(protocolId);
    assert.equal(paused.totalCommands, analyses[analyses.length - 1].commands?.length);
    const last = status[status.length - 1].snapshot;
    const page = await other.listRunCommands(runId, { pageLength: 1 });
    assert.equal(last.completedCommands, page.meta.cursor + 1, 'completed count at the end is the last command index + 1');
    assert.deepEqual(rec.of('ended').map((e) => e.reason), ['finished']);
    assert.equal(liveWatchers(), 0);
  });

  it('reports a failed run once, with the robot\'s error detail and code', async () => {
    await startRobot(100);
    const runId = await liveRun([
      { commandType: 'aspirate', params: { pipetteId: 'no-such-pipette', labwareId: 'x', wellName: 'A1', volume: 10, flowRate: 10 } },
    ]);
    const rec = new Recorder();
    watch(runId, rec);
    await rec.until('idle', () => rec.statuses().includes('idle'));
    await other.createRunAction(runId, 'play');
    await rec.until('ended', () => rec.of('ended').length === 1);

    const failed = rec.of('status').filter((e) => e.snapshot.status === 'failed');
    assert.equal(failed.length, 1);
    const run = await other.getRun(runId);
    assert.ok(run.errors.length > 0, 'the simulated robot failed the run');
    assert.equal(failed[0].snapshot.errors[0].detail, run.errors[0].detail);
    assert.equal(failed[0].snapshot.errors[0].errorCode, run.errors[0].errorCode);
    assert.equal(rec.statuses().at(-1), 'failed');
  });

  it('reports stop → stop-requested → stopped', async () => {
    await startRobot(400);
    const runId = await liveRun([
      { commandType: 'waitForDuration', params: { seconds: 5 } },
      { commandType: 'comment', params: { message: 'never reached' } },
    ]);
    const rec = new Recorder();
    watch(runId, rec);
    await other.createRunAction(runId, 'play');
    await rec.until('running', () => rec.statuses().includes('running'));
    await other.createRunAction(runId, 'stop');
    await rec.until('ended', () => rec.of('ended').length === 1);
    const statuses = rec.statuses();
    assert.deepEqual(statuses.slice(-2), ['stop-requested', 'stopped']);
    assert.equal(statuses.filter((s) => s === 'stopped').length, 1);
  });

  it('follows the current run: picks up a run another client created, then the next one', async () => {
    await startRobot(50);
    const rec = new Recorder();
    watch(undefined, rec);
    await sleep(100);
    assert.deepEqual(rec.events, [], 'no run current: nothing to say yet');

    const first = await liveRun([{ commandType: 'comment', params: { message: 'one' } }]);
    await rec.until('first run', () => rec.statuses(first).includes('idle'));
    await other.createRunAction(first, 'play');
    await rec.until('first run finished', () => rec.statuses(first).includes('succeeded'));
    await sleep(150);
    assert.equal(rec.statuses(first).filter((s) => s === 'succeeded').length, 1, 'terminal status sent once');
    assert.equal(liveWatchers(), 1, 'follow-current keeps going after a run finished');

    const second = await liveRun([]);
    await rec.until('second run', () => rec.statuses(second).includes('idle'));
    assert.deepEqual(
      rec.of('current-run-changed').map((e) => [e.runId, e.previousRunId]),
      [
        [first, null],
        [second, first],
      ],
    );
    const order = rec.events.map(summary);
    assert.ok(order.indexOf(`current→${second.slice(0, 4)}`) < order.indexOf(`idle(${second.slice(0, 4)})`));
  });

  it('shares one watcher, and one set of requests, between subscribers of the same run', async () => {
    await startRobot(50);
    const { runId, protocolId } = await protocolRun('pause_resume.py');
    const a = new Recorder();
    const b = new Recorder();
    const subA = watch(runId, a, 50);
    const subB = watch(runId, b, 50);
    assert.equal(subA.watcher, subB.watcher);
    assert.equal(liveWatchers(), 1);
    await a.until('idle', () => a.statuses().includes('idle'));
    await sleep(600);
    assert.deepEqual(a.statuses(), ['idle']);
    assert.deepEqual(b.statuses(), ['idle']);
    // An idle run: its commands page is read once (first read) and the analysis once, whoever asks.
    assert.equal(robot.stats.count('GET', `/runs/${runId}/commands`), 1);
    // Only the run's (newest) analysis is read, never the list of every stored one.
    assert.equal(robot.stats.count('GET', `/protocols/${protocolId}/analyses`), 0);
    assert.equal(robot.stats.requests.filter((r) => r.method === 'GET' && r.path.startsWith(`/protocols/${protocolId}/analyses/`)).length, 1);
    // Quiet phase: one GET /runs/{id} per 5 × 50 ms, not two.
    const reads = robot.stats.count('GET', `/runs/${runId}`);
    assert.ok(reads >= 2 && reads <= 5, `GET /runs/{id} ${reads} times in ~0.65 s`);

    // A late subscriber hears the last known status at once, without a request.
    const before = robot.stats.count();
    const c = new Recorder();
    watch(runId, c, 50);
    assert.deepEqual(c.statuses(), ['idle']);
    assert.equal(robot.stats.count(), before);

    subA.release();
    subB.release();
    assert.equal(liveWatchers(), 1, 'still watched by the late subscriber');
    for (const s of subs.splice(0)) s.release();
    assert.equal(liveWatchers(), 0);
  });

  it('robot down then back: one unreachable and one reachable event, then what the robot now says', async () => {
    await startRobot(100);
    const { runId } = await protocolRun('pause_resume.py');
    const rec = new Recorder();
    const follow = new Recorder();
    watch(runId, rec, 50);
    watch(undefined, follow, 50);
    await other.createRunAction(runId, 'play');
    await rec.until('paused', () => rec.statuses().includes('paused'));
    await follow.until('paused (follow)', () => follow.statuses().includes('paused'));

    await robot.faults.down();
    await rec.until('unreachable', () => rec.of('robot-unreachable').length > 0);
    await follow.until('unreachable (follow)', () => follow.of('robot-unreachable').length > 0);
    await sleep(1500); // several failed reads with backoff
    await robot.faults.up(); // like a restarted robot: no run is current

    await rec.until('reachable', () => rec.of('robot-reachable').length > 0);
    await follow.until('no current run', () => follow.of('current-run-changed').some((e) => e.runId === null), 10_000);
    const now = await other.getRun(runId);
    await rec.until(`status ${now.status}`, () => rec.statuses().at(-1) === now.status);

    for (const r of [rec, follow]) {
      assert.equal(r.of('robot-unreachable').length, 1);
      assert.equal(r.of('robot-reachable').length, 1);
      const types = r.events.map((e) => e.type);
      assert.ok(types.indexOf('robot-unreachable') < types.indexOf('robot-reachable'));
    }
    assert.notEqual(now.status, 'paused', 'the simulator ended the paused run on restart');
    assert.equal(follow.statuses(runId).at(-1), now.status, 'follow mode reports the run as the robot now describes it');
    assert.equal(await other.getCurrentRunId(), undefined);
  });

  it('a running run costs one request per read: its command page every fourth read, every read for a subscriber passing progress on', async () => {
    await startRobot(100);
    // One long command: the run stays running through both windows.
    const runId = await liveRun([{ commandType: 'waitForDuration', params: { seconds: 60 } }]);
    const rec = new Recorder();
    const sub = watch(runId, rec, 40);
    await other.createRunAction(runId, 'play');
    sub.refresh();
    await rec.until('running', () => rec.statuses().includes('running'));
    const runReads = (): number => robot.stats.count('GET', `/runs/${runId}`);
    const pageReads = (): number => robot.stats.count('GET', `/runs/${runId}/commands`);

    // Counted over whole reads, not time: each read takes the run, every fourth also its command page.
    const window = async (reads: number): Promise<{ runs: number; pages: number }> => {
      const r0 = runReads();
      const p0 = pageReads();
      await rec.until(`${reads} reads`, () => runReads() - r0 >= reads, 20_000);
      return { runs: runReads() - r0, pages: pageReads() - p0 };
    };
    const plain = await window(4 * COMMAND_READ_EVERY);
    assert.ok(
      Math.abs(plain.pages - plain.runs / COMMAND_READ_EVERY) <= 1,
      `${plain.pages} command pages for ${plain.runs} run reads (expected one per ${COMMAND_READ_EVERY})`,
    );

    const follower = watchRun(client, runId, { intervalMs: 40, progress: true, followCommands: true, onEvent: () => undefined });
    subs.push(follower);
    assert.equal(follower.watcher, sub.watcher, 'shared');
    await window(1); // the read in flight when it joined
    const every = await window(12);
    assert.ok(Math.abs(every.pages - every.runs) <= 1, `${every.pages} command pages for ${every.runs} run reads (expected one each)`);

    follower.release();
    await window(1);
    const again = await window(4 * COMMAND_READ_EVERY);
    assert.ok(Math.abs(again.pages - again.runs / COMMAND_READ_EVERY) <= 1, `after the follower left: ${again.pages} pages for ${again.runs} reads`);
    assert.equal(rec.statuses().at(-1), 'running', 'every window was of a running run');
    assert.equal(rec.statuses().filter((s) => s === 'running').length, 1);
  });

  it('never overlaps requests: a burst of triggers makes at most one extra read', async () => {
    await startRobot(50);
    const { runId } = await protocolRun('pause_resume.py');
    const rec = new Recorder();
    const sub = watch(runId, rec, 10_000);
    await rec.until('idle', () => rec.statuses().includes('idle'));
    await sleep(50); // the first read has settled
    const before = robot.stats.count('GET', `/runs/${runId}`);
    robot.faults.slowNext({ method: 'GET', path: `/runs/${runId}`, delayMs: 150 });
    for (let i = 0; i < 20; i++) sub.refresh();
    assert.ok(sub.watcher.isReading);
    await sleep(500);
    // One read took the first trigger; the other 19 merged into one read after it.
    assert.equal(robot.stats.count('GET', `/runs/${runId}`) - before, 2);
  });

  it('releases every timer and request when the last subscriber leaves', async () => {
    await startRobot(100);
    const baseline = activeTimers();
    const { runId } = await protocolRun('pause_resume.py');
    const rec = new Recorder();
    watch(runId, rec);
    watch(undefined, rec);
    await other.createRunAction(runId, 'play');
    await rec.until('running', () => rec.statuses().includes('running'));
    assert.ok(liveWatchers() === 2 && activeTimers() > baseline);
    for (const s of subs.splice(0)) s.release();
    assert.equal(liveWatchers(), 0);
    await sleep(30); // a request aborted by the release may still reach the server
    const count = robot.stats.count();
    await sleep(300);
    assert.equal(robot.stats.count(), count, 'no request after release');
    await robot.stop();
    await client.close();
    await other.close();
    assert.ok(activeTimers() <= baseline, `timers left: ${JSON.stringify(process.getActiveResourcesInfo())}`);
  });
});
