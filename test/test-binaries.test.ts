// `npm test` runs scripts/test-binaries before mocha: a missing Mosquitto or Chromium is installed where
// that is possible (root with apt-get) and otherwise named in one line with the command to run — never a
// silently skipped test. Run here as a child process with a PATH and binary paths of the test's choosing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PACKAGE_ROOT } from './helpers/nodered';

const SCRIPT = join(PACKAGE_ROOT, 'dist', 'scripts', 'test-binaries.js');
const ROOT = process.getuid?.() === 0;
const ANALYZER_HELP = "#!/bin/sh\necho 'Usage: analyze [OPTIONS] FILES...  --json-output FILENAME  --rtp-values TEXT  --rtp-files TEXT'\n";

describe('npm test: the test binaries check (scripts/test-binaries)', function () {
  this.timeout(20_000);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'test-binaries-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Runs the check with only `pathDirs` on PATH, and a stand-in `ip` (iproute2, found on PATH only)
   * unless `withIp` is false.
   */
  const check = (env: Record<string, string>, pathDirs: string[] = [], withIp = true): { status: number | null; stdout: string; stderr: string; ms: number } => {
    const start = Date.now();
    if (withIp) executable('tools/ip');
    // Opentrons' analyzer is checked by the same script: a stand-in that answers --help as it does, unless the test names one
    const analyzer = executable('tools/analyze', ANALYZER_HELP);
    const r = spawnSync(process.execPath, [SCRIPT], {
      env: { PATH: [...pathDirs, ...(withIp ? [join(dir, 'tools')] : [])].join(':') || join(dir, 'empty'), OPENTRONS_ANALYZER: analyzer, ...env },
      encoding: 'utf8',
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - start };
  };
  const executable = (name: string, body = '#!/bin/sh\nexit 0\n'): string => {
    const file = join(dir, name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, body);
    chmodSync(file, 0o755);
    return file;
  };

  it('both missing and nothing can install them: exit 1 at once with one line naming the exact command', () => {
    const r = check({ MOSQUITTO_PATH: join(dir, 'no-mosquitto'), CHROMIUM_PATH: join(dir, 'no-chromium') });
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    const sudo = ROOT ? '' : 'sudo ';
    assert.ok(lines[0].includes(`\`${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends mosquitto chromium\``), lines[0]);
    assert.ok(r.ms < 5_000, `${r.ms} ms`);
  });

  it('names only what is missing', () => {
    const r = check({ MOSQUITTO_PATH: executable('mosquitto'), CHROMIUM_PATH: join(dir, 'no-chromium') });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /needs chromium \(/);
    assert.match(r.stderr, /apt-get install -y --no-install-recommends chromium`/);
    assert.doesNotMatch(r.stderr, /mosquitto|iproute2/);
    const noIp = check({ MOSQUITTO_PATH: executable('mosquitto'), CHROMIUM_PATH: executable('chromium') }, [], false);
    assert.equal(noIp.status, 1);
    assert.match(noIp.stderr, /needs iproute2 \(/);
    assert.match(noIp.stderr, /apt-get install -y --no-install-recommends iproute2`$/m);
  });

  it('Opentrons\' analyzer: OPENTRONS_ANALYZER that works is taken as it is; one that does not is named in one line, exit 1', () => {
    const ok = check({ MOSQUITTO_PATH: executable('mosquitto'), CHROMIUM_PATH: executable('chromium'), OPENTRONS_ANALYZER: executable('good/analyze', ANALYZER_HELP) });
    assert.deepEqual([ok.status, ok.stdout, ok.stderr], [0, '', '']);
    const broken = executable('broken/analyze', '#!/bin/sh\necho "ModuleNotFoundError: No module named serial" >&2\nexit 1\n');
    const bad = check({ MOSQUITTO_PATH: executable('mosquitto'), CHROMIUM_PATH: executable('chromium'), OPENTRONS_ANALYZER: broken });
    assert.equal(bad.status, 1);
    const lines = bad.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, bad.stderr);
    assert.match(lines[0], new RegExp(`OPENTRONS_ANALYZER=${broken} does not answer`));
    assert.match(lines[0], /shared\/opentrons-analyzer\/analyze/);
  });

  it('everything there: exit 0 and silent', () => {
    const r = check({ MOSQUITTO_PATH: executable('mosquitto'), CHROMIUM_PATH: executable('chromium') });
    assert.deepEqual([r.status, r.stdout, r.stderr], [0, '', '']);
  });

  it('without the variables, looks on PATH and in the usual (s)bin directories', () => {
    const bin = join(dir, 'bin');
    executable('bin/mosquitto');
    executable('bin/chromium');
    const r = check({}, [bin]);
    assert.deepEqual([r.status, r.stderr], [0, '']);
  });

  it(`apt-get on PATH: as root it runs "apt-get update" then "apt-get install -y --no-install-recommends" the missing ones; otherwise it names the sudo command (running as ${ROOT ? 'root' : 'a user'})`, () => {
    const mosquitto = join(dir, 'installed', 'mosquitto');
    const chromium = join(dir, 'installed', 'chromium');
    const calls = join(dir, 'apt-calls');
    // A stand-in apt-get: records its arguments and, on install, puts the binaries where the check looks.
    executable(
      'fake-bin/apt-get',
      `#!/bin/sh\necho "$*" >> ${calls}\nif [ "$1" = install ]; then mkdir -p ${dirname(mosquitto)}; for f in ${mosquitto} ${chromium}; do printf '#!/bin/sh\\n' > $f; chmod 755 $f; done; fi\n`,
    );
    const r = check({ MOSQUITTO_PATH: mosquitto, CHROMIUM_PATH: chromium }, [join(dir, 'fake-bin'), '/bin', '/usr/bin']);
    if (ROOT) {
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(readFileSync(calls, 'utf8').trim().split('\n'), ['update', 'install -y --no-install-recommends mosquitto chromium']);
      assert.ok(existsSync(mosquitto) && existsSync(chromium));
    } else {
      assert.equal(r.status, 1);
      assert.equal(existsSync(calls), false, 'apt-get is not run without root');
      assert.match(r.stderr, /`sudo apt-get update && sudo apt-get install -y --no-install-recommends mosquitto chromium`/);
    }
  });

  /**
   * A stand-in apt-get that answers the first `busy` calls of each subcommand as apt-get does while another
   * apt-get holds the dpkg lock, then works like the one above. Returns the file its calls are recorded in.
   */
  const lockedAptGet = (busy: number, mosquitto: string, chromium: string): string => {
    const calls = join(dir, 'apt-calls');
    executable(
      'fake-bin/apt-get',
      '#!/bin/sh\n' +
        `echo "$*" >> ${calls}\n` +
        `n=$(cat ${dir}/busy-$1 2>/dev/null || echo 0); echo $((n + 1)) > ${dir}/busy-$1\n` +
        `if [ "$n" -lt ${busy} ]; then echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)" >&2; ` +
        'echo "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?" >&2; exit 100; fi\n' +
        `if [ "$1" = install ]; then mkdir -p ${dirname(mosquitto)}; for f in ${mosquitto} ${chromium}; do printf '#!/bin/sh\\n' > $f; chmod 755 $f; done; fi\n`,
    );
    return calls;
  };
  const install = 'install -y --no-install-recommends mosquitto chromium';

  it(`another apt-get holds the dpkg lock: ${ROOT ? 'each step waits, polling, says so once on stderr, and goes on once the lock is free' : 'not root, so apt-get is not run at all'}`, () => {
    const mosquitto = join(dir, 'installed', 'mosquitto');
    const chromium = join(dir, 'installed', 'chromium');
    const calls = lockedAptGet(2, mosquitto, chromium);
    const r = check({ MOSQUITTO_PATH: mosquitto, CHROMIUM_PATH: chromium, APT_LOCK_POLL_MS: '50', APT_LOCK_WAIT_MS: '15000' }, [join(dir, 'fake-bin'), '/bin', '/usr/bin']);
    if (!ROOT) {
      assert.equal(r.status, 1);
      assert.equal(existsSync(calls), false, 'apt-get is not run without root');
      return;
    }
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readFileSync(calls, 'utf8').trim().split('\n'), ['update', 'update', 'update', install, install, install]);
    assert.ok(existsSync(mosquitto) && existsSync(chromium));
    assert.match(r.stderr, /^apt-get update: another apt-get or dpkg holds the dpkg lock; waiting for it \(up to 15 s\)$/m);
    assert.match(r.stderr, /^apt-get install: another apt-get or dpkg holds the dpkg lock; waiting for it \(up to 15 s\)$/m);
    assert.equal(r.stderr.match(/waiting for it/g)?.length, 2, 'said once per step that had to wait');
    assert.doesNotMatch(r.stderr, /Could not get lock/, 'the refusals it waited out are not echoed');
  });

  it(`the dpkg lock is never freed: ${ROOT ? 'the wait is bounded, then the refusal, that it gave up, and the command to run' : 'not root, so apt-get is not run at all'}`, () => {
    const mosquitto = join(dir, 'installed', 'mosquitto');
    const chromium = join(dir, 'installed', 'chromium');
    const calls = lockedAptGet(1_000_000, mosquitto, chromium);
    const r = check({ MOSQUITTO_PATH: mosquitto, CHROMIUM_PATH: chromium, APT_LOCK_POLL_MS: '50', APT_LOCK_WAIT_MS: '400' }, [join(dir, 'fake-bin'), '/bin', '/usr/bin']);
    assert.equal(r.status, 1);
    if (!ROOT) {
      assert.equal(existsSync(calls), false, 'apt-get is not run without root');
      return;
    }
    const made = readFileSync(calls, 'utf8').trim().split('\n');
    assert.ok(made.length >= 2 && made.every((c) => c === 'update'), `update was tried again, install never: ${made.join(', ')}`);
    assert.match(r.stderr, /Could not get lock \/var\/lib\/dpkg\/lock-frontend/, 'the last refusal is shown');
    assert.match(r.stderr, /apt-get update: the dpkg lock was still held after 400 ms/);
    assert.match(r.stderr, /`apt-get update && apt-get install -y --no-install-recommends mosquitto chromium`/);
    assert.equal(existsSync(mosquitto), false);
  });
});
