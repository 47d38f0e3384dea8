// Simulator HTTP core: Opentrons-Version rules, error envelopes, headers, routing errors, boot phase, keep-alive.
import { strict as assert } from 'node:assert';
import { SimulatedRobot, startSimulator } from '../nodes/lib/simulator';
import { arr, call } from './simulator-util';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/;

describe('simulator: HTTP core', () => {
  let robot: SimulatedRobot;
  before(async () => {
    robot = await startSimulator({ speed: 1000 });
  });
  after(async () => {
    await robot.stop();
  });

  describe('Opentrons-Version header', () => {
    it('missing on a legacy route (/health): 422 in the legacy {message, errorCode} shape with version headers 4/2', async () => {
      const r = await call(robot, 'GET', '/health', undefined, {});
      assert.equal(r.status, 422);
      assert.deepEqual(r.body, { message: 'header.opentrons-version: field required', errorCode: '4000' });
      assert.equal(r.headers['opentrons-version'], '4');
      assert.equal(r.headers['opentrons-min-version'], '2');
    });

    it('missing on a new-style route (/runs): 422 InvalidRequest with source.header', async () => {
      const r = await call(robot, 'GET', '/runs', undefined, {});
      assert.equal(r.status, 422);
      const e = r.body.errors[0];
      assert.equal(e.id, 'InvalidRequest');
      assert.equal(e.title, 'Invalid Request');
      assert.deepEqual(e.source, { header: 'opentrons-version' });
      assert.equal(e.errorCode, '4000');
    });

    it('empty value counts as missing', async () => {
      const r = await call(robot, 'GET', '/runs', undefined, { 'opentrons-version': '' });
      assert.equal(r.status, 422);
    });

    it('a non-integer other than * is a 422 (legacy shape on /health)', async () => {
      const r = await call(robot, 'GET', '/health', undefined, { 'opentrons-version': 'latest' });
      assert.equal(r.status, 422);
      assert.equal(typeof r.body.message, 'string');
      assert.equal(r.body.errorCode, '4000');
      const n = await call(robot, 'GET', '/runs', undefined, { 'opentrons-version': 'latest' });
      assert.equal(n.status, 422);
      assert.equal(n.body.errors[0].id, 'InvalidRequest');
    });

    for (const v of ['1', '0', '-3']) {
      it(`version ${v} is below the minimum: 400 OutdatedAPIVersion in the errors[] shape, even on /health`, async () => {
        const r = await call(robot, 'GET', '/health', undefined, { 'opentrons-version': v });
        assert.equal(r.status, 400);
        assert.equal(r.body.errors[0].id, 'OutdatedAPIVersion');
        assert.equal(r.body.errors[0].errorCode, '4000');
        assert.equal(r.headers['opentrons-version'], '4');
      });
    }

    it('legacy success echoes the effective version: 3 → 3, * → 4, 1337 → 4, 2 → 2', async () => {
      for (const [sent, echoed] of [['3', '3'], ['*', '4'], ['1337', '4'], ['2', '2']]) {
        const r = await call(robot, 'GET', '/health', undefined, { 'opentrons-version': sent });
        assert.equal(r.status, 200);
        assert.equal(r.headers['opentrons-version'], echoed, `sent ${sent}`);
        assert.equal(r.headers['opentrons-min-version'], '2');
      }
    });

    it('new-style successes carry no Opentrons-Version headers (as the real server, §16)', async () => {
      for (const p of ['/runs', '/protocols', '/instruments', '/modules', '/commands']) {
        const r = await call(robot, 'GET', p);
        assert.equal(r.status, 200, p);
        assert.equal(r.headers['opentrons-version'], undefined, p);
        assert.equal(r.headers['opentrons-min-version'], undefined, p);
      }
    });

    it('/robot/lights is legacy: unwrapped body and echoed version', async () => {
      const r = await call(robot, 'GET', '/robot/lights');
      assert.equal(r.status, 200);
      assert.equal(typeof r.body.on, 'boolean');
      assert.equal(r.body.data, undefined);
      assert.equal(r.headers['opentrons-version'], '3');
    });

    it('/logs/* needs no header', async () => {
      const r = await call(robot, 'GET', '/logs/api.log', undefined, {});
      assert.equal(r.status, 200);
      assert.match(r.headers['content-type'], /^text\/plain/);
    });
  });

  describe('error envelope and routing', () => {
    it('unknown path: 404 BadRequest "Not Found" with errorCode as a string', async () => {
      const r = await call(robot, 'GET', '/no/such/route');
      assert.equal(r.status, 404);
      assert.deepEqual(r.body, { errors: [{ id: 'BadRequest', title: 'Bad Request', detail: 'Not Found', errorCode: '4000' }] });
      assert.equal(r.headers['opentrons-version'], '4');
    });

    it('wrong method on a known path: 405 BadRequest', async () => {
      const r = await call(robot, 'PUT', '/runs');
      assert.equal(r.status, 405);
      assert.equal(r.body.errors[0].id, 'BadRequest');
    });

    it('a new-style body without the data wrapper gets 422 with pointer /data', async () => {
      const r = await call(robot, 'POST', '/runs', { protocolId: 'x' });
      assert.equal(r.status, 422);
      assert.equal(r.body.errors[0].id, 'InvalidRequest');
      assert.equal(r.body.errors[0].source.pointer, '/data');
    });

    it('JSON is read without a Content-Type too, but not under another Content-Type', async () => {
      const bare = await call(robot, 'POST', '/runs', undefined, { 'opentrons-version': '3' });
      assert.equal(bare.status, 201);
      const res = await fetch(`${robot.url}/runs`, { method: 'POST', headers: { 'opentrons-version': '3' }, body: new Uint8Array(Buffer.from('{"data":{}}')) });
      assert.equal(res.status, 201, 'no content-type header: parsed as JSON');
      await res.text();
      const text = await call(robot, 'POST', '/runs', undefined, { 'opentrons-version': '3', 'content-type': 'text/plain' });
      assert.equal(text.status, 201, 'an empty body needs no content type');
      const wrong = await fetch(`${robot.url}/runs`, { method: 'POST', headers: { 'opentrons-version': '3', 'content-type': 'text/plain' }, body: '{"data":{}}' });
      assert.equal(wrong.status, 422);
      await wrong.text();
    });

    it('invalid JSON gets 422 InvalidRequest', async () => {
      const r = await call(robot, 'POST', '/runs', '{"data": ');
      assert.equal(r.status, 422);
      assert.equal(r.body.errors[0].id, 'InvalidRequest');
    });

    it('ids are UUID4, timestamps have microseconds and +00:00, absent optionals are omitted (never null)', async () => {
      const r = await call(robot, 'POST', '/runs', { data: {} });
      assert.equal(r.status, 201);
      const run = r.body.data;
      assert.match(String(run.id), UUID);
      assert.match(String(run.createdAt), TS);
      assert.ok(!('protocolId' in run), 'protocolId omitted for a live run');
      assert.ok(!('startedAt' in run) && !('completedAt' in run));
      assert.ok(!r.text.includes('null'), 'no null anywhere in a new-style body');
      await call(robot, 'DELETE', `/runs/${String(run.id)}`);
    });

    it('a legacy route answers a bad body in the legacy {message, errorCode} shape', async () => {
      const r = await call(robot, 'POST', '/robot/lights', '{"on": ');
      assert.equal(r.status, 422);
      assert.equal(typeof r.body.message, 'string');
      assert.equal(r.body.errors, undefined);
    });

    it('allows any origin (CORS), including preflight', async () => {
      const pre = await call(robot, 'OPTIONS', '/runs', undefined, { origin: 'http://example.test', 'access-control-request-method': 'POST' });
      assert.equal(pre.status, 200);
      assert.equal(pre.headers['access-control-allow-origin'], '*');
      const get = await call(robot, 'GET', '/health', undefined, { origin: 'http://example.test', 'opentrons-version': '3' });
      assert.equal(get.headers['access-control-allow-origin'], '*');
    });

    it('keeps connections alive (no connection: close)', async () => {
      const r = await call(robot, 'GET', '/health');
      assert.notEqual(r.headers.connection, 'close');
    });
  });

  describe('/health and hardware', () => {
    it('/health reports the OT-2 and the software version', async () => {
      const r = await call(robot, 'GET', '/health');
      assert.equal(r.body.name, 'opentrons-sim-ot2');
      assert.equal(r.body.robot_model, 'OT-2 Standard');
      assert.equal(r.body.api_version, '8.1.0');
      assert.deepEqual(r.body.minimum_protocol_api_version, [2, 0]);
      assert.ok(!('oddLog' in r.body.links));
    });

    it('/modules: v3 shape {data, meta}, v2 the old {modules: [...]}', async () => {
      const v3 = await call(robot, 'GET', '/modules');
      assert.equal(arr(v3.body.data).length, 2);
      assert.equal(v3.body.meta.totalLength, 2);
      assert.equal(v3.body.data[0].moduleModel, 'temperatureModuleV2');
      const v2 = await call(robot, 'GET', '/modules', undefined, { 'opentrons-version': '2' });
      assert.equal(v2.status, 200);
      assert.equal(v2.body.data, undefined);
      assert.equal(arr(v2.body.modules).length, 2);
    });

    it('/instruments: the OT-2 shape (no state/calibratedOffset)', async () => {
      const r = await call(robot, 'GET', '/instruments');
      const left = r.body.data[0];
      assert.equal(left.mount, 'left');
      assert.equal(left.instrumentName, 'p20_single_gen2');
      assert.equal(left.state, undefined);
      assert.equal(left.data.calibratedOffset, undefined);
    });

    it('Flex-only routes answer 403 NotSupportedOnOT2 on the OT-2; the door status answers with the door not required', async () => {
      const door = await call(robot, 'GET', '/robot/door/status');
      assert.deepEqual(door.body.data, { status: 'closed', doorRequiredClosedForProtocol: false });
      for (const p of ['/robot/control/estopStatus', '/deck_configuration']) {
        const r = await call(robot, 'GET', p);
        assert.equal(r.status, 403, p);
        assert.equal(r.body.errors[0].id, 'NotSupportedOnOT2');
      }
    });
  });
});

describe('simulator: Flex model', () => {
  let robot: SimulatedRobot;
  before(async () => {
    robot = await startSimulator({ model: 'Flex', speed: 1000 });
  });
  after(async () => {
    await robot.stop();
  });

  it('/health says OT-3 Standard with the Flex protocol API minimum and oddLog', async () => {
    const r = await call(robot, 'GET', '/health');
    assert.equal(r.body.robot_model, 'OT-3 Standard');
    assert.equal(r.body.name, 'opentrons-sim-flex');
    assert.deepEqual(r.body.minimum_protocol_api_version, [2, 15]);
    assert.equal(r.body.links.oddLog, '/logs/touchscreen.log');
  });

  it('/instruments has the Flex shape (tip state, calibrated offset)', async () => {
    const r = await call(robot, 'GET', '/instruments');
    assert.equal(r.body.data[1].instrumentName, 'p1000_single_flex');
    assert.deepEqual(r.body.data[1].state, { tipDetected: false });
    assert.equal(r.body.data[1].data.calibratedOffset.source, 'default');
  });

  it('answers as an unlocked robot: door closed, E-stop disengaged, default deck with the trash bin in A3', async () => {
    const door = await call(robot, 'GET', '/robot/door/status');
    assert.equal(door.body.data.status, 'closed');
    const estop = await call(robot, 'GET', '/robot/control/estopStatus');
    assert.equal(estop.body.data.status, 'disengaged');
    const deck = await call(robot, 'GET', '/deck_configuration');
    const a3 = arr(deck.body.data.cutoutFixtures).find((c) => c.cutoutId === ('cutoutA3' as unknown));
    assert.equal(a3?.cutoutFixtureId, 'trashBinAdapter');
  });

  it('setDoorOpen changes /robot/door/status', async () => {
    robot.setDoorOpen(true);
    assert.equal((await call(robot, 'GET', '/robot/door/status')).body.data.status, 'open');
    robot.setDoorOpen(false);
    assert.equal((await call(robot, 'GET', '/robot/door/status')).body.data.status, 'closed');
  });

  it('accepts OT-2 slot names and returns Flex ones', async () => {
    const run = await call(robot, 'POST', '/runs', { data: {} });
    const id = String(run.body.data.id);
    const r = await call(robot, 'POST', `/runs/${id}/commands?waitUntilComplete=true`, {
      data: { commandType: 'loadLabware', params: { location: { slotName: '1' }, loadName: 'corning_96_wellplate_360ul_flat', namespace: 'opentrons', version: 2 } },
    });
    assert.equal(r.body.data.status, 'succeeded');
    const got = await call(robot, 'GET', `/runs/${id}`);
    assert.deepEqual(got.body.data.labware[0].location, { slotName: 'D1' });
    await call(robot, 'DELETE', `/runs/${id}`);
  });
});

describe('simulator: boot phase', () => {
  let robot: SimulatedRobot | undefined;
  afterEach(async () => {
    await robot?.stop();
  });

  it('answers 503 DatabaseNotYetInitialized on /health and /runs until bootMs has passed, then 200', async () => {
    robot = await startSimulator({ bootMs: 150 });
    const h = await call(robot, 'GET', '/health');
    assert.equal(h.status, 503);
    assert.equal(h.body.errors[0].id, 'DatabaseNotYetInitialized');
    assert.equal(h.headers['opentrons-version'], '4');
    const runs = await call(robot, 'GET', '/runs');
    assert.equal(runs.status, 503);
    await new Promise((r) => setTimeout(r, 170));
    assert.equal((await call(robot, 'GET', '/health')).status, 200);
  });

  it('with bootMs 0 the first request is already a 200', async () => {
    robot = await startSimulator();
    assert.equal((await call(robot, 'GET', '/health')).status, 200);
  });
});
