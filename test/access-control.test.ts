// A robot that requires a token (access control, as newer Flex software can be set up): the simulated robot
// with requireToken answers every non-GET request without the token, or with another one, with 403
// AuthenticationFailed (robot-server's own answer) and leaves GETs open. Every node type is deployed against
// it without and with the token: without, each node's request that changes something fails catchably with a
// message naming the config node's token setting and the robot is left as it was; nodes that only read work;
// with the token, everything works.
import assert from 'node:assert/strict';
import type { Node } from 'node-red';
import { RobotClient } from '../nodes/lib/client';
import { RobotError } from '../nodes/lib/errors';
import { parseArgs } from '../nodes/lib/simulator/cli';
import { SimulatedRobot } from '../nodes/lib/simulator';
import { json, startLoopback } from './helpers/loopback';
import { getNode, loadFlow, unloadFlow, type FlowNode } from './helpers/nodered';
import { CORE_NODES, protocolFile, type TestMsg } from './helpers/protocol-nodes';
import type { RobotConfigNode } from '../nodes/lib/node-support';

const TOKEN = 'labwire-access-7c1e';
const NEEDS_TOKEN = /the robot requires an access token — set the token in the opentrons-robot config node \(Token field\)/;
const WRONG_TOKEN = /the robot refused the token — set the token the robot expects in the opentrons-robot config node \(Token field\)/;

type Outcome = { ok: true; msg: TestMsg } | { ok: false; msg: TestMsg; error: { message: string; code?: string } };

function clientOf(robot: SimulatedRobot, token?: string): RobotClient {
  return new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 10_000, token, getRetries: 0 });
}

async function raw(robot: SimulatedRobot, method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<{ status: number; body: { errors?: Array<{ id: string; title: string; detail: string }> } }> {
  const res = await fetch(`${robot.url}${path}`, {
    method,
    headers: { 'opentrons-version': '3', 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { errors?: Array<{ id: string; title: string; detail: string }> } };
}

describe('access control: a robot that requires a token', function () {
  this.timeout(60_000);
  let robot: SimulatedRobot;

  beforeEach(async function () {
    robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'Flex', speed: 50, analysisMs: 100, commandMs: 200, requireToken: TOKEN });
  });
  afterEach(async function () {
    await unloadFlow();
    await robot?.stop();
  });

  describe('the simulated robot', function () {
    it('answers a non-GET without the token, or with another, with 403 AuthenticationFailed, and changes nothing', async function () {
      const none = await raw(robot, 'POST', '/robot/lights', {}, { on: true });
      assert.equal(none.status, 403);
      assert.deepEqual(none.body.errors?.[0], {
        id: 'AuthenticationFailed', title: 'Authentication Bearer authentication failed.', detail: 'No authentication token provided.', errorCode: '4000',
      });
      const wrong = await raw(robot, 'POST', '/runs', { authorization: 'Bearer not-it' }, { data: {} });
      assert.equal(wrong.status, 403);
      assert.equal(wrong.body.errors?.[0].detail, 'Authentication token invalid.');
      const wrongOwn = await raw(robot, 'DELETE', '/runs/x', { authenticationbearer: 'not-it' });
      assert.equal(wrongOwn.status, 403);
      const lights = (await (await fetch(`${robot.url}/robot/lights`, { headers: { 'opentrons-version': '3' } })).json()) as { on: boolean };
      assert.equal(lights.on, false, 'the refused POST left the lights off');
      assert.equal((await raw(robot, 'GET', '/runs')).status, 200, 'GETs stay open');
    });

    it('takes the token as Authorization: Bearer or as robot-server\'s authenticationBearer header', async function () {
      assert.equal((await raw(robot, 'POST', '/robot/lights', { authorization: `Bearer ${TOKEN}` }, { on: true })).status, 200);
      assert.equal((await raw(robot, 'POST', '/robot/lights', { authenticationbearer: TOKEN }, { on: false })).status, 200);
      // the version check comes first, as robot-server's token check depends on the version
      const noVersion = await fetch(`${robot.url}/robot/lights`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"on":true}' });
      assert.equal(noVersion.status, 422);
      // an unknown path is a 404 before any token check
      assert.equal((await raw(robot, 'POST', '/no-such-path')).status, 404);
    });

    it('is set from the command line with --require-token, and refuses an empty token', function () {
      assert.equal(parseArgs(['--require-token', TOKEN]).requireToken, TOKEN);
      assert.equal(parseArgs([`--require-token=${TOKEN}`]).requireToken, TOKEN);
      assert.throws(() => parseArgs(['--require-token', ' ']), /--require-token needs a non-empty token/);
      assert.throws(() => parseArgs(['--require-token']), /--require-token needs a value/);
      assert.equal(parseArgs([]).requireToken, undefined);
    });

    it('refuses an empty requireToken option', async function () {
      await assert.rejects(SimulatedRobot.start({ port: 0, requireToken: '' }), /requireToken must be a non-empty string/);
    });
  });

  describe('the client', function () {
    it('turns 403 into an error naming the config node\'s token setting, code AuthenticationFailed', async function () {
      const without = clientOf(robot);
      const wrong = clientOf(robot, 'not-it');
      try {
        const e1 = await without.createRun().then(() => undefined, (e: unknown) => e);
        assert.ok(e1 instanceof RobotError);
        assert.equal(e1.code, 'AuthenticationFailed');
        assert.equal(e1.statusCode, 403);
        assert.match(e1.message, /^Authentication Bearer authentication failed\.: No authentication token provided\. \(HTTP 403 AuthenticationFailed, POST \/runs\)/);
        assert.match(e1.message, NEEDS_TOKEN);
        const e2 = await wrong.setLights(true).then(() => undefined, (e: unknown) => e);
        assert.ok(e2 instanceof RobotError);
        assert.match(e2.message, WRONG_TOKEN);
        assert.equal((await without.listRuns()).data.length, 0, 'GETs work without the token; no run was made');
      } finally {
        await Promise.all([without.close(), wrong.close()]);
      }
    });

    it('reads a bare 401 (a proxy, or other robot software) the same way, with code AuthenticationFailed', async function () {
      const server = await startLoopback((_req, res) => json(res, 401, { message: 'Unauthorized' }));
      const client = new RobotClient({ baseUrl: `http://127.0.0.1:${server.port}`, apiVersion: '3', timeoutMs: 5000 });
      try {
        const e = await client.createRun().then(() => undefined, (err: unknown) => err);
        assert.ok(e instanceof RobotError);
        assert.equal(e.code, 'AuthenticationFailed');
        assert.match(e.message, NEEDS_TOKEN);
        assert.equal(server.requests.length, 1, 'a POST is never retried');
      } finally {
        await client.close();
        await server.close();
      }
    });

    it('says nothing of a token for a 403 with another error id (an OT-2 asked for its deck configuration)', async function () {
      const ot2 = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'OT-2' });
      const client = clientOf(ot2);
      try {
        const e = await client.getDeckConfiguration().then(() => undefined, (err: unknown) => err);
        assert.ok(e instanceof RobotError);
        assert.equal(e.statusCode, 403);
        assert.equal(e.code, 'NotSupportedOnOT2');
        assert.doesNotMatch(e.message, /token/i);
      } finally {
        await client.close();
        await ot2.stop();
      }
    });

    it('sends the token in Authorization: Bearer and in robot-server\'s authenticationBearer, in no other header', async function () {
      const server = await startLoopback((_req, res) => json(res, 200, { on: true }));
      const client = new RobotClient({ baseUrl: `http://127.0.0.1:${server.port}`, apiVersion: '3', timeoutMs: 5000, token: TOKEN });
      try {
        await client.setLights(true);
        assert.equal(server.requests[0].headers.authorization, `Bearer ${TOKEN}`);
        const carrying = Object.entries(server.requests[0].headers).filter(([, v]) => String(v).includes(TOKEN)).map(([k]) => k);
        assert.deepEqual(carrying.sort(), ['authenticationbearer', 'authorization']);
        assert.equal(server.requests[0].headers.authenticationbearer, TOKEN);
      } finally {
        await client.close();
        await server.close();
      }
    });
  });

  describe('every node type', function () {
    const at = { z: 'tab', x: 100, y: 100 };
    const NODES: Array<{ id: string; type: string; props: Record<string, unknown>; outputs?: number }> = [
      { id: 'up', type: 'opentrons-upload', props: {} },
      { id: 'run', type: 'opentrons-run', props: { action: 'create' } },
      { id: 'cmd', type: 'opentrons-command', props: { target: 'robot' } },
      { id: 'st', type: 'opentrons-status', props: {}, outputs: 2 },
      { id: 'hw', type: 'opentrons-hardware', props: { action: 'health' } },
      { id: 'rq', type: 'opentrons-request', props: { method: 'GET', path: '/health' } },
      { id: 'dk', type: 'opentrons-deck', props: {} },
    ];

    async function deploy(token: string | undefined): Promise<void> {
      const flow: FlowNode[] = [
        { id: 'tab', type: 'tab', label: 'access control' },
        { id: 'robot', type: 'opentrons-robot', host: '127.0.0.1', port: robot.port, apiVersion: '3', timeout: 10, notifications: 'off' },
        { id: 'catch', ...at, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', ...at, type: 'helper' },
      ];
      for (const n of NODES) {
        flow.push({ id: n.id, ...at, type: n.type, robot: 'robot', ...n.props, wires: n.outputs === 2 ? [[`o-${n.id}`], []] : [[`o-${n.id}`]] });
        flow.push({ id: `o-${n.id}`, ...at, type: 'helper' });
      }
      await loadFlow(flow, {
        types: ['opentrons-robot', ...NODES.map((n) => n.type)],
        extraNodes: CORE_NODES,
        credentials: token ? { robot: { token } } : {},
      });
    }

    /** The first output or caught error of node `id` for `msg`. */
    function send(id: string, msg: TestMsg, timeoutMs = 20_000): Promise<Outcome> {
      const out = getNode(`o-${id}`) as Node;
      const caught = getNode('caught') as Node;
      return new Promise((resolve, reject) => {
        const done = (o: Outcome): void => {
          clearTimeout(timer);
          out.removeListener('input', onOut);
          caught.removeListener('input', onCaught);
          resolve(o);
        };
        const onOut = (m: TestMsg): void => done({ ok: true, msg: m });
        const onCaught = (m: TestMsg): void => {
          const error = m.error as { message: string; code?: string; source?: { id?: string } };
          if (error.source?.id === id) done({ ok: false, msg: m, error });
        };
        const timer = setTimeout(() => {
          out.removeListener('input', onOut);
          caught.removeListener('input', onCaught);
          reject(new Error(`${id}: no output or error within ${timeoutMs} ms`));
        }, timeoutMs);
        out.on('input', onOut);
        caught.on('input', onCaught);
        getNode(id).receive(msg as never);
      });
    }

    async function refused(id: string, msg: TestMsg): Promise<void> {
      const o = await send(id, msg);
      assert.equal(o.ok, false, `${id} should fail without the token: ${o.ok ? JSON.stringify(o.msg.payload).slice(0, 200) : ''}`);
      if (o.ok) return;
      assert.match(o.error.message, NEEDS_TOKEN, id);
      // Node-RED copies err.code into msg.error from 4.1 on (both CI lines)
      assert.equal(o.error.code, 'AuthenticationFailed', id);
      assert.equal(o.msg.statusCode, 403, id);
    }

    async function works(id: string, msg: TestMsg): Promise<TestMsg> {
      const o = await send(id, msg);
      if (!o.ok) assert.fail(`${id} should work: ${o.error.message}`);
      return o.msg;
    }

    it('without the token: every request that changes something fails catchably naming the token setting; reads work; the robot is unchanged', async function () {
      // What the nodes act on, made by a client that has the token.
      const admin = clientOf(robot, TOKEN);
      let protocolId: string;
      let runId: string;
      let fixtures: unknown;
      try {
        const { protocol } = await admin.uploadProtocol([{ filename: 'deck-flex.json', content: protocolFile('deck-flex.json') }]);
        protocolId = protocol.id;
        runId = (await admin.createRun({ protocolId })).id;
        fixtures = (await admin.getDeckConfiguration()).cutoutFixtures;
      } finally {
        await admin.close();
      }
      await deploy(undefined);
      const writesBefore = robot.stats.requests.filter((r) => r.method !== 'GET').length;

      await refused('up', { payload: protocolFile('deck-flex.json'), filename: 'deck-flex.json' });
      await refused('run', { protocolId });
      await refused('run', { action: 'play', runId });
      await refused('cmd', { commandType: 'home', params: {} });
      await refused('hw', { action: 'set-deck-configuration', payload: fixtures });
      await refused('rq', { method: 'POST', path: '/robot/lights', payload: { on: true } });

      // Nodes (and actions) that only read need no token.
      const status = await works('st', { runId });
      assert.equal(status.topic, 'idle');
      // stop watching: the status node answers a stop with no msg
      getNode('st').receive({ action: 'stop' } as never);
      const deck = await works('dk', { protocolId });
      assert.match(String(deck.payload), /^<svg/);
      assert.equal(((await works('hw', { action: 'health' })).payload as { name: string }).name, robot.name);
      assert.equal((await works('rq', {})).statusCode, 200);
      assert.equal(((await works('up', { action: 'list' })).payload as unknown[]).length, 1);

      // Every refused request reached the robot once (none retried) and none changed it.
      const writes = robot.stats.requests.filter((r) => r.method !== 'GET').slice(writesBefore);
      assert.deepEqual(writes.map((r) => r.status), [403, 403, 403, 403, 403, 403], JSON.stringify(writes.map((r) => `${r.method} ${r.path}`)));
      const check = clientOf(robot);
      try {
        assert.equal((await check.listProtocols()).length, 1, 'no protocol added');
        assert.deepEqual((await check.listRuns()).data.map((r) => [r.id, r.status]), [[runId, 'idle']], 'no run added or played');
        assert.equal((await check.getLights()).on, false);
      } finally {
        await check.close();
      }
    });

    it('with the token in the config node: every node works', async function () {
      await deploy(TOKEN);
      const home = await works('cmd', { commandType: 'home', params: {} });
      assert.equal((home.payload as { status: string }).status, 'succeeded');
      const uploaded = await works('up', { payload: protocolFile('deck-flex.json'), filename: 'deck-flex.json' });
      const protocolId = uploaded.protocolId as string;
      assert.ok(protocolId);
      const created = await works('run', { protocolId });
      const runId = created.runId as string;
      assert.ok(runId);
      const status = await works('st', { runId });
      assert.equal(status.topic, 'idle');
      // stop watching: the status node answers a stop with no msg
      getNode('st').receive({ action: 'stop' } as never);
      await works('run', { action: 'play', runId });
      await works('run', { action: 'stop', runId });
      const fixtures = (await works('hw', { action: 'deck-configuration' })).payload as { cutoutFixtures: unknown };
      await works('hw', { action: 'set-deck-configuration', payload: fixtures });
      const lights = await works('rq', { method: 'POST', path: '/robot/lights', payload: { on: true } });
      assert.deepEqual([lights.statusCode, (lights.payload as { on: boolean }).on], [200, true]);
      const deck = await works('dk', { protocolId });
      assert.match(String(deck.payload), /^<svg/);
      const writes = robot.stats.requests.filter((r) => r.method !== 'GET');
      assert.ok(writes.length >= 6, `${writes.length} writes`);
      assert.ok(writes.every((r) => r.status !== 403), JSON.stringify(writes.map((r) => `${r.method} ${r.path} ${r.status}`)));
    });

    it('the config node\'s simulated robot requires its token with Access control on, and refuses the setting without a token', async function () {
      await loadFlow(
        [
          { id: 'tab', type: 'tab', label: 'simulated' },
          { id: 'sim', type: 'opentrons-robot', simulate: true, model: 'Flex', requireToken: true, notifications: 'off' },
          { id: 'none', type: 'opentrons-robot', simulate: true, model: 'Flex', requireToken: true, notifications: 'off' },
        ],
        { types: ['opentrons-robot'], credentials: { sim: { token: TOKEN } } },
      );
      const sim = getNode<RobotConfigNode>('sim');
      const client = await sim.ready();
      assert.ok(sim.simulatedRobot);
      const url = sim.simulatedRobot.url;
      const post = (headers: Record<string, string>): Promise<Response> =>
        fetch(`${url}/robot/lights`, { method: 'POST', headers: { 'opentrons-version': '3', 'content-type': 'application/json', ...headers }, body: '{"on":true}' });
      assert.equal((await post({})).status, 403);
      assert.equal((await post({ authorization: `Bearer ${TOKEN}` })).status, 200);
      assert.deepEqual(await client.setLights(false), { on: false }, 'the config node\'s own client sends the token');
      const none = getNode<RobotConfigNode>('none');
      assert.match(none.configError ?? '', /Access control is on but no token is set: set the token in this opentrons-robot config node, or turn Access control off/);
      await assert.rejects(none.ready(), /Access control is on but no token is set/);
    });
  });
});
