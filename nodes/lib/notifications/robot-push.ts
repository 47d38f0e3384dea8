// What the opentrons-robot config node owns for push: the one MQTT connection to its robot, and the
// Source factory its status nodes' watchers use. Kept here so the config node needs only a few lines.
import type { RobotClient } from '../client';
import type { SourceFactory } from '../watch/source';
import { RobotNotifications } from './connection';
import { DEFAULT_SAFETY_POLL_MS, PushSource } from './push-source';

/** The robot's broker port (Mosquitto on the robot). */
export const DEFAULT_MQTT_PORT = 1883;

export interface RobotPushConfig {
  /** The config node's `notifications`: `auto` (default) or `off`. */
  notifications: unknown;
  /** Host as it goes into a URL (IPv6 in brackets), from the robot address. */
  host: string;
  /** The config node's `mqttPort` (default 1883): differs from 1883 only for a test or a port forward. */
  mqttPort?: unknown;
  client: RobotClient;
  log?(text: string): void;
}

export interface RobotPush {
  readonly notifications: RobotNotifications;
  /** For `watchRun(..., { source })`: one PushSource per watcher, all on the shared connection. */
  readonly watchSource: SourceFactory;
  close(): Promise<void>;
}

export type PushConfigResult = { ok: true; push: RobotPush | undefined } | { ok: false; error: string };

/** Reads the config node's settings; `off` gives no push (watchers poll). */
export function robotPush(cfg: RobotPushConfig): PushConfigResult {
  const mode = cfg.notifications === undefined || cfg.notifications === '' ? 'auto' : cfg.notifications;
  if (mode !== 'auto' && mode !== 'off') return { ok: false, error: `notifications "${String(mode)}" must be auto or off` };
  const port = cfg.mqttPort === undefined || cfg.mqttPort === '' ? DEFAULT_MQTT_PORT : Number(cfg.mqttPort);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, error: `MQTT port "${String(cfg.mqttPort)}" must be 1–65535` };
  if (mode === 'off') return { ok: true, push: undefined };
  const client = cfg.client;
  const notifications = new RobotNotifications({
    url: `mqtt://${cfg.host}:${port}`,
    enabled: true,
    softwareVersion: async () => (await client.health()).api_version,
    log: cfg.log,
  });
  return {
    ok: true,
    push: {
      notifications,
      watchSource: () => new PushSource(notifications, { safetyPollMs: DEFAULT_SAFETY_POLL_MS }),
      close: () => notifications.close(),
    },
  };
}
