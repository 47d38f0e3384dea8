// The opentrons-sim CLI: starts on loopback, prints where it listens, answers /health, exits 0 on SIGTERM/SIGINT,
// and with --mqtt-port / --mqtt-url publishes the robot's refetch hints to an MQTT broker.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { request } from 'undici';
import { parseCommandLine } from '../nodes/lib/simulator/cli';
import { Mosquitto, accepts, freePort } from './notifications-helpers';

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

/** Resolves with the first match of `re` in the child's stdout so far. */
function stdoutMatch(child: ChildProcess, re: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = re.exec(out);
      if (m) {
        child.stdout?.off('data', onData);
        resolve(m);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited ${String(code)} before printing ${String(re)}: ${out}`)));
  });
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

  it('--help prints the usage, including the MQTT options, and exits 0', async () => {
    const child = spawn(process.execPath, [CLI, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
    assert.match(out, /--mqtt-port N/);
    assert.match(out, /--mqtt-url URL/);
  });

  it('refuses an --analyzer-timeout beyond what a timer can wait, instead of timing out every analysis at once', async () => {
    const child = spawn(process.execPath, [CLI, '--port', '0', '--analyzer-timeout', '3000000'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OPENTRONS_SIM_ANALYZER: 'stand-in' } });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 1);
    assert.match(err, /analyzerTimeoutMs must be a number of ms above 0 and at most 2147483647 .*got 3000000000/);
    assert.doesNotMatch(out, /listening on/);
  });

  it('reads --analyzer and --analyzer-timeout, refuses other analyzers; --help says what `auto` finds here', async () => {
    assert.deepEqual(parseCommandLine(['--analyzer', 'stand-in', '--analyzer-timeout', '30']).robot, { host: '127.0.0.1', port: 31950, model: 'OT-2', analyzer: 'stand-in', analyzerTimeoutMs: 30_000 });
    assert.equal(parseCommandLine(['--analyzer=opentrons']).robot.analyzer, 'opentrons');
    assert.throws(() => parseCommandLine(['--analyzer', 'python']), /--analyzer must be auto, opentrons or stand-in, got python/);
    assert.throws(() => parseCommandLine(['--analyzer-timeout', '0']), /--analyzer-timeout must be above 0/);
    const child = spawn(process.execPath, [CLI, '--help'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OPENTRONS_SIM_ANALYZER: 'stand-in' } });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
    assert.match(out, /--analyzer {7}what analyses Python protocols/);
    assert.match(out, /^analyzer here: stand-in/m);
  });

  it('reads --mqtt-port / --mqtt-url beside the simulator options and refuses bad values', () => {
    assert.deepEqual(parseCommandLine(['--port', '0', '--mqtt-port', '1884', '--model', 'Flex']), {
      robot: { host: '127.0.0.1', port: 0, model: 'Flex' }, mqtt: { port: 1884 },
    });
    assert.deepEqual(parseCommandLine(['--mqtt-url=mqtt://127.0.0.1:1883']).mqtt, { url: 'mqtt://127.0.0.1:1883' });
    assert.equal(parseCommandLine(['--port', '0']).mqtt, undefined);
    assert.throws(() => parseCommandLine(['--mqtt-port', 'x']), /--mqtt-port must be a port number[\s\S]*usage:/);
    assert.throws(() => parseCommandLine(['--mqtt-url', 'http://127.0.0.1']), /--mqtt-url must look like/);
  });

  describe('MQTT bridge', function () {
    this.timeout(20_000);
    const subscribers: MqttClient[] = [];
    let mosquitto: Mosquitto | undefined;
    afterEach(async () => {
      for (const c of subscribers.splice(0)) await c.endAsync(true);
      await mosquitto?.dispose();
      mosquitto = undefined;
    });

    /** Subscribes to robot-server/#, creates a run over HTTP and returns the hints that arrive for it. */
    async function hintsForNewRun(base: string, brokerUrl: string, protocolVersion: 4 | 5): Promise<{ runId: string; hints: Map<string, string> }> {
      const sub = await connectAsync(brokerUrl, { protocolVersion, reconnectPeriod: 0, connectTimeout: 5_000 });
      subscribers.push(sub);
      await sub.subscribeAsync('robot-server/#', { qos: 1 });
      const hints = new Map<string, string>();
      sub.on('message', (topic, payload) => hints.set(topic, payload.toString()));
      const res = await request(`${base}/runs`, {
        method: 'POST', headers: { 'opentrons-version': '3', 'content-type': 'application/json' }, body: JSON.stringify({ data: {} }),
      });
      assert.equal(res.statusCode, 201);
      const runId = String(((await res.body.json()) as { data: { id: string } }).data.id);
      const end = Date.now() + 5_000;
      while (!(hints.has('robot-server/runs') && hints.has(`robot-server/runs/${runId}`)) && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 10));
      }
      return { runId, hints };
    }

    it('--mqtt-port N: an embedded broker on 127.0.0.1:N carries the hints; SIGTERM stops it and exits 0', async () => {
      const port = await freePort();
      const child = spawn(process.execPath, [CLI, '--port', '0', '--speed', '100', '--mqtt-port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      const [[, base], [, brokerUrl]] = await Promise.all([
        stdoutMatch(child, /listening on (http:\/\/\S+)/),
        stdoutMatch(child, /embedded MQTT broker at (mqtt:\/\/\S+)/),
      ]);
      assert.equal(brokerUrl, `mqtt://127.0.0.1:${port}`);
      const { runId, hints } = await hintsForNewRun(base, brokerUrl, 4);
      assert.deepEqual(JSON.parse(hints.get('robot-server/runs') ?? 'null'), { refetch: true });
      assert.deepEqual(JSON.parse(hints.get(`robot-server/runs/${runId}`) ?? 'null'), { refetch: true });
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      assert.equal(code, 0);
      assert.equal(await accepts(port), false, 'the embedded broker is closed with the robot');
    });

    it('--mqtt-url URL: publishes the hints to an external broker (Mosquitto, MQTT 5)', async () => {
      mosquitto = await Mosquitto.create();
      const child = spawn(process.execPath, [CLI, '--port', '0', '--speed', '100', '--mqtt-url', mosquitto.url], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      const [[, base], [, brokerUrl]] = await Promise.all([
        stdoutMatch(child, /listening on (http:\/\/\S+)/),
        stdoutMatch(child, /external MQTT broker at (mqtt:\/\/\S+)/),
      ]);
      assert.equal(brokerUrl, mosquitto.url);
      const { runId, hints } = await hintsForNewRun(base, mosquitto.url, 5);
      assert.deepEqual(JSON.parse(hints.get(`robot-server/runs/${runId}`) ?? 'null'), { refetch: true });
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      const [code] = (await exited) as [number | null];
      assert.equal(code, 0);
    });
  });
});
