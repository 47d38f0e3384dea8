// Robot discovery: browse `_http._tcp` for a bounded time and confirm each likely robot with
// `GET /health` (the same check as "Test connection"), as the Opentrons App does. A service is a
// likely robot when it is on the robot port 31950 or carries a TXT `robotModel`; anything else is
// ignored without a request, and a likely one that does not answer /health as a robot is dropped.
import { testConnection, type ConnectionOk } from '../connection-test';
import { browseHttpServices, type HttpService } from './browse';
import { ROBOT_PORT, type MdnsOptions } from './mdns';

export interface DiscoverOptions {
  /** Where to browse. */
  mdns?: MdnsOptions;
  /** How long to listen for announcements at most, ms. */
  durationMs: number;
  /**
   * Finish early once a robot is confirmed and nothing new has been heard for this long, ms (robots
   * answer a query within a fraction of a second, and queries repeat every second). Default: never.
   */
  quietMs?: number;
  /** The Opentrons-Version to check each robot against (the config dialog's API version). */
  apiVersion?: string;
  /** Called with each robot as soon as it is confirmed. */
  onRobot?: (robot: DiscoveredRobot) => void;
}

export interface DiscoveredRobot {
  /** The robot's name from /health. */
  name: string;
  host: string;
  port: number;
  url: string;
  model: ConnectionOk['model'];
  softwareVersion: string;
  apiVersion: ConnectionOk['apiVersion'];
  /** When the robot was confirmed, ms after discovery started. */
  foundAfterMs: number;
}

export interface IgnoredService {
  name: string;
  address: string;
  port: number;
  reason: string;
}

export interface DiscoveryResult {
  robots: DiscoveredRobot[];
  /** `_http._tcp` services seen that are not robots. */
  ignored: IgnoredService[];
  durationMs: number;
}

const CONFIRM_TIMEOUT_MS = 2000;

function isLikelyRobot(service: HttpService): boolean {
  return service.port === ROBOT_PORT || typeof service.txt.robotModel === 'string';
}

export async function discoverRobots(opts: DiscoverOptions): Promise<DiscoveryResult> {
  const started = Date.now();
  const robots = new Map<string, DiscoveredRobot>();
  const ignored: IgnoredService[] = [];
  const checks: Array<Promise<void>> = [];

  const confirm = async (service: HttpService): Promise<void> => {
    const result = await testConnection({
      host: service.address,
      port: service.port,
      apiVersion: opts.apiVersion ?? '3',
      timeoutMs: CONFIRM_TIMEOUT_MS,
    });
    if (!result.ok) {
      ignored.push({ name: service.name, address: service.address, port: service.port, reason: result.reason });
      return;
    }
    if (robots.has(result.url)) return;
    const robot: DiscoveredRobot = {
      name: result.name,
      host: service.address,
      port: service.port,
      url: result.url,
      model: result.model,
      softwareVersion: result.softwareVersion,
      apiVersion: result.apiVersion,
      foundAfterMs: Date.now() - started,
    };
    robots.set(result.url, robot);
    opts.onRobot?.(robot);
  };

  let finish = (): void => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let quiet: NodeJS.Timeout | undefined;
  const heard = (): void => {
    if (opts.quietMs === undefined) return;
    clearTimeout(quiet);
    quiet = setTimeout(() => robots.size > 0 && finish(), opts.quietMs);
  };

  const browsing = await browseHttpServices(opts.mdns ?? {}, (service) => {
    heard();
    if (!isLikelyRobot(service)) {
      ignored.push({ name: service.name, address: service.address, port: service.port, reason: 'not on the robot port and no robotModel' });
      return;
    }
    checks.push(
      confirm(service)
        .catch((err: unknown) => {
          ignored.push({ name: service.name, address: service.address, port: service.port, reason: err instanceof Error ? err.message : String(err) });
        })
        .finally(heard),
    );
  });
  const deadline = setTimeout(finish, opts.durationMs);
  try {
    await finished;
  } finally {
    clearTimeout(deadline);
    clearTimeout(quiet);
    await browsing.stop();
  }
  // A check started near the end still gets its answer (bounded by its own timeout).
  await Promise.all(checks);
  return {
    robots: [...robots.values()].sort((a, b) => a.name.localeCompare(b.name)),
    ignored,
    durationMs: Date.now() - started,
  };
}
