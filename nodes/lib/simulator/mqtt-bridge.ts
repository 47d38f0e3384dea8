/**
 * Publishes the simulated robot's refetch hints to an MQTT broker, as robot-server publishes to the
 * robot's local Mosquitto: an MQTT client, QoS 1, not retained, in the order the robot emits them.
 * The broker is either an embedded one (aedes, a dependency loaded only when asked for) listening on
 * 127.0.0.1, or an external broker given by URL (e.g. a real Mosquitto in the interop test).
 * Like the real server, hints raised while the broker is unreachable are dropped, not queued.
 */
import type { EventEmitter } from 'node:events';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { connect, type MqttClient } from 'mqtt';
import type { NotifyPayload } from './context';

export interface MqttBridgeOptions {
  /** External broker, e.g. `mqtt://127.0.0.1:1883`. */
  url?: string;
  /** Embedded broker: port on 127.0.0.1 (0 = any free port). Used when `url` is not given. */
  port?: number;
  /** Host the embedded broker binds to (default 127.0.0.1). */
  host?: string;
}

export interface PublishedHint {
  topic: string;
  payload: NotifyPayload;
  /** Date.now() when the robot raised it */
  at: number;
}

/** The one thing the bridge needs from the robot: its `notify` events. */
type NotifyEmitter = Pick<EventEmitter, 'on' | 'off'>;

interface EmbeddedBroker {
  url: string;
  close(): Promise<void>;
}

async function startEmbeddedBroker(host: string, port: number): Promise<EmbeddedBroker> {
  let mod: typeof import('aedes');
  try {
    mod = await import('aedes');
  } catch (err) {
    throw new Error(
      `the embedded MQTT broker needs the "aedes" package, a dependency of @labwire/node-red-opentrons that this ` +
        `install lacks (reinstall the package, or npm install aedes beside it), or give an external broker with --mqtt-url: ${(err as Error).message}`,
    );
  }
  const broker = await mod.Aedes.createBroker();
  const server = net.createServer(broker.handle);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const h = host.includes(':') ? `[${host}]` : host;
  return {
    url: `mqtt://${h}:${bound}`,
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export class MqttBridge {
  /** Every hint published (for tests comparing with the real robot's recording), oldest first. */
  readonly published: PublishedHint[] = [];
  /** Hints raised while the broker was unreachable. */
  dropped = 0;
  private readonly onNotify = (topic: string, payload: NotifyPayload): void => this.publish(topic, payload);

  private constructor(
    private readonly robot: NotifyEmitter,
    private readonly client: MqttClient,
    /** Where subscribers connect. */
    readonly url: string,
    private readonly embedded: EmbeddedBroker | undefined,
  ) {
    robot.on('notify', this.onNotify);
  }

  /**
   * Starts publishing `robot`'s hints. Resolves once connected to the broker, so no hint of a run
   * created afterwards is lost; an external broker that is down now is retried every second.
   */
  static async start(robot: NotifyEmitter, opts: MqttBridgeOptions = {}): Promise<MqttBridge> {
    const embedded = opts.url ? undefined : await startEmbeddedBroker(opts.host ?? '127.0.0.1', opts.port ?? 0);
    const url = opts.url ?? (embedded as EmbeddedBroker).url;
    const client = connect(url, {
      // aedes speaks MQTT 3.1.1 only; an external broker (a robot's Mosquitto) gets MQTT 5
      protocolVersion: embedded ? 4 : 5,
      clean: true,
      reconnectPeriod: 1_000,
      connectTimeout: 5_000,
      clientId: `opentrons-sim_${Math.random().toString(16).slice(2, 10)}`,
    });
    client.on('error', () => undefined); // reconnects on its own; hints meanwhile are dropped
    const bridge = new MqttBridge(robot, client, url, embedded);
    await new Promise<void>((resolve) => {
      if (client.connected) return resolve();
      client.once('connect', () => resolve());
      // An external broker that is down at start: carry on, publish once it is reachable.
      setTimeout(resolve, 2_000).unref();
    });
    return bridge;
  }

  get connected(): boolean {
    return this.client.connected;
  }

  private publish(topic: string, payload: NotifyPayload): void {
    this.published.push({ topic, payload, at: Date.now() });
    if (!this.client.connected) {
      this.dropped += 1;
      return;
    }
    this.client.publish(topic, JSON.stringify(payload), { qos: 1, retain: false }, () => undefined);
  }

  async stop(): Promise<void> {
    this.robot.off('notify', this.onNotify);
    await this.client.endAsync(true).catch(() => undefined);
    await this.embedded?.close();
  }
}

/**
 * Takes the bridge's options out of a command line (`--mqtt-port N`: embedded broker on 127.0.0.1:N,
 * `--mqtt-url URL`: external broker) and returns the rest for the simulator's own parser.
 */
export function takeMqttArgs(argv: string[]): { rest: string[]; mqtt: MqttBridgeOptions | undefined } {
  const rest: string[] = [];
  let mqtt: MqttBridgeOptions | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (flag !== '--mqtt-port' && flag !== '--mqtt-url') {
      rest.push(arg);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--mqtt-url') {
      if (!/^mqtts?:\/\//.test(value)) throw new Error(`--mqtt-url must look like mqtt://host:1883, got ${value}`);
      mqtt = { ...mqtt, url: value };
    } else {
      const port = Number(value);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--mqtt-port must be a port number, got ${value}`);
      mqtt = { ...mqtt, port };
    }
  }
  return { rest, mqtt };
}
