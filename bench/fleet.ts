// Parent side of sim-fleet.ts: starts the child, waits for its robots, and asks it for their counters.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { FleetConfig, FleetReply, FleetRequest } from './sim-fleet';

export interface RunTimes {
  status: string;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
}

type Req = FleetRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export class SimFleet {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(
    private readonly child: ChildProcess,
    readonly robots: Array<{ url: string; port: number }>,
  ) {
    child.on('message', (m: FleetReply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.value);
      else w.reject(new Error(m.error));
    });
  }

  /** Starts `count` simulated robots in a child process (the same Node.js, no extra flags). */
  static start(config: FleetConfig): Promise<SimFleet> {
    const child = fork(join(__dirname, 'sim-fleet.js'), [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`sim-fleet exited (${String(code)}) before it was ready`));
      child.once('exit', onExit);
      child.once('message', (m: { ready?: Array<{ url: string; port: number }> }) => {
        child.off('exit', onExit);
        if (!m.ready) return reject(new Error('sim-fleet: unexpected first message'));
        resolve(new SimFleet(child, m.ready));
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  ask<T>(req: Req): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ ...req, id });
    });
  }

  count(index: number, method?: string, path?: RegExp): Promise<number> {
    return this.ask<number>({ op: 'count', index, method, path: path?.source });
  }

  openConnections(index: number): Promise<number> {
    return this.ask<number>({ op: 'open', index });
  }

  connectionsOpened(index: number): Promise<number> {
    return this.ask<number>({ op: 'connections', index });
  }

  reset(index: number): Promise<void> {
    return this.ask<void>({ op: 'reset', index });
  }

  /** Starts a run on robot `index` that stays `running` for two minutes; returns the run id. */
  playRun(index: number): Promise<string> {
    return this.ask<string>({ op: 'playRun', index });
  }

  /** The run's status as robot `index` reports it. */
  runStatus(index: number, runId: string): Promise<string> {
    return this.ask<string>({ op: 'runStatus', index, runId });
  }

  /** The run's status and its times (ISO, the robot's clock) as robot `index` reports them. */
  runTimes(index: number, runId: string): Promise<RunTimes> {
    return this.ask<RunTimes>({ op: 'runTimes', index, runId });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    await this.ask({ op: 'stop' }).catch(() => undefined);
    const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(t);
  }
}
