// The "Test connection" admin endpoint, in a real Node-RED with adminAuth (child process), and the
// stored-token and deployed-simulator paths through the test helper.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimulatedRobot } from '../nodes/lib/simulator';
import type { RobotConfigNode } from '../nodes/lib/node-support';
import { ADMIN_AUTH_SETTINGS, NodeRedProcess, startNodeRed } from './helpers/nodered-process';
import { getNode, helper, loadFlow, unloadFlow } from './helpers/nodered';
import { LoopbackServer, json, startLoopback } from './helpers/loopback';

interface TestAnswer {
  ok: boolean;
  note?: string;
  code?: string;
  reason?: string;
  url?: string;
  name?: string;
  model?: string;
  softwareVersion?: string;
  apiVersion?: { requested: string; effective?: number; minimum?: number; supported: boolean };
}

describe('admin endpoint POST /opentrons-robot/test (Node-RED with adminAuth)', function () {
  this.timeout(60_000);
  let red: NodeRedProcess;
  let sim: SimulatedRobot;
  let other: LoopbackServer;

  before(async function () {
    [red, sim, other] = await Promise.all([
      startNodeRed({ settings: ADMIN_AUTH_SETTINGS }),
      SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'Flex', name: 'sim-flex' }),
      startLoopback(),
    ]);
  });
  after(async function () {
    await Promise.all([red?.stop(), sim?.stop(), other?.close()]);
  });

  async function post(body: unknown, token?: string): Promise<{ status: number; body: TestAnswer }> {
    const res = await fetch(`${red.url}/opentrons-robot/test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text.startsWith('{') ? JSON.parse(text) : {}) as TestAnswer };
  }

  it('refuses a request without a token, and a token lacking write permission, and contacts no robot', async function () {
    const typed = { host: '127.0.0.1', port: sim.port, apiVersion: '3' };
    const before = sim.stats.count('GET', '/health');
    assert.equal((await post(typed)).status, 401);
    assert.equal((await post(typed, 'not-a-token')).status, 401);
    // The read-only token is valid (it may read the flows) …
    assert.equal((await fetch(`${red.url}/flows`, { headers: { authorization: 'Bearer read-token' } })).status, 200);
    // … but lacks opentrons-robot.write: Node-RED 4.1's needsPermission answers a permission failure with 401 too.
    const denied = (await post(typed, 'read-token')).status;
    assert.ok(denied === 401 || denied === 403, `status ${denied}`);
    assert.equal(sim.stats.count('GET', '/health'), before);
  });

  it('returns the robot\'s name, model, software and API version for the host typed in the dialog', async function () {
    const before = sim.stats.count('GET', '/health');
    const { status, body } = await post({ host: `127.0.0.1:${sim.port}`, port: String(sim.port), apiVersion: '3', timeout: '5' }, 'admin-token');
    assert.equal(status, 200);
    assert.equal(body.ok, true, JSON.stringify(body));
    assert.equal(body.name, 'sim-flex');
    assert.equal(body.model, 'Flex');
    assert.match(body.softwareVersion ?? '', /^\d+\.\d+\.\d+/);
    assert.equal(body.url, `http://127.0.0.1:${sim.port}`);
    assert.equal(body.apiVersion?.requested, '3');
    assert.equal(body.apiVersion?.supported, true);
    assert.equal(sim.stats.count('GET', '/health'), before + 1);
  });

  it('says why it failed: refused, timed out, not an Opentrons robot, header rejected, bad config', async function () {
    const closed = await startLoopback();
    const closedPort = closed.port;
    await closed.close();
    const refused = (await post({ host: '127.0.0.1', port: closedPort }, 'admin-token')).body;
    assert.deepEqual([refused.ok, refused.code], [false, 'refused']);
    assert.match(refused.reason ?? '', /connection refused/);

    other.handle(() => undefined);
    const slow = (await post({ host: '127.0.0.1', port: other.port, timeout: '0.3' }, 'admin-token')).body;
    assert.deepEqual([slow.ok, slow.code], [false, 'timeout']);
    assert.match(slow.reason ?? '', /did not answer GET \/health within 300 ms/);

    other.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><title>Router login</title></html>');
    });
    const html = (await post({ host: '127.0.0.1', port: other.port }, 'admin-token')).body;
    assert.deepEqual([html.ok, html.code], [false, 'not-a-robot']);
    assert.match(html.reason ?? '', /not an Opentrons robot/);

    other.handle((_req, res) => json(res, 200, { status: 'UP' }));
    assert.equal((await post({ host: '127.0.0.1', port: other.port }, 'admin-token')).body.code, 'not-a-robot');

    other.handle((_req, res) => json(res, 422, { message: 'header.opentrons-version: value is not a valid integer', errorCode: '4000' }));
    const header = (await post({ host: '127.0.0.1', port: other.port, apiVersion: '5' }, 'admin-token')).body;
    assert.deepEqual([header.ok, header.code], [false, 'header-rejected']);
    assert.match(header.reason ?? '', /rejected Opentrons-Version "5"/);

    const bad = (await post({ host: 'http://robot/path' }, 'admin-token')).body;
    assert.deepEqual([bad.ok, bad.code], [false, 'config']);
    const conflict = (await post({ host: `127.0.0.1:${other.port}`, port: '31950' }, 'admin-token')).body;
    assert.deepEqual([conflict.ok, conflict.code], [false, 'config']);
    assert.match(conflict.reason ?? '', new RegExp(`names port ${other.port} but the port field says 31950: set the port field to ${other.port}, or take ":${other.port}" off the host`));
    const badVersion = (await post({ host: '127.0.0.1', apiVersion: '1' }, 'admin-token')).body;
    assert.deepEqual([badVersion.ok, badVersion.code], [false, 'config']);
  });

  it('tests a simulated robot of the chosen model before any deploy', async function () {
    const { body } = await post({ simulate: true, model: 'OT-2', host: '' }, 'admin-token');
    assert.equal(body.ok, true, JSON.stringify(body));
    assert.equal(body.model, 'OT-2');
  });

  it('keeps a deployed token out of the flows API and flows.json; __PWRD__ sends the stored one only to the deployed robot\'s scheme, host and port', async function () {
    const flows = [
      { id: 'tab1', type: 'tab', label: 'Flow 1' },
      { id: 'r1', type: 'opentrons-robot', host: '127.0.0.1', port: other.port, apiVersion: '3', notifications: 'off', credentials: { token: 'labwire-s3cret' } },
    ];
    const seen: Array<string | undefined> = [];
    other.handle((req, res) => {
      seen.push(req.headers.authorization);
      json(res, 200, { name: 'tok-robot', robot_model: 'OT-2 Standard', api_version: '8.1.0' });
    });
    const deploy = await fetch(`${red.url}/flows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer admin-token', 'node-red-deployment-type': 'full' },
      body: JSON.stringify(flows),
    });
    assert.ok(deploy.ok, `${deploy.status} ${await deploy.text()}`);

    const exported = await (await fetch(`${red.url}/flows`, { headers: { authorization: 'Bearer admin-token' } })).text();
    assert.ok(exported.includes('"r1"'));
    assert.ok(!exported.includes('labwire-s3cret'), 'token in GET /flows');
    const creds = await (await fetch(`${red.url}/credentials/opentrons-robot/r1`, { headers: { authorization: 'Bearer admin-token' } })).json();
    assert.deepEqual(creds, { has_token: true });
    assert.ok(!readFileSync(join(red.userDir, 'flows.json'), 'utf8').includes('labwire-s3cret'), 'token in flows.json');
    assert.ok(!readFileSync(join(red.userDir, 'flows_cred.json'), 'utf8').includes('labwire-s3cret'), 'flows_cred.json not encrypted');

    // The deployed node checks the API version once at start; when depends on the Node-RED line (after
    // the deploy answer on 5), so wait for it here and keep it out of the endpoint's requests below.
    for (const until = Date.now() + 5_000; seen.length === 0 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(seen.splice(0), ['Bearer labwire-s3cret'], 'the deployed node checks the robot once with its stored token');
    const { body } = await post({ id: 'r1', host: '127.0.0.1', port: other.port, token: '__PWRD__' }, 'admin-token');
    assert.equal(body.ok, true, JSON.stringify(body));
    const typed = await post({ id: 'r1', host: '127.0.0.1', port: other.port, token: 'typed-token' }, 'admin-token');
    assert.equal(typed.body.ok, true);
    assert.deepEqual(seen, ['Bearer labwire-s3cret', 'Bearer typed-token']);
    assert.equal(body.note, undefined, 'no note when the stored token went to its own robot');

    // The same placeholder for any other address: the stored token must never leave for it.
    const stranger = await startLoopback((_req, res) => json(res, 200, { name: 'not-the-robot', robot_model: 'OT-2 Standard', api_version: '8.1.0' }));
    try {
      const elsewhere = await post({ id: 'r1', host: '127.0.0.1', port: stranger.port, token: '__PWRD__' }, 'admin-token');
      assert.equal(elsewhere.body.ok, true, JSON.stringify(elsewhere.body));
      assert.match(
        elsewhere.body.note ?? '',
        new RegExp(`tested without the stored token: it is sent only to the deployed robot address http://127\\.0\\.0\\.1:${other.port}, not to http://127\\.0\\.0\\.1:${stranger.port}`),
      );
      // the port written into the host instead of the port field is the same address: parsed alike
      const sameInHost = await post({ id: 'r1', host: `http://127.0.0.1:${stranger.port}/`, port: '', token: '__PWRD__' }, 'admin-token');
      assert.match(sameInHost.body.note ?? '', /without the stored token/);
      // an undeployed id has no stored address: nothing is sent with a token
      const unknown = await post({ id: 'not-deployed', host: '127.0.0.1', port: stranger.port, token: '__PWRD__' }, 'admin-token');
      assert.match(unknown.body.note ?? '', /without the stored token: it is used only with the deployed robot address; deploy first/);
      assert.equal(stranger.requests.length, 3);
      for (const r of stranger.requests) {
        assert.ok(!JSON.stringify(r.headers).includes('labwire-s3cret'), `${r.method} ${r.url} carried the stored token`);
        assert.equal(r.headers.authorization, undefined, `${r.method} ${r.url} carried ${String(r.headers.authorization)}`);
      }
    } finally {
      await stranger.close();
    }
    // Same host and port but https: another scheme is another server (the TLS hello never reaches a handler).
    const tls = await post({ id: 'r1', host: '127.0.0.1', port: other.port, https: true, token: '__PWRD__', timeout: '2' }, 'admin-token');
    assert.equal(tls.body.ok, false);
    assert.match(tls.body.note ?? '', new RegExp(`not to https://127\\.0\\.0\\.1:${other.port}`));
    assert.deepEqual(seen, ['Bearer labwire-s3cret', 'Bearer typed-token'], 'nothing more reached the stored robot');
    assert.ok(!JSON.stringify(tls.body).includes('labwire-s3cret'));
  });

  it('registers every node type of the package and serves the config node\'s editor', async function () {
    const list = (await (await fetch(`${red.url}/nodes`, { headers: { accept: 'application/json', authorization: 'Bearer admin-token' } })).json()) as Array<{
      module: string;
      types: string[];
      enabled: boolean;
      err?: string;
    }>;
    const ours = list.filter((s) => s.module === '@labwire/node-red-opentrons');
    const types = ours.flatMap((s) => s.types).sort();
    const expected = Object.keys((JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { 'node-red': { nodes: object } })['node-red'].nodes).sort();
    assert.deepEqual(types, expected, JSON.stringify(ours));
    for (const s of ours) assert.equal(s.err, undefined, `${s.types.join()}: ${s.err}`);
    const editor = await (await fetch(`${red.url}/nodes`, { headers: { accept: 'text/html', authorization: 'Bearer admin-token' } })).text();
    assert.match(editor, /data-template-name="opentrons-robot"/);
    assert.match(editor, /RED\.nodes\.registerType\('opentrons-robot'/);
    const icon = await fetch(`${red.url}/icons/@labwire/node-red-opentrons/opentrons-robot.svg`, { headers: { authorization: 'Bearer admin-token' } });
    assert.equal(icon.status, 200);
    assert.match(await icon.text(), /viewBox="0 0 40 60"/);
  });
});

describe('admin endpoint with deployed config nodes (test helper)', function () {
  afterEach(async function () {
    await unloadFlow();
  });

  it('answers from the running simulated robot of a deployed simulate config node', async function () {
    await loadFlow([{ id: 'sim', type: 'opentrons-robot', simulate: true, model: 'Flex' }], { types: ['opentrons-robot'] });
    const client = await getNode<RobotConfigNode>('sim').ready();
    const res = await helper.request().post('/opentrons-robot/test').send({ id: 'sim', simulate: true, model: 'OT-2' });
    const body = res.body as TestAnswer;
    assert.equal(res.status, 200);
    assert.equal(body.ok, true, JSON.stringify(body));
    assert.equal(body.url, client.baseUrl);
    assert.equal(body.model, 'Flex', 'the deployed robot answered, not a new one');
  });
});
