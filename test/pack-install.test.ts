// What `npm pack` ships is enough for Node-RED: the tarball, unpacked into a fresh userDir's
// node_modules as `npm install <tarball>` would, registers every node type, serves our icons,
// locales and help, and lists our examples under Import ▸ Examples.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, sep } from 'node:path';
import { connectAsync } from 'mqtt';
import { freePort, launchNodeRed, packageDir, type RunningNodeRed } from '../scripts/launch-node-red';

interface PackageJson {
  name: string;
  bin: Record<string, string>;
  dependencies?: Record<string, string>;
  'node-red': { nodes: Record<string, string> };
}

interface NodeSet {
  module: string;
  types: string[];
  enabled: boolean;
  err?: string;
}

describe('npm pack → install into a fresh Node-RED userDir', function () {
  this.timeout(60_000);
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as PackageJson;
  let work: string;
  let nodeRed: RunningNodeRed | undefined;
  let installed: string;
  let tarball: string;
  /** The environment npm runs in here: the npm on PATH, no npm_* variables of an enclosing `npm test`. */
  let npmEnv: NodeJS.ProcessEnv;

  before(async function () {
    work = mkdtempSync(join(tmpdir(), 'nr-opentrons-pack-'));
    // --ignore-scripts: `prepare` would rebuild dist/ under the running test suite; npm test built it already.
    // The npm on PATH, not node_modules/.bin/npm (an older npm that a dependency brings, which runs
    // `prepare` even with --ignore-scripts), and without the npm_* variables of an enclosing `npm test`.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    env.PATH = (process.env.PATH ?? '')
      .split(delimiter)
      .filter((dir) => !dir.includes(`node_modules${sep}.bin`))
      .join(delimiter);
    const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: packageDir, encoding: 'utf8', env });
    assert.equal(pack.status, 0, `npm pack failed: ${pack.stderr}`);
    assert.doesNotMatch(pack.stderr, /prepare/, 'npm pack ran no lifecycle script (it would rebuild dist/ under the running tests)');
    const out = pack.stdout;
    const [{ filename }] = JSON.parse(out) as Array<{ filename: string }>;
    tarball = join(work, filename);
    npmEnv = env;
    const userDir = join(work, 'userDir');
    installed = join(userDir, 'node_modules', ...pkg.name.split('/'));
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', join(work, filename), '-C', installed, '--strip-components=1']);
    // The registry is out of reach here: the runtime dependencies come from this checkout's node_modules.
    symlinkSync(join(packageDir, 'node_modules'), join(installed, 'node_modules'), 'junction');
    writeFileSync(join(userDir, 'package.json'), JSON.stringify({ name: 'userdir', private: true, dependencies: { [pkg.name]: `file:${filename}` } }));
    nodeRed = await launchNodeRed({ userDir, port: await freePort(), flows: [], link: undefined });
  });

  after(async function () {
    await nodeRed?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const get = async (path: string, accept = 'application/json'): Promise<Response> => {
    assert.ok(nodeRed);
    return fetch(new URL(path, nodeRed.url), { headers: { Accept: accept } });
  };

  it('ships only built JavaScript, editor files, icons, locales and examples — no TypeScript, tests or sources', function () {
    const files: string[] = [];
    const walk = (dir: string, rel: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (rel === '' && e.name === 'node_modules') continue;
        if (e.isDirectory()) walk(join(dir, e.name), `${rel}${e.name}/`);
        else files.push(`${rel}${e.name}`);
      }
    };
    walk(installed, '');
    assert.deepEqual(files.filter((f) => f.endsWith('.ts') || f.startsWith('test/') || f.startsWith('nodes/')), []);
    for (const file of Object.values(pkg['node-red'].nodes)) {
      assert.ok(files.includes(file), `${file} is in the tarball`);
      assert.ok(files.includes(file.replace(/\.js$/, '.html')), `${file.replace(/\.js$/, '.html')} is in the tarball`);
    }
    assert.ok(files.some((f) => /^examples\/.+\.json$/.test(f)), 'examples are in the tarball');
  });

  it('registers all node types of package.json, without load errors', async function () {
    const sets = (await (await get('nodes')).json()) as NodeSet[];
    const ours = sets.filter((s) => s.module === pkg.name);
    assert.deepEqual(
      ours.filter((s) => s.err).map((s) => `${s.types.join(',')}: ${s.err}`),
      [],
      'no node set failed to load',
    );
    const types = ours.filter((s) => s.enabled).flatMap((s) => s.types);
    assert.deepEqual([...types].sort(), Object.keys(pkg['node-red'].nodes).sort());
  });

  it('serves each node\'s editor HTML, help and icon', async function () {
    const html = await (await get('nodes', 'text/html')).text();
    for (const type of Object.keys(pkg['node-red'].nodes)) {
      assert.match(html, new RegExp(`RED\\.nodes\\.registerType\\(\\s*['"]${type}['"]`), `${type} editor definition`);
      assert.match(html, new RegExp(`data-help-name=["']${type}["']`), `${type} help`);
      const icon = await get(`icons/${pkg.name}/${type}.svg`, 'image/svg+xml');
      assert.equal(icon.status, 200, `icon ${type}.svg`);
      assert.match(await icon.text(), /<svg/);
    }
  });

  it('gives the simulated robot from its own entry point (`/simulator`), and the main entry loads none of it', function () {
    // A script in the user's project, resolving the package by name the way an installed package is resolved.
    const script = `const main = require('${pkg.name}');
const loadedByMain = Object.keys(require.cache).filter((f) => f.includes('simulator'));
const { SimulatedRobot } = require('${pkg.name}/simulator');
SimulatedRobot.start({ host: '127.0.0.1' })
  .then(async (robot) => {
    const health = await fetch(robot.url + '/health', { headers: { 'Opentrons-Version': '*' } });
    await robot.stop();
    process.stdout.write(JSON.stringify({ main: Object.keys(main), loadedByMain, status: health.status, file: require.resolve('${pkg.name}/simulator') }));
  });`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: join(installed, '..', '..', '..'), encoding: 'utf8' })) as {
      main: string[];
      loadedByMain: string[];
      status: number;
      file: string;
    };
    assert.ok(out.main.includes('RobotClient') && !out.main.includes('SimulatedRobot'));
    assert.deepEqual(out.loadedByMain, []);
    assert.equal(out.status, 200);
    assert.equal(out.file, join(installed, 'dist', 'nodes', 'lib', 'simulator', 'index.js'));
  });

  it('ships module definitions without the unread twoDimensionalRendering', function () {
    const dir = join(installed, 'dist', 'nodes', 'lib', 'data', 'module');
    const files = readdirSync(dir);
    assert.ok(files.length >= 9);
    for (const f of files) assert.doesNotMatch(readFileSync(join(dir, f), 'utf8'), /twoDimensionalRendering/, f);
  });

  it('lists every example under Import ▸ Examples', async function () {
    const res = await get(`library/examples/flows/${pkg.name}/`);
    assert.equal(res.status, 200);
    const listed = ((await res.json()) as Array<string | { fn?: string }>).map((e) => (typeof e === 'string' ? e : String(e.fn ?? ''))).map((f) => f.replace(/\.json$/, ''));
    const shipped = readdirSync(join(installed, 'examples')).map((f) => f.replace(/\.json$/, ''));
    assert.deepEqual([...listed].sort(), [...shipped].sort());
  });

  /**
   * The package installed as a user installs it, in `work/<name>`: the tarball, and only the packages its
   * `dependencies` pull in (npm's own --omit=dev closure of this checkout, less `leaveOut`), so a devDependency
   * the code needed would be missing. Returns the path of the installed `opentrons-sim`.
   */
  const installWithRuntimeDependencies = (name: string, leaveOut: string[] = []): { cli: string; closure: string[] } => {
    const app = join(work, name);
    const dir = join(app, 'node_modules', ...pkg.name.split('/'));
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1']);
    const top = join(packageDir, 'node_modules') + sep;
    const closure = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: packageDir, encoding: 'utf8', env: npmEnv })
      .split('\n').filter((p) => p.startsWith(top)).map((p) => p.slice(top.length))
      .filter((rel) => !rel.includes(`${sep}node_modules${sep}`));
    for (const rel of closure.filter((r) => !leaveOut.includes(r))) {
      const link = join(app, 'node_modules', rel);
      mkdirSync(join(link, '..'), { recursive: true });
      symlinkSync(join(top, rel), link, 'junction');
    }
    return { cli: join(dir, pkg.bin['opentrons-sim']), closure };
  };

  it('opentrons-sim --mqtt-port works from the installed package with nothing but its runtime dependencies', async function () {
    const { cli: bin, closure } = installWithRuntimeDependencies('cli-only');
    assert.ok(closure.includes('aedes'), `aedes is a runtime dependency: ${closure.join(', ')}`);
    assert.ok(!closure.includes('mocha'), 'no devDependency in the closure');
    const cli = spawn(process.execPath, [bin, '--port', '0', '--mqtt-port', '0'], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      let err = '';
      cli.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const started = new Promise<[string, string]>((resolve, reject) => {
        cli.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const http = /listening on (http:\/\/\S+)/.exec(out);
          const broker = /embedded MQTT broker at (mqtt:\/\/\S+)/.exec(out);
          if (http && broker) resolve([http[1], broker[1]]);
        });
        cli.once('exit', (code) => reject(new Error(`opentrons-sim exited ${String(code)}: ${out}${err}`)));
      });
      const [base, brokerUrl] = await started;
      const sub = await connectAsync(brokerUrl, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000 });
      try {
        await sub.subscribeAsync('robot-server/#', { qos: 1 });
        const hint = new Promise<string>((resolve) => sub.on('message', (topic) => resolve(topic)));
        const created = await fetch(`${base}/runs`, { method: 'POST', headers: { 'opentrons-version': '3', 'content-type': 'application/json' }, body: '{"data": {}}' });
        assert.equal(created.status, 201);
        assert.match(await hint, /^robot-server\/runs/, 'the run\'s refetch hint came through the embedded broker');
      } finally {
        await sub.endAsync(true);
      }
      const exited = once(cli, 'exit');
      cli.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      assert.equal(code, 0, `exit code; stderr: ${err}`);
    } finally {
      if (cli.exitCode === null && cli.signalCode === null) cli.kill('SIGKILL');
    }
  });

  it('an install that lacks aedes: --mqtt-port fails at once with a message that says what to do', async function () {
    const { cli: bin } = installWithRuntimeDependencies('cli-no-aedes', ['aedes']);
    const cli = spawn(process.execPath, [bin, '--port', '0', '--mqtt-port', '0'], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    cli.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = (await once(cli, 'exit')) as [number | null];
    assert.equal(code, 1, err);
    assert.match(err, /the embedded MQTT broker needs the "aedes" package, a dependency of @labwire\/node-red-opentrons that this install lacks \(reinstall the package, or npm install aedes beside it\), or give an external broker with --mqtt-url/);
  });
});
