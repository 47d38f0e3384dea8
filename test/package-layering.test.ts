// The package's layering as a user's require() sees it: the main entry and the node files never load the simulated
// robot (it has its own entry point), and the shipped module definitions carry only what the package reads.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { moduleDefinition } from '../nodes/lib/deck/definitions';
import { PACKAGE_ROOT, packageJson } from './helpers/nodered';

const DIST_LIB = join(PACKAGE_ROOT, 'dist', 'nodes', 'lib');

/** The files a fresh node process has loaded after requiring `entries` (absolute paths), beside what they export. */
function loadedBy(entries: string[]): { files: string[]; exports: string[][] } {
  const script = `const e = ${JSON.stringify(entries)}.map((f) => Object.keys(require(f)));
process.stdout.write(JSON.stringify({ files: Object.keys(require.cache), exports: e }));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as { files: string[]; exports: string[][] };
}

describe('package layering', function () {
  this.timeout(30_000);

  it('require() of the package main loads no module under simulator/ and exports no simulated robot', function () {
    const main = join(PACKAGE_ROOT, (packageJson() as unknown as { main: string }).main);
    const { files, exports } = loadedBy([main]);
    assert.ok(files.includes(main), 'the main entry itself was loaded');
    assert.ok(files.some((f) => f.endsWith(join('lib', 'client.js'))), 'the client was loaded (so the check sees the dependency tree)');
    assert.deepEqual(files.filter((f) => f.includes(`${join('lib', 'simulator')}`)), []);
    assert.ok(exports[0].includes('RobotClient'));
    assert.ok(!exports[0].includes('SimulatedRobot'), 'SimulatedRobot comes from the /simulator entry point');
  });

  it('requiring every node file (as Node-RED does before any robot is simulated) loads no module under simulator/', function () {
    const nodes = Object.values((packageJson() as { 'node-red': { nodes: Record<string, string> } })['node-red'].nodes).map((f) => join(PACKAGE_ROOT, f));
    const { files } = loadedBy(nodes);
    for (const n of nodes) assert.ok(files.includes(n), `${n} was loaded`);
    assert.ok(files.some((f) => f.endsWith(join('deck', 'layout.js'))), 'the deck map (which reads labware definitions) was loaded');
    assert.deepEqual(files.filter((f) => f.includes(`${join('lib', 'simulator')}`)), []);
  });

  it('package.json exports the main entry, the simulator entry point and the dist/ files deep requires name', function () {
    const pkg = packageJson() as unknown as { main: string; exports: Record<string, string> };
    assert.equal(pkg.exports['.'], `./${pkg.main}`);
    assert.equal(pkg.exports['./simulator'], './dist/nodes/lib/simulator/index.js');
    // Resolved by name from inside the checkout, as a script in a project that installed the package would.
    // Resolved by name (the package's self-reference, which only `exports` enables), as a script in a project that
    // installed the package would; pack-install.test.ts does the same from a packed install.
    const script = `const sim = require('@labwire/node-red-opentrons/simulator');
const self = require.resolve('@labwire/node-red-opentrons/simulator');
const deep = require.resolve('@labwire/node-red-opentrons/dist/nodes/lib/client');
process.stdout.write(JSON.stringify([typeof sim.SimulatedRobot, self, deep]));`;
    const [kind, self, deep] = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: PACKAGE_ROOT })) as string[];
    assert.equal(kind, 'function');
    assert.equal(self, join(DIST_LIB, 'simulator', 'index.js'));
    assert.equal(deep, join(DIST_LIB, 'client.js'));
  });

  it('ships module definitions without twoDimensionalRendering, and the deck map still reads every one', function () {
    const dir = join(DIST_LIB, 'data', 'module');
    const shipped = readdirSync(dir).filter((f) => f.endsWith('.json'));
    assert.ok(shipped.length >= 9, `${shipped.length} module definitions shipped`);
    for (const f of shipped) {
      const raw = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
      assert.ok(!('twoDimensionalRendering' in raw), `${f} lacks twoDimensionalRendering`);
      const source = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'nodes', 'lib', 'data', 'module', f), 'utf8')) as Record<string, unknown>;
      assert.ok('twoDimensionalRendering' in source, `the source file ${f} stays a verbatim shared-data copy`);
      delete source.twoDimensionalRendering;
      assert.deepEqual(raw, source, `${f}: nothing else is dropped`);
      const def = moduleDefinition(f.replace(/\.json$/, ''));
      assert.ok(def && def.size.x > 0 && def.size.y > 0, `${f} loads for the deck map`);
    }
  });
});
