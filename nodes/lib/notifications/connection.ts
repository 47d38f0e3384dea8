// One MQTT connection to one robot's broker, shared by every watcher of that robot (the config node owns
// it). Watchers take ref-counted topic subscriptions; the connection exists while any subscription does.
// The broker is optional: when it is unreachable, refuses us or drops us, subscriptions report inactive
// (their watchers poll) and the connection is retried with backoff.
// Nothing here may reject unhandled or throw into a timer: a broker's misbehaviour must never end the
// Node-RED process. Every promise gets a handler (`background`); mqtt.js is only given topics it can encode.
import { EventEmitter } from 'node:events';
import { connect, type MqttClient } from 'mqtt';
import { dialectOf, isSubscribableTopic, parseHint, type Hint, type NotificationDialect } from './topics';

/**
 * - `idle`: nobody subscribed, no connection;
 * - `off`: notifications are switched off in the config node;
 * - `starting`: reading the robot's software version or connecting;
 * - `unsupported`: the robot's software has no MQTT (before 7.2);
 * - `up`: connected (subscriptions become active as their SUBACKs arrive);
 * - `down`: the robot or its broker cannot be reached, or refused us; a retry is scheduled;
 * - `closed`: released for good (config node closed).
 */
export type PushState = 'idle' | 'off' | 'starting' | 'unsupported' | 'up' | 'down' | 'closed';

export interface NotificationsOptions {
  /** `mqtt://<host>:1883` for a robot. */
  url: string;
  /** false: notifications `off`, every watcher polls. */
  enabled: boolean;
  /** The robot's software version (`/health` `api_version`), which decides the topic names. */
  softwareVersion(): Promise<string>;
  /** First retry delay after a failure; doubles per failure up to `retryMaxMs`. */
  retryMinMs?: number;
  retryMaxMs?: number;
  connectTimeoutMs?: number;
  /** MQTT keepalive in seconds: how fast a silently dead broker is noticed (about 1.5 × this). */
  keepaliveS?: number;
  /** Keep the connection this long after the last subscription closes (a watcher switching runs). */
  lingerMs?: number;
  log?(text: string): void;
}

export interface SubscriptionSpec {
  /** The topics wanted, in the robot's dialect. */
  topics(dialect: NotificationDialect): string[];
  onHint(hint: Hint, topic: string): void;
  /** Called when push starts (after SUBACK) or stops working for these topics. */
  onActive?(active: boolean): void;
}

export interface TopicSubscription {
  /** True while the broker has acknowledged these topics on a live connection. */
  readonly active: boolean;
  /**
   * Resolves true once the topics are acknowledged (SUBACK), false as soon as push is known to be
   * unavailable right now, or false after `timeoutMs` — the caller then polls and may be told later.
   */
  ready(timeoutMs: number): Promise<boolean>;
  close(): void;
}

const DEFAULTS = { retryMinMs: 1_000, retryMaxMs: 30_000, connectTimeoutMs: 5_000, keepaliveS: 10, lingerMs: 5_000 };

class Subscription implements TopicSubscription {
  active = false;
  closed = false;
  topics: string[] = [];
  private waiters: Array<(ok: boolean) => void> = [];

  constructor(
    readonly spec: SubscriptionSpec,
    private readonly owner: RobotNotifications,
  ) {}

  ready(timeoutMs: number): Promise<boolean> {
    if (this.active) return Promise.resolve(true);
    if (this.closed || !this.owner.mayBecomeActive()) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(false), timeoutMs);
      const settle = (ok: boolean): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== settle);
        resolve(ok);
      };
      this.waiters.push(settle);
    });
  }

  setActive(active: boolean): void {
    const changed = this.active !== active;
    this.active = active;
    for (const w of [...this.waiters]) w(active);
    if (changed && !this.closed) this.spec.onActive?.(active);
  }

  /** Push is not available for now: release anyone waiting without changing state twice. */
  unavailable(): void {
    this.setActive(false);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.setActive(false);
    this.owner.release(this);
  }
}

export class RobotNotifications extends EventEmitter {
  private readonly opts: Required<Omit<NotificationsOptions, 'log'>> & Pick<NotificationsOptions, 'log'>;
  private stateValue: PushState = 'idle';
  private dialect: NotificationDialect | undefined;
  private client: MqttClient | undefined;
  private readonly subs = new Set<Subscription>();
  /** Topics subscribed on the current connection: how many subscriptions use each, and its SUBACK. */
  private readonly topicRefs = new Map<string, { refs: number; acked: Promise<void> }>();
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;
  private lastProblem = '';
  /** A robot's Mosquitto speaks MQTT 5; a broker that refuses it (e.g. aedes) is asked again with 3.1.1. */
  private protocolVersion: 4 | 5 = 5;

  constructor(opts: NotificationsOptions) {
    super();
    this.opts = { ...DEFAULTS, ...opts };
  }

  get state(): PushState {
    return this.stateValue;
  }

  get url(): string {
    return this.opts.url;
  }

  /** False when push cannot come up without a configuration change or a retry (waiters need not wait). */
  mayBecomeActive(): boolean {
    return this.stateValue === 'starting' || this.stateValue === 'up' || this.stateValue === 'idle';
  }

  subscribe(spec: SubscriptionSpec): TopicSubscription {
    if (this.stateValue === 'closed') throw new Error('robot notifications are closed');
    const sub = new Subscription(spec, this);
    this.subs.add(sub);
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    if (this.stateValue === 'idle') this.begin();
    else if (this.stateValue === 'up' && this.dialect) this.background(this.activate(sub, this.dialect), 'subscribe');
    return sub;
  }

  /** Ends the connection and every timer; subscriptions become inactive for good. */
  async close(): Promise<void> {
    this.setState('closed');
    this.clearTimers();
    for (const sub of this.subs) sub.unavailable();
    this.subs.clear();
    await this.dropClient();
  }

  /** @internal a subscription closed: drop its topic refs; end the connection after the linger. */
  release(sub: Subscription): void {
    if (!this.subs.delete(sub)) return;
    const client = this.client;
    for (const topic of sub.topics) {
      const entry = this.topicRefs.get(topic);
      if (!entry) continue;
      entry.refs -= 1;
      if (entry.refs > 0) continue;
      this.topicRefs.delete(topic);
      // A connection lost during UNSUBSCRIBE rejects this; the 'close' handler deals with the loss itself.
      if (client && this.stateValue === 'up') this.background(client.unsubscribeAsync(topic), 'unsubscribe');
    }
    if (this.subs.size === 0 && this.stateValue !== 'closed') {
      this.lingerTimer = setTimeout(() => {
        this.lingerTimer = undefined;
        if (this.subs.size === 0) this.background(this.goIdle(), 'disconnect');
      }, this.opts.lingerMs);
    }
  }

  /** Gives a promise its handler: a failure is logged, never an unhandled rejection. */
  private background(work: Promise<unknown>, what: string): void {
    work.catch((err: unknown) => this.opts.log?.(`MQTT notifications: ${what} failed: ${err instanceof Error ? err.message : String(err)}`));
  }

  private async goIdle(): Promise<void> {
    this.clearTimers();
    this.setState('idle');
    await this.dropClient();
  }

  private setState(state: PushState): void {
    if (this.stateValue === state || this.stateValue === 'closed') return;
    this.stateValue = state;
    this.emit('state', state);
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.retryTimer = undefined;
    this.lingerTimer = undefined;
  }

  private begin(): void {
    if (!this.opts.enabled) {
      this.setState('off');
      return;
    }
    this.setState('starting');
    if (this.dialect) {
      this.connect(this.dialect);
      return;
    }
    this.opts
      .softwareVersion()
      .then((version) => {
        if (this.stateValue !== 'starting') return;
        this.dialect = dialectOf(version);
        if (this.dialect === 'none') {
          this.setState('unsupported');
          this.opts.log?.(`robot software ${version} has no MQTT notifications (7.2 or later): polling`);
          for (const sub of this.subs) sub.unavailable();
          return;
        }
        this.connect(this.dialect);
      })
      .catch((err: Error) => this.failed(`cannot read the robot's software version: ${err.message}`));
  }

  private connect(dialect: NotificationDialect): void {
    // Our own backoff and resubscription (not mqtt.js's fixed reconnectPeriod): a watcher must refetch
    // after the SUBACK of each new connection, since hints sent while we were away are lost.
    let client: MqttClient;
    try {
      client = this.open();
    } catch (err) {
      // e.g. a URL mqtt.js cannot parse: the same as a broker that cannot be reached
      this.failed(`MQTT notifications unavailable (${this.opts.url}): ${(err as Error).message}`);
      return;
    }
    this.client = client;
    client.on('connect', () => {
      if (this.client !== client) return;
      this.failures = 0;
      this.lastProblem = '';
      this.setState('up');
      this.opts.log?.(`MQTT notifications connected: ${this.opts.url}`);
      for (const sub of this.subs) this.background(this.activate(sub, dialect), 'subscribe');
    });
    client.on('message', (topic, payload) => {
      if (this.client !== client) return;
      const hint = parseHint(payload);
      for (const sub of this.subs) if (sub.topics.includes(topic)) sub.spec.onHint(hint, topic);
    });
    client.on('error', (err: Error & { code?: unknown }) => {
      if (this.client === client && this.protocolVersion === 5 && (err.code === 1 || err.code === 132)) {
        this.protocolVersion = 4;
        this.retire(client);
        this.connect(dialect);
        return;
      }
      this.lost(client, err.message);
    });
    client.on('close', () => this.lost(client, 'connection closed'));
    client.on('offline', () => this.lost(client, 'offline'));
  }

  private open(): MqttClient {
    return connect(this.opts.url, {
      protocolVersion: this.protocolVersion,
      clean: true,
      reconnectPeriod: 0,
      resubscribe: false,
      connectTimeout: this.opts.connectTimeoutMs,
      keepalive: this.opts.keepaliveS,
      clientId: `node-red-opentrons_${Math.random().toString(16).slice(2, 10)}`,
    });
  }

  /** Subscribes the topics this subscription needs that the connection does not have yet; active after SUBACK. */
  private async activate(sub: Subscription, dialect: NotificationDialect): Promise<void> {
    const client = this.client;
    if (!client) return;
    const wanted = sub.spec.topics(dialect);
    sub.topics = wanted.filter(isSubscribableTopic);
    if (sub.topics.length < wanted.length) this.opts.log?.('MQTT notifications: a topic name the broker cannot take is not subscribed; polling covers it');
    if (sub.topics.length === 0) {
      sub.unavailable();
      return;
    }
    const waits: Array<Promise<void>> = [];
    const fresh: string[] = [];
    for (const topic of sub.topics) {
      const entry = this.topicRefs.get(topic);
      if (entry) {
        entry.refs += 1;
        waits.push(entry.acked);
      } else fresh.push(topic);
    }
    if (fresh.length) {
      const acked = client.subscribeAsync(fresh, { qos: 1 }).then(() => undefined);
      for (const topic of fresh) this.topicRefs.set(topic, { refs: 1, acked });
      waits.push(acked);
    }
    try {
      await Promise.all(waits);
    } catch (err) {
      // A refused SUBACK (e.g. an ACL) is a broker that will not serve us: poll, retry later.
      if (this.client === client) this.lost(client, `subscribe refused: ${(err as Error).message}`);
      return;
    }
    if (this.client === client && this.stateValue === 'up' && !sub.closed) sub.setActive(true);
  }

  private lost(client: MqttClient, why: string): void {
    if (this.client !== client) return;
    this.retire(client);
    this.failed(`MQTT notifications unavailable (${this.opts.url}): ${why}`);
  }

  /** Forgets a connection: its topics, and any late event from it. */
  private retire(client: MqttClient): void {
    this.client = undefined;
    this.topicRefs.clear();
    for (const sub of this.subs) sub.topics = [];
    client.removeAllListeners('message');
    client.on('error', () => undefined); // late socket errors from a client we gave up on
    client.end(true);
  }

  private failed(problem: string): void {
    if (this.stateValue === 'closed' || this.stateValue === 'idle') return;
    if (problem !== this.lastProblem) this.opts.log?.(`${problem}; polling, retrying`);
    this.lastProblem = problem;
    this.setState('down');
    for (const sub of this.subs) sub.unavailable();
    const delay = Math.min(this.opts.retryMaxMs, this.opts.retryMinMs * 2 ** Math.min(this.failures, 16));
    this.failures += 1;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.subs.size > 0 && this.stateValue === 'down') this.begin();
      else if (this.subs.size === 0) this.background(this.goIdle(), 'disconnect');
    }, delay);
  }

  private async dropClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.topicRefs.clear();
    if (!client) return;
    client.removeAllListeners();
    client.on('error', () => undefined);
    await client.endAsync(true).catch(() => undefined);
  }
}
