// Announces a (simulated) robot the way a robot does (or, without robotModel, any HTTP service): a DNS-SD `_http._tcp` service named after the
// robot, on its HTTP port, with TXT `robotModel=…`. Answers queries for it while running; on stop
// sends goodbye records (TTL 0) so browsers drop it at once, then releases the socket.
import { networkInterfaces } from 'node:os';
import type { Answer, Question } from 'dns-packet';
import { HTTP_SERVICE, closeMdns, openMdns, type MdnsOptions } from './mdns';

export interface AdvertiseOptions {
  /** Where to announce (the robot's own `port` is below). */
  mdns?: MdnsOptions;
  /** Robot name: the DNS-SD instance name, as `GET /health` reports it. */
  name: string;
  /** The robot server's TCP port. */
  port: number;
  /** `OT-2 Standard` or `OT-3 Standard`, as `GET /health` reports `robot_model`; omitted for a service that is no robot. */
  robotModel?: string;
  /**
   * The address the robot server listens on. A specific address is announced (and announced only on
   * that interface); `0.0.0.0`/`::` announces every non-loopback IPv4 address of this host,
   * sent on the default multicast interface (one socket; `mdns.interface` chooses another).
   */
  host: string;
}

export interface Advertisement {
  readonly name: string;
  /** Sends the goodbye and closes the socket. Safe to call twice. */
  stop(): Promise<void>;
}

const RECORD_TTL_S = 120;
const HOST_TTL_S = 120;
/** RFC 6762 §8.3: announce at least twice, one second apart. */
const ANNOUNCE_GAP_MS = 1000;

export async function advertiseRobot(opts: AdvertiseOptions): Promise<Advertisement> {
  const wildcard = opts.host === '0.0.0.0' || opts.host === '::' || opts.host === '';
  const addresses = wildcard ? externalIPv4() : [opts.host === 'localhost' ? '127.0.0.1' : opts.host];
  const iface = opts.mdns?.interface ?? (wildcard ? undefined : addresses[0]);
  const mdns = await openMdns({ ...opts.mdns, ...(iface ? { interface: iface } : {}) });

  const instance = `${dnsLabel(opts.name)}.${HTTP_SERVICE}`;
  const target = `${dnsLabel(opts.name)}.local`;
  const records = (ttl: number): Answer[] => [
    { name: HTTP_SERVICE, type: 'PTR', ttl, data: instance },
    { name: instance, type: 'SRV', ttl, data: { port: opts.port, target, priority: 0, weight: 0 } },
    { name: instance, type: 'TXT', ttl, data: opts.robotModel ? [`robotModel=${opts.robotModel}`] : [] },
    ...addresses.map((ip): Answer => ({ name: target, type: 'A', ttl: ttl === 0 ? 0 : HOST_TTL_S, data: ip })),
  ];
  const ours = new Set([HTTP_SERVICE, instance, target].map((n) => n.toLowerCase()));
  const asked = (q: Question): boolean => ours.has(q.name.toLowerCase()) && ['PTR', 'SRV', 'TXT', 'A', 'ANY'].includes(q.type);

  let stopped = false;
  const onQuery = (query: { questions: Question[] }): void => {
    if (stopped || !query.questions.some(asked)) return;
    const [ptr, ...rest] = records(RECORD_TTL_S);
    mdns.respond({ answers: [ptr], additionals: rest }, () => undefined);
  };
  mdns.on('query', onQuery);

  const announce = (): void => mdns.respond({ answers: records(RECORD_TTL_S) }, () => undefined);
  announce();
  const again = setTimeout(announce, ANNOUNCE_GAP_MS);

  return {
    name: opts.name,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearTimeout(again);
      mdns.off('query', onQuery);
      await new Promise<void>((resolve) => mdns.respond({ answers: records(0) }, () => resolve()));
      await closeMdns(mdns);
    },
  };
}

/** A robot name as one DNS label (dots would split it). */
function dnsLabel(name: string): string {
  return name.replace(/\./g, '-').slice(0, 63) || 'opentrons';
}

function externalIPv4(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => a.family === 'IPv4' && !a.internal)
    .map((a) => a.address);
}

