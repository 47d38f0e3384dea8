// Admin HTTP endpoints behind the config node's "Test connection" and "Discover" buttons. The editor
// posts the values typed in the dialog (so they work before the first deploy); only users who may
// write opentrons-robot nodes may use them, because they make this Node-RED host open connections
// (and, for Discover, send mDNS queries).
import type { NodeAPI } from 'node-red';
import type { Request, Response } from 'express';
import { ConnectionResult, testConnection } from './connection-test';
import { discoverRobots, type DiscoveryResult } from './discovery/discover';
import { mdnsOptions } from './discovery/mdns';
import type { RobotConfigNode } from './node-support';
import { parseApiVersion, parseRobotAddress } from './robot-address';

/** Node-RED's placeholder for a stored password credential the editor does not reveal. */
const STORED_PASSWORD = '__PWRD__';
const MAX_TEST_TIMEOUT_MS = 10_000;
const DISCOVER_DEFAULT_S = 3;
const DISCOVER_MAX_S = 10;
/** The list is complete once a robot has answered and 1.5 s passed without news: long enough for the
 *  repeated query (every second) to catch a robot whose first answer was lost. */
const DISCOVER_QUIET_MS = 1500;

export interface TestRequestBody {
  /** The config node's id: used for its stored token and, when simulated, its running robot. */
  id?: string;
  host?: string;
  port?: string | number;
  https?: boolean | string;
  apiVersion?: string;
  token?: string;
  timeout?: string | number;
  simulate?: boolean | string;
  model?: string;
}

export interface DiscoverRequestBody {
  /** The dialog's API version: each robot found says whether it serves it. */
  apiVersion?: string;
  /** How long to listen for announcements at most, seconds (default 3, at most 10); it ends 1.5 s after the last news once a robot is found. */
  seconds?: string | number;
}

export type DiscoverAnswer = ({ ok: true } & DiscoveryResult) | { ok: false; reason: string };

export function registerAdminRoutes(RED: NodeAPI): void {
  RED.httpAdmin.post('/opentrons-robot/test', RED.auth.needsPermission('opentrons-robot.write'), (req: Request, res: Response) => {
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as TestRequestBody;
    runTest(RED, body)
      .then((result) => res.json(result))
      .catch((err: unknown) => {
        const result: ConnectionResult = { ok: false, code: 'unreachable', reason: err instanceof Error ? err.message : String(err) };
        res.json(result);
      });
  });
  RED.httpAdmin.post('/opentrons-robot/discover', RED.auth.needsPermission('opentrons-robot.write'), (req: Request, res: Response) => {
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as DiscoverRequestBody;
    runDiscovery(body).then((answer) => res.json(answer));
  });
}

async function runDiscovery(body: DiscoverRequestBody): Promise<DiscoverAnswer> {
  const seconds = Number(body.seconds ?? DISCOVER_DEFAULT_S);
  const durationMs = (Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, DISCOVER_MAX_S) : DISCOVER_DEFAULT_S) * 1000;
  const version = parseApiVersion(body.apiVersion ?? '3');
  if (!version.ok) return { ok: false, reason: version.error };
  try {
    const result = await discoverRobots({ mdns: mdnsOptions(), durationMs, quietMs: DISCOVER_QUIET_MS, apiVersion: version.value });
    return { ok: true, ...result };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

async function runTest(RED: NodeAPI, body: TestRequestBody): Promise<ConnectionResult> {
  const seconds = Number(body.timeout);
  const timeoutMs = Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, MAX_TEST_TIMEOUT_MS) : MAX_TEST_TIMEOUT_MS;
  const id = typeof body.id === 'string' && body.id ? body.id : undefined;
  const node = id ? (RED.nodes.getNode(id) as RobotConfigNode | null) : null;
  const deployed = node?.type === 'opentrons-robot' ? node : null;
  const simulate = body.simulate === true || body.simulate === 'true';
  const common = { apiVersion: body.apiVersion, timeoutMs };

  if (simulate) {
    // A deployed simulating config node already runs a robot: ask that one.
    if (deployed?.simulated && deployed.client) {
      const origin = deployed.client.baseUrl;
      const auth = tokenFor(RED, id, body.token, deployed, origin);
      return withNote(await testConnection({ ...common, token: auth.token, host: origin }), auth.note);
    }
    // Not deployed yet: start a throwaway simulated robot of the chosen model for the test.
    const { SimulatedRobot } = await import('./simulator');
    const sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: body.model === 'Flex' ? 'Flex' : 'OT-2' });
    try {
      const auth = tokenFor(RED, id, body.token, deployed, sim.url);
      return withNote(await testConnection({ ...common, token: auth.token, host: sim.url }), auth.note);
    } finally {
      await sim.stop();
    }
  }
  const address = parseRobotAddress({ host: body.host, port: body.port, https: body.https });
  // testConnection answers a bad address as a config error; no token is needed for that.
  if (!address.ok) return testConnection({ ...common, host: body.host, port: body.port, https: body.https });
  const auth = tokenFor(RED, id, body.token, deployed, address.address.origin);
  return withNote(await testConnection({ ...common, token: auth.token, host: body.host, port: body.port, https: body.https }), auth.note);
}

/**
 * The token for a test of `origin`. A typed token is the user's own to send anywhere. The stored one
 * (the editor sends only the placeholder) goes only to the deployed config's own robot — scheme, host
 * and port as that node parsed them — so an editor user cannot have it sent to a server of theirs.
 */
function tokenFor(
  RED: NodeAPI,
  id: string | undefined,
  typed: unknown,
  deployed: RobotConfigNode | null,
  origin: string,
): { token?: string; note?: string } {
  if (typed !== STORED_PASSWORD) return { token: typeof typed === 'string' && typed ? typed : undefined };
  const storedOrigin = deployed?.client?.baseUrl;
  if (!id || !storedOrigin) {
    return { note: 'tested without the stored token: it is used only with the deployed robot address; deploy first, or type the token again' };
  }
  if (origin !== storedOrigin) {
    return {
      note: `tested without the stored token: it is sent only to the deployed robot address ${storedOrigin}, not to ${origin}; type the token again to test another address`,
    };
  }
  const stored = RED.nodes.getCredentials(id) as { token?: string } | undefined;
  return { token: stored?.token || undefined };
}

function withNote(result: ConnectionResult, note: string | undefined): ConnectionResult {
  return note ? { ...result, note } : result;
}
