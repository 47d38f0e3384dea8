// "Test connection": one GET /health with the values typed in the editor, answered in words a lab
// engineer can act on. No Node-RED imports; the admin route (admin-routes.ts) only adapts HTTP.
import { RobotClient } from './client';
import { robotModel, type RobotModel } from './types';
import { RobotError, RobotResponseError, RobotTimeoutError, RobotUnreachableError } from './errors';
import { parseApiVersion, parseRobotAddress } from './robot-address';

export interface ConnectionTestInput {
  host?: unknown;
  port?: unknown;
  https?: unknown;
  apiVersion?: unknown;
  token?: string;
  /** Milliseconds; the test never waits longer than this for the robot. */
  timeoutMs?: number;
}


export interface ConnectionOk {
  ok: true;
  /** Something the user should know about how the test ran (e.g. without the stored token). */
  note?: string;
  /** The origin that answered, e.g. `http://10.0.0.5:31950`. */
  url: string;
  name: string;
  model: RobotModel | string;
  softwareVersion: string;
  apiVersion: {
    requested: string;
    /** Version the robot says it served; undefined when it sent no `Opentrons-Version` header. */
    effective?: number;
    minimum?: number;
    supported: boolean;
    warning?: string;
  };
}

export type ConnectionFailCode = 'config' | 'refused' | 'timeout' | 'unreachable' | 'not-a-robot' | 'header-rejected' | 'robot-error';

export interface ConnectionFail {
  ok: false;
  note?: string;
  code: ConnectionFailCode;
  reason: string;
  url?: string;
}

export type ConnectionResult = ConnectionOk | ConnectionFail;

export { robotModel, type RobotModel };

export async function testConnection(input: ConnectionTestInput): Promise<ConnectionResult> {
  const address = parseRobotAddress({ host: input.host, port: input.port, https: input.https });
  if (!address.ok) return { ok: false, code: 'config', reason: address.error };
  const version = parseApiVersion(input.apiVersion);
  if (!version.ok) return { ok: false, code: 'config', reason: version.error };
  const url = address.address.origin;
  const client = new RobotClient({
    baseUrl: url,
    apiVersion: version.value,
    timeoutMs: input.timeoutMs ?? 5_000,
    token: input.token || undefined,
    // The user is waiting on a button: say at once what is wrong instead of retrying.
    getRetries: 0,
    connections: 1,
  });
  try {
    const health = await client.health();
    const info = await client.apiVersionInfo();
    return {
      ok: true,
      url,
      name: health.name,
      model: robotModel(health.robot_model),
      softwareVersion: health.api_version,
      apiVersion: {
        requested: info.requested,
        effective: info.effective,
        minimum: info.minimum,
        supported: info.warning === undefined,
        ...(info.warning ? { warning: info.warning } : {}),
      },
    };
  } catch (err) {
    return { ...explain(err, version.value), url };
  } finally {
    await client.close();
  }
}

function explain(err: unknown, apiVersion: string): ConnectionFail {
  if (err instanceof RobotUnreachableError) {
    if (err.code === 'ECONNREFUSED') {
      return { ok: false, code: 'refused', reason: `connection refused at ${err.url}: the address answers but nothing listens on that port (robot server not running, or wrong port; the robot uses 31950)` };
    }
    if (err.code === 'ETIMEDOUT') {
      return { ok: false, code: 'timeout', reason: `no connection to ${err.url} in time: the robot is off, on another network, or the address is wrong` };
    }
    if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
      return { ok: false, code: 'unreachable', reason: `the name could not be resolved (${err.code}): check the host, or use the robot's IP address` };
    }
    return { ok: false, code: 'unreachable', reason: err.message };
  }
  if (err instanceof RobotTimeoutError) {
    return { ok: false, code: 'timeout', reason: `the robot accepted the connection but did not answer GET /health within ${err.timeoutMs} ms` };
  }
  if (err instanceof RobotResponseError) {
    return { ok: false, code: 'not-a-robot', reason: `something answered, but not an Opentrons robot: ${err.message}` };
  }
  if (err instanceof RobotError) {
    const status = err.statusCode ?? 0;
    if (err.errorId === 'OutdatedAPIVersion' || ((status === 400 || status === 422) && /opentrons-version/i.test(JSON.stringify(err.robotError)))) {
      return {
        ok: false,
        code: 'header-rejected',
        reason: `the robot rejected Opentrons-Version "${apiVersion}": ${err.detail ?? err.title ?? `HTTP ${status}`}`,
      };
    }
    if (status === 503) {
      return { ok: false, code: 'robot-error', reason: `the robot is still starting up (${err.errorId ?? 'HTTP 503'}): try again in a few seconds` };
    }
    if (status === 401 || status === 403) {
      return { ok: false, code: 'robot-error', reason: `the robot refused access (HTTP ${status}): check the token (Token field)` };
    }
    if (status === 404) {
      return { ok: false, code: 'not-a-robot', reason: `HTTP 404 for GET /health: this server is not an Opentrons robot (wrong port?)` };
    }
    return { ok: false, code: 'robot-error', reason: err.message };
  }
  return { ok: false, code: 'unreachable', reason: err instanceof Error ? err.message : String(err) };
}
