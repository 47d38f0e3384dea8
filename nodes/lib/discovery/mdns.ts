// The one place that opens an mDNS socket (multicast-dns), for both the advertiser and the browser.
// Robots announce themselves as DNS-SD `_http._tcp` services on port 31950 with a TXT `robotModel=…`
// (what the Opentrons App's discovery client browses for).
import { networkInterfaces } from 'node:os';
import makeMdns from 'multicast-dns';

export const HTTP_SERVICE = '_http._tcp.local';
export const ROBOT_PORT = 31950;
const MDNS_PORT = 5353;

export interface MdnsOptions {
  /**
   * IPv4 address of the one interface to announce and browse on (e.g. `127.0.0.1`); default: every
   * interface. Env `OPENTRONS_MDNS_INTERFACE`.
   */
  interface?: string;
  /** UDP port; default 5353, the mDNS port. Env `OPENTRONS_MDNS_PORT` (tests use a private one). */
  port?: number;
}

export type Mdns = makeMdns.MulticastDNS;

/** The environment's mDNS settings, overridden by whatever `given` sets. */
export function mdnsOptions(given: MdnsOptions = {}, env: NodeJS.ProcessEnv = process.env): MdnsOptions {
  const port = given.port ?? (env.OPENTRONS_MDNS_PORT ? Number(env.OPENTRONS_MDNS_PORT) : undefined);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new Error(`mDNS port "${String(given.port ?? env.OPENTRONS_MDNS_PORT)}" must be a whole number from 1 to 65535`);
  }
  const iface = given.interface ?? (env.OPENTRONS_MDNS_INTERFACE || undefined);
  return { ...(iface ? { interface: iface } : {}), ...(port ? { port } : {}) };
}

/**
 * An mDNS socket that shares its port with any other responder on this host (SO_REUSEADDR), so
 * Avahi or Bonjour running beside Node-RED neither blocks it nor is blocked. Resolves once bound.
 */
export function openMdns(opts: MdnsOptions): Promise<Mdns> {
  const mdns = makeMdns({
    port: opts.port ?? MDNS_PORT,
    reuseAddr: true,
    // Bound to the wildcard address: a socket bound to an interface address never sees multicast.
    bind: '0.0.0.0',
    loopback: true,
    ...(opts.interface ? { interface: opts.interface } : {}),
    // RFC 6762's IP TTL; 224.0.0.251 is link-local, so no router forwards it off this network.
    ttl: 255,
  });
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      mdns.destroy();
      reject(new Error(`mDNS: cannot listen on UDP port ${opts.port ?? MDNS_PORT}: ${err.message}`));
    };
    mdns.once('error', onError);
    mdns.once('ready', () => {
      mdns.off('error', onError);
      // Unreadable packets from other hosts and late errors must never crash Node-RED.
      mdns.on('error', () => undefined);
      mdns.on('warning', () => undefined);
      resolve(mdns);
    });
  });
}

/**
 * One IPv4 address per network interface, loopback included: an mDNS query goes out of one interface
 * only, so a browser asks on each (a robot on a second network card, a simulated robot on loopback).
 */
export function ipv4Interfaces(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => {
    const first = (list ?? []).find((a) => a.family === 'IPv4');
    return first ? [first.address] : [];
  });
}

export function closeMdns(mdns: Mdns): Promise<void> {
  // 'close' comes before libuv has let go of the handle: one more turn of the loop and it has.
  return new Promise((resolve) => mdns.destroy(() => setImmediate(resolve)));
}
