// RobotClient against a loopback HTTP server this test starts: what goes on the wire, and how every
// kind of failure comes back as an error value (never an unhandled rejection — see test/setup/guard).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RobotClient } from '../nodes/lib/client';
import {
  RequestAbortedError,
  RobotError,
  RobotResponseError,
  RobotTimeoutError,
  RobotUnreachableError,
} from '../nodes/lib/errors';
import { LoopbackServer, healthBody, json, startLoopback } from './helpers/loopback';

function hang(res: ServerResponse): void {
  // Never answers; the socket is destroyed when the server closes.
  res.on('close', () => undefined);
}

describe('RobotClient', function () {
  let server: LoopbackServer;
  let client: RobotClient;

  beforeEach(async function () {
    server = await startLoopback();
  });
  afterEach(async function () {
    await client?.close();
    await server.close();
  });

  function connect(opts: Partial<ConstructorParameters<typeof RobotClient>[0]> = {}): RobotClient {
    client = new RobotClient({ baseUrl: server.url, apiVersion: '3', timeoutMs: 2_000, retryDelayMs: 10, ...opts });
    return client;
  }

  it('sends Opentrons-Version on every request, GET, POST (JSON and multipart), PATCH and DELETE', async function () {
    server.handle((req, res) => {
      if (req.url === '/health') return json(res, 200, healthBody());
      if (req.method === 'DELETE') return json(res, 200, {});
      if (req.url === '/runs?pageLength=0') return json(res, 200, { data: [], meta: { cursor: 0, totalLength: 0 }, links: {} });
      return json(res, req.method === 'POST' ? 201 : 200, { data: { id: 'x' } });
    });
    const c = connect();
    await c.health();
    await c.listProtocols();
    await c.uploadProtocol([{ filename: 'p.py', content: 'metadata = {"apiLevel": "2.20"}\n' }]);
    await c.createRun({ protocolId: 'p1' });
    await c.getCurrentRunId();
    await c.createRunAction('r1', 'play');
    await c.dismissRun('r1');
    await c.createCommand({ commandType: 'home', params: {} }, { waitUntilComplete: true, commandTimeoutMs: 1000 });
    await c.deleteRun('r1');
    await c.deleteProtocol('p1');

    const methods = new Set(server.requests.map((r) => r.method));
    assert.deepEqual([...methods].sort(), ['DELETE', 'GET', 'PATCH', 'POST']);
    for (const r of server.requests) assert.equal(r.headers['opentrons-version'], '3', `${r.method} ${r.url}`);
    assert.equal(server.requests.length, 10);
  });

  it('refuses an id no robot could have issued (huge, empty, control characters) before sending anything', async function () {
    server.handle((_req, res) => json(res, 200, { data: { id: 'x' } }));
    const c = connect();
    for (const bad of ['x'.repeat(100_000), '', 'run\n1']) {
      await assert.rejects(c.getRun(bad), (err: Error & { code?: string }) => err.code === 'InvalidInput' && /id must be/.test(err.message));
      await assert.rejects(c.createRunAction(bad, 'play'), (err: Error & { code?: string }) => err.code === 'InvalidInput');
    }
    assert.equal(server.requests.length, 0);
    await c.getRun('command.ASPIRATE-0');
    assert.equal(server.requests.length, 1);
  });

  it('wraps new-style bodies in {data: …} and passes command wait options as query parameters', async function () {
    server.handle((_req, res) => json(res, 201, { data: { id: 'c1', status: 'succeeded' } }));
    const c = connect();
    await c.createRun({ protocolId: 'p1' });
    await c.createRunCommand('r 1', { commandType: 'home', params: {}, intent: 'setup' }, { waitUntilComplete: true, commandTimeoutMs: 5000 });
    const [run, cmd] = server.requests;
    assert.deepEqual(JSON.parse(run.body.toString()), { data: { protocolId: 'p1' } });
    assert.equal(cmd.url, '/runs/r%201/commands?waitUntilComplete=true&timeout=5000');
    assert.deepEqual(JSON.parse(cmd.body.toString()), { data: { commandType: 'home', params: {}, intent: 'setup' } });
    assert.equal(cmd.headers['content-type'], 'application/json');
  });

  it('turns the robot\'s error envelope into a RobotError with id, title, detail and errorCode', async function () {
    const envelope = {
      errors: [{ id: 'RunAlreadyActive', title: 'Run Already Active', detail: 'Cannot create run while another run is active', errorCode: '4001' }],
    };
    server.handle((_req, res) => json(res, 409, envelope, { 'opentrons-version': '4', 'opentrons-min-version': '2' }));
    const err = await connect().createRun({}).then(
      () => assert.fail('expected a RobotError'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof RobotError);
    assert.equal(err.statusCode, 409);
    assert.equal(err.code, 'RunAlreadyActive');
    assert.equal(err.errorId, 'RunAlreadyActive');
    assert.equal(err.title, 'Run Already Active');
    assert.equal(err.detail, 'Cannot create run while another run is active');
    assert.equal(err.errorCode, '4001');
    assert.deepEqual(err.robotError, envelope.errors[0]);
    assert.match(err.message, /Run Already Active: Cannot create run while another run is active \(HTTP 409 RunAlreadyActive, POST \/runs\)/);
  });

  it('turns a legacy {message, errorCode} body into a RobotError', async function () {
    server.handle((_req, res) => json(res, 422, { message: 'header.opentrons-version: field required', errorCode: '4000' }));
    const err = await connect().health().catch((e: unknown) => e);
    assert.ok(err instanceof RobotError);
    assert.equal(err.statusCode, 422);
    assert.equal(err.errorId, undefined);
    assert.equal(err.code, 'HTTP_422');
    assert.equal(err.detail, 'header.opentrons-version: field required');
    assert.equal(err.errorCode, '4000');
    assert.match(err.message, /field required \(HTTP 422, GET \/health\)/);
  });

  it('reports a refused connection as RobotUnreachableError ECONNREFUSED', async function () {
    const port = server.port;
    await server.close();
    server = await startLoopback();
    client = new RobotClient({ baseUrl: `http://127.0.0.1:${port}`, apiVersion: '3', timeoutMs: 2000, retryDelayMs: 5 });
    const err = await client.health().catch((e: unknown) => e);
    assert.ok(err instanceof RobotUnreachableError, String(err));
    assert.equal(err.code, 'ECONNREFUSED');
    assert.match(err.message, /not reachable at http:\/\/127\.0\.0\.1:\d+/);
  });

  it('reports no answer within the timeout as RobotTimeoutError, for GET and POST', async function () {
    server.handle((_req, res) => hang(res));
    const c = connect({ timeoutMs: 150 });
    const started = Date.now();
    const getErr = await c.listRuns().catch((e: unknown) => e);
    const postErr = await c.createRun({}).catch((e: unknown) => e);
    assert.ok(getErr instanceof RobotTimeoutError, String(getErr));
    assert.ok(postErr instanceof RobotTimeoutError, String(postErr));
    assert.equal(getErr.code, 'ETIMEDOUT');
    assert.ok(Date.now() - started < 1500, 'timeouts are not retried');
    const perRequest = await c.getRun('r1', { timeoutMs: 50 }).catch((e: unknown) => e);
    assert.ok(perRequest instanceof RobotTimeoutError);
    assert.equal(perRequest.timeoutMs, 50);
  });

  it('reports an HTML error page as RobotResponseError (not a robot answer)', async function () {
    server.handle((_req, res) => {
      const page = '<html><body><h1>502 Bad Gateway</h1></body></html>';
      res.writeHead(502, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(page) });
      res.end(page);
    });
    const err = await connect().getRun('r1').catch((e: unknown) => e);
    assert.ok(err instanceof RobotResponseError, String(err));
    assert.equal(err.code, 'EBADRESPONSE');
    assert.equal(err.statusCode, 502);
    assert.match(err.message, /an HTML page/);
    assert.match(err.bodySnippet, /502 Bad Gateway/);
  });

  it('reports a 200 that is not JSON, and a /health from another server, as RobotResponseError', async function () {
    server.handle((req, res) => {
      if (req.url === '/health') return json(res, 200, { status: 'UP' });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hello');
    });
    const c = connect();
    assert.ok((await c.getRun('r1').catch((e: unknown) => e)) instanceof RobotResponseError);
    const health = await c.health().catch((e: unknown) => e);
    assert.ok(health instanceof RobotResponseError);
    assert.match(health.message, /not an Opentrons robot/);
  });

  it('reports a truncated JSON body (content-length larger than sent) as RobotResponseError, POST not retried', async function () {
    server.handle((_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': '500' });
      res.write('{"data": {"id": "run-1", "sta');
      setTimeout(() => res.destroy(), 20);
    });
    const err = await connect().createRun({}).catch((e: unknown) => e);
    assert.ok(err instanceof RobotResponseError, String(err));
    assert.equal(err.truncated, true);
    assert.equal(err.statusCode, 201);
    assert.match(err.message, /cut off/);
    assert.equal(server.requests.length, 1);
  });

  it('retries a GET after a dropped connection (and a truncated body) but never a POST, PATCH or DELETE', async function () {
    server.handle((req) => {
      req.socket.destroy();
    });
    const c = connect({ getRetries: 3 });
    assert.ok((await c.getRun('r1').catch((e: unknown) => e)) instanceof RobotUnreachableError);
    const gets = server.requests.filter((r) => r.method === 'GET').length;
    assert.equal(gets, 4, 'one try and three retries');

    let cut = 0;
    server.handle((_req, res) => {
      cut += 1;
      if (cut === 1) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '300' });
        res.write('{"data": {"id"');
        setTimeout(() => res.destroy(), 10);
      } else json(res, 200, { data: { id: 'r1', status: 'idle' } });
    });
    assert.equal((await c.getRun('r1')).status, 'idle', 'the truncated GET was tried again');
    assert.equal(cut, 2);
    server.handle((req) => {
      req.socket.destroy();
    });

    for (const call of [() => c.createRun({}), () => c.dismissRun('r1'), () => c.deleteRun('r1')]) {
      const before = server.requests.length;
      assert.ok((await call().catch((e: unknown) => e)) instanceof RobotUnreachableError);
      assert.equal(server.requests.length - before, 1, 'sent once, not retried');
    }
    console.log(`      requests at the server: GET ×${gets}, POST ×1, PATCH ×1, DELETE ×1`);
  });

  it('retries a GET through the robot\'s boot-time 503 and then succeeds; other 503s are not retried', async function () {
    let n = 0;
    server.handle((req, res) => {
      n += 1;
      if (req.url === '/health' && n <= 2) {
        return json(res, 503, { errors: [{ id: 'DatabaseNotYetInitialized', title: 'Database Not Yet Initialized', detail: 'booting', errorCode: '4000' }] });
      }
      if (req.url === '/health') return json(res, 200, healthBody());
      return json(res, 503, { errors: [{ id: 'LastAnalysisPending', title: 'Last Analysis Pending', detail: 'wait', errorCode: '4000' }] });
    });
    const c = connect({ getRetries: 3 });
    assert.equal((await c.health()).name, 'loopback-robot');
    assert.equal(server.requests.length, 3);
    const err = await c.listAnalyses('p1').catch((e: unknown) => e);
    assert.ok(err instanceof RobotError);
    assert.equal(err.errorId, 'LastAnalysisPending');
    assert.equal(server.requests.length, 4);
  });

  it('reuses a handful of keep-alive connections for 1000 sequential requests', async function () {
    this.timeout(30_000);
    server.handle((_req, res) => json(res, 200, { data: { id: 'r1', status: 'idle' } }));
    const c = connect();
    const started = Date.now();
    for (let i = 0; i < 1000; i++) await c.getRun('r1');
    const ms = Date.now() - started;
    assert.equal(server.requests.length, 1000);
    console.log(`      1000 sequential GETs: ${server.connectionsOpened()} TCP connection(s) opened, ${ms} ms`);
    assert.ok(server.connectionsOpened() <= 4, `opened ${server.connectionsOpened()} connections`);
  });

  it('aborts a request when the caller\'s signal fires, and every request in flight on close()', async function () {
    server.handle((_req, res) => hang(res));
    const c = connect({ timeoutMs: 5_000 });
    const ac = new AbortController();
    const pending = c.getRun('r1', { signal: ac.signal }).catch((e: unknown) => e);
    setTimeout(() => ac.abort(), 30);
    const err = await pending;
    assert.ok(err instanceof RequestAbortedError, String(err));
    assert.equal(err.code, 'ABORT_ERR');

    const already = new AbortController();
    already.abort();
    assert.ok((await c.getRun('r1', { signal: already.signal }).catch((e: unknown) => e)) instanceof RequestAbortedError);

    const inFlight = c.createRun({}).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 30));
    await c.close();
    assert.ok((await inFlight) instanceof RequestAbortedError);
    assert.ok((await c.health().catch((e: unknown) => e)) instanceof RequestAbortedError, 'a closed client sends nothing');
  });

  it('reads the served API versions from /health headers once, and warns about an unsupported one', async function () {
    server.handle((req, res) => {
      const asked = String(req.headers['opentrons-version']);
      const served = asked === '*' ? 4 : Math.min(4, Number(asked));
      json(res, 200, healthBody(), { 'opentrons-version': String(served), 'opentrons-min-version': '2' });
    });
    const c = connect({ apiVersion: '3' });
    const info = await c.apiVersionInfo();
    assert.deepEqual(info, { requested: '3', effective: 3, minimum: 2 });
    await c.apiVersionInfo();
    assert.equal(server.requests.length, 1, 'checked once per client');
    await c.close();

    const high = connect({ apiVersion: '9' });
    const warned = await high.apiVersionInfo();
    assert.equal(warned.effective, 4);
    assert.match(warned.warning ?? '', /serves HTTP API version 4 at most/);
  });

  it('does not require version headers on other responses', async function () {
    server.handle((_req, res) => json(res, 200, { data: [], meta: { cursor: 0, totalLength: 0 } }));
    const list = await connect().listProtocols();
    assert.deepEqual(list, []);
  });

  it('streams a protocol file from disk (undici FormData + fs.openAsBlob) without holding it in memory', async function () {
    this.timeout(60_000);
    const MB = 1024 * 1024;
    const size = 256 * MB;
    const dir = mkdtempSync(join(tmpdir(), 'upload-'));
    const file = join(dir, 'big_protocol.py');
    writeFileSync(file, 'metadata = {"apiLevel": "2.20"}\n');
    truncateSync(file, size); // sparse: no disk space or write time needed
    // A sink that counts the bytes and keeps none, so the RSS measured is the client's.
    let received = 0;
    const sink = createServer((req, res) => {
      req.on('data', (c: Buffer) => (received += c.length));
      req.on('end', () => json(res, 201, { data: { id: 'p1', files: [{ name: 'big_protocol.py', role: 'main' }] } }));
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
    const c = new RobotClient({ baseUrl: `http://127.0.0.1:${(sink.address() as AddressInfo).port}`, apiVersion: '3', timeoutMs: 60_000 });
    try {
      global.gc?.();
      const base = process.memoryUsage().rss;
      let peak = base;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
      const started = Date.now();
      const { protocol } = await c.uploadProtocol([{ path: file }]);
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      assert.equal(protocol.id, 'p1');
      assert.ok(received > size, `the sink received ${received} bytes`);
      const grew = (peak - base) / MB;
      console.log(`      uploaded ${size / MB} MB from a path in ${Date.now() - started} ms: RSS ${Math.round(base / MB)} → peak ${Math.round(peak / MB)} MB (+${grew.toFixed(1)} MB)`);
      assert.ok(grew < 64, `RSS grew by ${grew.toFixed(1)} MB for a ${size / MB} MB file`);
    } finally {
      await c.close();
      await new Promise((r) => sink.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
