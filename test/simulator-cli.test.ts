// The opentrons-sim CLI: starts on loopback, prints where it listens, answers /health, exits 0 on SIGTERM/SIGINT.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';

const CLI = join(__dirname, '..', 'nodes', 'lib', 'simulator', 'cli.js');

function startCli(args: string[]): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`exited ${String(code)} before listening: ${out}`)));
  });
  return { child, url };
}

describe('simulator: opentrons-sim CLI', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  it('has a node shebang so the package bin can run it', () => {
    assert.match(readFileSync(CLI, 'utf8').split('\n')[0], /^#!\/usr\/bin\/env node/);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`listens on 127.0.0.1, answers GET /health, and exits 0 on ${signal}`, async () => {
      const { child, url } = startCli(['--port', '0', '--model', 'Flex', '--speed', '10']);
      children.push(child);
      const base = await url;
      assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await request(`${base}/health`, { headers: { 'opentrons-version': '3' } });
      const body = (await res.body.json()) as { robot_model: string };
      assert.equal(res.statusCode, 200);
      assert.equal(body.robot_model, 'OT-3 Standard');
      const exited = once(child, 'exit');
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      assert.equal(code, 0);
    });
  }

  it('rejects an unknown model with a usage message and exit code 2', async () => {
    const child = spawn(process.execPath, [CLI, '--model', 'OT-9'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 2);
    assert.match(err, /--model must be OT-2 or Flex/);
  });
});
