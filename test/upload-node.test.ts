// opentrons-upload in Node-RED against the simulated robot over real HTTP: uploads of each file
// mix, the analysis wait, not-ok and rejected protocols, re-uploads, list/get/delete/analyze, and
// input errors that must not reach the robot.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SimulatedRobot } from '../nodes/lib/simulator';
import { NodeUnderTest, PROTOCOLS, TestMsg, eventually, protocolFile, robotRequests, startRobot, unloadFlow } from './helpers/protocol-nodes';

type Loose = { [key: string]: Loose } & Loose[];

function loose(v: unknown): Loose {
  return v as Loose;
}

describe('opentrons-upload node', function () {
  let robot: SimulatedRobot;

  beforeEach(async function () {
    robot = await startRobot();
  });

  afterEach(async function () {
    await unloadFlow();
    await robot.stop();
  });

  it('uploads a Python protocol from msg.payload + msg.filename and waits for a completed analysis', async function () {
    const t = await NodeUnderTest.deploy(robot, 'opentrons-upload', {});
    const statuses = t.statusTexts();
    const out = await t.ok({ payload: protocolFile('basic_transfer.py'), filename: 'basic_transfer.py', topic: 'kept' });
    assert.deepEqual(statuses, ['uploading', 'analysing', 'ok: Basic transfer (capture test)']);
    const protocol = loose(out.payload);
    assert.equal(typeof out.protocolId, 'string');
    assert.equal(protocol.id, out.protocolId);
    assert.equal(protocol.protocolType as unknown, 'python');
    assert.deepEqual(protocol.files as unknown, [{ name: 'basic_transfer.py', role: 'main' }]);
    const analysis = loose(out.analysis);
    assert.equal(analysis.status as unknown, 'completed');
    assert.equal(analysis.result as unknown, 'ok');
    assert.equal(out.analysisId, analysis.id);
    assert.ok(Array.isArray(analysis.runTimeParameters) && Array.isArray(analysis.errors));
    assert.equal(out.topic, 'kept', 'other msg properties pass through');
    assert.equal(out.alreadyOnRobot, false);
    assert.ok(robot.stats.count('GET', /\/protocols\/[^/]+\/analyses\//) >= 1, 'the node polled the analysis');
  });

  it('sends the base name of a full path in msg.filename (as the file-in node sets it), / and \\ alike', async function () {
    const t = await NodeUnderTest.deploy(robot, 'opentrons-upload', { waitForAnalysis: false });
    const out = await t.ok({ payload: protocolFile('basic_transfer.py'), filename: '/home/nodered/protocols/basic_transfer.py' });
    assert.deepEqual(loose(out.payload).files as unknown, [{ name: 'basic_transfer.py', role: 'main' }]);
    const json = await t.ok({ files: [{ filename: 'C:\\Users\\lab\\Protocols\\simpleV6.json', content: protocolFile('simpleV6.json') }] });
    assert.deepEqual(loose(json.payload).files as unknown, [{ name: 'simpleV6.json', role: 'main' }]);
    const before = robot.stats.count('POST', '/protocols');
    const { error } = await t.err({ payload: protocolFile('basic_transfer.py'), filename: '/home/nodered/protocols/' });
    assert.equal(error.code, 'InvalidInput');
    assert.match(error.message, /names a folder, not a file/);
    assert.equal(robot.stats.count('POST', '/protocols'), before, 'nothing sent for a folder name');
  });

  it('uploads a JSON protocol from msg.files and reports its labware and pipettes from the analysis', async function () {
    const t = await NodeUnderTest.deploy(robot, 'opentrons-upload', {});
    const out = await t.ok({ files: [{ filename: 'simpleV6.json', content: protocolFile('simpleV6.json').toString('utf8') }] });
    assert.equal(loose(out.payload).protocolType as unknown, 'json');
    const analysis = loose(out.analysis);
    assert.equal(analysis.result as unknown, 'ok');
    assert.ok((analysis.pipettes as unknown as unknown[]).length > 0, 'pipettes the protocol needs');
    assert.ok((analysis.labware as unknown as unknown[]).length > 0, 'labware the protocol needs');
  });

  it('uploads a protocol with a custom labware definition in one request (roles main + labware)', async function () {
    const t = await NodeUnderTest.deploy(robot, 'opentrons-upload', {});
    // A labware definition under a custom namespace, as a user would export it from the Labware Creator.
    const labware = JSON.parse(
      readFileSync(join(PROTOCOLS, '..', '..', '..', 'nodes', 'lib', 'data', 'labware', 'nest_12_reservoir_15ml', '1.json'), 'utf8'),
    ) as Record<string, unknown> & { parameters: Record<string, unknown>; namespace: string };
    labware.namespace = 'custom_beta';
    labware.parameters.loadName = 'lab_reservoir_12';
    const py = protocolFile('basic_transfer.py')
      .toString('utf8')
      .replace('plate = protocol.load_labware("corning_96_wellplate_360ul_flat", 2)', 'plate = protocol.load_labware("lab_reservoir_12", 2, namespace="custom_beta")');
    const before = robot.stats.count('POST', '/protocols');
    const out = await t.ok({
      files: [
        { filename: 'with_labware.py', content: py },
        { filename: 'lab_reservoir_12.json', content: Buffer.from(JSON.stringify(labware)) },
      ],
    });
    assert.equal(robot.stats.count('POST', '/protocols') - before, 1, 'one upload request for both files');
    const files = loose(out.payload).files as unknown as Array<{ name: string; role: string }>;
    assert.deepEqual(files.map((f) => `${f.name}:${f.role}`).sort(), ['lab_reservoir_12.json:labware', 'with_labware.py:main']);
    assert.equal(loose(out.analysis).result as unknown, 'ok');
  });

  it('uploads a protocol with a CSV data file, and runTimeParameterValues and key go with the upload', async function () {
    const t = await NodeUnderTest.deploy(robot, 'opentrons-upload', {});
    const py = [
      'from opentrons import protocol_api',
      'metadata = {"protocolName": "With parameters"}',
      'requirements = {"robotType": "OT-2", "apiLevel": "2.20"}',
      'def add_parameters(parameters):',
      '    parameters.add_int(variable_name="volume", display_name="Volume", default=50, minimum=10, maximum=200)',
      'def run(protocol: protocol_api.ProtocolContext) -> None:',
      '    protocol.comment("hello")',
      '',
    ].join('\n');
    const out = await t.ok({
      files: [
        { filename: 'params.py', content: py },
        { filename: 'samples.csv', content: 'well,volume\nA1,50\n' },
      ],
      runTimeParameterValues: { volume: 120 },
      key: 'batch-42',
    });
    const protocol = loose(out.payload);
    const files = protocol.files as unknown as Array<{ name: string; role: string }>;
    assert.deepEqual(files.map((f) => `${f.name}:${f.role}`).sort(), ['params.py:main', 'samples.csv:data']);
    assert.equal(protocol.key as unknown, 'batch-42');
    const rtp = (loose(out.analysis).runTimeParameters as unknown as Array<{ variableName: string; value: unknown }>).find((p) => p.variableName === 'volume');
    assert.equal(rtp?.value, 120, 'the analysis used the value sent with the upload');
  });

  it('uploads the files set in the editor (paths, streamed from disk) when the msg carries none', async function () {
    const t = await NodeUnderTest.deploy(robot, 'opentrons-upload', { paths: join(PROTOCOLS, 'basic_transfer.py') });
    const out = await t.ok({ payload: 123 });
    assert.equal(loose(loose(out.payload).files)[0].name as unknown, 'basic_transfer.py');
  });

  it('accepts {path} in msg.files only when "allow file paths from msg" is on', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'ot-upload-'));
    const file = join(dir, 'transfer.py');
    writeFileSync(file, protocolFile('basic_transfer.py'));
    try {
      let t = await NodeUnderTest.deploy(robot, 'opentrons-upload', {});
      const refused = await t.err({ files: [{ path: file }] });
      assert.equal(refused.error.code, 'InvalidInput');
      assert.match(refused.error.message, /allow file paths from msg/);
      assert.equal(robotRequests(robot), 0, 'nothing sent to the robot');
      await unloadFlow();
      t = await NodeUnderTest.deploy(robot, 'opentrons-upload', { allowMsgPaths: true });
      const out = await t.ok({ files: [{ path: file }] });
      assert.equal(loose(loose(out.payload).files)[0].name as unknown, 'transfer.py');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with waitForAnalysis off, outputs at once with the pending analysis id and no analysis', async function () {
    const slow = await startRobot('OT-2', 1);
    try {
      const t = await NodeUnderTest.deploy(slow, 'opentrons-upload', { waitForAnalysis: false });
      const out = await t.ok({ payload: protocolFile('basic_transfer.py'), filename: 'basic_transfer.py' });
      assert.equal(out.analysis, undefined);
      assert.equal(typeof out.analysisId, 'string');
      assert.equal(slow.stats.count('GET', /analyses/), 0);
    } finally {
      await unloadFlow();
      await slow.stop();
    }
  });

  it('an analysis still pending after the analysis timeout is an ETIMEDOUT error, msg.protocolId set', async function () {
    const slow = await startRobot('OT-2', 0.01);
    try {
      const t = await NodeUnderTest.deploy(slow, 'opentrons-upload', { analysisTimeout: 0.3 });
      const t0 = Date.now();
      const { msg, error } = await t.err({ payload: protocolFile('basic_transfer.py'), filename: 'basic_transfer.py' });
      assert.equal(error.code, 'ETIMEDOUT');
      assert.match(error.message, /still pending after 300 ms/);
      assert.ok(Date.now() - t0 < 2000);
      assert.equal(typeof msg.protocolId, 'string');
    } finally {
      await unloadFlow();
      await slow.stop();
    }
  });

  it('a not-ok analysis is an error with the analysis errors, msg.protocolId and msg.analysis set', async function () {
    const t = await NodeUnderTest.deploy(robot, 'opentrons-upload', {});
    const { msg, error } = await t.err({ payload: protocolFile('runtime_error.py'), filename: 'runtime_error.py' });
    assert.equal(error.code, 'AnalysisNotOk');
    assert.match(error.message, /not-ok/);
    assert.match(error.message, /without a tip/, 'the analysis error detail is in the message');
    assert.equal(typeof msg.protocolId, 'string');
    assert.equal(loose(msg.analysis).result as unknown, 'not-ok');
    assert.equal(loose(msg.robotError).errorType as unknown, 'ExceptionInProtocolError');
  });

  it('"pass not-ok analyses through" outputs the not-ok protocol instead of an error', async function () {
    const t = await NodeUnderTest.deploy(robot, 'opentrons-upload', { passNotOk: true });
    const out = await t.ok({ payload: protocolFile('runtime_error.py'), filename: 'runtime_error.py' });
    assert.equal(loose(out.analysis).result as unknown, 'not-ok');
    assert.equal(typeof out.protocolId, 'string');
  });

  it('parameter-value-required names the CSV parameter that needs a file', async function () {
    const t = await NodeUnderTest.deploy(robot, 'opentrons-upload', {});
    const py = [
      'from opentrons import protocol_api',
      'requirements = {"robotType": "OT-2", "apiLevel": "2.20"}',
      'def add_parameters(parameters):',
      '    parameters.add_csv_file(variable_name="plate_map", display_name="Plate map")',
      'def run(protocol: protocol_api.ProtocolContext) -> None:',
      '    protocol.comment("hello")',
      '',
    ].join('\n');
    const { msg, error } = await t.err({ payload: py, filename: 'csv_param.py' });
    assert.equal(error.code, 'ParameterValueRequired');
    assert.match(error.message, /plate_map/);
    assert.equal(loose(msg.analysis).result as unknown, 'parameter-value-required');
  });

  it('a rejected upload (Python syntax error, 422) is an error with the robot\'s reason', async function () {
    const t = await NodeUnderTest.deploy(robot, 'opentrons-upload', {});
    const { msg, error } = await t.err({ payload: protocolFile('syntax_error.py'), filename: 'syntax_error.py' });
    assert.equal(error.code, 'ProtocolFilesInvalid');
    assert.match(error.message, /syntax_error\.py/);
    assert.equal(msg.statusCode, 422);
    assert.equal(loose(msg.robotError).id as unknown, 'ProtocolFilesInvalid');
    assert.equal(msg.protocolId, undefined);
  });

  it('an identical re-upload returns the same protocol (200) and says "already on robot"', async function () {
    const t = await NodeUnderTest.deploy(robot, 'opentrons-upload', {});
    const first = await t.ok({ payload: protocolFile('basic_transfer.py'), filename: 'basic_transfer.py' });
    const statuses = t.statusTexts();
    const again = await t.ok({ payload: protocolFile('basic_transfer.py'), filename: 'basic_transfer.py' });
    assert.equal(again.protocolId, first.protocolId);
    assert.equal(again.alreadyOnRobot, true);
    assert.match(statuses[statuses.length - 1], /already on robot/);
    assert.match(statuses[statuses.length - 1], /^ok: Basic transfer/);
  });

  it('list, get (with analyses) and analyze (re-analysis with new values)', async function () {
    const t = await NodeUnderTest.deploy(robot, 'opentrons-upload', {});
    const py = [
      'requirements = {"robotType": "OT-2", "apiLevel": "2.20"}',
      'def add_parameters(parameters):',
      '    parameters.add_int(variable_name="count", display_name="Count", default=2, minimum=1, maximum=8)',
      'def run(protocol):',
      '    protocol.comment("x")',
      '',
    ].join('\n');
    const up = await t.ok({ payload: py, filename: 'count.py' });
    const list = await t.ok({ action: 'list' });
    assert.ok(Array.isArray(list.payload));
    assert.deepEqual((list.payload as Array<{ id: string }>).map((p) => p.id), [up.protocolId]);
    assert.equal(list.action, undefined, 'msg.action is consumed');

    const re = await t.ok({ action: 'analyze', protocolId: up.protocolId, runTimeParameterValues: { count: 5 } });
    assert.notEqual(re.analysisId, up.analysisId, 'a new analysis');
    const rtp = (loose(re.analysis).runTimeParameters as unknown as Array<{ variableName: string; value: unknown }>)[0];
    assert.equal(rtp.value, 5);

    const got = await t.ok({ action: 'get', protocolId: up.protocolId });
    assert.equal(loose(got.payload).id as unknown, up.protocolId);
    assert.equal((got.analyses as unknown[]).length, 2, 'both analyses, oldest first');
    assert.equal(got.analysisId, re.analysisId);
    assert.deepEqual(got.referencingRuns, []);
  });

  it('delete removes a protocol; a protocol used by a run gets ProtocolUsedByRun naming the run', async function () {
    const t = await NodeUnderTest.deploy(robot, 'opentrons-upload', {});
    const up = await t.ok({ payload: protocolFile('basic_transfer.py'), filename: 'basic_transfer.py' });
    const { call } = await import('./simulator-util');
    const created = await call(robot, 'POST', '/runs', { data: { protocolId: up.protocolId } });
    const runId = String(created.body.data.id);
    const inUse = await t.err({ action: 'delete', protocolId: up.protocolId });
    assert.equal(inUse.error.code, 'ProtocolUsedByRun');
    assert.ok(inUse.error.message.includes(runId), 'the message names the run');
    assert.equal(inUse.msg.statusCode, 409);
    assert.equal(loose(inUse.msg.robotError).id as unknown, 'ProtocolUsedByRun');

    await call(robot, 'DELETE', `/runs/${runId}`);
    const deleted = await t.ok({ action: 'delete', protocolId: up.protocolId });
    assert.equal(deleted.protocolId, up.protocolId);
    const gone = await t.err({ action: 'get', protocolId: up.protocolId });
    assert.equal(gone.error.code, 'ProtocolNotFound');
    assert.equal(gone.msg.statusCode, 404);
  });

  describe('bad input gets an error before any request', function () {
    const cases: Array<[string, Record<string, unknown>, TestMsg, RegExp]> = [
      ['no files at all', {}, { payload: { not: 'a file' } }, /no protocol file/],
      ['payload without filename', {}, { payload: 'print(1)' }, /msg\.filename is required/],
      ['a file that is neither Buffer nor string', {}, { files: [{ filename: 'a.py', content: 42 }] }, /must be a Buffer or a string/],
      ['msg.files not an array', {}, { files: { filename: 'a.py', content: 'x' } }, /non-empty array/],
      ['an empty msg.files', {}, { files: [] }, /non-empty array/],
      ['a file without a name', {}, { files: [{ content: 'x' }] }, /filename is required/],
      ['an extension the robot refuses', {}, { payload: 'x', filename: 'protocol.exe' }, /extension/],
      ['a relative editor path', { paths: 'protocols/a.py' }, {}, /absolute path/],
      ['an unknown action', {}, { action: 'upload-and-run' }, /unknown action/],
      ['get without protocolId', {}, { action: 'get' }, /protocolId is required/],
      ['delete with a numeric protocolId', {}, { action: 'delete', protocolId: 7 }, /protocolId is required/],
      ['runTimeParameterValues not an object', {}, { payload: 'x', filename: 'a.py', runTimeParameterValues: '{"a":1}' }, /runTimeParameterValues must be an object/],
      ['a non-string key', {}, { payload: 'x', filename: 'a.py', key: 5 }, /msg\.key must be a string/],
    ];
    for (const [what, props, msg, why] of cases) {
      it(what, async function () {
        const t = await NodeUnderTest.deploy(robot, 'opentrons-upload', props);
        const { error, msg: caught } = await t.err(msg);
        assert.equal(error.code, 'InvalidInput');
        assert.match(error.message, why);
        assert.equal(caught.statusCode, undefined);
        assert.equal(robotRequests(robot), 0, 'no request reached the robot');
      });
    }
  });

  it('no robot configured is an error that says so, with nothing sent', async function () {
    const t = await NodeUnderTest.deploy(robot, 'opentrons-upload', { robot: '' });
    const { error } = await t.err({ payload: 'x', filename: 'a.py' });
    assert.match(error.message, /no robot configured/);
    assert.equal(robotRequests(robot), 0);
  });

  it('closing the node mid-analysis aborts the wait: no request or timer remains, and the msg ends once', async function () {
    const slow = await startRobot('OT-2', 0.01);
    try {
      const t = await NodeUnderTest.deploy(slow, 'opentrons-upload', { analysisTimeout: 600 });
      let errors = 0;
      let sent = 0;
      t.spy('send', () => (sent += 1));
      t.spy('error', () => (errors += 1));
      t.node.receive({ payload: protocolFile('basic_transfer.py'), filename: 'basic_transfer.py' });
      await eventually(() => slow.stats.count('GET', /analyses/) >= 1, 3000, 'analysis polling');
      const t0 = Date.now();
      await unloadFlow();
      assert.ok(Date.now() - t0 < 2000, 'close did not wait for the analysis');
      const polls = slow.stats.count('GET', /analyses/);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(slow.stats.count('GET', /analyses/), polls, 'no polling after close');
      assert.equal(sent, 0);
      assert.equal(errors, 0, 'no error reported for a msg cut short by a redeploy');
      assert.equal(slow.stats.requests.filter((r) => r.status === 0).length, 0, 'no request left in flight');
    } finally {
      await slow.stop();
    }
  });
});
