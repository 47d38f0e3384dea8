// Shared pieces of the notification tests: a protocol that pauses once, a recorder of watcher events,
// and a real Mosquitto broker started on a free loopback port.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { RobotClient } from '../nodes/lib/client';
import { freePort } from '../scripts/launch-node-red';
import { mosquittoPath } from '../scripts/test-binaries';
import { RobotNotifications, type NotificationsOptions } from '../nodes/lib/notifications';
import type { SimulatedRobot } from '../nodes/lib/simulator';
import { watchRun, type Subscription, type WatchEvent } from '../nodes/lib/watch';
import type { SourceFactory } from '../nodes/lib/watch';

const FIXTURES = path.join(__dirname, '..', '..', 'test', 'fixtures');

/**
 * A JSON protocol that pauses once, as the recorded one did: simpleV8.json's pipette, home and
 * waitForResume, then `after` more homes (its plates are not among the labware the simulator ships).
 */
export function pausingProtocol(after = 1): Buffer {
  const p = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'protocols', 'simpleV8.json'), 'utf8')) as { commands: Array<{ commandType: string }> };
  const keep = ['loadPipette', 'home', 'waitForResume'];
  p.commands = p.commands.filter((c) => keep.includes(c.commandType));
  const home = p.commands.find((c) => c.commandType === 'home') as { commandType: string };
  for (let i = 0; i < after; i++) p.commands.push({ ...home });
  return Buffer.from(JSON.stringify(p));
}

/** Notifications for `client`'s robot at `url`, retrying a lost broker within a fraction of a second. */
export function testNotifications(url: string, client: RobotClient, opts: Partial<NotificationsOptions> = {}): RobotNotifications {
  return new RobotNotifications({
    url,
    enabled: true,
    softwareVersion: async () => (await client.health()).api_version,
    retryMinMs: 100,
    retryMaxMs: 400,
    ...opts,
  });
}

export function clientFor(robot: SimulatedRobot): RobotClient {
  return new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 5_000 });
}

/** Uploads the pausing protocol and waits for its analysis; returns the protocol id. */
export async function uploadPausing(client: RobotClient, after = 1): Promise<string> {
  const { protocol } = await client.uploadProtocol([{ filename: `pause-once-${after}.json`, content: pausingProtocol(after) }]);
  const end = Date.now() + 10_000;
  for (;;) {
    const analyses = await client.listAnalyses(protocol.id);
    if (analyses.length && analyses.every((a) => a.status === 'completed')) return protocol.id;
    if (Date.now() > end) throw new Error('analysis did not complete');
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function until(what: string, ok: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Watches a run through the shared watcher and keeps every event with the time it arrived. */
export class Recorder {
  readonly events: Array<{ at: number; event: WatchEvent }> = [];
  readonly subscription: Subscription;
  readonly subscriber: { intervalMs: number; progress: boolean; onEvent(e: WatchEvent): void };

  constructor(client: RobotClient, runId: string | undefined, source: SourceFactory, intervalMs: number) {
    this.subscriber = { intervalMs, progress: false, onEvent: (event) => this.events.push({ at: Date.now(), event }) };
    this.subscription = watchRun(client, runId, this.subscriber, { source });
  }

  statuses(): string[] {
    return this.events.flatMap((e) => (e.event.type === 'status' ? [e.event.snapshot.status] : []));
  }

  has(status: string): boolean {
    return this.statuses().includes(status);
  }

  types(): string[] {
    return this.events.map((e) => e.event.type);
  }

  release(): void {
    this.subscription.release();
  }
}

/** The statuses seen, without the brief in-between ones a reader may or may not catch (§16.4). */
export function essential(statuses: string[]): string[] {
  const out: string[] = [];
  for (const s of statuses) if (s !== 'finishing' && out[out.length - 1] !== s) out.push(s);
  return out;
}

export { freePort };

export { mosquittoPath };

/** A real Mosquitto on 127.0.0.1:<port>, anonymous, no persistence; `stop` kills it, `start` brings it back on the same port. */
export class Mosquitto {
  private child: ChildProcess | undefined;
  private readonly dir: string;
  readonly log: string[] = [];

  /**
   * `acl`: the lines of an ACL file for anonymous clients (e.g. `topic read other/#`): others are refused.
   * `logSubscriptions`: the broker logs each SUBSCRIBE, so subscribed() can tell when a client's filter is in place.
   */
  private constructor(
    readonly port: number,
    acl?: string[],
    private readonly logSubscriptions = false,
  ) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mosquitto-'));
    const conf = [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stderr'];
    if (logSubscriptions) conf.push(...['error', 'warning', 'notice', 'information', 'subscribe'].map((t) => `log_type ${t}`));
    if (acl) {
      // Mosquitto started as root reads its files as the user `mosquitto`.
      fs.chmodSync(this.dir, 0o755);
      fs.writeFileSync(path.join(this.dir, 'acl'), `${acl.join('\n')}\n`, { mode: 0o644 });
      conf.push(`acl_file ${path.join(this.dir, 'acl')}`);
    }
    fs.writeFileSync(path.join(this.dir, 'mosquitto.conf'), `${conf.join('\n')}\n`);
  }

  static async create(port?: number, opts: { acl?: string[]; logSubscriptions?: boolean } = {}): Promise<Mosquitto> {
    const m = new Mosquitto(port ?? (await freePort()), opts.acl, opts.logSubscriptions);
    await m.start();
    return m;
  }

  /** How many SUBSCRIBEs to exactly `filter` the broker has logged (needs `logSubscriptions`). */
  subscriptions(filter: string): number {
    // Without the option the log never has these lines: waiting would only time out, naming the wrong cause.
    if (!this.logSubscriptions) throw new Error('Mosquitto.subscriptions/subscribed need Mosquitto.create(port, { logSubscriptions: true })');
    // Mosquitto 2 logs each filter of a SUBSCRIBE on a line of its own: "<time>: <client id> <qos> <filter>".
    const line = new RegExp(`^\\d+: \\S+ \\d ${filter.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'gm');
    return (this.log.join('').match(line) ?? []).length;
  }

  /** Resolves once `count` clients have subscribed to `filter` (needs `logSubscriptions`). */
  async subscribed(filter: string, count = 1, timeoutMs = 20_000): Promise<void> {
    try {
      await until(`${count} subscription(s) to ${filter}`, () => this.subscriptions(filter) >= count, timeoutMs);
    } catch (err) {
      throw new Error(`${(err as Error).message}; broker log: ${this.log.join('').slice(-800)}`);
    }
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  async start(): Promise<void> {
    const bin = mosquittoPath();
    if (!bin) throw new Error('mosquitto is not installed: `npm test` installs it or says how (scripts/test-binaries.ts)');
    const child = spawn(bin, ['-c', path.join(this.dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d: Buffer) => this.log.push(d.toString()));
    child.on('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    this.child = child;
    const end = Date.now() + 5_000;
    while (!(await accepts(this.port))) {
      if (!this.child) throw new Error(`mosquitto exited: ${this.log.join('')}`);
      if (Date.now() > end) throw new Error(`mosquitto did not listen on ${this.port}: ${this.log.join('')}`);
      await sleep(20);
    }
  }

  /** Kills the broker (SIGKILL: no goodbye to clients, as when a robot's broker dies). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
