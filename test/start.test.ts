// `npm start` as a newcomer runs it: Node-RED comes up on the port asked for, prints its URL, has
// the "run a protocol" demo deployed against a simulated robot, and stops cleanly on Ctrl-C.
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, packageDir } from '../scripts/launch-node-red';
import { markNodeRedUsed } from './setup/node-red-use';

describe('npm start (the demo)', function () {
  this.timeout(60_000);
  let child: ChildProcess | undefined;
  let userDir: string;

  beforeEach(function () {
    markNodeRedUsed(); // start.js starts Node-RED of the line under test as its own child
    userDir = mkdtempSync(join(tmpdir(), 'opentrons-start-'));
  });
  afterEach(function () {
    // start.js runs Node-RED as its own child: on a failed test, end the whole process group.
    if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    rmSync(userDir, { recursive: true, force: true });
  });

  it('serves the editor with the demo flow on the simulated robot, then exits 0 on SIGINT', async function () {
    const port = await freePort();
    child = spawn(process.execPath, [join(packageDir, 'dist', 'scripts', 'start.js')], {
      cwd: packageDir,
      env: { ...process.env, PORT: String(port), USER_DIR: userDir },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => child?.once('exit', (code) => r(code)));

    const url = `http://127.0.0.1:${port}/`;
    const deadline = Date.now() + 45_000;
    while (!out.includes(`Node-RED is running at ${url}`)) {
      if (Date.now() > deadline || child.exitCode !== null) assert.fail(`npm start did not print its URL:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    const flows = (await (await fetch(`${url}flows`, { headers: { 'Node-RED-API-Version': 'v1' } })).json()) as Array<Record<string, unknown>>;
    const robot = flows.find((n) => n.type === 'opentrons-robot');
    assert.ok(robot, 'the demo has a robot config node');
    assert.equal(robot.simulate, true, 'the demo drives a simulated robot');
    for (const type of ['opentrons-upload', 'opentrons-run', 'opentrons-status']) {
      assert.ok(flows.some((n) => n.type === type), `the demo uses ${type}`);
    }
    assert.match(out, /simulated OT-2 robot listening on http:\/\/127\.0\.0\.1:\d+/);
    const editor = await fetch(url);
    assert.equal(editor.status, 200);

    child.kill('SIGINT');
    assert.equal(await exited, 0, out);
  });
});
