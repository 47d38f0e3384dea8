// The programs the test suite starts itself: Mosquitto (MQTT interop and broker-fault tests), Chromium
// (browser test, driven by playwright-core without a browser download) and iproute2's `ip` (discovery test). The one place that
// finds them — the tests use these lookups too — and that installs them: run before mocha by `npm test`
// and by .ci/run. Missing ones are installed when that is possible (root with apt-get, as in CI);
// otherwise this stops with one line naming the command to run. A test is never skipped for want of one.
// Opentrons' protocol analyzer (the simulator's Python analyses) is found and installed here too: see ensureAnalyzer.
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, writeFileSync } from 'node:fs';
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

// ---- Opentrons' protocol analyzer ---------------------------------------------------------------------------

const REPO = join(__dirname, '..', '..');
/**
 * Where the analyzer this script set up is recorded for the mocha run (npm test starts mocha as another process, so an
 * environment variable set here would not reach it): test/setup/analyzer.ts reads it into OPENTRONS_ANALYZER.
 */
export const ANALYZER_RECORD = join(REPO, '.test-analyzer');
/** The analyzer beside the clone, as CI and the development machine have it (../shared, see its README). */
const SHARED_ANALYZER = join(REPO, '..', 'shared', 'opentrons-analyzer', 'analyze');
/** What the shared analyzer needs from Debian (its README). */
const ANALYZER_DEBS = ['python3', 'python3-numpy', 'python3-jsonschema', 'python3-click', 'python3-packaging', 'python3-serial', 'python3-idna', 'python3-sniffio'];
const PIP_SPEC = 'opentrons>=8.2,<9.1';

/** The command answers `--help` as `opentrons.cli analyze` does (which also proves its Python imports work). */
function analyzes(cmd: string, args: string[] = []): boolean {
  const r = spawnSync(cmd, [...args, '--help'], { encoding: 'utf8', timeout: 120_000, env: process.env });
  return r.status === 0 && r.stdout.includes('--json-output');
}

function pythonHasOpentrons(): boolean {
  return onPath('python3') && analyzes('python3', ['-m', 'opentrons.cli', 'analyze']);
}

/** The Python package index answers within a few seconds (it does not in CI: fail fast instead of hanging pip). */
function indexReachable(): boolean {
  const r = spawnSync('python3', ['-c', "import urllib.request; urllib.request.urlopen('https://pypi.org/simple/opentrons/', timeout=4)"], { timeout: 8_000 });
  return r.status === 0;
}

/** Only ever written, never removed here: a mocha run already going may have read it (test/setup/analyzer.ts). */
function record(path: string): void {
  writeFileSync(ANALYZER_RECORD, `${path}\n`);
}

/**
 * The tests that pin Opentrons' analyzer need it as one executable (OPENTRONS_ANALYZER); `opentrons` importable by
 * python3 is not one, so a wrapper beside the record stands for `python3 -m opentrons.cli analyze`.
 */
const PYTHON_ANALYZER = join(REPO, '.test-analyzer-python');
function recordPythonAnalyzer(): void {
  writeFileSync(PYTHON_ANALYZER, '#!/bin/sh\nexec python3 -m opentrons.cli analyze "$@"\n');
  chmodSync(PYTHON_ANALYZER, 0o755);
  record(PYTHON_ANALYZER);
}

/**
 * Opentrons' analyzer, found as a user's machine has it ($OPENTRONS_ANALYZER, or `opentrons` importable by python3);
 * where neither, installed where possible: as root the Debian packages the shared analyzer needs, then the shared
 * folder beside the clone, else `pip install` when the package index answers. Exit code 0 when one works (recorded for
 * mocha unless OPENTRONS_ANALYZER named it, which mocha inherits), else 1 with one line naming what to do.
 */
export function ensureAnalyzer(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): number {
  const given = process.env.OPENTRONS_ANALYZER;
  if (given) {
    if (analyzes(given)) return 0;
    log(`npm test: OPENTRONS_ANALYZER=${given} does not answer \`--help\` as \`python3 -m opentrons.cli analyze\` does: point it at a working analyzer (e.g. ../shared/opentrons-analyzer/analyze) or unset it`);
    return 1;
  }
  if (pythonHasOpentrons()) {
    recordPythonAnalyzer();
    return 0;
  }
  const shared = (): boolean => executable(SHARED_ANALYZER) && analyzes(SHARED_ANALYZER);
  if (shared()) {
    record(SHARED_ANALYZER);
    return 0;
  }
  const root = process.getuid?.() === 0;
  if (root && onPath('apt-get')) {
    log(`Opentrons' analyzer not found: installing its Python dependencies with apt-get (${ANALYZER_DEBS.join(' ')})`);
    installAnalyzerDebs(log);
    if (shared()) {
      record(SHARED_ANALYZER);
      return 0;
    }
  }
  if (onPath('python3') && indexReachable()) {
    log(`Opentrons' analyzer not found: pip install "${PIP_SPEC}"`);
    spawnSync('python3', ['-m', 'pip', 'install', '--timeout', '10', '--retries', '1', PIP_SPEC], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 });
    if (pythonHasOpentrons()) {
      recordPythonAnalyzer();
      return 0;
    }
  }
  const sudo = root ? '' : 'sudo ';
  log(
    `npm test needs Opentrons' protocol analyzer: \`${sudo}apt-get install -y --no-install-recommends ${ANALYZER_DEBS.join(' ')}\` and ` +
      `OPENTRONS_ANALYZER=<path to shared/opentrons-analyzer/analyze>, or \`pip install "${PIP_SPEC}"\``,
  );
  return 1;
}

/** Its own apt-get call, apart from the test binaries' one (the same lock-waiting aptGet). */
function installAnalyzerDebs(log: (line: string) => void): void {
  const install = ['install', '-y', '--no-install-recommends', ...ANALYZER_DEBS];
  if (!aptGet(install, log)) {
    if (aptGet(['update'], log)) aptGet(install, log);
  }
}

if (require.main === module) {
  const binaries = ensureTestBinaries();
  const analyzer = ensureAnalyzer();
  process.exitCode = binaries || analyzer;
}
