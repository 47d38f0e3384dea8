// opentrons-status in Node-RED (node-red-node-test-helper) against the simulated robot over real HTTP,
// and against a loopback server for what the simulator never says (a status from newer robot software).
import { strict as assert } from 'node:assert';
import type { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Node } from 'node-red';
import { RobotClient } from '../nodes/lib/client';
import { SimulatedRobot } from '../nodes/lib/simulator';
import { DEFAULT_INTERVAL_MS, liveWatchers } from '../nodes/lib/watch';
import { json, startLoopback, type LoopbackServer } from './helpers/loopback';
import { PACKAGE_ROOT, getNode, loadFlow, unloadFlow, type FlowNode, type NodeModule } from './helpers/nodered';

type Msg = { topic?: string; payload?: Record<string, unknown>; runId?: string; status?: string; [k: string]: unknown };

// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js') as NodeModule;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const completeNode = require('@node-red/nodes/core/common/24-complete.js') as NodeModule;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const PROTOCOL = join(PACKAGE_ROOT, 'test', 'fixtures', 'protocols', 'pause_resume.py');

/** Every msg a helper node received, with a way to wait for one. */
function collect(id: string): { msgs: Msg[]; until(what: string, pred: (m: Msg[]) => boolean, ms?: number): Promise<void> } {
  const msgs: Msg[] = [];
  (getNode(id) as unknown as EventEmitter).on('input', (m: Msg) => msgs.push(m));
  return {
    msgs,
    async until(what, pred, ms = 10_000) {
      const end = Date.now() + ms;
      while (!pred(msgs)) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(msgs.map((m) => m.topic))}`);
        await sleep(10);
      }
    },
  };
}

function robotNode(port: number): FlowNode {
  return { id: 'robot', type: 'opentrons-robot', name: 'bench OT-2', host: '127.0.0.1', port: String(port), apiVersion: '3', timeout: '2', simulate: false, notifications: 'off' };
}

function statusNode(id: string, extra: Record<string, unknown> = {}, wires: string[][] = [['out1'], ['out2']]): FlowNode {
  return { id, type: 'opentrons-status', robot: 'robot', runId: '', interval: '20', progress: false, autostart: false, wires, ...extra };
}

const helpers = (...ids: string[]): FlowNode[] => ids.map((id) => ({ id, type: 'helper' }));
const status = (id: string): Node => getNode(id);

describe('opentrons-status node', function () {
  this.timeout(30_000);
  let robot: SimulatedRobot;
  let other: RobotClient;

  beforeEach(async () => {
    robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'OT-2', speed: 1, commandMs: 600, analysisMs: 20 });
    other = new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 2000 });
  });

  afterEach(async () => {
    await unloadFlow();
    await other.close();
    await robot.stop();
  });

  async function pauseRun(): Promise<{ runId: string; protocolId: string }> {
    const { protocol } = await other.uploadProtocol([{ path: PROTOCOL }]);
    while ((await other.getProtocol(protocol.id)).protocol.analysisSummaries.some((a) => a.status !== 'completed')) await sleep(10);
    const run = await other.createRun({ protocolId: protocol.id });
    return { runId: run.id, protocolId: protocol.id };
  }

  it('msg.runId: one msg per status change on output 1, the finished run alone on output 2, done once per msg', async () => {
    const { runId, protocolId } = await pauseRun();
    await loadFlow(
      [robotNode(robot.port), statusNode('st1'), ...helpers('out1', 'out2', 'completed'), { id: 'completer', type: 'complete', scope: ['st1'], uncaught: false, wires: [['completed']] }],
      { types: ['opentrons-robot', 'opentrons-status'], extraNodes: [completeNode] },
    );
    const out1 = collect('out1');
    const out2 = collect('out2');
    const completed = collect('completed');
    const status = getNode('st1');
    status.receive({ runId, correlation: 'keep-me' } as never);
    await out1.until('idle', (m) => m.some((x) => x.topic === 'idle'));
    await other.createRunAction(runId, 'play');
    status.receive({ runId, correlation: 'keep-me' } as never); // what an opentrons-run node upstream passes on after play
    await out1.until('paused', (m) => m.some((x) => x.topic === 'paused'));
    await other.createRunAction(runId, 'play');
    status.receive({ runId, correlation: 'keep-me' } as never);
    await out2.until('finished', (m) => m.length > 0);
    await sleep(100);

    assert.deepEqual(out1.msgs.map((m) => m.topic), ['idle', 'running', 'paused', 'running', 'finishing', 'succeeded']);
    assert.deepEqual(out2.msgs.map((m) => m.topic), ['succeeded']);
    assert.equal(completed.msgs.length, 3, 'done() once per input msg');
    const paused = out1.msgs[2].payload as Record<string, unknown>;
    assert.equal(paused.pauseMessage, 'Check the tip, then resume');
    assert.equal(paused.previousStatus, 'running');
    assert.equal(paused.robot, 'bench OT-2');
    assert.equal(paused.runId, runId);
    assert.equal(paused.protocolId, protocolId);
    assert.deepEqual(Object.keys(paused).sort(), ['completedCommands', 'currentCommand', 'errors', 'pauseMessage', 'previousStatus', 'protocolId', 'robot', 'runId', 'status', 'totalCommands'].sort());
    assert.equal(typeof paused.totalCommands, 'number');
    for (const m of out1.msgs) {
      assert.equal(m.runId, runId);
      assert.equal(m.status, m.topic);
      assert.equal(m.correlation, 'keep-me', 'event msgs carry the msg that started the watch');
    }
    assert.equal(liveWatchers(), 0, 'a run-id watch ends with the finished run');
  });

  it('a watch that first sees a run already paused sends paused, then progress, both with the pause message', async () => {
    // One read that finds the pause and a new current command gives a status msg and a progress msg; a screen
    // fed by both (examples/operator-dashboard.json) must not lose the pause to the progress msg.
    const { runId } = await pauseRun();
    await other.createRunAction(runId, 'play');
    while ((await other.getRun(runId)).status !== 'paused') await sleep(20);
    await loadFlow([robotNode(robot.port), statusNode('st1', { progress: true }), ...helpers('out1', 'out2')], { types: ['opentrons-robot', 'opentrons-status'] });
    const out1 = collect('out1');
    getNode('st1').receive({ runId } as never);
    await out1.until('paused and progress', (m) => m.some((x) => x.topic === 'paused') && m.some((x) => x.topic === 'progress'));
    assert.deepEqual(out1.msgs.map((m) => m.topic), ['paused', 'progress']);
    const [status, progress] = out1.msgs.map((m) => m.payload as Record<string, unknown>);
    assert.equal(status.pauseMessage, 'Check the tip, then resume');
    assert.equal(progress.pauseMessage, 'Check the tip, then resume');
    assert.equal(progress.status, 'paused');
    assert.equal(progress.commandType, 'waitForResume');
  });

  it('an opentrons-run action on the same robot is seen at once, not at the slow paused/idle poll', async () => {
    const { runId } = await pauseRun();
    await loadFlow(
      [
        robotNode(robot.port),
        statusNode('st1', { interval: '1000' }),
        { id: 'run1', type: 'opentrons-run', robot: 'robot', action: 'play', runId: '', runIdType: 'str', wires: [[]] },
        ...helpers('out1', 'out2'),
      ],
      { types: ['opentrons-robot', 'opentrons-status', 'opentrons-run'] },
    );
    const out1 = collect('out1');
    getNode('st1').receive({ runId } as never);
    await out1.until('idle', (m) => m.some((x) => x.topic === 'idle'));
    getNode('run1').receive({ runId } as never);
    await out1.until('paused', (m) => m.some((x) => x.topic === 'paused'), 15_000);
    const seen = out1.msgs.length;
    const played = Date.now();
    getNode('run1').receive({ runId } as never);
    // Paused runs are polled every 5 s; the play from our own node must show within well under that.
    await out1.until('the status after play', (m) => m.length > seen, 2_000);
    assert.ok(Date.now() - played < 2_000);
    assert.notEqual(out1.msgs[seen].topic, 'paused');
  });

  it('two status nodes on one run share one watcher and one set of requests', async () => {
    const { runId, protocolId } = await pauseRun();
    await loadFlow([robotNode(robot.port), statusNode('s1', { runId }), statusNode('s2', { runId }, [['o3'], ['o4']]), ...helpers('out1', 'out2', 'o3', 'o4')].map((n) =>
      n.type === 'opentrons-status' ? { ...n, autostart: true } : n,
    ), { types: ['opentrons-robot', 'opentrons-status'] });
    const a = collect('out1');
    const b = collect('o3');
    await a.until('idle', (m) => m.length > 0);
    await b.until('idle', (m) => m.length > 0);
    await sleep(500);
    assert.equal(liveWatchers(), 1);
    assert.deepEqual(a.msgs.map((m) => m.topic), ['idle']);
    assert.deepEqual(b.msgs.map((m) => m.topic), ['idle']);
    assert.equal(robot.stats.count('GET', `/runs/${runId}/commands`), 1);
    // Only the run's (newest) analysis is read, never the list of every stored one.
    assert.equal(robot.stats.count('GET', `/protocols/${protocolId}/analyses`), 0);
    assert.equal(robot.stats.requests.filter((r) => r.method === 'GET' && r.path.startsWith(`/protocols/${protocolId}/analyses/`)).length, 1);
    const reads = robot.stats.count('GET', `/runs/${runId}`);
    assert.ok(reads <= 6, `one watcher reads an idle run every 100 ms: ${reads} reads`);
  });

  it('follows the current run without a run id, announcing each new current run', async () => {
    await loadFlow([robotNode(robot.port), statusNode('st1', { autostart: true }), ...helpers('out1', 'out2')], { types: ['opentrons-robot', 'opentrons-status'] });
    const out1 = collect('out1');
    await sleep(100);
    const first = (await other.createRun({})).id;
    await out1.until('first idle', (m) => m.some((x) => x.topic === 'idle' && x.runId === first));
    const second = (await other.createRun({})).id;
    await out1.until('second idle', (m) => m.some((x) => x.topic === 'idle' && x.runId === second));
    const announced = out1.msgs.filter((m) => m.topic === 'current-run-changed');
    assert.deepEqual(announced.map((m) => m.payload), [
      { runId: first, previousRunId: null, robot: 'bench OT-2' },
      { runId: second, previousRunId: first, robot: 'bench OT-2' },
    ]);
    // The first run, idle when the second was created, was archived as stopped: reported as the robot says.
    assert.ok(out1.msgs.some((m) => m.topic === 'stopped' && m.runId === first));
  });

  it('robot down and back: one robot-unreachable, one robot-reachable, yellow status meanwhile, no redeploy', async () => {
    const { runId } = await pauseRun();
    await loadFlow([robotNode(robot.port), statusNode('st1', { runId, autostart: true }), ...helpers('out1', 'out2')], { types: ['opentrons-robot', 'opentrons-status'] });
    const out1 = collect('out1');
    const status = getNode('st1');
    const texts: string[] = [];
    (status as unknown as EventEmitter).on('call:status', (c: { args: Array<{ text?: string; fill?: string }> }) => texts.push(`${c.args[0]?.fill}:${c.args[0]?.text}`));
    await out1.until('idle', (m) => m.some((x) => x.topic === 'idle'));
    await robot.faults.down();
    await out1.until('unreachable', (m) => m.some((x) => x.topic === 'robot-unreachable'));
    assert.ok(texts.some((t) => t.startsWith('yellow:robot unreachable — retrying')), texts.join(', '));
    await sleep(1000);
    await robot.faults.up();
    const now = await other.getRun(runId);
    await out1.until('reachable and the run as it is now', (m) => m.some((x) => x.topic === 'robot-reachable') && m.at(-1)?.topic === now.status, 15_000);
    assert.equal(out1.msgs.filter((m) => m.topic === 'robot-unreachable').length, 1);
    assert.equal(out1.msgs.filter((m) => m.topic === 'robot-reachable').length, 1);
    const unreachable = out1.msgs.find((m) => m.topic === 'robot-unreachable') as Msg;
    assert.equal((unreachable.payload as { robot: string }).robot, 'bench OT-2');
  });

  it('msg.action "stop" stops watching; a bad msg.runId is an error for a Catch node and sends nothing', async () => {
    const { runId } = await pauseRun();
    await loadFlow(
      [robotNode(robot.port), statusNode('st1'), { id: 'catcher', type: 'catch', scope: ['st1'], uncaught: false, wires: [['caught']] }, ...helpers('out1', 'out2', 'caught')],
      { types: ['opentrons-robot', 'opentrons-status'], extraNodes: [catchNode] },
    );
    const out1 = collect('out1');
    const caught = collect('caught');
    const status = getNode('st1');
    const runRequests = (): number => robot.stats.requests.filter((r) => r.path.startsWith('/runs')).length;
    const before = runRequests();
    status.receive({ runId: 42 } as never);
    await caught.until('error', (m) => m.length > 0);
    assert.match(String((caught.msgs[0].error as { message: string }).message), /msg\.runId must be a run id string/);
    assert.equal(runRequests(), before, 'nothing sent to the robot');

    status.receive({ runId } as never);
    await out1.until('idle', (m) => m.length > 0);
    assert.equal(liveWatchers(), 1);
    status.receive({ action: 'stop' } as never);
    await sleep(50);
    assert.equal(liveWatchers(), 0);
    const after = robot.stats.count();
    await sleep(300);
    assert.equal(robot.stats.count(), after, 'no request after stop');
  });

  it('a malformed msg.runId (100 kB, control characters, not a string) is an input error for Catch, nothing is sent', async () => {
    await loadFlow(
      [robotNode(robot.port), statusNode('st1'), { id: 'catcher', type: 'catch', scope: ['st1'], uncaught: false, wires: [['caught']] }, ...helpers('out1', 'out2', 'caught')],
      { types: ['opentrons-robot', 'opentrons-status'], extraNodes: [catchNode] },
    );
    const out1 = collect('out1');
    const caught = collect('caught');
    const texts: string[] = [];
    (getNode('st1') as unknown as EventEmitter).on('call:status', (c: { args: Array<{ text?: string; fill?: string }> }) => texts.push(`${c.args[0]?.fill}:${c.args[0]?.text}`));
    // The robot config node reads /health on its own at deploy; what this node would send is under /runs.
    const runRequests = (): number => robot.stats.requests.filter((r) => r.path.startsWith('/runs')).length;
    const before = runRequests();
    const bad: Array<[unknown, RegExp]> = [
      ['a'.repeat(100_000), /100000 characters long, not a run id/],
      ['run\u0000id', /control characters/],
      ['abc\r\nX-Injected: 1', /control characters/],
      [{ id: 'x' }, /must be a run id string \(got a object\)/],
      [['x'], /must be a run id string \(got an array\)/],
      ['   ', /must be a run id string \(got an empty string\)/],
    ];
    for (const [runId] of bad) status('st1').receive({ runId } as never);
    await caught.until('one error per bad msg', (m) => m.length === bad.length);
    bad.forEach(([, why], i) => {
      const error = caught.msgs[i].error as { message: string; code: string };
      assert.equal(error.code, 'InvalidInput');
      assert.match(error.message, why);
      assert.match(error.message, /msg\.runId/);
      assert.ok(error.message.length < 400, 'the error does not repeat the 100 kB input');
    });
    await sleep(300);
    assert.equal(runRequests(), before, 'nothing sent to the robot');
    assert.equal(out1.msgs.length, 0, 'no output');
    assert.equal(liveWatchers(), 0, 'no watcher started');
    assert.ok(!texts.some((t) => /unreachable/.test(t)), `never "robot unreachable": ${texts.join(', ')}`);
    assert.match(String(texts.at(-1)), /^red:/);
  });

  it('the run id setting is a typedInput (msg, env…); a flow saved with a plain run id (no runIdType) still works', async () => {
    const { runId } = await pauseRun();
    process.env.OT_STATUS_TEST_RUN = runId;
    try {
      await loadFlow(
        [
          robotNode(robot.port),
          // Saved before runId was a typedInput: no runIdType at all.
          statusNode('plain', { runId, autostart: true }, [['outPlain'], []]),
          statusNode('fromEnv', { runId: 'OT_STATUS_TEST_RUN', runIdType: 'env', autostart: true }, [['outEnv'], []]),
          statusNode('fromMsg', { runId: 'target.run', runIdType: 'msg' }, [['outMsg'], []]),
          ...helpers('outPlain', 'outEnv', 'outMsg'),
        ],
        { types: ['opentrons-robot', 'opentrons-status'] },
      );
      const plain = collect('outPlain');
      const env = collect('outEnv');
      const fromMsg = collect('outMsg');
      status('fromMsg').receive({ target: { run: runId } } as never);
      for (const c of [plain, env, fromMsg]) await c.until('idle of the run', (m) => m.some((x) => x.topic === 'idle' && x.runId === runId));
    } finally {
      delete process.env.OT_STATUS_TEST_RUN;
    }
  });

  it('an interval below 500 ms is raised to 500 ms with one warning: a run is not read faster', async () => {
    const { runId } = await pauseRun();
    await loadFlow([robotNode(robot.port), statusNode('st1', { runId, interval: '1', autostart: true }), ...helpers('out1', 'out2')], {
      types: ['opentrons-robot', 'opentrons-status'],
    });
    // The test helper makes node.warn a spy: every warning the node logged, deploy included.
    const warnings = (): string[] => ((getNode('st1') as unknown as { warn: { args?: unknown[][] } }).warn.args ?? []).map((a) => String(a[0]));
    const out1 = collect('out1');
    await out1.until('idle', (m) => m.some((x) => x.topic === 'idle'));
    await other.createRunAction(runId, 'play');
    status('st1').receive({ runId } as never);
    await out1.until('running', (m) => m.some((x) => x.topic === 'running'));
    // A running run is read at the full rate: every 500 ms, not every 1 ms.
    const reads = (): number => robot.stats.requests.filter((r) => r.method === 'GET' && r.path === `/runs/${runId}`).length;
    const from = reads();
    await sleep(2000);
    const n = reads() - from;
    assert.ok(n >= 1 && n <= 6, `${n} reads of the run in 2 s (at 1 ms it would be hundreds)`);
    assert.equal(warnings().filter((w) => /interval 1 ms is below the minimum of 500 ms/.test(w)).length, 1, `one warning: ${warnings().join(' | ')}`);
  });

  it('reads a running run\'s current command every fourth read, or every read with the progress option (which sends it on)', async () => {
    const run = await other.createRun({});
    await other.createRunCommand(run.id, { commandType: 'waitForDuration', params: { seconds: 120 }, intent: 'protocol' });
    await other.createRunAction(run.id, 'play');
    const runReads = (): number => robot.stats.count('GET', `/runs/${run.id}`);
    const pageReads = (): number => robot.stats.count('GET', `/runs/${run.id}/commands`);
    /** Run reads and command-page reads over the next `reads` reads of the run (whole reads, not time). */
    const window = async (reads: number): Promise<{ runs: number; pages: number }> => {
      const r0 = runReads();
      const p0 = pageReads();
      const end = Date.now() + 30_000;
      while (runReads() - r0 < reads) {
        if (Date.now() > end) throw new Error(`only ${runReads() - r0} reads of the run`);
        await sleep(20);
      }
      return { runs: runReads() - r0, pages: pageReads() - p0 };
    };
    for (const progress of [false, true]) {
      await loadFlow([robotNode(robot.port), statusNode('st1', { runId: run.id, interval: '500', autostart: true, progress }), ...helpers('out1', 'out2')], {
        types: ['opentrons-robot', 'opentrons-status'],
      });
      const out1 = collect('out1');
      await out1.until('running', (m) => m.some((x) => x.topic === 'running'));
      await window(1); // the first reads took the page for the new status
      const w = await window(progress ? 6 : 8);
      const expected = progress ? w.runs : w.runs / 4;
      assert.ok(Math.abs(w.pages - expected) <= 1, `progress ${progress}: ${w.pages} command pages for ${w.runs} reads of the run`);
      if (progress) assert.ok(out1.msgs.some((m) => m.topic === 'progress'), 'progress msgs are sent');
      await unloadFlow();
    }
    assert.equal((await other.getRun(run.id)).status, 'running', 'both windows were of a running run');
  });

  it('the editor\'s default interval is the runtime\'s (2.5 s)', () => {
    const html = readFileSync(join(PACKAGE_ROOT, 'nodes', 'opentrons-status.html'), 'utf8');
    const m = /interval:\s*\{\s*value:\s*(\d+)/.exec(html);
    assert.ok(m, 'the interval default in opentrons-status.html');
    assert.equal(Number(m[1]), DEFAULT_INTERVAL_MS);
    assert.equal(DEFAULT_INTERVAL_MS, 2500);
  });

  it('reads only the run\'s analysis (the newest), once per run, however many the protocol has', async () => {
    const { runId, protocolId } = await pauseRun();
    // Two more analyses of the same protocol: three stored in all.
    for (let i = 0; i < 2; i++) await other.reanalyze(protocolId, { forceReAnalyze: true });
    let summaries = (await other.getProtocol(protocolId)).protocol.analysisSummaries;
    while (summaries.some((a) => a.status !== 'completed')) {
      await sleep(10);
      summaries = (await other.getProtocol(protocolId)).protocol.analysisSummaries;
    }
    assert.equal(summaries.length, 3);
    const newest = summaries[summaries.length - 1].id;
    await loadFlow([robotNode(robot.port), statusNode('st1', { runId, autostart: true }), ...helpers('out1', 'out2')], { types: ['opentrons-robot', 'opentrons-status'] });
    const out1 = collect('out1');
    await out1.until('idle', (m) => m.some((x) => x.topic === 'idle'));
    await other.createRunAction(runId, 'play');
    status('st1').receive({ runId } as never);
    await out1.until('paused', (m) => m.some((x) => x.topic === 'paused'));
    await other.createRunAction(runId, 'stop');
    status('st1').receive({ runId } as never);
    await out1.until('stopped', (m) => m.some((x) => x.topic === 'stopped'));
    const analysisReads = robot.stats.requests.filter((r) => r.method === 'GET' && r.path.startsWith(`/protocols/${protocolId}/analyses`));
    assert.deepEqual(analysisReads.map((r) => r.path), [`/protocols/${protocolId}/analyses/${newest}`], 'one read, of the newest analysis');
    const analysis = await other.getAnalysis(protocolId, newest);
    const paused = out1.msgs.find((m) => m.topic === 'paused') as Msg;
    assert.equal((paused.payload as { totalCommands: number }).totalCommands, analysis.commands?.length);
  });

  it('close releases every timer and the shared watcher', async () => {
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    await sleep(1); // mocha arms its own test timer once the test function has returned its promise
    const baseline = timers();
    await loadFlow([robotNode(robot.port), statusNode('s1', { autostart: true }), statusNode('s2', { autostart: true }, [[], []]), ...helpers('out1', 'out2')], {
      types: ['opentrons-robot', 'opentrons-status'],
    });
    const { runId } = await pauseRun();
    await other.createRunAction(runId, 'play');
    // Running, or already paused by the protocol when the (≥ 500 ms) poll came: either way the watcher is live.
    await collect('out1').until('running or paused', (m) => m.some((x) => x.runId === runId && (x.topic === 'running' || x.topic === 'paused')));
    assert.equal(liveWatchers(), 1);
    await unloadFlow();
    assert.equal(liveWatchers(), 0);
    await other.close();
    await robot.stop();
    // undici's shared timer wheel and socket timers wind down on their own within about a second.
    for (let i = 0; i < 40 && timers() > baseline; i++) await sleep(50);
    const left = timers();
    assert.ok(left <= baseline, `timers left after close: ${JSON.stringify(process.getActiveResourcesInfo())}`);
  });
});

describe('opentrons-status node: statuses from newer robot software', function () {
  let server: LoopbackServer;
  afterEach(async () => {
    await unloadFlow();
    await server.close();
  });

  it('passes an unknown status through as msg.topic, with a grey node status', async () => {
    server = await startLoopback((req, res) => {
      const url = req.url ?? '';
      if (url.startsWith('/runs/r1/commands')) return json(res, 200, { data: [], meta: { cursor: 0, totalLength: 0 }, links: {} });
      if (url.startsWith('/runs/r1')) {
        return json(res, 200, { data: { id: 'r1', createdAt: '2025-01-01T00:00:00Z', status: 'calibrating-the-universe', current: true, actions: [], errors: [], pipettes: [], modules: [], labware: [], labwareOffsets: [] } });
      }
      return json(res, 404, { errors: [{ id: 'NotFound', title: 'Not found' }] });
    });
    await loadFlow([robotNode(server.port), statusNode('st1', { runId: 'r1', autostart: true }), ...helpers('out1', 'out2')], { types: ['opentrons-robot', 'opentrons-status'] });
    const out1 = collect('out1');
    const node: Node = getNode('st1');
    const shown: Array<{ fill?: string; text?: string }> = [];
    (node as unknown as EventEmitter).on('call:status', (c: { args: Array<{ fill?: string; text?: string }> }) => shown.push(c.args[0]));
    await out1.until('the new status', (m) => m.length > 0);
    await sleep(100);
    assert.deepEqual(out1.msgs.map((m) => m.topic), ['calibrating-the-universe']);
    assert.equal(out1.msgs[0].payload?.status, 'calibrating-the-universe');
    const last = shown.at(-1);
    assert.equal(last?.fill, 'grey');
    assert.match(String(last?.text), /^calibrating-the-universe\b/);
  });
});
