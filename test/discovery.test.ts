// Robot discovery over real multicast: DNS-SD announcements on loopback (test/setup/mdns.ts keeps every
// mDNS socket of the suite on 127.0.0.1 and a UDP port of its own), confirmed with GET /health.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { advertiseRobot, type Advertisement } from '../nodes/lib/discovery/advertise';
import { browseHttpServices, type HttpService } from '../nodes/lib/discovery/browse';
import { discoverRobots } from '../nodes/lib/discovery/discover';
import { mdnsOptions, openMdns, closeMdns } from '../nodes/lib/discovery/mdns';
import { SimulatedRobot } from '../nodes/lib/simulator';
import { advertiseSimulatedRobot } from '../nodes/lib/simulator/advertise';
import { parseCommandLine } from '../nodes/lib/simulator/cli';
import type { RobotConfigNode } from '../nodes/lib/node-support';
import { getNode, loadFlow, unloadFlow } from './helpers/nodered';
import { ADMIN_AUTH_SETTINGS, startNodeRed, type NodeRedProcess } from './helpers/nodered-process';
import { json, startLoopback, type LoopbackServer } from './helpers/loopback';

const CLI = join(__dirname, '..', 'nodes', 'lib', 'simulator', 'cli.js');
const SHORT_MS = 1500;

/** Closed handles leave the list on the next turn of the event loop. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

function udpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;
}

/** `opentrons-sim --advertise` as a user starts it; resolves once it says it is announced. */
async function startAdvertisingCli(name: string): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [CLI, '--port', '0', '--name', name, '--model', 'Flex', '--advertise'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)[\s\S]*announced over mDNS/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`opentrons-sim exited ${String(code)}: ${out}`)));
  });
  return { child, url, output: () => out };
}

describe('robot discovery (mDNS/DNS-SD over loopback multicast)', function () {
  this.timeout(30_000);

  it('the suite browses on loopback and a private UDP port (nothing leaves this machine)', function () {
    const opts = mdnsOptions();
    assert.equal(opts.interface, '127.0.0.1');
    assert.ok(opts.port && opts.port !== 5353, `mDNS port ${String(opts.port)}`);
  });

  it('finds a simulated robot announced by `opentrons-sim --advertise` and confirms it with GET /health; goodbye on exit', async function () {
    const sim = await startAdvertisingCli('discover-me');
    try {
      const firsts: number[] = [];
      const result = await discoverRobots({ mdns: mdnsOptions(), durationMs: SHORT_MS, onRobot: (r) => firsts.push(r.foundAfterMs) });
      const robot = result.robots.find((r) => r.url === sim.url);
      assert.ok(robot, `not found: ${JSON.stringify(result)}`);
      // Name, model, software and API version come from /health (the announcement carries none of the last three).
      assert.equal(robot.name, 'discover-me');
      assert.equal(robot.model, 'Flex');
      assert.match(robot.softwareVersion, /^\d+\.\d+\.\d+/);
      assert.equal(robot.apiVersion.requested, '3');
      assert.equal(robot.apiVersion.supported, true);
      assert.equal(robot.host, '127.0.0.1');
      assert.ok(firsts.length >= 1 && firsts[0] < SHORT_MS, `time to first result ${String(firsts[0])} ms`);
      console.log(`      discovery: first confirmed robot after ${firsts[0]} ms`);

      // A browser that is listening when the robot stops sees its goodbye (TTL 0) at once.
      const goodbye = new Promise<void>((resolve) => {
        void openMdns(mdnsOptions()).then((mdns) => {
          mdns.on('response', (packet) => {
            if (packet.answers.some((a) => a.type === 'PTR' && a.ttl === 0 && String(a.data).startsWith('discover-me.'))) {
              void closeMdns(mdns).then(resolve);
            }
          });
          sim.child.kill('SIGTERM');
        });
      });
      const [code] = (await once(sim.child, 'exit')) as [number | null];
      assert.equal(code, 0, sim.output());
      await goodbye;
    } finally {
      if (sim.child.exitCode === null) sim.child.kill('SIGKILL');
    }
  });

  it('ignores `_http._tcp` services that are not robots: no request to one off the robot port without robotModel, and one that fails /health is dropped', async function () {
    const robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'OT-2', name: 'real-one' });
    const printer: LoopbackServer = await startLoopback((_q, res) => json(res, 200, { hello: 'printer' }));
    const impostor: LoopbackServer = await startLoopback((_q, res) => json(res, 404, { message: 'no such page' }));
    const ads: Advertisement[] = [];
    try {
      ads.push(await advertiseSimulatedRobot(robot, '127.0.0.1', mdnsOptions()));
      ads.push(await advertiseRobot({ mdns: mdnsOptions(), name: 'printer', port: printer.port, host: '127.0.0.1' }));
      ads.push(await advertiseRobot({ mdns: mdnsOptions(), name: 'impostor', port: impostor.port, host: '127.0.0.1', robotModel: 'OT-2 Standard' }));
      const healthBefore = robot.stats.count('GET', '/health');
      const result = await discoverRobots({ mdns: mdnsOptions(), durationMs: SHORT_MS });
      assert.deepEqual(result.robots.map((r) => r.name), ['real-one']);
      assert.ok(robot.stats.count('GET', '/health') > healthBefore, 'the robot was asked GET /health');
      assert.equal(printer.requests.length, 0, 'a service off port 31950 without robotModel gets no request');
      assert.deepEqual(impostor.requests.map((r) => `${r.method} ${r.url}`), ['GET /health'], 'the impostor was asked /health once');
      const ignored = Object.fromEntries(result.ignored.map((i) => [i.name, i.reason]));
      assert.match(ignored.printer ?? '', /not on the robot port/);
      assert.match(ignored.impostor ?? '', /not an Opentrons robot/);
    } finally {
      await Promise.all(ads.map((a) => a.stop()));
      await Promise.all([robot.stop(), printer.close(), impostor.close()]);
    }
  });

  it('with quietMs, finishes soon after the last news once a robot is found, and waits the whole window when none is', async function () {
    const robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, name: 'quick-one' });
    const ad = await advertiseSimulatedRobot(robot, '127.0.0.1', mdnsOptions());
    try {
      const early = await discoverRobots({ mdns: mdnsOptions(), durationMs: 8000, quietMs: 500 });
      assert.ok(early.robots.some((r) => r.name === 'quick-one'), JSON.stringify(early));
      assert.ok(early.durationMs < 4000, `finished after ${early.durationMs} ms of an 8000 ms window`);
    } finally {
      await ad.stop();
      await robot.stop();
    }
    const none = await discoverRobots({ mdns: mdnsOptions(), durationMs: 1200, quietMs: 200 });
    assert.deepEqual(none.robots, []);
    assert.ok(none.durationMs >= 1200, `a search with no robot ended after ${none.durationMs} ms`);
  });

  it('browsing and announcing release their sockets and timers', async function () {
    const robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0 });
    const udpBefore = udpHandles();
    const ad = await advertiseSimulatedRobot(robot, '127.0.0.1', mdnsOptions());
    const seen: HttpService[] = [];
    const browsing = await browseHttpServices(mdnsOptions(), (s) => seen.push(s));
    assert.equal(udpHandles(), udpBefore + 2);
    await new Promise((r) => setTimeout(r, 300));
    await browsing.stop();
    await ad.stop();
    await ad.stop(); // twice is harmless
    await robot.stop();
    await settle();
    assert.ok(seen.some((s) => s.port === robot.port && s.txt.robotModel === 'OT-2 Standard'), JSON.stringify(seen));
    assert.equal(udpHandles(), udpBefore, `left: ${JSON.stringify(process.getActiveResourcesInfo())}`);
  });

  it('the CLI parses --advertise and refuses --mdns-* without it', function () {
    const line = parseCommandLine(['--advertise', '--mdns-port', '5454', '--mdns-interface', '127.0.0.1', '--port', '0']);
    assert.deepEqual(line.advertise, { interface: '127.0.0.1', port: 5454 });
    assert.equal(line.robot.port, 0);
    assert.equal(parseCommandLine(['--port', '0']).advertise, undefined);
    assert.throws(() => parseCommandLine(['--mdns-port', '5454']), /need --advertise/);
    assert.throws(() => parseCommandLine(['--advertise', '--mdns-port', 'x']), /must be a whole number/);
  });

  it('with default settings (every interface, UDP 5353) finds robots on each interface: a network namespace of the test\'s own', async function () {
    // The default path sends to 224.0.0.251:5353 on every interface, so it runs where that reaches no
    // one: a fresh network namespace (needs root, as CI has) with loopback and a veth pair of its own.
    const ns = `otdisc-${process.pid}`;
    const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });
    const env = { ...process.env };
    delete env.OPENTRONS_MDNS_INTERFACE;
    delete env.OPENTRONS_MDNS_PORT;
    const inNs = (args: string[]): ChildProcess => spawn('ip', ['netns', 'exec', ns, process.execPath, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const announced = (child: ChildProcess): Promise<void> =>
      new Promise((resolve, reject) => {
        let out = '';
        child.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('announced over mDNS')) resolve();
        });
        child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
        child.once('exit', (code) => reject(new Error(`exited ${String(code)}: ${out}`)));
      });
    ip('netns', 'add', ns);
    const children: ChildProcess[] = [];
    try {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
      ip('-n', ns, 'addr', 'add', '10.213.0.1/24', 'dev', 'v0');
      ip('-n', ns, 'addr', 'add', '10.213.0.2/24', 'dev', 'v1');
      ip('-n', ns, 'link', 'set', 'v0', 'up');
      ip('-n', ns, 'link', 'set', 'v1', 'up');
      const onVeth = inNs([CLI, '--host', '10.213.0.1', '--port', '31950', '--advertise', '--name', 'on-veth']);
      const onLo = inNs([CLI, '--port', '0', '--advertise', '--name', 'on-loopback']);
      children.push(onVeth, onLo);
      await Promise.all([announced(onVeth), announced(onLo)]);
      const script = `require(${JSON.stringify(join(__dirname, '..', 'nodes', 'lib', 'discovery', 'discover.js'))}).discoverRobots({ durationMs: 1500 }).then((r) => console.log(JSON.stringify(r.robots.map((x) => [x.name, x.url]))))`;
      const browser = inNs(['-e', script]);
      let out = '';
      browser.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      browser.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      const [code] = (await once(browser, 'exit')) as [number | null];
      assert.equal(code, 0, out);
      const found = JSON.parse(out.trim()) as Array<[string, string]>;
      assert.deepEqual(found.map(([name]) => name).sort(), ['on-loopback', 'on-veth']);
      assert.ok(found.some(([, url]) => url === 'http://10.213.0.1:31950'), out);
    } finally {
      for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
      await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? once(c, 'exit') : undefined)));
      ip('netns', 'del', ns);
    }
  });

  describe('the config node\'s simulated robot', function () {
    afterEach(unloadFlow);

    it('is announced on loopback when "Announce" is on, found by discovery, and releases its socket on close', async function () {
      const udpBefore = udpHandles();
      await loadFlow([{ id: 'sim', type: 'opentrons-robot', simulate: true, model: 'Flex', advertise: true, name: 'bench sim' }], { types: ['opentrons-robot'] });
      const client = await getNode<RobotConfigNode>('sim').ready();
      const result = await discoverRobots({ mdns: mdnsOptions(), durationMs: SHORT_MS });
      const found = result.robots.find((r) => r.url === client.baseUrl);
      assert.ok(found, JSON.stringify(result));
      assert.equal(found.model, 'Flex');
      await unloadFlow();
      await settle();
      assert.equal(udpHandles(), udpBefore, `left: ${JSON.stringify(process.getActiveResourcesInfo())}`);
    });

    it('is not announced by default', async function () {
      await loadFlow([{ id: 'sim', type: 'opentrons-robot', simulate: true }], { types: ['opentrons-robot'] });
      const client = await getNode<RobotConfigNode>('sim').ready();
      const result = await discoverRobots({ mdns: mdnsOptions(), durationMs: 1000 });
      assert.equal(result.robots.find((r) => r.url === client.baseUrl), undefined);
    });
  });

  describe('admin endpoint POST /opentrons-robot/discover (Node-RED with adminAuth)', function () {
    let red: NodeRedProcess;
    let robot: SimulatedRobot;
    let ad: Advertisement;
    before(async function () {
      [red, robot] = await Promise.all([startNodeRed({ settings: ADMIN_AUTH_SETTINGS }), SimulatedRobot.start({ host: '127.0.0.1', port: 0, name: 'admin-sees-me' })]);
      ad = await advertiseSimulatedRobot(robot, '127.0.0.1', mdnsOptions());
    });
    after(async function () {
      await ad?.stop();
      await Promise.all([red?.stop(), robot?.stop()]);
    });

    const post = (body: unknown, token?: string): Promise<Response> =>
      fetch(`${red.url}/opentrons-robot/discover`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });

    it('refuses without a token or without write permission, and asks no robot', async function () {
      const before = robot.stats.count('GET', '/health');
      assert.equal((await post({ seconds: 1 })).status, 401);
      const denied = (await post({ seconds: 1 }, 'read-token')).status;
      assert.ok(denied === 401 || denied === 403, `status ${denied}`);
      assert.equal(robot.stats.count('GET', '/health'), before);
    });

    it('lists the announced robot with name, address, model, software version and whether the API version is served', async function () {
      const res = await post({ seconds: 1.5, apiVersion: '3' }, 'admin-token');
      assert.equal(res.status, 200);
      const body = (await res.json()) as { ok: boolean; robots: Array<{ name: string; host: string; port: number; model: string; softwareVersion: string; apiVersion: { supported: boolean } }> };
      assert.equal(body.ok, true, JSON.stringify(body));
      const found = body.robots.find((r) => r.name === 'admin-sees-me');
      assert.ok(found, JSON.stringify(body));
      assert.deepEqual([found.host, found.port, found.model, found.apiVersion.supported], ['127.0.0.1', robot.port, 'OT-2', true]);
      assert.match(found.softwareVersion, /^\d+\./);
    });

    it('a bad API version is a clear error and nothing is browsed', async function () {
      const before = robot.stats.count('GET', '/health');
      const body = (await (await post({ apiVersion: 'abc' }, 'admin-token')).json()) as { ok: boolean; reason: string };
      assert.equal(body.ok, false);
      assert.match(body.reason, /API version|Opentrons-Version|whole number/i);
      assert.equal(robot.stats.count('GET', '/health'), before);
    });
  });
});
