// Run records through the nodes, against the simulated robot over real HTTP: the command log
// (pages, cursor, the whole log page by page, a run still going, an empty log, a missing run), command
// errors, labware offsets added to a run, CSV data files (upload, again, list, delete refused) and a
// protocol with a CSV parameter analysed and run with its file. Bad input never reaches the robot.
import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finishedRun } from '../bench/long-run';
import { RobotClient } from '../nodes/lib/client';
import { readWholeLog } from '../nodes/lib/command-log';
import type { SimulatedRobot } from '../nodes/lib/simulator';
import type { JsonObject, Run } from '../nodes/lib/types';
import { getNode, loadFlow } from './helpers/nodered';
import { CORE_NODES, NodeUnderTest, eventually, protocolFile, robotConfig, robotRequests, startRobot, unloadFlow, type TestMsg } from './helpers/protocol-nodes';

type Entry = JsonObject & { id: string; commandType: string; params: { message?: string } };

/** A simulated OT-2 (`speed`, `commandMs`) and a client of the test's own for setup and read-back. */
async function start(speed: number, commandMs: number): Promise<[SimulatedRobot, RobotClient]> {
  const robot = await startRobot('OT-2', speed, commandMs);
  return [robot, new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 5000 })];
}

async function stop(robot: SimulatedRobot | undefined, client: RobotClient | undefined): Promise<void> {
  await unloadFlow();
  await client?.close();
  await robot?.stop();
}

describe('run records: command log, command errors, labware offsets', function () {
  this.timeout(60_000);
  let robot: SimulatedRobot;
  let client: RobotClient;

  beforeEach(async function () {
    [robot, client] = await start(1000, 10);
  });
  afterEach(() => stop(robot, client));

  it('commands: msg.cursor and msg.pageLength pass through; no cursor gives the robot\'s default (last) page', async function () {
    const runId = await finishedRun(client, 13);
    const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'commands' });
    const first = await t.ok({ runId, cursor: 0, pageLength: 5, topic: 'kept' });
    assert.deepEqual(first.meta, { cursor: 0, totalLength: 13 });
    assert.equal((first.payload as Entry[]).length, 5);
    assert.equal((first.payload as Entry[])[0].commandType, 'home');
    assert.equal(first.topic, 'kept');
    assert.equal(first.runId, runId);
    const third = await t.ok({ runId, cursor: 10, pageLength: 5 });
    assert.deepEqual(third.meta, { cursor: 10, totalLength: 13 });
    assert.deepEqual((third.payload as Entry[]).map((c) => c.params.message), ['step 10 of 12', 'step 11 of 12', 'step 12 of 12']);
    const dflt = await t.ok({ runId, pageLength: 5 });
    assert.deepEqual(dflt.meta, { cursor: 8, totalLength: 13 }, 'a finished run: the robot picks the last page (capture 123)');
  });

  it('commands with msg.allPages on a 500-command run: every command in order, page by page, one page at a time', async function () {
    const runId = await finishedRun(client, 500);
    const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'commands' });
    const before = robot.stats.count('GET', `/runs/${runId}/commands`);
    const out = await t.ok({ runId, allPages: true, pageLength: 60 });
    const commands = out.payload as Entry[];
    assert.deepEqual(out.meta, { totalLength: 500 });
    assert.equal(commands.length, 500);
    assert.equal(commands[0].commandType, 'home');
    for (let i = 1; i < 500; i++) assert.equal(commands[i].params.message, `step ${i} of 499`, `command ${i} in order`);
    assert.equal(new Set(commands.map((c) => c.id)).size, 500, 'no command twice');
    // ceil(500 / 60) = 9 requests: the log was read in pages of 60, never as one response.
    assert.equal(robot.stats.count('GET', `/runs/${runId}/commands`) - before, 9);
  });

  it('readWholeLog holds one page of the robot\'s answer at a time, and the heap grows by little more than the result', async function () {
    const runId = await finishedRun(client, 500);
    const log = await readWholeLog(client, 'commands', runId, { pageLength: 50 });
    assert.equal(log.pages, 10);
    assert.equal(log.largestPage, 50, 'no response held more than one page');
    assert.equal(log.items.length, 500);
    // The result itself (500 summaries, ~0.3 kB each) is what must stay: bound the growth to a few MB.
    global.gc?.();
    const base = process.memoryUsage().heapUsed;
    const again = await readWholeLog(client, 'commands', runId, { pageLength: 50 });
    const grown = process.memoryUsage().heapUsed - base;
    assert.equal(again.items.length, 500);
    assert.ok(grown < 32 * 1024 * 1024, `heap grew by ${grown} bytes reading a 500-command log`);
  });

  it('a run still going gives the log so far; the editor option "all pages" reads it whole', async function () {
    await stop(robot, client);
    [robot, client] = await start(1, 40);
    const { protocol } = await client.uploadProtocol([{ filename: 'pause_resume.py', content: protocolFile('pause_resume.py') }]);
    await eventually(async () => (await client.listAnalyses(protocol.id)).every((a) => a.status === 'completed'), 5000, 'analysis');
    const run = await client.createRun({ protocolId: protocol.id });
    await client.createRunAction(run.id, 'play');
    await eventually(async () => (await client.getRun(run.id)).status === 'paused', 5000, 'paused by the protocol');
    const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'commands', allPages: true });
    const out = await t.ok({ runId: run.id, pageLength: 1 });
    const commands = out.payload as Entry[];
    const total = (out.meta as { totalLength: number }).totalLength;
    assert.ok(total >= 2, 'some commands ran');
    assert.equal(commands.length, total);
    assert.equal(commands[commands.length - 1].commandType, 'waitForResume', 'the log so far ends at the pause');
    await client.createRunAction(run.id, 'stop');
  });

  it('an empty log, command errors, and a missing run (404 to Catch, nothing else sent)', async function () {
    const empty = await client.createRun({});
    const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'commands', allPages: true });
    const none = await t.ok({ runId: empty.id });
    assert.deepEqual(none.payload, []);
    assert.deepEqual(none.meta, { totalLength: 0 });

    // A setup command that fails leaves one command error.
    await client.createRunCommand(empty.id, { commandType: 'loadLabware', params: { loadName: 'no_such_labware', namespace: 'opentrons', version: 1, location: { slotName: '1' } }, intent: 'setup' }, { waitUntilComplete: true });
    const errors = await t.ok({ runId: empty.id, action: 'command-errors' });
    assert.equal((errors.payload as JsonObject[]).length, 1);
    assert.equal((errors.payload as Array<{ errorType: string }>)[0].errorType, 'LabwareDefinitionDoesNotExistError');
    assert.deepEqual(errors.meta, { totalLength: 1 });

    const missing = await t.err({ runId: 'no-such-run' });
    assert.equal(missing.error.code, 'RunNotFound');
    assert.equal(missing.msg.statusCode, 404);
    assert.equal((missing.msg.robotError as { id: string }).id, 'RunNotFound');
  });

  it('a redeploy in the middle of a whole-log read ends it quietly and closes every socket', async function () {
    const runId = await finishedRun(client, 50);
    const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'commands', allPages: true });
    robot.faults.slowNext({ method: 'GET', path: `/runs/${runId}/commands`, delayMs: 5000 });
    const outcome = t.send({ runId, pageLength: 10 }, 3000).then(() => 'ended', (e: Error) => e.message);
    await eventually(() => robot.stats.requests.some((r) => r.path === `/runs/${runId}/commands` && r.status === 0), 5000, 'the read in flight');
    const t0 = Date.now();
    await unloadFlow();
    assert.ok(Date.now() - t0 < 2500, `close waited ${Date.now() - t0} ms for the slow page`);
    await eventually(() => robot.stats.openConnections() === 0, 3000, 'every socket to the robot closed');
    // The msg ends with done() and no output: nothing reaches the (gone) flow's output or Catch.
    assert.match(await outcome, /ended without output|no outcome/);
  });

  it('bad log requests are refused before anything is sent', async function () {
    const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'commands' });
    const sent = robotRequests(robot);
    for (const [msg, hint] of [
      [{ runId: 'r', cursor: -1 }, /msg.cursor must be a whole number/],
      [{ runId: 'r', pageLength: 0 }, /msg.pageLength must be a whole number from 1/],
      [{ runId: 'r', pageLength: '20' }, /msg.pageLength/],
      [{ runId: 'r', allPages: 'yes' }, /msg.allPages must be true or false/],
      [{ runId: 'r', allPages: true, cursor: 5 }, /cannot be used with msg.allPages/],
      [{ action: 'command-errors' }, /runId \(for command-errors\) is required/],
    ] as const) {
      const r = await t.err({ ...msg });
      assert.match(r.error.message, hint);
      assert.equal(r.error.code, 'InvalidInput');
    }
    assert.equal(robotRequests(robot), sent, 'nothing reached the robot');
  });

  it('add-labware-offsets: one or many on the current run, on top of offsets given at create', async function () {
    const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'create' });
    const atCreate = { definitionUri: 'opentrons/opentrons_96_tiprack_300ul/1', location: { slotName: '1' }, vector: { x: 0, y: 0, z: 0.5 } };
    const created = await t.ok({ labwareOffsets: [atCreate] });
    const runId = created.runId as string;
    assert.equal((created.payload as Run).labwareOffsets.length, 1);

    const one = { definitionUri: 'opentrons/corning_96_wellplate_360ul_flat/2', location: { slotName: '2' }, vector: { x: 0.1, y: 0.2, z: 0.3 } };
    const two = { definitionUri: 'opentrons/corning_96_wellplate_360ul_flat/2', location: { slotName: '3' }, vector: { x: -0.1, y: 0, z: 1 } };
    const single = await t.ok({ action: 'add-labware-offsets', runId, labwareOffsets: one });
    assert.equal((single.payload as JsonObject[]).length, 1);
    assert.deepEqual((single.payload as JsonObject[])[0].vector, one.vector);
    const many = await t.ok({ action: 'add-labware-offsets', runId, labwareOffsets: [two, one] });
    assert.deepEqual((many.payload as Array<{ location: JsonObject }>).map((o) => o.location), [{ slotName: '3' }, { slotName: '2' }]);
    const offsets = (await client.getRun(runId)).labwareOffsets as Array<{ location: { slotName: string } }>;
    assert.deepEqual(offsets.map((o) => o.location.slotName), ['1', '2', '3', '2']);

    // A bad single offset is named as msg.labwareOffsets, not as [0] of a list the msg never had.
    const sent = robotRequests(robot);
    const badOne = await t.err({ action: 'add-labware-offsets', runId, labwareOffsets: { ...one, vector: { x: 1 } } });
    assert.equal(badOne.error.code, 'InvalidInput');
    assert.match(badOne.error.message, /msg\.labwareOffsets\.vector must be \{x, y, z\}/);
    assert.equal(robotRequests(robot), sent, 'nothing reached the robot');

    // A run that is no longer current refuses (409 RunStopped, capture 136).
    await client.createRun({});
    const refused = await t.err({ action: 'add-labware-offsets', runId, labwareOffsets: one });
    assert.equal(refused.error.code, 'RunStopped');
    assert.equal(refused.msg.statusCode, 409);
  });

  it('add-labware-offsets half-applied: the second of three refused by the robot → the error names the one added and the one refused, the third is not sent; only the fields the robot knows are sent', async function () {
    const run = await client.createRun({});
    const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'add-labware-offsets' });
    const first = {
      definitionUri: 'opentrons/corning_96_wellplate_360ul_flat/2',
      location: { slotName: '2', moduleModel: 'temperatureModuleV2', note: 'not for the robot' },
      vector: { x: 0.1, y: 0, z: 1, w: 4 },
      id: 'my-own-id',
      comment: 'from the LIMS',
    };
    // The robot knows its deck slot names (DeckSlotName): "13" is none of them.
    const second = { definitionUri: 'opentrons/corning_96_wellplate_360ul_flat/2', location: { slotName: '13' }, vector: { x: 0, y: 0, z: 1 } };
    const third = { definitionUri: 'opentrons/opentrons_96_tiprack_300ul/1', location: { slotName: '3' }, vector: { x: 0, y: 0, z: 0 } };
    robot.stats.keepBodies = true;
    const posts = (): Array<{ body?: string; status: number }> => robot.stats.requests.filter((r) => r.method === 'POST' && r.path === `/runs/${run.id}/labware_offsets`);

    const { msg, error } = await t.err({ runId: run.id, labwareOffsets: [first, second, third] });
    assert.equal(error.code, 'InvalidRequest', 'the robot\'s own error id');
    assert.equal(msg.statusCode, 422);
    assert.match(error.message, /the robot refused offset 2 of 3 \(opentrons\/corning_96_wellplate_360ul_flat\/2 in slot 13\): Invalid Request: value is not a valid enumeration member/);
    assert.match(error.message, /Offset 1 \(opentrons\/corning_96_wellplate_360ul_flat\/2 in slot 2 on temperatureModuleV2\) was added and stays on the run \(msg\.labwareOffsetsAdded\)/);
    assert.match(error.message, /offset 3 \(opentrons\/opentrons_96_tiprack_300ul\/1 in slot 3\) was not sent/);
    const added = msg.labwareOffsetsAdded as Array<{ id: string; location: JsonObject }>;
    assert.equal(added.length, 1);
    assert.deepEqual(added[0].location, { slotName: '2', moduleModel: 'temperatureModuleV2' });
    assert.deepEqual((await client.getRun(run.id)).labwareOffsets.map((o) => o.id), [added[0].id], 'the first stays on the run');

    // At the robot: two requests (the third never sent), each with only LabwareOffsetCreate's fields.
    assert.deepEqual(posts().map((p) => p.status), [201, 422]);
    assert.deepEqual(JSON.parse(posts()[0].body ?? ''), {
      data: { definitionUri: first.definitionUri, location: { slotName: '2', moduleModel: 'temperatureModuleV2' }, vector: { x: 0.1, y: 0, z: 1 } },
    });

    // Success says what was added too.
    const ok = await t.ok({ runId: run.id, labwareOffsets: [third] });
    assert.deepEqual((ok.labwareOffsetsAdded as JsonObject[]).map((o) => o.id), (ok.payload as JsonObject[]).map((o) => o.id));
    assert.equal(posts().length, 3);
  });

  it('bad offsets: each is checked before the first is sent, so nothing reaches the robot', async function () {
    const run = await client.createRun({});
    const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'add-labware-offsets' });
    const good = { definitionUri: 'opentrons/corning_96_wellplate_360ul_flat/2', location: { slotName: '2' }, vector: { x: 0, y: 0, z: 1 } };
    const sent = robotRequests(robot);
    for (const [labwareOffsets, hint] of [
      [undefined, /msg.labwareOffsets is required/],
      [[], /msg.labwareOffsets is required/],
      [[good, { ...good, vector: { x: 0, y: 0 } }], /msg.labwareOffsets\[1\].vector must be \{x, y, z\}/],
      [[good, { ...good, definitionUri: '' }], /msg.labwareOffsets\[1\].definitionUri/],
      [[{ ...good, location: { slot: '2' } }], /location must be an object with a slotName/],
      ['2', /must be an array/],
      [[good, { ...good, vector: { x: Infinity, y: 0, z: 0 } }], /numbers/],
    ] as const) {
      const r = await t.err({ runId: run.id, labwareOffsets });
      assert.match(r.error.message, hint);
    }
    assert.equal(robotRequests(robot), sent, 'no offset was sent');
    assert.equal((await client.getRun(run.id)).labwareOffsets.length, 0);
  });
});

describe('run records: CSV data files and a protocol with a CSV parameter', function () {
  this.timeout(60_000);
  let robot: SimulatedRobot;
  let client: RobotClient;
  const csv = protocolFile('plate_map.csv');

  beforeEach(async function () {
    [robot, client] = await start(50, 100);
  });
  afterEach(() => stop(robot, client));

  it('upload-data-file, the same bytes again (same id), list-data-files, and delete-data-file refused by robot software 8.1', async function () {
    const t = await NodeUnderTest.deploy(robot, 'opentrons-upload', { action: 'upload-data-file' });
    const first = await t.ok({ payload: csv, filename: 'plate_map.csv' });
    assert.equal(typeof first.dataFileId, 'string');
    assert.equal(first.alreadyOnRobot, false);
    assert.equal((first.payload as { name: string }).name, 'plate_map.csv');
    const again = await t.ok({ payload: csv.toString('utf8'), filename: 'plate_map.csv' });
    assert.equal(again.dataFileId, first.dataFileId);
    assert.equal(again.alreadyOnRobot, true);
    const list = await t.ok({ action: 'list-data-files' });
    assert.deepEqual((list.payload as Array<{ id: string }>).map((f) => f.id), [first.dataFileId]);
    const del = await t.err({ action: 'delete-data-file', dataFileId: first.dataFileId });
    assert.match(del.error.message, /this robot cannot delete data files/);
    assert.equal(del.msg.statusCode, 405);
    assert.equal((del.msg.robotError as { detail: string }).detail, 'Method Not Allowed');
    assert.equal((await client.listDataFiles()).length, 1, 'the file is still there');
  });

  it('upload-data-file from a path set in the editor, streamed from disk under its own name', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'h15a-csv-'));
    try {
      const path = join(dir, 'wells.csv');
      writeFileSync(path, 'well,volume\nD4,12\n');
      const t = await NodeUnderTest.deploy(robot, 'opentrons-upload', { action: 'upload-data-file', paths: path });
      const out = await t.ok({});
      assert.equal((out.payload as { name: string }).name, 'wells.csv');
      const [file] = await client.listDataFiles();
      assert.equal(file.id, out.dataFileId);
      const text = await (await fetch(`${robot.url}/dataFiles/${file.id}/download`, { headers: { 'opentrons-version': '3' } })).text();
      assert.equal(text, 'well,volume\nD4,12\n', 'the robot holds the file\'s bytes');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bad data file input is refused before anything is sent', async function () {
    const t = await NodeUnderTest.deploy(robot, 'opentrons-upload', { action: 'upload-data-file' });
    const sent = robotRequests(robot);
    for (const [msg, hint] of [
      [{ payload: csv }, /msg.filename is required/],
      [{ payload: csv, filename: 'notes.txt' }, /not a .csv file/],
      [{ payload: csv, filename: 'exports/' }, /names a folder/],
      [{ payload: 42, filename: 'a.csv' }, /no protocol file|must be/],
      [{ files: [{ filename: 'a.csv', content: 'x' }, { filename: 'b.csv', content: 'y' }] }, /one file at a time/],
      [{ action: 'delete-data-file' }, /msg.dataFileId is required/],
      [{ action: 'delete-data-file', dataFileId: 7 }, /msg.dataFileId must be a string/],
    ] as const) {
      const r = await t.err({ ...msg });
      assert.match(r.error.message, hint);
    }
    assert.equal(robotRequests(robot), sent, 'nothing reached the robot');
  });

  it('a CSV parameter: analysed without its file, then with it; run with it (succeeds) and without it (fails like the robot)', async function () {
    const dataFileId = (await client.uploadDataFile({ filename: 'plate_map.csv', content: csv })).dataFile.id;
    const up = await NodeUnderTest.deploy(robot, 'opentrons-upload', { action: 'upload', passNotOk: true });
    const uploaded = await up.ok({ payload: protocolFile('csv_plate_map.py'), filename: 'csv_plate_map.py' });
    assert.equal((uploaded.analysis as { result: string }).result, 'parameter-value-required');
    const protocolId = uploaded.protocolId as string;

    const analysed = await up.ok({ action: 'analyze', protocolId, runTimeParameterFiles: { plate_map: dataFileId } });
    const analysis = analysed.analysis as { result: string; runTimeParameters: Array<{ file?: { id: string; name: string } }> };
    assert.equal(analysis.result, 'ok');
    assert.deepEqual(analysis.runTimeParameters[0].file, { id: dataFileId, name: 'plate_map.csv' });

    const missing = await up.err({ action: 'analyze', protocolId, runTimeParameterFiles: { plate_map: '00000000-0000-0000-0000-000000000000' } });
    assert.equal(missing.error.code, 'FileIdNotFound');
    assert.equal(missing.msg.statusCode, 422);

    await unloadFlow();
    const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'create' });
    const created = await t.ok({ protocolId, runTimeParameterFiles: { plate_map: dataFileId } });
    assert.deepEqual(((created.payload as Run).runTimeParameters as Array<{ file: JsonObject }>)[0].file, { id: dataFileId, name: 'plate_map.csv' });
    const played = await t.ok({ action: 'play', runId: created.runId, waitForStatus: true });
    await eventually(async () => (await client.getRun(played.runId as string)).status === 'succeeded', 5000, 'run succeeded');

    const noSuchFile = await t.err({ protocolId, runTimeParameterFiles: { plate_map: '00000000-0000-0000-0000-000000000000' } });
    assert.equal(noSuchFile.error.code, 'FileIdNotFound');
    assert.equal(noSuchFile.msg.statusCode, 422);

    const without = await t.ok({ protocolId });
    await client.createRunAction(without.runId as string, 'play');
    await eventually(async () => (await client.getRun(without.runId as string)).status === 'failed', 5000, 'run failed');
    const failed = await client.getRun(without.runId as string);
    assert.equal(failed.errors[0].errorType, 'ExceptionInProtocolError');
    assert.equal(failed.errors[0].wrappedErrors?.[0].errorType, 'RuntimeParameterRequired');
    assert.match(failed.errors[0].detail, /\[line 12\]/);
    assert.deepEqual((await client.listCommandErrors(without.runId as string)).data, [], 'the protocol failed, not a command (capture 164)');
  });

  it('msg.runTimeParameterFiles must map names to id strings: refused before anything is sent', async function () {
    const t = await NodeUnderTest.deploy(robot, 'opentrons-run', { action: 'create' });
    const sent = robotRequests(robot);
    for (const files of [['id'], 'id', { plate_map: 5 }, { plate_map: '' }]) {
      const r = await t.err({ protocolId: 'p', runTimeParameterFiles: files });
      assert.match(r.error.message, /msg.runTimeParameterFiles/);
    }
    assert.equal(robotRequests(robot), sent);
  });
});

describe('run records: opentrons-status "run ended" output with the whole log', function () {
  this.timeout(30_000);
  let robot: SimulatedRobot;
  let client: RobotClient;

  beforeEach(async function () {
    [robot, client] = await start(1000, 10);
  });
  afterEach(() => stop(robot, client));

  async function deployStatus(extra: Record<string, unknown>): Promise<{ ended: TestMsg[]; caught: TestMsg[] }> {
    const z = 'tab';
    const at = { z, x: 100, y: 100 };
    await loadFlow(
      [
        { id: z, type: 'tab', label: 'records' },
        robotConfig(robot),
        { id: 'st', ...at, type: 'opentrons-status', robot: 'robot', runId: '', interval: '20', autostart: false, wires: [[], ['ended']], ...extra },
        { id: 'ended', ...at, type: 'helper' },
        { id: 'catch', ...at, type: 'catch', scope: ['st'], uncaught: false, wires: [['caught']] },
        { id: 'caught', ...at, type: 'helper' },
      ],
      { types: ['opentrons-robot', 'opentrons-status'], extraNodes: CORE_NODES },
    );
    const ended: TestMsg[] = [];
    const caught: TestMsg[] = [];
    (getNode('ended') as unknown as EventEmitter).on('input', (m: TestMsg) => ended.push(m));
    (getNode('caught') as unknown as EventEmitter).on('input', (m: TestMsg) => caught.push(m));
    return { ended, caught };
  }

  it('with "include the log", the run-ended msg carries every command and command error, in order', async function () {
    // (A run ending while watched is covered end to end by the run-records example.)
    const run = await client.getRun(await finishedRun(client, 300));
    const { ended } = await deployStatus({ includeLog: true });
    getNode('st').receive({ runId: run.id });
    await eventually(() => ended.length === 1, 15_000, 'the run-ended msg');
    const msg = ended[0];
    assert.equal(msg.topic, 'succeeded');
    assert.equal((msg.commands as Entry[]).length, 300);
    assert.equal((msg.commands as Entry[])[299].params.message, 'step 299 of 299');
    assert.deepEqual(msg.commandErrors, []);
    assert.equal((msg.run as Run).id, run.id);
    assert.equal((msg.run as Run).status, 'succeeded');
  });

  it('two status nodes with "include the log" on one run: the robot is read once, each msg has its own arrays', async function () {
    const runId = await finishedRun(client, 300);
    const z = 'tab';
    const at = { z, x: 100, y: 100 };
    const status = (id: string) => ({ id, ...at, type: 'opentrons-status', robot: 'robot', runId: '', interval: '20', autostart: false, includeLog: true, wires: [[], ['ended']] });
    await loadFlow(
      [{ id: z, type: 'tab', label: 'records' }, robotConfig(robot), status('st'), status('st2'), { id: 'ended', ...at, type: 'helper' }],
      { types: ['opentrons-robot', 'opentrons-status'], extraNodes: CORE_NODES },
    );
    const ended: TestMsg[] = [];
    (getNode('ended') as unknown as EventEmitter).on('input', (m: TestMsg) => ended.push(m));
    getNode('st').receive({ runId });
    getNode('st2').receive({ runId });
    await eventually(() => ended.length === 2, 15_000, 'both run-ended msgs');
    assert.deepEqual(ended.map((m) => (m.commands as Entry[]).length), [300, 300]);
    assert.notEqual(ended[0].commands, ended[1].commands, 'each msg its own array');
    assert.equal(robot.stats.count('GET', `/runs/${runId}/commandErrors`), 1, 'one read of the log for both nodes');
  });

  it('without the option the run-ended msg has no log', async function () {
    const runId = await finishedRun(client, 20);
    const { ended } = await deployStatus({});
    getNode('st').receive({ runId });
    await eventually(() => ended.length === 1, 10_000, 'the run-ended msg');
    assert.equal(ended[0].topic, 'succeeded');
    assert.equal(ended[0].commands, undefined);
    assert.equal(ended[0].commandErrors, undefined);
  });

  it('a redeploy while the log is being read aborts the read: nothing is sent, nothing is left open', async function () {
    const runId = await finishedRun(client, 5);
    const { ended, caught } = await deployStatus({ includeLog: true });
    robot.faults.slowNext({ method: 'GET', path: `/runs/${runId}/commandErrors`, delayMs: 5000 });
    getNode('st').receive({ runId });
    await eventually(() => robot.stats.requests.some((r) => r.path === `/runs/${runId}/commandErrors` && r.status === 0), 10_000, 'the log read in flight');
    const t0 = Date.now();
    await unloadFlow();
    assert.ok(Date.now() - t0 < 2500, `close waited ${Date.now() - t0} ms for the slow read`);
    await eventually(() => robot.stats.openConnections() === 0, 3000, 'every socket to the robot closed');
    assert.equal(ended.length, 0);
    assert.equal(caught.length, 0, 'an aborted read is not an error');
  });

  it('a log that cannot be read reaches Catch with the run-ended msg', async function () {
    const runId = await finishedRun(client, 5);
    const { ended, caught } = await deployStatus({ includeLog: true });
    // Every read of the log fails, retries included.
    robot.faults.failNext({ method: 'GET', path: `/runs/${runId}/commandErrors`, count: 1000, status: 500 });
    getNode('st').receive({ runId });
    await eventually(() => caught.length === 1, 10_000, 'the error at Catch');
    assert.equal(ended.length, 0, 'an incomplete record is not sent on');
    assert.equal(caught[0].runId, runId);
    assert.match((caught[0].error as { message: string }).message, /500/);
  });
});
