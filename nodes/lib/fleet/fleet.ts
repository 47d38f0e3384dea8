// The fleet's run queue: jobs in, each to one free robot that fits, events out. Every change to the queue
// (pairing a job with a robot, recording a run, start, cancel, clear, what the watchers report) runs one at a time
// per fleet, so two jobs never go to one robot and one job never to two however many msgs arrive at once; the
// robots' own work for a placement (upload, analysis, run, play) runs side by side, one placement per robot. The
// queue is saved to its context store after every change (before the robot is asked to do anything that depends
// on it) and re-attached to the robots' runs by run id when the fleet starts again. Robots are watched through the
// shared run watcher (one per robot, following its current run), never polled here.
import { setMaxListeners } from 'node:events';
import type { RobotClient } from '../client';
import { OpentronsError, RobotError } from '../errors';
import type { RobotConfigNode } from '../node-support';
import { PreflightFailedError, preflight } from '../preflight';
import { isTerminal, type Run } from '../types';
import { runChanged, watchRun, type RunSnapshot, type WatchEvent } from '../watch';
import { allows, candidates, refusedByAll, type Policy } from './dispatcher';
import type { JobListener } from './events';
import { FINAL_STATES, ON_ROBOT_STATES, newJob, queueOrder, type Job, type JobSpec, type JobState, type StartMode } from './job';
import { createJobRun, placeOn } from './placement';
import { QueueStore, emptyState, prune, type QueueState } from './queue-store';
import { FleetRobot, type RobotStateName, type RobotView } from './robot-state';
import { findRobot, lookupFailure, plainName, robotNames } from '../robot-names';

export interface FleetOptions {
  /** The robots, looked up once every config node of the flow exists (after construction). */
  robots: () => Array<{ id: string; config: RobotConfigNode }>;
  store: QueueStore;
  policy: Policy;
  start: StartMode;
  clearing: 'operator' | 'auto';
  /** A running job whose robot is unreachable this long is `lost`. */
  lostAfterMs: number;
  /** ms between reads of each robot's run: the end of a job is seen within it, and each robot is asked at that pace. */
  watchIntervalMs: number;
  analysisTimeoutMs: number;
  log: { warn(text: string): void; log(text: string): void };
}

/** An action the queue refuses, with a code for Catch nodes. */
export class FleetError extends OpentronsError {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** Run statuses that mean a job is playing (or on its way to an end it will report). */
const RUNNING = new Set(['running', 'finishing', 'stop-requested']);
/** A robot that answered with an error during placement is skipped this long. */
const BACKOFF_MS = 5000;

/** A 400/422 answer is about what the job sent; 404 (dropped protocol), 409 (busy) and 5xx are about the robot's state. */
function refusesJob(err: unknown): boolean {
  return err instanceof RobotError && (err.statusCode === 400 || err.statusCode === 422);
}

export class Fleet {
  private state: QueueState = emptyState();
  robots: FleetRobot[] = [];
  private readonly listeners = new Set<JobListener>();
  private readonly abort = new AbortController();
  /** Every action on robots runs after the one before (see the file comment). */
  private chain: Promise<void> = Promise.resolve();
  /** Jobs being placed and robots they are being placed on (see dispatchPass). */
  private readonly placing = new Set<string>();
  private readonly placingOn = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private dispatchWanted = false;
  private dispatchQueued = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  readonly ready: Promise<void>;

  constructor(private readonly opts: FleetOptions) {
    // One signal ends every request of the fleet, and a fleet of many robots has many at once.
    setMaxListeners(0, this.abort.signal);
    this.ready = this.open();
    this.ready.catch((err: Error) => opts.log.warn(`fleet queue could not be read from its store: ${err.message}`));
  }

  // ---- public actions (queue nodes) -----------------------------------------------------------

  onJob(listener: JobListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  robotNamed(nameOrId: string): FleetRobot | undefined {
    return findRobot(this.robots, nameOrId).found;
  }

  /** Queues a checked job; resolves once it is saved. */
  async submit(spec: JobSpec, by: string | null): Promise<Job> {
    await this.ready;
    this.assertOpen();
    const job = newJob(spec, this.state.seq++, by);
    if ('files' in spec.protocol) this.state.files[spec.protocol.hash] = spec.protocol.files;
    this.state.jobs.push(job);
    await this.save();
    this.emit(job, by);
    this.kick();
    return job;
  }

  /** Plays an assigned job's run after the start checks. */
  start(jobId: string, origin: string | null): Promise<Job> {
    return this.serial(async () => {
      const job = this.jobById(jobId);
      if (job.state !== 'assigned') throw new FleetError(`job ${jobId} is ${job.state}: only an assigned job can be started`, 'JobNotAssigned');
      const robot = this.robotOf(job);
      await this.playRun(await robot.config.ready(), job.runId as string);
      await this.played(job, origin);
      return job;
    });
  }

  cancel(jobId: string, origin: string | null): Promise<Job> {
    return this.serial(async () => {
      const job = this.jobById(jobId);
      if (FINAL_STATES.includes(job.state)) throw new FleetError(`job ${jobId} has already ended (${job.state}): nothing to cancel`, 'JobEnded');
      if (job.state === 'queued') {
        await this.finish(job, 'cancelled', origin);
        return job;
      }
      const robot = this.robotOf(job);
      const client = await robot.config.ready();
      const runId = job.runId as string;
      if (job.state === 'assigned') {
        // The run never played: close it so the robot is free for the next job, no clearing needed.
        await client.deleteRun(runId, { signal: this.abort.signal }).catch(async (err: unknown) => {
          if (err instanceof RobotError && err.statusCode === 404) return;
          await client.dismissRun(runId, { signal: this.abort.signal });
        });
        runChanged(client, runId);
        await this.finish(job, 'cancelled', origin, false);
        return job;
      }
      // Running or paused: the robot stops it; the job ends `stopped` when the run does.
      await client.createRunAction(runId, 'stop', { signal: this.abort.signal }).catch((err: unknown) => {
        if (!(err instanceof RobotError && err.errorId === 'RunActionNotAllowed')) throw err;
      });
      runChanged(client, runId);
      return job;
    });
  }

  /** A robot whose last job has ended may take the next one (its deck has been cleared). */
  clear(robotName: string): Promise<RobotView> {
    return this.serial(async () => {
      const robot = this.robotByName(robotName);
      const job = this.jobOn(robot);
      if (job) throw new FleetError(`robot ${robot.name} has job ${job.jobId} (${job.state}): clear is for a robot whose job has ended`, 'RobotBusy');
      robot.needsClearing = false;
      robot.freeSince = Date.now();
      await this.save();
      this.kick();
      return this.viewOfRobot(robot);
    });
  }

  /** Takes a robot out of rotation (hold) or back in (release); a job on it carries on. */
  hold(robotName: string, held: boolean): Promise<RobotView> {
    return this.serial(async () => {
      const robot = this.robotByName(robotName);
      robot.held = held;
      await this.save();
      if (!held) this.kick();
      return this.viewOfRobot(robot);
    });
  }

  /** The queue (jobs not ended, in dispatch order, then the last ended ones) and each robot's state. */
  async list(): Promise<{ jobs: Job[]; robots: RobotView[] }> {
    await this.ready;
    const open = this.state.jobs.filter((j) => !FINAL_STATES.includes(j.state));
    const onRobots = open.filter((j) => j.state !== 'queued');
    const queued = open.filter((j) => j.state === 'queued').sort(queueOrder);
    const ended = this.state.jobs.filter((j) => FINAL_STATES.includes(j.state));
    return { jobs: [...onRobots, ...queued, ...ended], robots: this.robots.map((r) => this.viewOfRobot(r)) };
  }

  job(jobId: string): Job | undefined {
    return this.state.jobs.find((j) => j.jobId === jobId);
  }

  /** How many jobs are not ended (node status). */
  get openJobs(): number {
    return this.state.jobs.filter((j) => !FINAL_STATES.includes(j.state)).length;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    clearTimeout(this.retryTimer);
    for (const r of this.robots) {
      r.subscription?.release();
      r.subscription = undefined;
      clearTimeout(r.lostTimer);
    }
    this.listeners.clear();
    // Aborted above: each placement ends at its next request or wait.
    await Promise.allSettled([...this.inFlight]);
    await this.chain.catch(() => undefined);
    await this.opts.store.flush();
  }

  // ---- start-up ---------------------------------------------------------------------------------

  private async open(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.robots = this.opts.robots().map((r) => new FleetRobot(r.id, r.config));
    // Names are how msgs and reasons name robots: one shared by two robots becomes "name (config id)" for both.
    const names = robotNames(this.robots);
    this.robots.forEach((r, i) => {
      if (names[i] !== plainName(r)) r.alias = names[i];
    });
    this.state = await this.opts.store.load();
    for (const r of this.robots) {
      const marks = this.state.robots[r.id];
      r.held = marks?.held === true;
      r.needsClearing = marks?.needsClearing === true;
    }
    if (this.closed) return;
    for (const r of this.robots) this.watch(r);
    // Re-attach jobs saved on robots: by run id, once each robot answers.
    void this.serial(async () => {
      await Promise.all(this.robots.map((r) => this.reconcile(r)));
    }).catch(() => undefined);
    this.kick();
  }

  private watch(robot: FleetRobot): void {
    robot.config
      .ready()
      .then((client) => {
        if (this.closed) return;
        robot.subscription = watchRun(
          client,
          undefined,
          { intervalMs: this.opts.watchIntervalMs, progress: false, onEvent: (e) => this.onWatch(robot, e) },
          { source: robot.config.watchSource },
        );
      })
      .catch((err: Error) => {
        robot.reachable = false;
        this.opts.log.warn(`robot ${robot.name}: ${err.message}`);
      });
  }

  /**
   * Brings a robot's job in line with the robot: its run by id (gone → lost; ended → its final event,
   * once); a job claimed but whose run was never recorded takes the robot's idle current run of its
   * protocol, or goes back to the queue.
   */
  private async reconcile(robot: FleetRobot): Promise<void> {
    let client: RobotClient;
    try {
      client = await robot.config.ready();
    } catch {
      robot.reachable = false;
      return;
    }
    const signal = this.abort.signal;
    try {
      const currentId = (await client.getCurrentRunId({ signal })) ?? null;
      robot.reachable = true;
      const current = currentId ? await client.getRun(currentId, { signal }) : undefined;
      const job = this.jobOn(robot);
      if (job && this.placing.has(job.jobId)) {
        // Its placement is under way and records the run itself.
      } else if (job && !job.runId) {
        if (current && current.protocolId === job.protocolId && current.status === 'idle') {
          job.runId = current.id;
          await this.transition(job, 'assigned', null);
        } else {
          this.unclaim(job);
          await this.save();
        }
      } else if (job && job.runId) {
        let run: Run | undefined;
        try {
          run = current?.id === job.runId ? current : await client.getRun(job.runId, { signal });
        } catch (err) {
          if (!(err instanceof RobotError && err.statusCode === 404)) throw err;
        }
        if (!run) await this.lose(job, robot, `run ${job.runId} is gone from robot ${robot.name} (the robot restarted or the run was deleted)`);
        else await this.applyRun(job, robot, run.status, null, run.errors, run.current);
      }
      const mine = this.jobOn(robot);
      robot.foreignRun = current && !isTerminal(current.status) && current.id !== mine?.runId ? { id: current.id, status: current.status } : null;
      if (!robot.freeSince) robot.freeSince = Date.now();
    } catch (err) {
      if (signal.aborted) return;
      robot.reachable = false;
      this.opts.log.warn(`robot ${robot.name} not reachable: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  // ---- watching ---------------------------------------------------------------------------------

  private onWatch(robot: FleetRobot, event: WatchEvent): void {
    if (this.closed) return;
    switch (event.type) {
      case 'status':
        void this.serial(() => this.onStatus(robot, event.snapshot)).catch((err: Error) => this.opts.log.warn(err.message));
        break;
      case 'current-run-changed':
        void this.serial(async () => {
          const job = this.jobOn(robot);
          if (event.runId === null) robot.foreignRun = null;
          if (job?.runId && job.runId !== event.runId && job.state !== 'queued') await this.reconcile(robot);
          this.kick();
        }).catch((err: Error) => this.opts.log.warn(err.message));
        break;
      case 'robot-unreachable':
        robot.reachable = false;
        this.armLost(robot);
        break;
      case 'robot-reachable':
        robot.reachable = true;
        clearTimeout(robot.lostTimer);
        robot.lostTimer = undefined;
        void this.serial(() => this.reconcile(robot))
          .then(() => this.kick())
          .catch((err: Error) => this.opts.log.warn(err.message));
        break;
      default:
        break;
    }
  }

  private async onStatus(robot: FleetRobot, snap: RunSnapshot): Promise<void> {
    robot.reachable = true;
    const job = this.jobOn(robot);
    if (job && job.runId === snap.runId) {
      await this.applyRun(job, robot, snap.status, snap.pauseMessage, snap.errors, snap.current);
      robot.foreignRun = null;
    } else {
      robot.foreignRun = isTerminal(snap.status) || !snap.current ? null : { id: snap.runId, status: snap.status };
    }
    this.kick();
  }

  /** A robot unreachable while its job runs: the job is lost when it stays so longer than the setting. */
  private armLost(robot: FleetRobot): void {
    const job = this.jobOn(robot);
    if (!job || !['running', 'paused'].includes(job.state) || robot.lostTimer) return;
    robot.lostTimer = setTimeout(() => {
      robot.lostTimer = undefined;
      void this.serial(async () => {
        const still = this.jobOn(robot);
        if (still && robot.reachable === false && ['running', 'paused'].includes(still.state)) {
          await this.lose(still, robot, `robot ${robot.name} unreachable for more than ${Math.round(this.opts.lostAfterMs / 1000)} s while running`);
        }
      }).catch(() => undefined);
    }, this.opts.lostAfterMs);
  }

  /** Moves a job to the state its run's status means. */
  private async applyRun(job: Job, robot: FleetRobot, status: string, pauseMessage: string | null, errors: Run['errors'] | undefined, current: boolean): Promise<void> {
    if (FINAL_STATES.includes(job.state)) return;
    if (status === 'succeeded' || status === 'failed' || status === 'stopped') {
      job.errors = status === 'failed' ? (errors ?? []) : null;
      job.pauseMessage = null;
      await this.finish(job, status, null, true);
      return;
    }
    if (status === 'idle' && !current) {
      // A run that never played and is no longer current cannot be played (the robot restarted).
      await this.lose(job, robot, `run ${String(job.runId)} on robot ${robot.name} is no longer current and never played`);
      return;
    }
    if (RUNNING.has(status)) {
      job.pauseMessage = null;
      if (!job.startedAt) job.startedAt = new Date().toISOString();
      if (job.state !== 'running') await this.transition(job, 'running', null);
      return;
    }
    if (status.includes('paused') || status.startsWith('awaiting') || status.includes('door')) {
      const message = pauseMessage ?? (status === 'paused' ? null : status);
      if (job.state !== 'paused' || job.pauseMessage !== message) {
        job.pauseMessage = message;
        await this.transition(job, 'paused', null);
      }
    }
  }

  // ---- dispatch ---------------------------------------------------------------------------------

  /** Asks for a dispatch pass; passes coalesce, so a burst of submits costs one. */
  private kick(): void {
    if (this.closed) return;
    this.dispatchWanted = true;
    if (this.dispatchQueued) return;
    this.dispatchQueued = true;
    setImmediate(() => {
      void this.serial(async () => {
        this.dispatchQueued = false;
        while (this.dispatchWanted && !this.closed) {
          this.dispatchWanted = false;
          await this.dispatchPass();
        }
      }).catch((err: Error) => this.opts.log.warn(`dispatch: ${err.message}`));
    });
  }

  private isFree(robot: FleetRobot, now: number): boolean {
    return (
      robot.reachable === true &&
      !robot.held &&
      !robot.needsClearing &&
      !robot.foreignRun &&
      robot.backoffUntil <= now &&
      !this.placingOn.has(robot.id) &&
      !this.jobOn(robot)
    );
  }

  /**
   * Pairs queued jobs (priority, then first in first out) with free robots and starts each placement. The pairing
   * runs in the chain, so a robot gets one placement and a job one robot at a time; the placements themselves (upload,
   * analysis, run, play: the robot's time) run side by side, each robot's on its own, and come back to the chain
   * to record what they did.
   */
  private async dispatchPass(): Promise<void> {
    const now = Date.now();
    const free = this.robots.filter((r) => this.isFree(r, now));
    const queued = this.state.jobs.filter((j) => j.state === 'queued' && !this.placing.has(j.jobId)).sort(queueOrder);
    for (const job of queued) {
      if (this.closed) return;
      if (refusedByAll(job, this.robots)) {
        await this.reject(job);
        continue;
      }
      const robot = candidates(job, free, this.opts.policy)[0];
      if (!robot) continue;
      free.splice(free.indexOf(robot), 1);
      this.placing.add(job.jobId);
      this.placingOn.add(robot.id);
      const placement = this.place(job, robot).finally(() => {
        this.placing.delete(job.jobId);
        this.placingOn.delete(robot.id);
        this.inFlight.delete(placement);
        this.kick();
      });
      this.inFlight.add(placement);
      if (free.length === 0) return;
    }
  }

  /** One job on one robot, outside the chain but for the steps that change the queue. */
  private async place(job: Job, robot: FleetRobot): Promise<void> {
    const signal = this.abort.signal;
    try {
      const client = await robot.config.ready();
      const placement = await placeOn(client, robot, job, {
        signal,
        analysisTimeoutMs: this.opts.analysisTimeoutMs,
        files: (hash) => this.state.files[hash],
      });
      const claimed = await this.serial(async () => {
        if (job.state !== 'queued') return false;
        if (!placement.fits) {
          job.reasons = { ...(job.reasons ?? {}), [robot.name]: placement.reason };
          await this.save();
          return false;
        }
        // Claimed and saved before the run exists: after a crash here, start-up finds the run or requeues the job.
        job.robotId = robot.id;
        job.robot = robot.name;
        job.protocolId = placement.protocolId;
        await this.save();
        return true;
      });
      if (!claimed || !placement.fits) return;
      let run: Run;
      try {
        run = await createJobRun(
          client,
          {
            protocolId: placement.protocolId,
            runTimeParameterValues: job.runTimeParameterValues,
            runTimeParameterFiles: placement.runTimeParameterFiles,
            labwareOffsets: job.labwareOffsets,
          },
          signal,
        );
      } catch (err) {
        await this.serial(async () => {
          if (job.state === 'queued') this.unclaim(job);
          if (err instanceof RobotError && err.statusCode === 404) robot.protocols.clear();
          await this.save();
        });
        throw err;
      }
      runChanged(client, run.id);
      const assigned = await this.serial(async () => {
        // Cancelled while its run was being created: the run goes too.
        if (job.state !== 'queued' || job.robotId !== robot.id) return false;
        job.runId = run.id;
        robot.foreignRun = null;
        await this.transition(job, 'assigned', null);
        return true;
      });
      if (!assigned) {
        await client.deleteRun(run.id, { signal }).catch(() => undefined);
        runChanged(client, run.id);
        return;
      }
      if ((job.start ?? this.opts.start) === 'auto') {
        try {
          await this.playRun(client, job.runId as string);
          await this.serial(() => this.played(job, null));
        } catch (err) {
          if (signal.aborted) return;
          await this.notStarted(job, robot, err);
        }
      }
    } catch (err) {
      if (signal.aborted || this.closed) return;
      await this.serial(async () => {
        if (refusesJob(err)) {
          // The robot refused what the job sent (files it cannot read, offsets it does not take): that is the job's, on this robot.
          job.reasons = { ...(job.reasons ?? {}), [robot.name]: `the robot refused it: ${(err as Error).message}` };
          await this.save();
          return;
        }
        // The robot failed us (unreachable, 5xx, busy): not the job's fault; try it again later.
        robot.backoffUntil = Date.now() + BACKOFF_MS;
        this.opts.log.warn(`job ${job.jobId} not placed on ${robot.name}: ${err instanceof Error ? err.message : String(err)}`);
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.kick(), BACKOFF_MS);
      }).catch(() => undefined);
    }
  }

  /** The checks before a run, then play (robot requests only; the caller records the change). */
  private async playRun(client: RobotClient, runId: string): Promise<void> {
    const signal = this.abort.signal;
    const run = await client.getRun(runId, { signal });
    const checks = await preflight(client, run, 'all', { signal });
    if (checks.some((c) => !c.ok)) throw new PreflightFailedError(run.id, checks);
    await client.createRunAction(runId, 'play', { signal });
    runChanged(client, runId);
  }

  /**
   * A `start: auto` job whose checks (or play) failed stays assigned for someone to fix the robot and `start` it:
   * the flow hears why as the job's `assigned` event again, with the reason under its robot's name.
   */
  private async notStarted(job: Job, robot: FleetRobot, err: unknown): Promise<void> {
    const why = `not started: ${err instanceof Error ? err.message : String(err)}`;
    this.opts.log.warn(`job ${job.jobId} on ${robot.name} ${why}`);
    await this.serial(async () => {
      if (job.state !== 'assigned') return;
      job.reasons = { ...(job.reasons ?? {}), [robot.name]: why };
      await this.transition(job, 'assigned', null);
    }).catch(() => undefined);
  }

  /** Records a play; the watcher may have seen the run running (or further) first. */
  private async played(job: Job, origin: string | null): Promise<void> {
    if (job.state !== 'assigned') return;
    // A failed auto start's reason no longer holds once the run plays.
    if (job.robot && job.reasons?.[job.robot]?.startsWith('not started: ')) {
      const rest = { ...job.reasons };
      delete rest[job.robot];
      job.reasons = Object.keys(rest).length > 0 ? rest : null;
    }
    job.startedAt = new Date().toISOString();
    await this.transition(job, 'running', origin);
  }

  private async reject(job: Job): Promise<void> {
    const allowed = this.robots.filter((r) => allows(job, r));
    if (allowed.length === 0) job.reasons = { ...(job.reasons ?? {}), fleet: 'none of the robots in msg.robots is in the fleet' };
    await this.finish(job, 'rejected', null, false);
  }

  // ---- state changes ----------------------------------------------------------------------------

  private unclaim(job: Job): void {
    job.robotId = null;
    job.robot = null;
    job.runId = null;
    job.protocolId = null;
  }

  private async lose(job: Job, robot: FleetRobot, reason: string): Promise<void> {
    job.reasons = { ...(job.reasons ?? {}), [robot.name]: reason };
    // Whatever is on the deck is still there: someone looks before the robot takes another job.
    await this.finish(job, 'lost', null, true);
  }

  /** Ends a job; `used` marks its robot needs-clearing (unless the fleet clears itself). */
  private async finish(job: Job, state: JobState, origin: string | null, used = false): Promise<void> {
    const robot = job.robotId ? this.robots.find((r) => r.id === job.robotId) : undefined;
    job.endedAt = new Date().toISOString();
    if (robot) {
      if (used && this.opts.clearing === 'operator') robot.needsClearing = true;
      robot.freeSince = Date.now();
      clearTimeout(robot.lostTimer);
      robot.lostTimer = undefined;
    }
    await this.transition(job, state, origin);
    prune(this.state, (j) => FINAL_STATES.includes(j.state));
    this.kick();
  }

  private async transition(job: Job, state: JobState, origin: string | null): Promise<void> {
    job.state = state;
    await this.save();
    this.emit(job, origin);
  }

  private emit(job: Job, origin: string | null): void {
    const copy = JSON.parse(JSON.stringify(job)) as Job;
    for (const l of [...this.listeners]) {
      try {
        l({ job: copy, origin });
      } catch {
        // a listener (a queue node) reports its own errors
      }
    }
  }

  private save(): Promise<void> {
    return this.opts.store.save(() => {
      for (const r of this.robots) this.state.robots[r.id] = { held: r.held, needsClearing: r.needsClearing };
      return this.state;
    });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(() => {
      this.assertOpen();
      return work();
    });
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private assertOpen(): void {
    if (this.closed) throw new FleetError('the fleet was closed (redeploy)', 'FleetClosed');
  }

  // ---- lookups ----------------------------------------------------------------------------------

  private jobById(jobId: string): Job {
    const job = this.job(jobId);
    if (!job) throw new FleetError(`no job ${jobId} in the fleet's queue: use the msg.jobId a submit answered with`, 'JobNotFound');
    return job;
  }

  private robotOf(job: Job): FleetRobot {
    const robot = this.robots.find((r) => r.id === job.robotId);
    if (!robot) throw new FleetError(`job ${job.jobId}'s robot ${String(job.robot)} is no longer in the fleet`, 'RobotNotFound');
    return robot;
  }

  private robotByName(name: string): FleetRobot {
    const lookup = findRobot(this.robots, name);
    if (lookup.found) return lookup.found;
    throw new FleetError(lookupFailure(name, lookup.candidates, 'in the fleet', this.robots.map((r) => r.name)), 'RobotNotFound');
  }

  /** The job that holds `robot` (claimed, assigned, running or paused), if any. */
  jobOn(robot: FleetRobot): Job | undefined {
    return this.state.jobs.find((j) => j.robotId === robot.id && (ON_ROBOT_STATES.includes(j.state) || (j.state === 'queued' && j.robotId !== null)));
  }

  robotState(robot: FleetRobot): RobotStateName {
    if (robot.reachable === false) return 'offline';
    const job = this.jobOn(robot);
    if (job) return job.state === 'queued' ? 'assigned' : (job.state as RobotStateName);
    // a run that is not the queue's: the robot is busy with it
    if (robot.foreignRun) return 'running';
    if (robot.needsClearing) return 'needs-clearing';
    if (robot.held) return 'held';
    return 'free';
  }

  viewOfRobot(robot: FleetRobot): RobotView {
    const job = this.jobOn(robot);
    return {
      robot: robot.name,
      id: robot.id,
      state: this.robotState(robot),
      jobId: job?.jobId ?? null,
      runId: job?.runId ?? robot.foreignRun?.id ?? null,
      held: robot.held,
      reachable: robot.reachable ?? null,
    };
  }
}
