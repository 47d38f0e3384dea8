// DNS-SD browsing for `_http._tcp` services: asks on every IPv4 interface (unless one is chosen) on
// start and then every second (a lost UDP packet costs at most a second), assembles PTR → SRV/TXT → A
// from answers and additional records, asks for what a responder left out, and reports each service
// once, when its address and port are known.
import type { RemoteInfo } from 'node:dgram';
import type { Answer } from 'dns-packet';
import { HTTP_SERVICE, closeMdns, ipv4Interfaces, openMdns, type MdnsOptions } from './mdns';

export interface HttpService {
  /** DNS-SD instance name: a robot's name. */
  name: string;
  /** IPv4 address: the service's A record, else the address the answer came from. */
  address: string;
  port: number;
  /** TXT key=value pairs (`robotModel` for robots). */
  txt: Record<string, string>;
}

export interface Browsing {
  /** Stops asking and closes the socket. Safe to call twice. */
  stop(): Promise<void>;
}

const QUERY_EVERY_MS = 1000;

interface Pending {
  port?: number;
  target?: string;
  txt?: Record<string, string>;
  source: string;
  reported: boolean;
  followedUp: boolean;
}

export async function browseHttpServices(opts: MdnsOptions, onService: (service: HttpService) => void): Promise<Browsing> {
  const where = opts.interface ? [opts.interface] : ipv4Interfaces();
  const opened = await Promise.allSettled(where.map((iface) => openMdns({ ...opts, interface: iface })));
  const sockets = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  // An interface that cannot be used (gone, no multicast) is skipped; none at all is an error.
  const failed = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (sockets.length === 0) throw failed ? (failed.reason as Error) : new Error('mDNS: this host has no IPv4 network interface');
  const instances = new Map<string, Pending>();
  const hosts = new Map<string, string>();
  const suffix = `.${HTTP_SERVICE}`;

  const onResponse = (packet: { answers: Answer[]; additionals?: Answer[] }, rinfo: RemoteInfo): void => {
    const records = [...packet.answers, ...(packet.additionals ?? [])];
    for (const r of records) {
      const name = r.name.toLowerCase();
      if (r.type === 'PTR' && name === HTTP_SERVICE && (r.ttl ?? 1) > 0) entry(String(r.data), rinfo.address);
      else if (r.type === 'SRV' && name.endsWith(suffix)) {
        const e = entry(r.name, rinfo.address);
        e.port = r.data.port;
        e.target = r.data.target.toLowerCase();
      } else if (r.type === 'TXT' && name.endsWith(suffix)) entry(r.name, rinfo.address).txt = parseTxt(r.data);
      else if (r.type === 'A' && (r.ttl ?? 1) > 0) hosts.set(name, r.data);
    }
    for (const [fqdn, e] of instances) report(fqdn, e);
  };

  const entry = (fqdn: string, source: string): Pending => {
    const key = fqdn.toLowerCase();
    let e = instances.get(key);
    if (!e) {
      e = { source, reported: false, followedUp: false };
      instances.set(key, e);
    }
    return e;
  };

  const report = (fqdn: string, e: Pending): void => {
    if (e.reported) return;
    if (e.port === undefined || (!e.txt && !e.followedUp)) {
      // A terse responder sent only the PTR (or no TXT): ask for the rest once.
      if (!e.followedUp) {
        e.followedUp = true;
        for (const mdns of sockets) mdns.query([{ name: fqdn, type: 'SRV' }, { name: fqdn, type: 'TXT' }], () => undefined);
      }
      return;
    }
    e.reported = true;
    const address = (e.target && hosts.get(e.target)) || e.source;
    onService({ name: instanceName(fqdn, suffix), address, port: e.port, txt: e.txt ?? {} });
  };

  for (const mdns of sockets) mdns.on('response', onResponse);
  const ask = (): void => {
    for (const mdns of sockets) mdns.query([{ name: HTTP_SERVICE, type: 'PTR' }], () => undefined);
  };
  ask();
  const timer = setInterval(ask, QUERY_EVERY_MS);

  let stopped = false;
  return {
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      for (const mdns of sockets) mdns.off('response', onResponse);
      await Promise.all(sockets.map(closeMdns));
    },
  };
}

function instanceName(fqdn: string, suffix: string): string {
  return fqdn.toLowerCase().endsWith(suffix) ? fqdn.slice(0, fqdn.length - suffix.length) : fqdn;
}

function parseTxt(data: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const items = Array.isArray(data) ? data : [data];
  for (const item of items) {
    const text = Buffer.isBuffer(item) ? item.toString('utf8') : typeof item === 'string' ? item : '';
    const eq = text.indexOf('=');
    if (eq > 0) out[text.slice(0, eq)] = text.slice(eq + 1);
  }
  return out;
}
