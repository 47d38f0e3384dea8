// The programs the test suite starts itself: Mosquitto (MQTT interop and broker-fault tests), Chromium
// (browser test, driven by playwright-core without a browser download) and iproute2's `ip` (discovery test). The one place that
// finds them — the tests use these lookups too — and that installs them: run before mocha by `npm test`
// and by .ci/run. Missing ones are installed when that is possible (root with apt-get, as in CI);
// otherwise this stops with one line naming the command to run. A test is never skipped for want of one.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

interface TestBinary {
  /** The Debian package that provides it (what apt-get installs). */
  pkg: string;
  /** The environment variable that names it explicitly, if any. */
  env?: string;
  find(): string | undefined;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `name` on PATH or in `extraDirs`; with `envVar` set, only the file it names counts. */
function lookup(name: string, envVar: string | undefined, extraDirs: string[]): string | undefined {
  const given = envVar ? process.env[envVar] : undefined;
  if (given) return executable(given) ? given : undefined;
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...extraDirs];
  return dirs.map((d) => join(d, name)).find(executable);
}

/** Mosquitto lives in sbin, which a non-root PATH often lacks. */
export function mosquittoPath(): string | undefined {
  return lookup('mosquitto', 'MOSQUITTO_PATH', ['/usr/sbin', '/usr/local/sbin', '/sbin', '/usr/bin', '/usr/local/bin']);
}

export function chromiumPath(): string | undefined {
  return lookup('chromium', 'CHROMIUM_PATH', ['/usr/bin']);
}

/** iproute2's `ip` (the discovery test runs mDNS in a network namespace of its own): called from PATH. */
export function ipPath(): string | undefined {
  return lookup('ip', undefined, []);
}

const BINARIES: TestBinary[] = [
  { pkg: 'mosquitto', env: 'MOSQUITTO_PATH', find: mosquittoPath },
  { pkg: 'chromium', env: 'CHROMIUM_PATH', find: chromiumPath },
  { pkg: 'iproute2', find: ipPath },
];

function missing(): TestBinary[] {
  return BINARIES.filter((b) => !b.find());
}

function onPath(name: string): boolean {
  return lookup(name, undefined, []) !== undefined;
}

/** What apt-get says when another apt-get or dpkg holds one of its locks (dpkg's, the frontend's, the lists'). */
const APT_LOCKED = /Could not get lock|Unable to acquire the dpkg frontend lock|Unable to lock (the administration )?directory/;

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function duration(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}

function msFromEnv(name: string, dflt: number): number {
  const n = Number(process.env[name]);
  return Number.isFinite(n) && n > 0 ? n : dflt;
}

/**
 * apt-get with `args`; while another apt-get (an unattended upgrade, a second CI job) holds the dpkg lock, waits
 * for it, polling, up to APT_LOCK_WAIT_MS (5 min), and says so on stderr, instead of failing at once.
 */
function aptGet(args: string[], log: (line: string) => void): boolean {
  const waitMs = msFromEnv('APT_LOCK_WAIT_MS', 300_000);
  const pollMs = msFromEnv('APT_LOCK_POLL_MS', 5_000);
  const deadline = Date.now() + waitMs;
  let said = false;
  for (;;) {
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    const locked = r.status !== 0 && APT_LOCKED.test(r.stderr ?? '');
    if (!locked || Date.now() >= deadline) {
      process.stderr.write(r.stderr ?? '');
      if (locked) log(`apt-get ${args[0]}: the dpkg lock was still held after ${duration(waitMs)}`);
      return r.status === 0;
    }
    if (!said) log(`apt-get ${args[0]}: another apt-get or dpkg holds the dpkg lock; waiting for it (up to ${duration(waitMs)})`);
    said = true;
    sleepMs(Math.min(pollMs, Math.max(0, deadline - Date.now())));
  }
}

/** Exit code: 0 when every binary is there (installed now or before), 1 with one line on stderr otherwise. */
export function ensureTestBinaries(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): number {
  let absent = missing();
  if (absent.length === 0) return 0;
  const pkgs = absent.map((b) => b.pkg);
  const root = process.getuid?.() === 0;
  if (root && onPath('apt-get')) {
    log(`test binaries missing (${pkgs.join(', ')}): installing with apt-get`);
    if (aptGet(['update'], log) && aptGet(['install', '-y', '--no-install-recommends', ...pkgs], log)) absent = missing();
    if (absent.length === 0) return 0;
  }
  const sudo = root ? '' : 'sudo ';
  const names = absent.map((b) => b.pkg);
  const vars = absent.flatMap((b) => (b.env ? [b.env] : []));
  log(
    `npm test needs ${names.join(' and ')} (not found on PATH or in sbin${vars.length ? `, nor at ${vars.map((v) => `$${v}`).join('/')}` : ''}): ` +
      `run \`${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${names.join(' ')}\`${vars.length ? ` (or point ${vars.join('/')} at them)` : ''}`,
  );
  return 1;
}

if (require.main === module) process.exitCode = ensureTestBinaries();
