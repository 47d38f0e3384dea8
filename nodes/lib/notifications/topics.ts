// The robot-server's MQTT vocabulary: which topics mirror which HTTP resources, how their names and
// payloads changed across software versions (opentrons-http-api.md §11), and how to read a payload.

/**
 * What a robot's software speaks, from `/health`'s `api_version`:
 * - `none`: before 7.2 there is no broker to talk to;
 * - `7.2`: payload `{"refetchUsingHTTP": true}`, command progress on `runs/current_command`;
 * - `7.3`: payloads `{"refetch": true}` / `{"unsubscribe": true}`, still `runs/current_command`;
 * - `8`: `runs/current_command` became `runs/commands_links` (8.0 and later, and unknown newer versions).
 */
export type NotificationDialect = 'none' | '7.2' | '7.3' | '8';

const TOPIC_BASE = 'robot-server';

/** Parses "8.1.0", "7.2.1-alpha.3" and the like; an unreadable version is taken as a current one. */
export function dialectOf(apiVersion: string | undefined): NotificationDialect {
  const m = /^\s*v?(\d+)\.(\d+)/.exec(apiVersion ?? '');
  if (!m) return '8';
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major < 7 || (major === 7 && minor < 2)) return 'none';
  if (major === 7 && minor === 2) return '7.2';
  if (major === 7) return '7.3';
  return '8';
}

/** `GET /runs` (and which run is current). */
export function runsTopic(): string {
  return `${TOPIC_BASE}/runs`;
}

/**
 * A run id we can put in a topic name: robot-server's ids are UUIDs. Anything else (a wildcard, a
 * control character, 100 kB of junk) is never sent to the broker: mqtt.js cannot encode an oversized
 * topic and leaves a promise behind that rejects, unhandled, when the connection ends.
 */
export function isTopicLevel(runId: string): boolean {
  return /^[A-Za-z0-9._-]{1,128}$/.test(runId);
}

/** `GET /runs/<runId>`; carries `unsubscribe` when the run is deleted. Undefined for an id no robot gives. */
export function runTopic(runId: string): string | undefined {
  return isTopicLevel(runId) ? `${TOPIC_BASE}/runs/${runId}` : undefined;
}

/** The current run's command progress: the `links` of `GET /runs/<runId>/commands`. */
export function commandsTopic(dialect: NotificationDialect): string {
  return dialect === '8' ? `${TOPIC_BASE}/runs/commands_links` : `${TOPIC_BASE}/runs/current_command`;
}

/**
 * True for a topic name a broker accepts in SUBSCRIBE and mqtt.js can encode: 1–65 535 bytes of UTF-8,
 * no NUL, no lone surrogate, no wildcard (we only subscribe to exact topics).
 */
export function isSubscribableTopic(topic: string): boolean {
  return topic.length > 0 && Buffer.byteLength(topic) <= 65_535 && !topic.includes('\u0000') && !/[#+\uD800-\uDFFF]/u.test(topic);
}

export type Hint = 'refetch' | 'unsubscribe';

/**
 * Reads a notification payload. Anything not understood is taken as a refetch hint: a hint costs one
 * GET, while ignoring a message a newer robot sends in a new shape could miss a change.
 */
export function parseHint(payload: Buffer | string): Hint {
  try {
    const body: unknown = JSON.parse(payload.toString());
    if (body && typeof body === 'object' && (body as Record<string, unknown>).unsubscribe === true) return 'unsubscribe';
  } catch {
    // not JSON: still a hint that something changed
  }
  return 'refetch';
}
