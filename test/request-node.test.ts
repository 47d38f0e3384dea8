// opentrons-request in Node-RED against the simulated robot over real HTTP: GET / POST / DELETE, path
// placeholders, msg.query, robot errors reaching Catch with the error contract, no retry of a POST
// after a dropped connection (counted at the simulator), bad input refused before any request, the
// version header and token on the wire, and the editor's path suggestions (admin endpoint).
import assert from 'node:assert/strict';
import { SimulatedRobot } from '../nodes/lib/simulator';
import { resolvePath } from '../nodes/lib/request-input';
import { json, startLoopback, healthBody, type LoopbackServer } from './helpers/loopback';
import { getNode, helper, loadFlow, unloadFlow } from './helpers/nodered';
import { CORE, deployRig, errorOf, until, type Msg, type Rig } from './reliability/rig';

/** Sends msg and waits until it ended (output + completion, or a caught error). */
async function once(rig: Rig, msg: Msg): Promise<{ out?: Msg; caught?: Msg }> {
  const o = rig.out.length;
  const c = rig.caught.length;
  const d = rig.completed.length;
  rig.send(msg);
  await until(() => rig.caught.length > c || rig.completed.length > d, 8000, 'the msg did not end');
  return { out: rig.out[o], caught: rig.caught[c] };
}

async function ok(rig: Rig, msg: Msg): Promise<Msg> {
  const r = await once(rig, msg);
  assert.ok(!r.caught, `expected success, got ${errorOf(r.caught ?? {}).message}`);
  assert.ok(r.out, 'no output');
  return r.out;
}

async function refused(rig: Rig, msg: Msg): Promise<{ caught: Msg; message: string; code?: string }> {
  const r = await once(rig, msg);
  assert.ok(r.caught, `expected an error, got ${String(JSON.stringify(r.out?.payload)).slice(0, 200)}`);
  const e = errorOf(r.caught);
  return { caught: r.caught, message: e.message, code: e.code };
}

describe('opentrons-request: path templates (pure)', function () {
  it('fills {name} from the msg, URL-encoded, and refuses paths that could leave the robot', function () {
    assert.equal(resolvePath('/runs/{runId}/commands/{commandId}', { runId: 'a b', commandId: 7 }), '/runs/a%20b/commands/7');
    // The robot's server decodes %2F before routing, so an encoded slash could reach another endpoint.
    assert.throws(() => resolvePath('/runs/{runId}', { runId: '../health' }), /encoded slashes/);
    const bad: Array<[string, object, RegExp]> = [
      ['http://evil.example/runs', {}, /not a URL/],
      ['//evil.example/runs', {}, /not a URL/],
      ['runs', {}, /not a URL/],
      ['/runs/../health', {}, /"\." or "\.\."/],
      ['/runs/%2e%2e/health', {}, /"\." or "\.\."/],
      ['/runs/{runId}', { runId: '..' }, /not "\." or "\.\."/],
      ['/runs/{runId}', {}, /needs msg\.runId/],
      ['/runs/{runId}', { runId: { id: 1 } }, /string or number/],
      ['/runs?pageLength=1', {}, /msg\.query/],
      ['/runs/{runId}', Object.create({ runId: 'inherited' }) as object, /needs msg\.runId/],
      ['/runs\\x', {}, /backslashes/],
      ['/runs/{run-id}', {}, /not a name/],
    ];
    for (const [path, msg, re] of bad) assert.throws(() => resolvePath(path, msg), re, path);
  });
});

describe('opentrons-request node', function () {
  this.timeout(30_000);
  let sim: SimulatedRobot;
  let rig: Rig | undefined;

  beforeEach(async function () {
    sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, speed: 100, commandMs: 20, analysisMs: 0 });
  });
  afterEach(async function () {
    await rig?.close();
    rig = undefined;
    await sim.stop();
  });

  it('GET with a {runId} placeholder and msg.query: the whole answer, statusCode and headers; msg kept, request properties used up', async function () {
    rig = await deployRig({ type: 'opentrons-request', props: { method: 'GET', path: '/runs/{runId}/commands' }, sim });
    const run = await rig.client.createRun({});
    await rig.client.createRunCommand(run.id, { commandType: 'home', params: {}, intent: 'setup' }, { waitUntilComplete: true });
    const out = await ok(rig, { runId: run.id, query: { cursor: 0, pageLength: 1 }, topic: 'kept' });
    const body = out.payload as { data: Array<{ commandType: string }>; meta: { cursor: number; totalLength: number } };
    assert.equal(out.statusCode, 200);
    assert.equal(body.data.length, 1);
    assert.equal(body.data[0].commandType, 'home');
    assert.deepEqual(body.meta, { cursor: 0, totalLength: 1 });
    assert.match(String((out.headers as Record<string, string>)['content-type']), /application\/json/);
    assert.equal(out.topic, 'kept');
    assert.equal(out.runId, run.id);
    assert.equal('query' in out, false);
    const seen = sim.stats.requests.filter((r) => r.path === `/runs/${run.id}/commands` && r.method === 'GET');
    assert.equal(seen.length, 1);
  });

  it('POST (msg.method, msg.path, msg.payload as the body) then DELETE, and a text answer comes back as text', async function () {
    rig = await deployRig({ type: 'opentrons-request', props: { method: 'GET', path: '/health' }, sim });
    const created = await ok(rig, { method: 'post', path: '/runs', payload: { data: {} } });
    assert.equal(created.statusCode, 201);
    const runId = (created.payload as { data: { id: string; status: string } }).data.id;
    assert.equal((created.payload as { data: { status: string } }).data.status, 'idle');
    assert.equal('method' in created, false, 'msg.method is used up');
    assert.equal('path' in created, false, 'msg.path is used up');
    const deleted = await ok(rig, { method: 'DELETE', path: '/runs/{runId}', runId, payload: 'ignored for DELETE' });
    assert.equal(deleted.statusCode, 200);
    assert.deepEqual(deleted.payload, {});
    assert.equal(sim.stats.count('DELETE', `/runs/${runId}`), 1);
    const log = await ok(rig, { path: '/logs/api.log' });
    assert.equal(typeof log.payload, 'string');
    assert.match(String(log.payload), /no api\.log is kept/);
  });

  it('a 404 and a 409 reach Catch with the error contract: code, statusCode, robotError; red status', async function () {
    rig = await deployRig({ type: 'opentrons-request', props: { method: 'GET', path: '/runs/{runId}' }, sim });
    const missing = await refused(rig, { runId: 'no-such-run' });
    assert.equal(missing.code, 'RunNotFound');
    assert.equal(missing.caught.statusCode, 404);
    assert.equal((missing.caught.robotError as { id: string }).id, 'RunNotFound');
    assert.match(missing.message, /HTTP 404 RunNotFound, GET \/runs\/no-such-run/);
    assert.match(rig.lastStatus(), /RunNotFound/);

    const run = await rig.client.createRun({});
    const conflict = await refused(rig, { method: 'POST', path: '/runs/{runId}/actions', runId: run.id, payload: { data: { actionType: 'pause' } } });
    assert.equal(conflict.code, 'RunActionNotAllowed');
    assert.equal(conflict.caught.statusCode, 409);
    assert.equal((conflict.caught.robotError as { errorCode: string }).errorCode, '3000');
    const ok200 = await ok(rig, { runId: run.id });
    assert.equal(ok200.statusCode, 200);
    assert.doesNotMatch(rig.lastStatus(), /RunActionNotAllowed/, 'the status recovers on the next success');
  });

  it('a POST whose connection drops is sent once and reported; a GET in the same situation is tried again', async function () {
    rig = await deployRig({ type: 'opentrons-request', props: { method: 'POST', path: '/runs' }, sim });
    sim.faults.dropNext({ method: 'POST', path: '/runs' });
    const dropped = await refused(rig, { payload: { data: {} } });
    assert.ok(['ECONNRESET', 'EBADRESPONSE'].includes(String(dropped.code)), `code ${dropped.code}: ${dropped.message}`);
    assert.equal(sim.stats.count('POST', '/runs'), 1, 'the POST was repeated');

    sim.faults.dropNext({ method: 'GET', path: '/runs' });
    const got = await ok(rig, { method: 'GET' });
    assert.equal(got.statusCode, 200);
    assert.equal(sim.stats.count('GET', '/runs'), 2, 'the GET was tried twice');
  });

  it('a redeploy aborts a request in flight at once: the msg ends quietly and no connection stays open', async function () {
    rig = await deployRig({ type: 'opentrons-request', props: { method: 'GET', path: '/runs' }, sim });
    sim.faults.slowNext({ method: 'GET', path: '/runs', delayMs: 10_000 });
    rig.send({});
    await until(() => sim.stats.count('GET', '/runs') === 1, 5000, 'the request did not reach the robot');
    const started = Date.now();
    await rig.close();
    assert.ok(Date.now() - started < 3000, `close took ${Date.now() - started} ms`);
    assert.equal(rig.caught.length + rig.out.length, 0, 'a msg cut short by a redeploy goes nowhere');
    await until(() => sim.stats.openConnections() === 0, 3000, 'a connection to the robot stayed open');
  });

  it('bad input is refused with InvalidInput and sends nothing', async function () {
    rig = await deployRig({ type: 'opentrons-request', props: { method: 'GET', path: '' }, sim });
    await until(() => sim.stats.count('GET', '/health') >= 1, 3000, 'deploy-time version check');
    const mark = rig.mark();
    const cases: Array<[Msg, RegExp]> = [
      [{ path: '/health', method: 'TRACE' }, /method must be one of GET, POST, PUT, PATCH, DELETE/],
      [{ path: '/health', method: 42 }, /method must be/],
      [{ path: 'http://127.0.0.1:9/health' }, /not a URL/],
      [{ path: '//127.0.0.1:9/health' }, /not a URL/],
      [{ path: '/runs/../health' }, /"\." or "\.\."/],
      [{ path: '/runs/{runId}/commands' }, /needs msg\.runId/],
      [{ path: '/runs/{runId}', runId: ['a'] }, /string or number/],
      [{}, /path is required/],
      [{ path: '/runs', method: 'POST', payload: 'not json' }, /not JSON/],
      [{ path: '/runs', method: 'POST', payload: 12 }, /JSON body/],
      [{ path: '/runs', query: 'pageLength=1' }, /msg\.query must be an object/],
      [{ path: '/runs', query: { pageLength: { n: 1 } } }, /msg\.query\.pageLength/],
    ];
    for (const [msg, re] of cases) {
      const r = await refused(rig, msg);
      assert.equal(r.code, 'InvalidInput', `${JSON.stringify(msg)}: ${r.message}`);
      assert.match(r.message, re);
    }
    assert.equal(rig.mark() - mark, 0, 'a refused msg reached the robot');
  });
});

describe('opentrons-request: on the wire and in the editor', function () {
  this.timeout(30_000);
  let robot: LoopbackServer | undefined;
  let sim: SimulatedRobot | undefined;
  afterEach(async function () {
    await unloadFlow();
    await robot?.close();
    await sim?.stop();
    robot = undefined;
    sim = undefined;
  });

  it('sends the config node\'s Opentrons-Version header and bearer token, and the body as given', async function () {
    robot = await startLoopback((req, res) => (req.url === '/health' ? json(res, 200, healthBody()) : json(res, 200, { data: { echoed: true } })));
    await loadFlow(
      [
        { id: 'r', type: 'opentrons-robot', host: '127.0.0.1', port: robot.port, apiVersion: '4', timeout: 2, notifications: 'off' },
        { id: 'n', type: 'opentrons-request', robot: 'r', method: 'PUT', path: '/robot/settings/{name}', wires: [['out']] },
        { id: 'out', type: 'helper' },
      ],
      { types: ['opentrons-robot', 'opentrons-request'], credentials: { r: { token: 'tok-123' } }, extraNodes: CORE },
    );
    const out = new Promise<Msg>((resolve) => getNode('out').once('input', (m: Msg) => resolve(m)));
    getNode('n').receive({ name: 'x y', payload: { data: { value: true } } } as never);
    const m = await out;
    assert.deepEqual(m.payload, { data: { echoed: true } });
    const put = robot.requests.find((r) => r.method === 'PUT');
    assert.ok(put, 'the robot got the PUT');
    assert.equal(put.url, '/robot/settings/x%20y');
    assert.equal(put.headers['opentrons-version'], '4');
    assert.equal(put.headers.authorization, 'Bearer tok-123');
    assert.deepEqual(JSON.parse(put.body.toString('utf8')), { data: { value: true } });
  });

  it('path suggestions: the deployed robot\'s /openapi.json, else the list shipped with the package', async function () {
    sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'Flex' });
    await loadFlow(
      [
        { id: 'r', type: 'opentrons-robot', host: '127.0.0.1', port: sim.port, apiVersion: '3', timeout: 2, notifications: 'off' },
        { id: 'n', type: 'opentrons-request', robot: 'r', wires: [[]] },
      ],
      { types: ['opentrons-robot', 'opentrons-request'] },
    );
    type Answer = { source: string; reason?: string; paths: Array<{ method: string; path: string; summary: string }> };
    const get = async (path: string): Promise<Answer> => {
      const res = await helper.request().get(path);
      assert.equal(res.status, 200, res.text);
      return res.body as Answer;
    };
    const fromRobot = await get('/opentrons-request/paths?robot=r');
    assert.equal(fromRobot.source, 'robot', fromRobot.reason);
    assert.ok(fromRobot.paths.some((p) => p.method === 'PUT' && p.path === '/runs/{runId}/errorRecoveryPolicy'));
    assert.ok(fromRobot.paths.some((p) => p.method === 'POST' && p.path === '/simulator/faults/commands'), 'the simulator lists its own route');
    const shipped = await get('/opentrons-request/paths');
    assert.equal(shipped.source, 'package');
    assert.equal(shipped.paths.length, 106, 'robot-server 8.1.0 has 106 endpoints');
    assert.ok(shipped.paths.some((p) => p.method === 'GET' && p.path === '/runs/{runId}/commandErrors' && p.summary.length > 0));
    await sim.faults.down();
    const down = await get('/opentrons-request/paths?robot=r');
    assert.equal(down.source, 'package');
    assert.match(String(down.reason), /could not be read/);
  });
});
