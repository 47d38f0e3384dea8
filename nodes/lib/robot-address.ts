// Turns what a user types as a robot address into an origin: "10.0.0.5", "ot2.local:31950",
// "http://10.0.0.5:31950/", "[fe80::1]" all work; anything else is a clear config error.

export interface RobotAddressInput {
  host: unknown;
  port?: unknown;
  https?: unknown;
}

export interface RobotAddress {
  /** Host name or IP as it goes into the URL (IPv6 in brackets). */
  host: string;
  port: number;
  https: boolean;
  /** e.g. `http://10.0.0.5:31950` */
  origin: string;
}

export const DEFAULT_PORT = 31950;

export type AddressResult = { ok: true; address: RobotAddress } | { ok: false; error: string };

export function parseRobotAddress(input: RobotAddressInput): AddressResult {
  const raw = typeof input.host === 'string' ? input.host.trim() : '';
  if (!raw) return { ok: false, error: 'host is empty: enter the robot\'s IP address or name (e.g. 192.168.1.20)' };

  let https = input.https === true || input.https === 'true';
  let rest = raw;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(rest);
  if (scheme) {
    const s = scheme[1].toLowerCase();
    if (s !== 'http' && s !== 'https') return { ok: false, error: `host "${raw}": only http:// or https:// may be given` };
    https = s === 'https';
    rest = rest.slice(scheme[0].length);
  }
  rest = rest.replace(/\/+$/, '');
  if (rest.includes('/') || rest.includes('?') || rest.includes('#') || rest.includes('@')) {
    return { ok: false, error: `host "${raw}": give only the address (and optionally :port), no path, query or user` };
  }

  // The port is read from the text, not from URL: URL drops a scheme's default port (":80" with
  // http), and an explicit port must be kept exactly as typed.
  const split = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(rest);
  let url: URL | undefined;
  try {
    url = split ? new URL(`http://${split[1]}`) : undefined;
  } catch {
    url = undefined;
  }
  if (!split || !url?.hostname) return { ok: false, error: `host "${raw}" is not a valid host name or IP address` };
  const hostPort = split[2];
  if (hostPort === '') return { ok: false, error: `host "${raw}" ends in ":" without a port: add the port or take the ":" off` };

  const field = input.port === undefined || input.port === null || String(input.port).trim() === '' ? undefined : String(input.port).trim();
  const fieldPort = field === undefined ? undefined : Number(field);
  if (field !== undefined && !validPort(fieldPort)) {
    return { ok: false, error: `port "${String(input.port)}" must be a whole number from 1 to 65535 (the robot uses 31950)` };
  }
  let port: number;
  if (hostPort !== undefined) {
    port = Number(hostPort);
    if (!validPort(port)) return { ok: false, error: `host "${raw}": port ${hostPort} must be a whole number from 1 to 65535 (the robot uses 31950)` };
    if (fieldPort !== undefined && fieldPort !== port) {
      return {
        ok: false,
        error: `host "${raw}" names port ${port} but the port field says ${fieldPort}: set the port field to ${port}, or take ":${port}" off the host`,
      };
    }
  } else {
    port = fieldPort ?? DEFAULT_PORT;
  }
  const host = url.hostname;
  return { ok: true, address: { host, port, https, origin: `${https ? 'https' : 'http'}://${host}:${port}` } };
}

function validPort(p: number | undefined): p is number {
  return p !== undefined && Number.isInteger(p) && p >= 1 && p <= 65535;
}

/** Validates the `Opentrons-Version` header value: an integer ≥ 2, or `*` (testing only). */
export function parseApiVersion(v: unknown): { ok: true; value: string; wildcard: boolean } | { ok: false; error: string } {
  const s = v === undefined || v === null || v === '' ? '3' : String(v).trim();
  if (s === '*') return { ok: true, value: '*', wildcard: true };
  if (/^\d+$/.test(s) && Number(s) >= 2) return { ok: true, value: String(Number(s)), wildcard: false };
  return { ok: false, error: `API version "${s}" must be a whole number of 2 or more (the robot documentation uses 3), or *` };
}
