import { matches } from './faults';

export interface RequestRecord {
  method: string;
  /** path without query string */
  path: string;
  /** HTTP status sent (0 while in flight, or if the connection was dropped before a status was sent) */
  status: number;
  /** The request body as text, kept only while `Stats.keepBodies` is on (a test that inspects what was sent). */
  body?: string;
}

/** Counters a test can read: every request received, and TCP connections accepted. */
export class Stats {
  requests: RequestRecord[] = [];
  connectionsOpened = 0;
  /** Keep each request's body in its record: off by default, so long runs do not hold every upload. */
  keepBodies = false;

  constructor(private readonly sockets: () => number) {}

  record(method: string, path: string): RequestRecord {
    const r: RequestRecord = { method, path, status: 0 };
    this.requests.push(r);
    return r;
  }

  count(method?: string, path?: RegExp | string): number {
    return this.requests.filter((r) => matches(r.method, r.path, method, path)).length;
  }

  openConnections(): number {
    return this.sockets();
  }

  reset(): void {
    this.requests = [];
    this.connectionsOpened = 0;
  }
}
