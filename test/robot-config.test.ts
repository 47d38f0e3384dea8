// The opentrons-robot config node inside Node-RED (node-red-node-test-helper): defaults, address
// normalisation, credentials, config errors seen by a dependent node, simulate, and a clean close.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { parseApiVersion, parseRobotAddress } from '../nodes/lib/robot-address';
import type { RobotConfigNode } from '../nodes/lib/node-support';
import { fail, robotOf } from '../nodes/lib/node-support';
import { deployedFlow, getNode, loadFlow, nextCall, unloadFlow } from './helpers/nodered';
import { LoopbackServer, healthBody, json, startLoopback } from './helpers/loopback';

/** A test-only node that uses a robot the way the action nodes do: robotOf → ready → client. */
function robotUserNode(RED: NodeAPI): void {
  function RobotUser(this: Node, def: NodeDef & { robot?: string }): void {
    RED.nodes.createNode(this, def);
    this.on('input', (msg, send, done) => {
      Promise.resolve()
        .then(async () => {
          const robot = robotOf(RED, def.robot);
          const client = await robot.ready();
          msg.payload = await client.health();
          send(msg);
          done();
        })
        .catch((err: unknown) => fail(this, msg as Parameters<typeof fail>[1], err, done));
    });
  }
  RED.nodes.registerType('test-robot-user', RobotUser);
}

async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('robot address normalisation', function () {
  const good: Array<[string, unknown, unknown, string]> = [
    // host, port, https → origin
    ['10.0.0.5', undefined, false, 'http://10.0.0.5:31950'],
    ['  10.0.0.5  ', '', false, 'http://10.0.0.5:31950'],
    ['10.0.0.5', 8080, false, 'http://10.0.0.5:8080'],
    ['10.0.0.5', '8080', false, 'http://10.0.0.5:8080'],
    ['10.0.0.5:1234', 1234, false, 'http://10.0.0.5:1234'],
    ['10.0.0.5:1234', '', false, 'http://10.0.0.5:1234'],
    // an explicit default port of the scheme is kept, never replaced by 31950
    ['http://10.0.0.5:80', undefined, false, 'http://10.0.0.5:80'],
    ['http://10.0.0.5:80', '80', false, 'http://10.0.0.5:80'],
    ['10.0.0.5', 80, false, 'http://10.0.0.5:80'],
    ['https://10.0.0.5:443/', undefined, false, 'https://10.0.0.5:443'],
    ['10.0.0.5:443', undefined, true, 'https://10.0.0.5:443'],
    ['[fe80::1]:80', undefined, false, 'http://[fe80::1]:80'],
    ['http://10.0.0.5', undefined, false, 'http://10.0.0.5:31950'],
    ['http://10.0.0.5:31950/', undefined, false, 'http://10.0.0.5:31950'],
    ['HTTPS://ot2.local', undefined, false, 'https://ot2.local:31950'],
    ['ot2.local', undefined, true, 'https://ot2.local:31950'],
    ['OT2-Lab.local', undefined, 'true', 'https://ot2-lab.local:31950'],
    ['[fe80::1]', undefined, false, 'http://[fe80::1]:31950'],
    ['[fe80::1]:8000', undefined, false, 'http://[fe80::1]:8000'],
    ['http://[::1]:31950', undefined, false, 'http://[::1]:31950'],
  ];
  for (const [host, port, https, origin] of good) {
    it(`${JSON.stringify(host)} port ${String(port)} https ${String(https)} → ${origin}`, function () {
      const r = parseRobotAddress({ host, port, https });
      assert.ok(r.ok, r.ok ? '' : r.error);
      assert.equal(r.address.origin, origin);
    });
  }

  const bad: Array<[unknown, unknown, RegExp]> = [
    ['', undefined, /host is empty/],
    ['   ', undefined, /host is empty/],
    [undefined, undefined, /host is empty/],
    ['ftp://10.0.0.5', undefined, /only http:\/\/ or https:\/\//],
    ['10.0.0.5/runs', undefined, /no path/],
    ['user@10.0.0.5', undefined, /no path, query or user/],
    ['10.0.0.5?x=1', undefined, /no path/],
    ['bad host name', undefined, /not a valid host/],
    ['10.0.0.5', 70000, /port "70000"/],
    ['10.0.0.5', 'abc', /port "abc"/],
    ['10.0.0.5', 0, /port "0"/],
    ['fe80::1', undefined, /not a valid host/],
    ['10.0.0.5:1234', 8080, /host "10\.0\.0\.5:1234" names port 1234 but the port field says 8080: set the port field to 1234, or take ":1234" off the host/],
    ['http://10.0.0.5:80', 31950, /names port 80 but the port field says 31950/],
    ['[fe80::1]:8000', '31950', /names port 8000 but the port field says 31950/],
    ['10.0.0.5:', undefined, /ends in ":" without a port/],
    ['10.0.0.5:70000', undefined, /port 70000 must be a whole number from 1 to 65535/],
    ['10.0.0.5:0', undefined, /port 0 must be/],
  ];
  for (const [host, port, why] of bad) {
    it(`rejects host ${JSON.stringify(host)} port ${String(port)} with a clear reason`, function () {
      const r = parseRobotAddress({ host, port });
      assert.equal(r.ok, false);
      assert.match(r.ok ? '' : r.error, why);
    });
  }

  it('accepts API versions ≥ 2 and *, defaults to 3, rejects the rest', function () {
    assert.deepEqual(parseApiVersion(undefined), { ok: true, value: '3', wildcard: false });
    assert.deepEqual(parseApiVersion(''), { ok: true, value: '3', wildcard: false });
    assert.deepEqual(parseApiVersion('4'), { ok: true, value: '4', wildcard: false });
    assert.deepEqual(parseApiVersion(2), { ok: true, value: '2', wildcard: false });
    assert.deepEqual(parseApiVersion('*'), { ok: true, value: '*', wildcard: true });
    for (const v of ['1', '0', '-3', '2.5', 'latest', 'x']) assert.equal(parseApiVersion(v).ok, false, v);
  });
});

describe('opentrons-robot config node', function () {
  let server: LoopbackServer;

  beforeEach(async function () {
    server = await startLoopback((req, res) =>
      req.url === '/health'
        ? json(res, 200, healthBody(), { 'opentrons-version': String(req.headers['opentrons-version']), 'opentrons-min-version': '2' })
        : json(res, 200, { data: [], meta: { cursor: 0, totalLength: 0 } }),
    );
  });
  afterEach(async function () {
    await unloadFlow();
    await server.close();
  });

  it('uses the documented defaults: port 31950, API version 3, timeout 10 s, http, no token', async function () {
    await loadFlow([{ id: 'r1', type: 'opentrons-robot', host: 'ot2-lab.local' }], { types: ['opentrons-robot'] });
    const robot = getNode<RobotConfigNode>('r1');
    assert.equal(robot.configError, undefined);
    assert.equal(robot.simulated, false);
    assert.equal(robot.robotLabel, 'ot2-lab.local:31950');
    const client = await robot.ready();
    assert.equal(client, robot.client);
    assert.equal(client.baseUrl, 'http://ot2-lab.local:31950');
    assert.equal(client.apiVersion, '3');
    assert.equal(client.timeoutMs, 10_000);
  });

  it('normalises the host it is given and sends the configured version, timeout and token', async function () {
    await loadFlow(
      [{ id: 'r1', type: 'opentrons-robot', host: `http://127.0.0.1:${server.port}/`, port: '', apiVersion: '4', timeout: '2.5', name: 'lab OT-2', notifications: 'off' }],
      { types: ['opentrons-robot'], credentials: { r1: { token: 's3cret-token' } } },
    );
    const robot = getNode<RobotConfigNode>('r1');
    const client = await robot.ready();
    assert.equal(client.baseUrl, `http://127.0.0.1:${server.port}`);
    assert.equal(client.timeoutMs, 2_500);
    assert.equal(robot.robotLabel, 'lab OT-2');
    await client.listRuns();
    const last = server.requests[server.requests.length - 1];
    assert.equal(last.headers['opentrons-version'], '4');
    assert.equal(last.headers.authorization, 'Bearer s3cret-token');
  });

  it('keeps an explicit port 80 (or 443 with https) instead of the robot default 31950', async function () {
    // 192.0.2.x is TEST-NET-1 (RFC 5737): never routed, so the deploy-time version check reaches nobody.
    await loadFlow(
      [
        { id: 'r80', type: 'opentrons-robot', host: 'http://192.0.2.1:80', port: '', timeout: '0.2', notifications: 'off' },
        { id: 'r443', type: 'opentrons-robot', host: '192.0.2.1:443', port: 443, https: true, timeout: '0.2', notifications: 'off' },
      ],
      { types: ['opentrons-robot'] },
    );
    assert.equal((await getNode<RobotConfigNode>('r80').ready()).baseUrl, 'http://192.0.2.1:80');
    assert.equal(getNode<RobotConfigNode>('r80').robotLabel, '192.0.2.1:80');
    assert.equal((await getNode<RobotConfigNode>('r443').ready()).baseUrl, 'https://192.0.2.1:443');
  });

  it('keeps the token in credentials only: not in the deployed flow Node-RED exports', async function () {
    await loadFlow([{ id: 'r1', type: 'opentrons-robot', host: '127.0.0.1', port: server.port, notifications: 'off' }], {
      types: ['opentrons-robot'],
      credentials: { r1: { token: 's3cret-token' } },
    });
    const robot = getNode<RobotConfigNode & { credentials: { token?: string } }>('r1');
    assert.equal(robot.credentials.token, 's3cret-token');
    const exported = JSON.stringify(deployedFlow());
    assert.ok(exported.includes('"opentrons-robot"'));
    assert.ok(!exported.includes('s3cret-token'), exported);
  });

  it('shares one client between every node that uses the robot', async function () {
    await loadFlow(
      [
        { id: 'r1', type: 'opentrons-robot', host: '127.0.0.1', port: server.port, notifications: 'off' },
        { id: 'u1', type: 'test-robot-user', robot: 'r1', wires: [['out']] },
        { id: 'u2', type: 'test-robot-user', robot: 'r1', wires: [['out']] },
        { id: 'out', type: 'helper' },
      ],
      { types: ['opentrons-robot'], extraNodes: [robotUserNode] },
    );
    const client = await getNode<RobotConfigNode>('r1').ready();
    const u1 = getNode('u1');
    const u2 = getNode('u2');
    const out = getNode('out');
    const received: Array<{ payload: { name?: string } }> = [];
    out.on('input', (msg: object) => received.push(msg as { payload: { name?: string } }));
    u1.receive({ payload: 1 });
    u2.receive({ payload: 2 });
    await waitFor(() => received.length === 2);
    assert.deepEqual(received.map((m) => m.payload.name), ['loopback-robot', 'loopback-robot']);
    assert.equal(getNode<RobotConfigNode>('r1').client, client);
  });

  for (const [label, def, why] of [
    ['an empty host', { host: '' }, /host is empty/],
    ['a malformed host', { host: 'http://robot/path' }, /no path/],
    ['a bad port', { host: '10.0.0.5', port: 'abc' }, /port "abc"/],
    ['a host port that differs from the port field', { host: 'http://10.0.0.5:80', port: 31950 }, /host "http:\/\/10\.0\.0\.5:80" names port 80 but the port field says 31950: set the port field to 80, or take ":80" off the host/],
    ['a bad API version', { host: '10.0.0.5', apiVersion: '1' }, /API version "1"/],
    ['a bad timeout', { host: '10.0.0.5', timeout: '-1' }, /timeout "-1"/],
  ] as const) {
    it(`reports ${label} as a config error on the dependent node, without crashing or sending anything`, async function () {
      await loadFlow(
        [
          { id: 'r1', type: 'opentrons-robot', ...def },
          { id: 'u1', type: 'test-robot-user', robot: 'r1', wires: [[]] },
        ],
        { types: ['opentrons-robot'], extraNodes: [robotUserNode] },
      );
      const robot = getNode<RobotConfigNode>('r1');
      assert.match(robot.configError ?? '', why);
      assert.equal(robot.client, undefined);
      await assert.rejects(robot.ready(), why);

      const user = getNode('u1');
      const errored = nextCall(user, 'error');
      const status = nextCall(user, 'status');
      user.receive({ payload: 'go' });
      const call = await errored;
      const err = call.args[0] as Error & { code?: string };
      assert.match(err.message, /^robot configuration: /);
      assert.match(err.message, why);
      assert.equal(err.code, 'InvalidInput');
      assert.equal(((await status).args[0] as { fill: string }).fill, 'red');
      assert.equal(server.requests.length, 0);
    });
  }

  it('warns that API version * is for testing only, and about a version the robot does not serve', async function () {
    server.handle((_req, res) => json(res, 200, healthBody(), { 'opentrons-version': '4', 'opentrons-min-version': '2' }));
    await loadFlow(
      [
        { id: 'star', type: 'opentrons-robot', host: '127.0.0.1', port: server.port, apiVersion: '*', notifications: 'off' },
        { id: 'high', type: 'opentrons-robot', host: '127.0.0.1', port: server.port, apiVersion: '7', notifications: 'off' },
      ],
      { types: ['opentrons-robot'] },
    );
    const warnings = (): string[] =>
      ['star', 'high'].flatMap((id) => {
        const n = getNode(id) as Node & { warn: { args?: unknown[][] } };
        return (n.warn.args ?? []).map((a) => String(a[0]));
      });
    await waitFor(() => warnings().some((w) => /serves HTTP API version 4 at most/.test(w)));
    assert.ok(warnings().some((w) => /"\*".*testing only/.test(w)), warnings().join('\n'));
  });

  it('runs a simulated robot on loopback when simulate is on, and stops it on close', async function () {
    await loadFlow([{ id: 'sim', type: 'opentrons-robot', simulate: true, model: 'Flex', host: '' }], { types: ['opentrons-robot'] });
    const robot = getNode<RobotConfigNode>('sim');
    assert.equal(robot.simulated, true);
    assert.equal(robot.configError, undefined, 'the host is not needed when simulating');
    const client = await robot.ready();
    assert.match(client.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await client.health();
    assert.equal(health.robot_model, 'OT-3 Standard');
    assert.equal(robot.robotLabel, 'simulated Flex');
    await unloadFlow();
    const probe = new (await import('../nodes/lib/client')).RobotClient({ baseUrl: client.baseUrl, apiVersion: '3', timeoutMs: 1000, getRetries: 0 });
    await assert.rejects(probe.health(), { code: 'ECONNREFUSED' });
    await probe.close();
    await loadFlow([], { types: ['opentrons-robot'] });
  });

  it('simulate with Python analyzer "opentrons" and none installed: a configuration error naming what to install or set', async function () {
    const before = process.env.OPENTRONS_ANALYZER;
    process.env.OPENTRONS_ANALYZER = join(__dirname, 'no-such-analyzer');
    try {
      await loadFlow([{ id: 'sim', type: 'opentrons-robot', simulate: true, model: 'OT-2', host: '', analyzer: 'opentrons' }], { types: ['opentrons-robot'] });
      const robot = getNode<RobotConfigNode>('sim');
      await assert.rejects(robot.ready(), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'AnalyzerNotFound');
        assert.match(e.message, /OPENTRONS_ANALYZER=.*no-such-analyzer/);
        assert.match(e.message, /pip install "opentrons>=8\.2"/);
        return true;
      });
      await unloadFlow();
      await loadFlow([{ id: 'sim2', type: 'opentrons-robot', simulate: true, model: 'OT-2', host: '', analyzer: 'stand-in' }], { types: ['opentrons-robot'] });
      const standIn = getNode<RobotConfigNode>('sim2');
      await standIn.ready();
      assert.equal(standIn.simulatedRobot?.analyzer.kind, 'stand-in');
    } finally {
      if (before === undefined) delete process.env.OPENTRONS_ANALYZER;
      else process.env.OPENTRONS_ANALYZER = before;
    }
  });

  it('shows "simulated" on every action node that uses a simulated robot, from deploy on', async function () {
    const robotFlow = [
      { id: 'sim', type: 'opentrons-robot', simulate: true, model: 'OT-2', host: '' },
      { id: 'tab', type: 'tab' },
    ];
    const actions = ['opentrons-upload', 'opentrons-run', 'opentrons-command'].map((type, i) => ({ id: `n${i}`, z: 'tab', type, robot: 'sim', x: 100, y: 100 + 40 * i, wires: [[]] }));
    await loadFlow([...robotFlow, ...actions], { types: ['opentrons-robot', 'opentrons-upload', 'opentrons-run', 'opentrons-command'] });
    for (const a of actions) {
      const spy = getNode(a.id).status as unknown as { args: unknown[][] };
      assert.deepEqual(spy.args[0]?.[0], { fill: 'grey', shape: 'ring', text: 'simulated OT-2' }, a.type);
    }
  });

  it('leaves no socket or timer behind after close, even with a request in flight', async function () {
    const resources = (): Record<string, number> => {
      const count: Record<string, number> = {};
      for (const r of process.getActiveResourcesInfo()) count[r] = (count[r] ?? 0) + 1;
      return count;
    };
    server.handle((req, res) => {
      if (req.url === '/health') return json(res, 200, healthBody());
      if (req.url === '/runs/slow') return; // never answers
      json(res, 200, { data: { id: 'r1' } });
    });
    // Measured after a first await: mocha arms its own test timer only once the test returns its promise.
    await new Promise((r) => setImmediate(r));
    const before = resources();
    await loadFlow([{ id: 'r1', type: 'opentrons-robot', host: '127.0.0.1', port: server.port, timeout: 30, notifications: 'off' }], { types: ['opentrons-robot'] });
    const client = await getNode<RobotConfigNode>('r1').ready();
    await Promise.all([client.getRun('a'), client.getRun('b'), client.getRun('c')]);
    const slow = client.getRun('slow').catch((e: unknown) => e);
    await waitFor(() => server.requests.some((r) => r.url === '/runs/slow'));
    const during = resources();
    assert.ok(server.openConnections() > 0);
    assert.ok((during.TCPSocketWrap ?? 0) > (before.TCPSocketWrap ?? 0));

    await unloadFlow();
    assert.equal(((await slow) as Error).name, 'RequestAbortedError');
    await waitFor(() => server.openConnections() === 0);
    const after = resources();
    console.log(`      active resources before ${JSON.stringify(before)}, during ${JSON.stringify(during)}, after ${JSON.stringify(after)}`);
    assert.equal(after.TCPSocketWrap ?? 0, before.TCPSocketWrap ?? 0, 'sockets');
    assert.equal(after.Timeout ?? 0, before.Timeout ?? 0, 'timers');
    assert.equal(server.openConnections(), 0);
    await loadFlow([], { types: ['opentrons-robot'] });
  });
});

describe('opentrons-robot editor definition', function () {
  type Validate = (this: { _: (k: string) => string; simulate?: boolean }, v: unknown) => true | string;
  interface EditorDef {
    category: string;
    defaults: Record<string, { value: unknown; validate?: Validate }>;
    credentials: Record<string, { type: string }>;
    label(this: Record<string, unknown>): string;
  }

  /** Runs the editor script of dist/nodes/opentrons-robot.html against a stub of the editor's RED. */
  function editorDefinition(): EditorDef {
    const html = readFileSync(join(__dirname, '..', 'nodes', 'opentrons-robot.html'), 'utf8');
    const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)?.[1];
    assert.ok(script, 'editor script');
    let def: EditorDef | undefined;
    const RED = { nodes: { registerType: (type: string, d: EditorDef) => type === 'opentrons-robot' && (def = d) } };
    // No edit dialog is open: jQuery finds no elements, so validators use the node's own values.
    runInNewContext(script, { RED, $: () => ({ length: 0 }) });
    assert.ok(def, 'registerType was called');
    return def;
  }

  const node = { _: (k: string) => k };

  it('has the documented defaults and keeps the token a password credential', function () {
    const def = editorDefinition();
    assert.equal(def.category, 'config');
    const values = Object.fromEntries(Object.entries(def.defaults).map(([k, d]) => [k, d.value]));
    assert.deepEqual(values, {
      name: '',
      host: '',
      port: 31950,
      apiVersion: '3',
      timeout: 10,
      https: false,
      simulate: false,
      advertise: false,
      requireToken: false,
      analyzer: 'auto',
      model: 'OT-2',
      notifications: 'auto',
      mqttPort: 1883,
    });
    assert.deepEqual(JSON.parse(JSON.stringify(def.credentials)), { token: { type: 'password' } });
    assert.ok(!('token' in def.defaults), 'the token is never a flow property');
    assert.equal(def.label.call({ host: '10.0.0.5', port: 31950 }), '10.0.0.5:31950');
    assert.equal(def.label.call({ simulate: true, model: 'Flex' }), 'simulated Flex');
  });

  it('validates like the runtime, with a message for the tooltip', function () {
    const d = editorDefinition().defaults;
    const check = (key: string, v: unknown, extra: object = {}): true | string => d[key].validate!.call({ ...node, ...extra }, v);
    for (const host of ['10.0.0.5', 'ot2-lab.local', 'http://10.0.0.5:31950/', 'https://robot', '[fe80::1]', '[fe80::1]:8000']) {
      assert.equal(check('host', host), true, host);
      assert.equal(parseRobotAddress({ host }).ok, true, `runtime accepts ${host}`);
    }
    for (const host of ['', '  ', 'ftp://robot', 'robot/path', 'bad host', 'user@robot']) {
      assert.match(String(check('host', host)), /^opentrons-robot\.errors\.host/, host);
      assert.equal(parseRobotAddress({ host }).ok, false, `runtime rejects ${host}`);
    }
    assert.equal(check('host', '', { simulate: true }), true, 'no host needed when simulating');
    assert.equal(check('port', 31950), true);
    assert.equal(check('port', '0'), 'opentrons-robot.errors.port');
    assert.equal(check('port', '65536'), 'opentrons-robot.errors.port');
    assert.equal(check('port', ''), true, 'empty: the host\'s port, or 31950');
    assert.equal(check('host', 'http://10.0.0.5:80', { port: 31950 }), 'opentrons-robot.errors.hostPortConflict');
    assert.equal(check('port', 31950, { host: 'http://10.0.0.5:80' }), 'opentrons-robot.errors.hostPortConflict');
    assert.equal(check('host', 'http://10.0.0.5:80', { port: 80 }), true);
    assert.equal(check('host', 'http://10.0.0.5:80', { port: '' }), true);
    assert.equal(check('port', 80, { host: '10.0.0.5:80' }), true);
    assert.equal(check('port', 1234, { host: '10.0.0.5' }), true);
    assert.equal(parseRobotAddress({ host: 'http://10.0.0.5:80', port: 31950 }).ok, false, 'the runtime refuses the conflict too');
    for (const v of ['2', '3', '10', '*']) assert.equal(check('apiVersion', v), true, v);
    for (const v of ['1', '', 'x', '2.5']) assert.equal(check('apiVersion', v), 'opentrons-robot.errors.apiVersion', v);
    assert.equal(check('timeout', '0.5'), true);
    assert.equal(check('timeout', '0'), 'opentrons-robot.errors.timeout');
    assert.equal(check('model', 'Flex'), true);
    assert.equal(check('model', 'OT-3'), 'opentrons-robot.errors.model');
    assert.equal(check('notifications', 'off'), true);
    assert.equal(check('notifications', 'on'), 'opentrons-robot.errors.notifications');
    for (const v of ['auto', 'opentrons', 'stand-in', '', undefined]) assert.equal(check('analyzer', v), true, String(v));
    assert.equal(check('analyzer', 'python'), 'opentrons-robot.errors.analyzer');
  });

  it('has an en-US label for every key the editor uses', function () {
    const html = readFileSync(join(__dirname, '..', 'nodes', 'opentrons-robot.html'), 'utf8');
    const labels = JSON.parse(readFileSync(join(__dirname, '..', 'nodes', 'locales', 'en-US', 'opentrons-robot.json'), 'utf8')) as Record<string, unknown>;
    const keys = new Set([...html.matchAll(/opentrons-robot\.((?:label|placeholder|notifications|analyzer|errors|test)\.[A-Za-z]+(?:-[A-Za-z]+)*)/g)].map((m) => m[1]));
    assert.ok(keys.size > 20, `${keys.size} keys`);
    for (const key of keys) {
      const value = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], labels['opentrons-robot']);
      assert.equal(typeof value, 'string', `opentrons-robot.${key}`);
    }
  });
});
