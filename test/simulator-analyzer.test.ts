// The simulated robot with Opentrons' own protocol analyzer (issue 21 §1–§3): analyses of the sample Python
// protocols equal the real robot-server's captures by value, runs execute the analysis's commands, parameters and CSV
// files change them, custom labware is used, and the analyzer missing, failing, hanging and cached. The analyzer is
// the one scripts/test-binaries set up (OPENTRONS_ANALYZER, test/setup/analyzer.ts); fakes are shell scripts.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedRobot, type SimulatorOptions } from '../nodes/lib/simulator';
import { IdMap } from './conformance/ids';
import { CAPTURE_DIR } from './conformance/replay';
import { compareValues } from './conformance/values';
import { arr, call, waitUntil, type Loose } from './simulator-util';

const FIXTURES = join(__dirname, '..', '..', 'test', 'fixtures', 'protocols');
// Generous: the real analyzer takes ~2.5 s on an idle machine and several times that on a loaded one.
const ANALYSIS_MS = 120_000;

function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

function captureBody(file: string): Loose {
  return (JSON.parse(readFileSync(join(CAPTURE_DIR, file), 'utf8')) as { response: { body: Loose } }).response.body;
}

async function upload(robot: SimulatedRobot, files: [string, Buffer][], fields: Record<string, string> = {}): Promise<{ status: number; body: Loose }> {
  const form = new FormData();
  for (const [name, content] of files) form.append('files', new Blob([new Uint8Array(content)]), name);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const res = await fetch(`${robot.url}/protocols`, { method: 'POST', headers: { 'opentrons-version': '3' }, body: form });
  return { status: res.status, body: (await res.json()) as Loose };
}

async function uploadDataFile(robot: SimulatedRobot, name: string, content: Buffer): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(content)]), name);
  const res = await fetch(`${robot.url}/dataFiles`, { method: 'POST', headers: { 'opentrons-version': '3' }, body: form });
  return String(((await res.json()) as Loose).data.id);
}

async function analysis(robot: SimulatedRobot, protocolId: string, analysisId: string): Promise<Loose> {
  const r = await waitUntil(
    () => call(robot, 'GET', `/protocols/${protocolId}/analyses/${analysisId}`),
    (x) => String(x.body.data?.status) === 'completed',
    ANALYSIS_MS,
  );
  return r.body.data;
}

async function uploadAndAnalyse(robot: SimulatedRobot, files: [string, Buffer][], fields: Record<string, string> = {}): Promise<{ protocolId: string; analysis: Loose; text: string }> {
  const up = await upload(robot, files, fields);
  assert.ok(up.status === 201 || up.status === 200, JSON.stringify(up.body));
  const protocolId = String(up.body.data.id);
  const analysisId = String(arr(up.body.data.analysisSummaries).at(-1)?.id);
  const a = await analysis(robot, protocolId, analysisId);
  const text = (await call(robot, 'GET', `/protocols/${protocolId}/analyses/${analysisId}`)).text;
  return { protocolId, analysis: a, text };
}

/** Create a run, play it through its pauses (answering each) and return the run and its commands. */
async function runToEnd(robot: SimulatedRobot, body: Record<string, unknown>, onPause?: (run: Loose) => void): Promise<{ run: Loose; commands: Loose[] }> {
  const created = await call(robot, 'POST', '/runs', { data: body });
  assert.equal(created.status, 201, created.text);
  const runId = String(created.body.data.id);
  for (;;) {
    await call(robot, 'POST', `/runs/${runId}/actions`, { data: { actionType: 'play' } });
    const run = (await waitUntil(() => call(robot, 'GET', `/runs/${runId}`), (r) => ['paused', 'succeeded', 'failed', 'stopped'].includes(String(r.body.data.status)), ANALYSIS_MS)).body.data;
    if (String(run.status) !== 'paused') {
      const commands = arr((await call(robot, 'GET', `/runs/${runId}/commands?cursor=0&pageLength=500`)).body.data);
      return { run, commands };
    }
    onPause?.(run);
  }
}

/** What a run's command list shares with its analysis: types, keys and params, in order. */
function script(commands: Loose[]): unknown[] {
  return commands.map((c) => [c.commandType, c.key, c.params]);
}

/**
 * A run's commands are its analysis's: same types, keys (literally) and params, where the ids of what the engine
 * loaded (UUIDs) are the run's own, paired one-to-one with the analysis's (as on the robot).
 */
function sameScript(run: Loose[], analysed: Loose[]): void {
  assert.deepEqual(run.map((c) => c.key), analysed.map((c) => c.key));
  assert.deepEqual(compareValues(analysed.map((c) => [c.commandType, c.params]), run.map((c) => [c.commandType, c.params]), new IdMap(), { keys: true }), []);
}

function sameAsCapture(ours: Loose, capture: Loose): void {
  assert.deepEqual(compareValues(capture, ours, new IdMap(), { keys: true }), []);
}

function requireAnalyzer(): string {
  const path = process.env.OPENTRONS_ANALYZER;
  assert.ok(path, 'OPENTRONS_ANALYZER is not set: run `node dist/scripts/test-binaries.js` (npm test does) so the test run finds Opentrons\' analyzer');
  return path;
}

describe('simulated robot with Opentrons\' analyzer', function () {
  this.timeout(600_000);
  const robots: SimulatedRobot[] = [];
  const logs: string[] = [];
  let ot2: SimulatedRobot;
  let flex: SimulatedRobot;
  let dir: string;
  const start = async (opts: SimulatorOptions): Promise<SimulatedRobot> => {
    const r = await SimulatedRobot.start({ speed: 1000, log: (l) => logs.push(l), ...opts });
    robots.push(r);
    return r;
  };
  /** A fake analyzer: a shell script with `body` for an analysis; `--help` lists the options (without the rtp ones when `rtp` is false). */
  const fake = (name: string, body: string, rtp = true): string => {
    const file = join(dir, name);
    const help = `Usage: analyze [OPTIONS] FILES...\n  --json-output FILENAME\n${rtp ? '  --rtp-values TEXT\n  --rtp-files TEXT\n' : ''}  --help`;
    writeFileSync(file, `#!/bin/sh\nif [ "$1" = --help ]; then printf '%s\\n' '${help}'; exit 0; fi\n${body}\n`);
    chmodSync(file, 0o755);
    return file;
  };
  /** Run with OPENTRONS_ANALYZER set to `path`, restored after. */
  const withAnalyzer = async <T>(path: string, fn: () => Promise<T>): Promise<T> => {
    const before = process.env.OPENTRONS_ANALYZER;
    process.env.OPENTRONS_ANALYZER = path;
    try {
      return await fn();
    } finally {
      if (before === undefined) delete process.env.OPENTRONS_ANALYZER;
      else process.env.OPENTRONS_ANALYZER = before;
    }
  };

  // The analyses every test below reads, made once (the analyzer is the slow part).
  const done: Record<string, { protocolId: string; analysis: Loose; text: string }> = {};
  let csvFileId = '';

  before(async () => {
    requireAnalyzer();
    dir = mkdtempSync(join(tmpdir(), 'analyzer-test-'));
    ot2 = await start({ model: 'OT-2', analyzer: 'opentrons' });
    flex = await start({ model: 'Flex', analyzer: 'opentrons' });
    assert.equal(ot2.analyzer.kind, 'opentrons');
    done.transfer = await uploadAndAnalyse(ot2, [['basic_transfer.py', fixture('basic_transfer.py')]]);
    done.pause = await uploadAndAnalyse(ot2, [['pause_resume.py', fixture('pause_resume.py')]]);
    done.runtime = await uploadAndAnalyse(ot2, [['runtime_error.py', fixture('runtime_error.py')]]);
    done.flex = await uploadAndAnalyse(flex, [['flex_basic.py', fixture('flex_basic.py')]]);
    done.csvNoFile = await uploadAndAnalyse(ot2, [['csv_plate_map.py', fixture('csv_plate_map.py')]]);
    csvFileId = await uploadDataFile(ot2, 'plate_map.csv', fixture('plate_map.csv'));
    const re = await call(ot2, 'POST', `/protocols/${done.csvNoFile.protocolId}/analyses`, { data: { runTimeParameterFiles: { plate_map: csvFileId } } });
    assert.equal(re.status, 201, re.text);
    done.csvFile = { protocolId: done.csvNoFile.protocolId, analysis: await analysis(ot2, done.csvNoFile.protocolId, String(arr(re.body.data).at(-1)?.id)), text: '' };
    done.custom = await uploadAndAnalyse(ot2, [['custom_rtp.py', fixture('custom_rtp.py')], ['labwire_96_plate_200ul.json', fixture('labwire_96_plate_200ul.json')]]);
    const three = await call(ot2, 'POST', `/protocols/${done.custom.protocolId}/analyses`, { data: { runTimeParameterValues: { count: 3, volume: 80 } } });
    assert.equal(three.status, 201, three.text);
    done.customThree = { protocolId: done.custom.protocolId, analysis: await analysis(ot2, done.custom.protocolId, String(arr(three.body.data).at(-1)?.id)), text: '' };
  });

  after(async () => {
    await Promise.all(robots.map((r) => r.stop()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('analyses equal the real robot-server\'s by value (ids and timestamps aside)', () => {
    it('basic transfer = capture 24 (GET analysis by id); no simulation marker, and the analyzer\'s own output stays out', () => {
      const a = done.transfer.analysis;
      assert.equal(a.simulation, undefined);
      sameAsCapture(a, captureBody('24-protocols-analysis-by-id.json').data);
      assert.doesNotMatch(done.transfer.text, /robot_settings|Loading defaults|calibration not found/i);
    });

    it('runtime error = capture 47 (not-ok, the failing aspirate and ExceptionInProtocolError)', () => {
      const a = done.runtime.analysis;
      assert.equal(a.result, 'not-ok');
      sameAsCapture(a, arr(captureBody('47-protocols-analyses-runtime-error.json').data)[0]);
    });

    it('Flex protocol = capture 90', () => {
      sameAsCapture(done.flex.analysis, arr(captureBody('90-flex-protocols-analyses.json').data)[0]);
    });

    it('CSV parameter without a file = capture 149 (parameter-value-required), with the file = capture 154', () => {
      assert.equal(done.csvNoFile.analysis.result, 'parameter-value-required');
      sameAsCapture(done.csvNoFile.analysis, arr(captureBody('149-protocols-analyses-csv-parameter-no-file.json').data)[0]);
      sameAsCapture(done.csvFile.analysis, captureBody('154-protocols-analysis-with-csv-file.json').data);
    });

    it('a syntax error is still the robot\'s 422 at upload (capture 44), with no analysis made', async () => {
      const up = await upload(ot2, [['syntax_error.py', fixture('syntax_error.py')]]);
      assert.equal(up.status, 422);
      assert.equal(String(arr(up.body.errors)[0]?.id), String(arr(captureBody('44-protocols-upload-syntax-error.json').errors)[0]?.id));
    });
  });

  describe('custom labware and run-time parameters', () => {
    it('loads the uploaded custom labware definition', () => {
      const a = done.custom.analysis;
      assert.equal(a.result, 'ok', JSON.stringify(a.errors));
      const plate = arr(a.labware).find((l) => String(l.loadName) === 'labwire_96_plate_200ul');
      assert.equal(plate?.definitionUri, 'custom_beta/labwire_96_plate_200ul/1');
      const load = arr(a.commands).find((c) => String(c.commandType) === 'loadLabware' && String(c.params.loadName) === 'labwire_96_plate_200ul');
      assert.equal(load?.result.definition.metadata.displayName, 'Labwire 96 plate 200 µL (test)');
    });

    it('other values change the command list: 2 transfers by default, 3 of 80 µL with count=3', () => {
      const count = (a: Loose): number => arr(a.commands).filter((c) => String(c.commandType) === 'aspirate').length;
      assert.equal(count(done.custom.analysis), 2);
      assert.equal(count(done.customThree.analysis), 3);
      assert.deepEqual(arr(done.customThree.analysis.commands).filter((c) => String(c.commandType) === 'aspirate').map((c) => c.params.volume), [80, 80, 80]);
      assert.deepEqual(arr(done.customThree.analysis.runTimeParameters).map((p) => [p.variableName, p.value]), [['count', 3], ['volume', 80]]);
    });

    it('a CSV file changes the command list: one transfer per row after the header', () => {
      assert.equal(arr(done.csvFile.analysis.commands).filter((c) => String(c.commandType) === 'aspirate').length, 2);
      assert.equal(arr(done.csvNoFile.analysis.commands).length, 1);
    });
  });

  describe('runs follow the analysis', () => {
    it('basic transfer: the run\'s commands are the analysis\'s (types, keys, params) and it succeeds', async () => {
      const { run, commands } = await runToEnd(ot2, { protocolId: done.transfer.protocolId });
      assert.equal(run.status, 'succeeded', JSON.stringify(run.errors));
      sameScript(commands, arr(done.transfer.analysis.commands));
      assert.deepEqual(arr(run.labware).map((l) => l.loadName).sort(), arr(done.transfer.analysis.labware).map((l) => l.loadName).sort());
    });

    it('pause and resume: pauses at the analysis\'s waitForResume with its message, then finishes with the same commands', async () => {
      const messages: string[] = [];
      const { run, commands } = await runToEnd(ot2, { protocolId: done.pause.protocolId }, (paused) => {
        messages.push(String(paused.status));
      });
      assert.deepEqual(messages, ['paused']);
      assert.equal(run.status, 'succeeded');
      const wait = commands.find((c) => String(c.commandType) === 'waitForResume');
      assert.equal(wait?.params.message, 'Check the tip, then resume');
      sameScript(commands, arr(done.pause.analysis.commands));
    });

    it('runtime error: the run fails at the same command with the same errors', async () => {
      const { run, commands } = await runToEnd(ot2, { protocolId: done.runtime.protocolId });
      assert.equal(run.status, 'failed');
      const failed = commands.find((c) => String(c.status) === 'failed');
      const analysed = arr(done.runtime.analysis.commands).find((c) => String(c.status) === 'failed');
      assert.equal(failed?.key, analysed?.key);
      assert.deepEqual([failed?.error.errorType, failed?.error.detail], [analysed?.error.errorType, analysed?.error.detail]);
      const want = arr(done.runtime.analysis.errors)[0];
      assert.deepEqual([arr(run.errors)[0]?.errorType, arr(run.errors)[0]?.detail], [want.errorType, want.detail]);
      sameScript(commands, arr(done.runtime.analysis.commands));
    });

    it('a run with its own parameter values and CSV file executes the analysis of those (custom labware, count=3, the delay)', async () => {
      const three = await runToEnd(ot2, { protocolId: done.custom.protocolId, runTimeParameterValues: { count: 3, volume: 80 } });
      assert.equal(three.run.status, 'succeeded', JSON.stringify(three.run.errors));
      sameScript(three.commands, arr(done.customThree.analysis.commands));
      assert.ok(three.commands.some((c) => String(c.commandType) === 'waitForDuration' && Number(c.params.seconds) === 30));
      const csv = await runToEnd(ot2, { protocolId: done.csvNoFile.protocolId, runTimeParameterFiles: { plate_map: csvFileId } });
      assert.equal(csv.run.status, 'succeeded', JSON.stringify(csv.run.errors));
      sameScript(csv.commands, arr(done.csvFile.analysis.commands));
    });

    it('a CSV protocol run without its file fails with the analysis\'s RuntimeParameterRequired error', async () => {
      const { run } = await runToEnd(ot2, { protocolId: done.csvNoFile.protocolId });
      assert.equal(run.status, 'failed');
      assert.match(String(arr(run.errors)[0]?.detail), /CSV parameter needs to be set to a file/);
    });

    it('Flex: the run executes the analysis\'s commands', async () => {
      const { run, commands } = await runToEnd(flex, { protocolId: done.flex.protocolId });
      assert.equal(run.status, 'succeeded', JSON.stringify(run.errors));
      sameScript(commands, arr(done.flex.analysis.commands));
    });
  });

  describe('a run whose analysis is still being made', () => {
    it('is created at once; played, it runs with no command until the analysis is there, then executes it', async () => {
      const canned = join(dir, 'canned.json');
      writeFileSync(canned, JSON.stringify(done.customThree.analysis));
      const go = join(dir, 'go');
      // analyses with parameter values wait for the test's "go": the run's own analysis is under the test's control
      const gated = fake('gated', `case "$*" in *--rtp-values*) while [ ! -f ${go} ]; do sleep 0.05; done;; esac\nwhile [ "$1" != --json-output ]; do shift; done; cp ${canned} "$2"`);
      const robot = await withAnalyzer(gated, () => start({ analyzer: 'opentrons' }));
      const { protocolId } = await uploadAndAnalyse(robot, [['custom_rtp.py', fixture('custom_rtp.py')], ['labwire_96_plate_200ul.json', fixture('labwire_96_plate_200ul.json')]]);
      const created = await call(robot, 'POST', '/runs', { data: { protocolId, runTimeParameterValues: { count: 5 } } });
      assert.equal(created.status, 201, created.text);
      const runId = String(created.body.data.id);
      await call(robot, 'POST', `/runs/${runId}/actions`, { data: { actionType: 'play' } });
      assert.equal(String((await call(robot, 'GET', `/runs/${runId}`)).body.data.status), 'running');
      assert.equal(Number((await call(robot, 'GET', `/runs/${runId}/commands`)).body.meta.totalLength), 0);
      writeFileSync(go, '');
      await waitUntil(() => call(robot, 'GET', `/runs/${runId}`), (r) => String(r.body.data.status) === 'succeeded', ANALYSIS_MS);
      const commands = arr((await call(robot, 'GET', `/runs/${runId}/commands?cursor=0&pageLength=100`)).body.data);
      sameScript(commands, arr(done.customThree.analysis.commands));
    });
  });

  describe('finding the analyzer', () => {
    it('`opentrons` with none found is a start-up error naming what to install or set; `auto` falls back to the stand-in', async () => {
      await withAnalyzer(join(dir, 'not-there'), async () => {
        await assert.rejects(SimulatedRobot.start({ analyzer: 'opentrons', log: () => undefined }), (e: Error & { code?: string }) => {
          assert.equal(e.code, 'AnalyzerNotFound');
          assert.match(e.message, /OPENTRONS_ANALYZER=.*not-there/);
          assert.match(e.message, /pip install "opentrons>=8\.2"/);
          return true;
        });
        const robot = await start({ analyzer: 'auto' });
        assert.equal(robot.analyzer.kind, 'stand-in');
        const { analysis: a } = await uploadAndAnalyse(robot, [['basic_transfer.py', fixture('basic_transfer.py')]]);
        assert.equal(a.simulation?.interpreted, false);
      });
    });

    it('`auto` uses Opentrons\' analyzer when OPENTRONS_ANALYZER names one, and says so once', async () => {
      const robot = await start({ analyzer: 'auto' });
      assert.equal(robot.analyzer.kind, 'opentrons');
      assert.match(robot.analyzerDescription, /^Opentrons' analyzer \(OPENTRONS_ANALYZER=/);
      assert.equal(logs.filter((l) => l.includes(`analysed by Opentrons' analyzer (OPENTRONS_ANALYZER=${requireAnalyzer()})`)).length, 1);
    });
  });

  describe('a failing, hanging or old analyzer', () => {
    it('exit 1 with garbage output: analysis not-ok with AnalyzerFailed, and none of the garbage in the answer', async () => {
      const bad = fake('garbage', 'echo "GARBAGE-OUT {{{"; echo "GARBAGE-ERR" >&2; exit 1');
      const robot = await withAnalyzer(bad, () => start({ analyzer: 'opentrons' }));
      const { analysis: a, text } = await uploadAndAnalyse(robot, [['basic_transfer.py', fixture('basic_transfer.py')]]);
      assert.equal(a.result, 'not-ok');
      assert.equal(arr(a.errors)[0]?.errorType, 'AnalyzerFailed');
      assert.match(String(arr(a.errors)[0]?.detail), /exited with status 1 without writing an analysis/);
      assert.doesNotMatch(text, /GARBAGE/);
      assert.ok(logs.some((l) => l.includes('GARBAGE-ERR')), 'the analyzer\'s output goes to the log');
    });

    it('a file that is not an analysis: AnalyzerFailed', async () => {
      const bad = fake('not-json', 'while [ "$1" != --json-output ]; do shift; done; echo "not json" > "$2"; exit 0');
      const robot = await withAnalyzer(bad, () => start({ analyzer: 'opentrons' }));
      const { analysis: a } = await uploadAndAnalyse(robot, [['basic_transfer.py', fixture('basic_transfer.py')]]);
      assert.equal(arr(a.errors)[0]?.errorType, 'AnalyzerFailed');
    });

    it('a hung analyzer is killed after the timeout and the analysis says it timed out; the next one waits its turn', async () => {
      const pids = join(dir, 'hung-pids');
      const hung = fake('hung', `echo $$ >> ${pids}; exec sleep 300`);
      const robot = await withAnalyzer(hung, () => start({ analyzer: 'opentrons', analyzerTimeoutMs: 1500 }));
      const first = await upload(robot, [['basic_transfer.py', fixture('basic_transfer.py')]]);
      const second = await upload(robot, [['pause_resume.py', fixture('pause_resume.py')]]);
      const a2id = String(arr(second.body.data.analysisSummaries)[0]?.id);
      // one analyzer at a time: the second is pending, and its process not started, while the first hangs
      await waitUntil(async () => existsSync(pids), (v) => v, 30_000);
      assert.equal((await call(robot, 'GET', `/protocols/${String(second.body.data.id)}/analyses/${a2id}`)).body.data.status, 'pending');
      assert.equal(readFileSync(pids, 'utf8').trim().split('\n').length, 1);
      const a = await analysis(robot, String(first.body.data.id), String(arr(first.body.data.analysisSummaries)[0]?.id));
      assert.equal(a.result, 'not-ok');
      assert.equal(arr(a.errors)[0]?.errorType, 'AnalyzerTimedOut');
      assert.match(String(arr(a.errors)[0]?.detail), /did not finish within 1\.5 s/);
      const [pid] = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
      await waitUntil(async () => alive(pid), (v) => !v, 10_000);
      await analysis(robot, String(second.body.data.id), a2id);
    });

    it('closing the robot kills a running analyzer and removes its temporary folder', async () => {
      const where = join(dir, 'cwd-record');
      const hung = fake('hung-cwd', `pwd > ${where}.tmp; echo $$ >> ${where}.tmp; mv ${where}.tmp ${where}; exec sleep 300`);
      const robot = await withAnalyzer(hung, () => start({ analyzer: 'opentrons' }));
      await upload(robot, [['basic_transfer.py', fixture('basic_transfer.py')]]);
      await waitUntil(async () => existsSync(where), (v) => v, 30_000);
      const [cwd, pid] = readFileSync(where, 'utf8').trim().split('\n');
      assert.ok(existsSync(cwd));
      await robot.stop();
      await waitUntil(async () => alive(Number(pid)), (v) => !v, 10_000);
      assert.equal(existsSync(cwd), false, `${cwd} is left behind`);
    });

    it('an analyzer without --rtp-values/--rtp-files analyses the defaults, and other values get the stand-in with a log line saying why', async () => {
      const minimal = JSON.stringify({ result: 'ok', robotType: 'OT-2 Standard', runTimeParameters: [], commands: [], labware: [], pipettes: [], modules: [], liquids: [], errors: [] });
      const old = fake('old', `while [ "$1" != --json-output ]; do shift; done; printf '%s' '${minimal}' > "$2"`, false);
      const robot = await withAnalyzer(old, () => start({ analyzer: 'opentrons' }));
      assert.equal(robot.analyzer.kind === 'opentrons' && robot.analyzer.rtpOptions, false);
      const files: [string, Buffer][] = [['custom_rtp.py', fixture('custom_rtp.py')], ['labwire_96_plate_200ul.json', fixture('labwire_96_plate_200ul.json')]];
      const { protocolId, analysis: byDefault } = await uploadAndAnalyse(robot, files);
      assert.equal(byDefault.simulation, undefined);
      const re = await call(robot, 'POST', `/protocols/${protocolId}/analyses`, { data: { runTimeParameterValues: { count: 3 } } });
      const other = await analysis(robot, protocolId, String(arr(re.body.data).at(-1)?.id));
      assert.equal(other.simulation?.interpreted, false);
      assert.ok(logs.some((l) => /analysed by the stand-in for these run-time parameter values.*--rtp-values/.test(l)), logs.join('\n'));
    });
  });

  describe('the cache', () => {
    it('the same inputs again — another upload, another robot, a run — start no analyzer process', async () => {
      const calls = join(dir, 'calls');
      const counting = fake('counting', `echo analyse >> ${calls}; exec "${requireAnalyzer()}" "$@"`);
      const count = (): number => (existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n').length : 0);
      const [one, two] = await withAnalyzer(counting, async () => [await start({ analyzer: 'opentrons' }), await start({ analyzer: 'opentrons' })]);
      const first = await uploadAndAnalyse(one, [['basic_transfer.py', fixture('basic_transfer.py')]]);
      assert.equal(first.analysis.result, 'ok');
      assert.equal(count(), 1);
      const t0 = Date.now();
      const again = await uploadAndAnalyse(two, [['basic_transfer.py', fixture('basic_transfer.py')]]);
      const cachedMs = Date.now() - t0;
      assert.deepEqual(script(arr(again.analysis.commands)), script(arr(first.analysis.commands)));
      const forced = await call(one, 'POST', `/protocols/${first.protocolId}/analyses`, { data: { forceReAnalyze: true } });
      await analysis(one, first.protocolId, String(arr(forced.body.data).at(-1)?.id));
      const { run } = await runToEnd(two, { protocolId: again.protocolId });
      assert.equal(run.status, 'succeeded');
      assert.equal(count(), 1, 'no analyzer process after the first');
      assert.ok(cachedMs < 10_000, `cached analysis took ${cachedMs} ms`);
    });

    it('a CSV file with the same content under another robot\'s id is a cache hit that names that robot\'s file', async () => {
      const calls = join(dir, 'calls-csv');
      const counting = fake('counting-csv', `echo analyse >> ${calls}; exec "${requireAnalyzer()}" "$@"`);
      const count = (): number => (existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n').length : 0);
      const [one, two] = await withAnalyzer(counting, async () => [await start({ analyzer: 'opentrons' }), await start({ analyzer: 'opentrons' })]);
      const files: [string, Buffer][] = [['csv_plate_map.py', fixture('csv_plate_map.py')]];
      const ids = [await uploadDataFile(one, 'plate_map.csv', fixture('plate_map.csv')), await uploadDataFile(two, 'plate_map.csv', fixture('plate_map.csv'))];
      assert.notEqual(ids[0], ids[1]);
      const first = await uploadAndAnalyse(one, files, { runTimeParameterFiles: JSON.stringify({ plate_map: ids[0] }) });
      const second = await uploadAndAnalyse(two, files, { runTimeParameterFiles: JSON.stringify({ plate_map: ids[1] }) });
      assert.equal(count(), 1, 'the second robot\'s analysis started no analyzer process');
      assert.equal(arr(second.analysis.runTimeParameters)[0]?.file.id, ids[1]);
      assert.equal(arr(first.analysis.runTimeParameters)[0]?.file.id, ids[0]);
      assert.equal(second.analysis.result, 'ok');
      assert.deepEqual(script(arr(second.analysis.commands)), script(arr(first.analysis.commands)));
    });
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
