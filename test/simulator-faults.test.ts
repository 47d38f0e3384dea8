// Simulator fault injection (down/up/restart, 5xx, slow, dropped, malformed) and the request/connection counters.
import { strict as assert } from 'node:assert';
import { Agent, request } from 'undici';
import { SimulatedRobot, startSimulator } from '../nodes/lib/simulator';
import { call, waitStatus } from './simulator-util';

describe('simulator: fault injection', () => {
  let robot: SimulatedRobot;
  beforeEach(async () => {
    robot = await startSimulator({ speed: 100, commandMs: 20 });
  });
  afterEach(async () => {
    await robot.stop();
  });

  it('failNext answers the next matching request with a 5xx error envelope, then behaves again', async () => {
    robot.faults.failNext({ method: 'GET', path: '/runs' });
    const other = await call(robot, 'GET', '/health');
    assert.equal(other.status, 200, 'a request that does not match is untouched');
    const r = await call(robot, 'GET', '/runs');
    assert.equal(r.status, 500);
    assert.equal(r.body.errors[0].id, 'UnexpectedError');
    assert.equal((await call(robot, 'GET', '/runs')).status, 200);
  });

  it('failNext with a status, a RegExp path and a count', async () => {
    robot.faults.failNext({ path: /^\/runs/, status: 503, count: 2 });
    assert.equal((await call(robot, 'GET', '/runs')).status, 503);
    assert.equal((await call(robot, 'POST', '/runs', { data: {} })).status, 503);
    assert.equal((await call(robot, 'GET', '/runs')).status, 200);
  });

  it('slowNext delays the answer by delayMs', async () => {
    robot.faults.slowNext({ path: '/health', delayMs: 120 });
    const t0 = Date.now();
    const r = await call(robot, 'GET', '/health');
    assert.equal(r.status, 200);
    assert.ok(Date.now() - t0 >= 110, `took ${Date.now() - t0} ms`);
    const t1 = Date.now();
    await call(robot, 'GET', '/health');
    assert.ok(Date.now() - t1 < 100);
  });

  it('dropNext destroys the socket mid-response: the client gets a transport error', async () => {
    robot.faults.dropNext({ path: '/runs' });
    await assert.rejects(call(robot, 'GET', '/runs'));
    assert.equal((await call(robot, 'GET', '/runs')).status, 200);
  });

  it('malformedNext sends a body that is not valid JSON (custom body too)', async () => {
    robot.faults.malformedNext({ path: '/health' });
    const r = await call(robot, 'GET', '/health');
    assert.equal(r.status, 200);
    assert.throws(() => JSON.parse(r.text));
    robot.faults.malformedNext({ path: '/health', body: '<html>oops</html>' });
    assert.equal((await call(robot, 'GET', '/health')).text, '<html>oops</html>');
  });

  it('clear drops pending faults', async () => {
    robot.faults.failNext({ path: '/health', count: 5 });
    robot.faults.clear();
    assert.equal((await call(robot, 'GET', '/health')).status, 200);
  });

  it('down refuses connections; up accepts again on the same port with state kept and no current run', async () => {
    const port = robot.port;
    await call(robot, 'POST', '/commands?waitUntilComplete=true', { data: { commandType: 'home', params: {} } });
    const idle = String((await call(robot, 'POST', '/runs', { data: {} })).body.data.id);
    await robot.faults.down();
    // a pooled keep-alive socket may first report "other side closed"; a fresh connection is refused
    await assert.rejects(call(robot, 'GET', '/health'));
    await assert.rejects(call(robot, 'GET', '/health'), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
    await robot.faults.up();
    assert.equal(robot.port, port);
    const run = await call(robot, 'GET', `/runs/${idle}`);
    assert.equal(run.status, 200, 'runs survive a restart');
    assert.equal(run.body.data.current, false);
    assert.equal(run.body.data.status, 'stopped');
    const list = await call(robot, 'GET', '/runs?pageLength=0');
    assert.deepEqual(list.body.links, {});
    assert.equal((await call(robot, 'GET', '/commands')).body.meta.totalLength, 0, 'the stateless list is since boot');
  });

  it('restart stops a running run as the robot would report it; a new run can be created right away', async () => {
    const id = String((await call(robot, 'POST', '/runs', { data: {} })).body.data.id);
    await call(robot, 'POST', `/runs/${id}/commands`, { data: { commandType: 'waitForDuration', intent: 'protocol', params: { seconds: 30 } } });
    await call(robot, 'POST', `/runs/${id}/actions`, { data: { actionType: 'play' } });
    await waitStatus(robot, id, 'running');
    await robot.faults.restart(20);
    const run = await call(robot, 'GET', `/runs/${id}`);
    assert.equal(run.body.data.status, 'stopped');
    assert.equal(run.body.data.current, false);
    assert.equal((await call(robot, 'POST', '/runs', { data: {} })).status, 201);
    assert.equal((await call(robot, 'POST', `/runs/${id}/actions`, { data: { actionType: 'play' } })).body.errors[0].id, 'RunStopped');
  });

  it('a restart brings the boot phase back when bootMs is set', async () => {
    const booting = await startSimulator({ bootMs: 80 });
    try {
      await new Promise((r) => setTimeout(r, 100));
      assert.equal((await call(booting, 'GET', '/health')).status, 200);
      await booting.faults.restart();
      assert.equal((await call(booting, 'GET', '/health')).status, 503);
    } finally {
      await booting.stop();
    }
  });
});

describe('simulator: counters', () => {
  let robot: SimulatedRobot;
  beforeEach(async () => {
    robot = await startSimulator({ speed: 100 });
  });
  afterEach(async () => {
    await robot.stop();
  });

  it('records every request in order with its status; count filters by method and path', async () => {
    await call(robot, 'GET', '/health');
    await call(robot, 'GET', '/runs', undefined, {});
    await call(robot, 'POST', '/runs', { data: {} });
    assert.deepEqual(robot.stats.requests, [
      { method: 'GET', path: '/health', status: 200 },
      { method: 'GET', path: '/runs', status: 422 },
      { method: 'POST', path: '/runs', status: 201 },
    ]);
    assert.equal(robot.stats.count(), 3);
    assert.equal(robot.stats.count('GET'), 2);
    assert.equal(robot.stats.count(undefined, '/runs'), 2);
    assert.equal(robot.stats.count('POST', /^\/runs$/), 1);
    robot.stats.reset();
    assert.equal(robot.stats.count(), 0);
    assert.equal(robot.stats.connectionsOpened, 0);
  });

  it('counts TCP connections: a keep-alive pool reuses one, a new agent opens another', async () => {
    robot.stats.reset();
    const a = new Agent({ connections: 1 });
    const b = new Agent({ connections: 1 });
    try {
      for (let i = 0; i < 3; i++) {
        const r = await request(`${robot.url}/health`, { headers: { 'opentrons-version': '3' }, dispatcher: a });
        await r.body.text();
      }
      assert.equal(robot.stats.connectionsOpened, 1);
      assert.equal(robot.stats.openConnections(), 1);
      const r = await request(`${robot.url}/health`, { headers: { 'opentrons-version': '3' }, dispatcher: b });
      await r.body.text();
      assert.equal(robot.stats.connectionsOpened, 2);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('simulator: stop', () => {
  it('stop() closes the listener, every socket and every timer, even with a run in progress and a request waiting', async () => {
    const count = (): Record<string, number> => {
      const c: Record<string, number> = {};
      for (const r of process.getActiveResourcesInfo()) c[r] = (c[r] ?? 0) + 1;
      return c;
    };
    await new Promise((r) => setImmediate(r));
    const before = count();
    const robot = await startSimulator({ speed: 1, commandMs: 5000 });
    const id = String((await call(robot, 'POST', '/runs', { data: {} })).body.data.id);
    await call(robot, 'POST', `/runs/${id}/commands`, { data: { commandType: 'waitForDuration', intent: 'protocol', params: { seconds: 60 } } });
    await call(robot, 'POST', `/runs/${id}/actions`, { data: { actionType: 'play' } });
    const waiting = call(robot, 'POST', `/runs/${id}/commands?waitUntilComplete=true`, { data: { commandType: 'comment', intent: 'protocol', params: { message: 'never' } } }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 20));
    await robot.stop();
    await waiting;
    await new Promise((r) => setTimeout(r, 20));
    const after = count();
    assert.equal(after.Timeout ?? 0, before.Timeout ?? 0, 'timers');
    assert.equal(after.TCPServerWrap ?? 0, before.TCPServerWrap ?? 0, 'listeners');
    assert.equal(robot.stats.openConnections(), 0);
    await assert.rejects(call(robot, 'GET', '/health'));
  });
});
