// The endpoints opentrons-request's editor suggests: read from the robot's own /openapi.json when its
// config node is deployed and the robot answers, else the list shipped with the package (robot-server
// 8.1.0's paths, methods and summaries; scripts/openapi-paths.mjs makes it).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeAPI } from 'node-red';
import type { RobotConfigNode } from './node-support';

export interface Endpoint {
  method: string;
  path: string;
  summary: string;
}

export interface PathSuggestions {
  /** `robot`: this robot's /openapi.json; `package`: the shipped list. */
  source: 'robot' | 'package';
  /** Why the robot's own list was not used, when it was not. */
  reason?: string;
  paths: Endpoint[];
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
/** The editor is waiting: a robot that does not answer quickly gets the shipped list instead. */
const ROBOT_TIMEOUT_MS = 3_000;

let shipped: Endpoint[] | undefined;

export function shippedEndpoints(): Endpoint[] {
  shipped ??= (JSON.parse(readFileSync(join(__dirname, 'data', 'openapi-paths.json'), 'utf8')) as { paths: Endpoint[] }).paths;
  return shipped;
}

/** The endpoints of an OpenAPI document: path, method, summary; anything malformed is skipped. */
export function endpointsOf(doc: unknown): Endpoint[] {
  const paths = typeof doc === 'object' && doc !== null ? (doc as { paths?: unknown }).paths : undefined;
  if (typeof paths !== 'object' || paths === null) return [];
  const out: Endpoint[] = [];
  for (const [path, item] of Object.entries(paths as Record<string, unknown>)) {
    if (typeof item !== 'object' || item === null || !path.startsWith('/')) continue;
    for (const m of METHODS) {
      const op = (item as Record<string, unknown>)[m];
      if (typeof op !== 'object' || op === null) continue;
      const summary = (op as { summary?: unknown }).summary;
      out.push({ method: m.toUpperCase(), path, summary: typeof summary === 'string' ? summary : '' });
    }
  }
  return out.sort((a, b) => a.path.localeCompare(b.path) || METHODS.indexOf(a.method.toLowerCase()) - METHODS.indexOf(b.method.toLowerCase()));
}

/** Never rejects: every failure to read the robot's list falls back to the shipped one, with the reason. */
export async function pathSuggestions(RED: NodeAPI, robotId: string): Promise<PathSuggestions> {
  const fallback = (reason: string): PathSuggestions => ({ source: 'package', reason, paths: shippedEndpoints() });
  const robot = robotId ? (RED.nodes.getNode(robotId) as RobotConfigNode | null) : null;
  if (!robot || robot.configError) return fallback(robotId ? 'the robot config node is not deployed (or its configuration is invalid)' : 'no robot chosen');
  try {
    const client = await robot.ready();
    const paths = endpointsOf(await client.openApi({ timeoutMs: ROBOT_TIMEOUT_MS }));
    return paths.length > 0 ? { source: 'robot', paths } : fallback('the robot\'s /openapi.json lists no paths');
  } catch (err) {
    return fallback(`the robot's /openapi.json could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
}
