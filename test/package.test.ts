// The package as npm and Node-RED see it: metadata, what `npm pack` ships, and loading every registered
// node type (from package.json, so nodes added later are covered).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_ROOT, availableNodeModules, isRegistered, loadFlow, packageJson, packageNodes, unloadFlow } from './helpers/nodered';

const run = promisify(execFile);

interface PackFile {
  path: string;
  size: number;
}

/**
 * Runs `npm pack` on a copy of the checkout whose package.json has no scripts: npm may run `prepare`
 * on pack even with --ignore-scripts, and that would delete and rebuild dist/ under the running tests.
 */
async function npmPack(args: string[]): Promise<{ stdout: string; copy: string }> {
  const copy = mkdtempSync(join(tmpdir(), 'nr-opentrons-src-'));
  cpSync(PACKAGE_ROOT, copy, { recursive: true, filter: (src) => !/[/\\](node_modules|\.git)$/.test(src) });
  const pkg = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')) as Record<string, unknown>;
  delete pkg.scripts;
  writeFileSync(join(copy, 'package.json'), JSON.stringify(pkg, null, 2));
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', ...args], { cwd: copy });
  return { stdout, copy };
}

async function packList(): Promise<string[]> {
  const { stdout, copy } = await npmPack(['--dry-run']);
  rmSync(copy, { recursive: true, force: true });
  return (JSON.parse(stdout) as Array<{ files: PackFile[] }>)[0].files.map((f) => f.path).sort();
}

describe('package', function () {
  this.timeout(60_000);

  it('has the metadata Node-RED and npm need', function () {
    const pkg = packageJson() as Record<string, unknown> & {
      'node-red': { version: string; nodes: Record<string, string> };
      engines: { node: string };
      keywords: string[];
      repository: { url: string };
      bugs: { url: string };
      scripts: Record<string, string>;
    };
    assert.equal(pkg.name, '@labwire/node-red-opentrons');
    assert.equal(pkg.license, 'Apache-2.0');
    for (const k of ['node-red', 'opentrons', 'lab-automation', 'liquid-handling']) assert.ok(pkg.keywords.includes(k), k);
    assert.match(pkg.repository.url, /github\.com/);
    assert.match(pkg.bugs.url, /issues/);
    assert.equal(pkg['node-red'].version, '>=4.0.0');
    assert.match(pkg.engines.node, /^>=20\.18/);
    assert.match(pkg.scripts.prepare, /build/);
    assert.deepEqual(Object.keys(pkg['node-red'].nodes).sort(), ['opentrons-command', 'opentrons-deck', 'opentrons-fleet', 'opentrons-hardware', 'opentrons-queue', 'opentrons-request', 'opentrons-robot', 'opentrons-run', 'opentrons-status', 'opentrons-upload']);
    assert.ok(readFileSync(join(PACKAGE_ROOT, 'LICENSE'), 'utf8').includes('Apache License'));
    assert.match(readFileSync(join(PACKAGE_ROOT, 'NOTICE'), 'utf8'), /Opentrons Labworks/);
  });

  it('ships only built nodes, editor files, locales, icons, examples, README, LICENSE and NOTICE', async function () {
    const files = await packList();
    const allowed = [
      /^dist\/nodes\/.+\.(js|html|json)$/,
      /^dist\/nodes\/icons\/[^/]+\.svg$/,
      /^examples\/[^/]+\.json$/,
      /^(.+\/)?README\.md$/, // npm adds every README; the simulator's documents its CLI
      /^(LICENSE|NOTICE|package\.json)$/,
    ];
    const unexpected = files.filter((f) => !allowed.some((re) => re.test(f)));
    assert.deepEqual(unexpected, [], 'files npm pack would ship but Node-RED does not need');
    assert.deepEqual(files.filter((f) => /\.(map|ts)$/.test(f) || /(^|\/)test\//.test(f) || /\.test\./.test(f)), []);
    for (const f of ['README.md', 'LICENSE', 'NOTICE', 'dist/nodes/icons/opentrons-robot.svg', 'dist/nodes/locales/en-US/opentrons-robot.json']) {
      assert.ok(files.includes(f), `${f} missing from the package`);
    }
    for (const n of packageNodes()) {
      const rel = n.file.slice(PACKAGE_ROOT.length + 1);
      assert.ok(files.includes(rel), `${rel} missing from the package`);
      assert.ok(files.includes(rel.replace(/\.js$/, '.html')), `${n.type}: editor .html missing`);
    }
    const main = (packageJson() as { main?: string }).main;
    if (main) assert.ok(files.includes(main), `"main" ${main} is not shipped`);
    console.log(`      npm pack: ${files.length} files`);
  });

  it('keeps palette icons in the top-level icons/ folder, and the build puts each beside the node files where Node-RED reads it', function () {
    assert.ok(!existsSync(join(PACKAGE_ROOT, 'nodes', 'icons')), 'no second icon folder under nodes/');
    let withIcon = 0;
    let configNodes = 0;
    for (const n of packageNodes()) {
      // Config nodes (opentrons-robot, opentrons-fleet) have no palette entry and so no icon.
      const html = readFileSync(n.file.replace(/\.js$/, '.html'), 'utf8');
      if (/category:\s*'config'/.test(html)) configNodes += 1;
      const icon = /icon:\s*'([^']+)'/.exec(html)?.[1];
      if (!icon) continue;
      withIcon += 1;
      const source = join(PACKAGE_ROOT, 'icons', icon);
      assert.ok(existsSync(source), `${n.type}: icons/${icon} missing`);
      assert.equal(readFileSync(join(n.file, '..', 'icons', icon), 'utf8'), readFileSync(source, 'utf8'), `${n.type}: built icon differs from icons/${icon}`);
    }
    assert.equal(withIcon, packageNodes().length - configNodes, 'every palette node names its icon');
  });

  it('builds every node listed in package.json, with editor, help, labels and icon', function () {
    for (const n of packageNodes()) {
      assert.ok(existsSync(n.file), `${n.type}: ${n.file} not built`);
      const html = readFileSync(n.file.replace(/\.js$/, '.html'), 'utf8');
      assert.match(html, new RegExp(`registerType\\(\\s*'${n.type}'`), `${n.type}: editor does not register the type`);
      assert.match(html, new RegExp(`data-template-name="${n.type}"`), `${n.type}: no edit dialog`);
      const dir = join(n.file, '..', 'locales', 'en-US');
      const help = existsSync(join(dir, `${n.type}.html`)) ? readFileSync(join(dir, `${n.type}.html`), 'utf8') : html;
      assert.match(help, new RegExp(`data-help-name="${n.type}"`), `${n.type}: no help`);
      assert.ok(existsSync(join(dir, `${n.type}.json`)), `${n.type}: no en-US labels`);
      const icon = /icon:\s*'([^']+)'/.exec(html)?.[1];
      if (icon) assert.ok(existsSync(join(n.file, '..', 'icons', icon)), `${n.type}: icon ${icon} missing`);
    }
  });

  describe('in Node-RED (test helper)', function () {
    afterEach(async function () {
      await unloadFlow();
    });

    it('loads every node module of the package and registers every type package.json lists', async function () {
      assert.equal(availableNodeModules().length, packageNodes().length, 'some node modules are not built');
      await loadFlow([]);
      for (const n of packageNodes()) assert.ok(isRegistered(n.type), `${n.type} not registered`);
    });
  });
  // The packed tarball installed into a fresh Node-RED userDir: test/pack-install.test.ts.
});
