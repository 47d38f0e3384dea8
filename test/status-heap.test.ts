// What one opentrons-status event costs in memory when the msg that started the watch carried a
// protocol (upload → create → play chains leave msg.files on the msg): measured, printed, and bounded.
// Rerun: npm run build && npx mocha --no-config --require dist/test/setup/guard.js dist/test/status-heap.test.js
import { strict as assert } from 'node:assert';
import type { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Node } from 'node-red';
import { RobotClient } from '../nodes/lib/client';
import { SimulatedRobot } from '../nodes/lib/simulator';
import { PACKAGE_ROOT, getNode, loadFlow, unloadFlow } from './helpers/nodered';

type Msg = { topic?: string; runId?: string; [k: string]: unknown };

const MB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Live JS heap plus Buffer memory, after a full collection. */
function used(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

describe('opentrons-status: memory per event', function () {
  this.timeout(60_000);
  let robot: SimulatedRobot;
  let other: RobotClient;

  before(async () => {
    robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'OT-2', speed: 1, commandMs: 400, analysisMs: 20 });
    other = new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 5000 });
  });
  after(async () => {
    await unloadFlow();
    await other.close();
    await robot.stop();
  });

  it('events do not copy a 10 MB msg.files (nor msg.payload) from the msg that started the watch', async () => {
    const { protocol } = await other.uploadProtocol([{ path: join(PACKAGE_ROOT, 'test', 'fixtures', 'protocols', 'pause_resume.py') }]);
    while ((await other.getProtocol(protocol.id)).protocol.analysisSummaries.some((a) => a.status !== 'completed')) await sleep(10);
    const run = await other.createRun({ protocolId: protocol.id });
    await loadFlow(
      [
        { id: 'robot', type: 'opentrons-robot', host: '127.0.0.1', port: String(robot.port), apiVersion: '3', timeout: '5', notifications: 'off' },
        { id: 'st', type: 'opentrons-status', robot: 'robot', runId: '', interval: 500, progress: true, autostart: false, wires: [['out'], ['out']] },
        { id: 'out', type: 'helper' },
      ],
      { types: ['opentrons-robot', 'opentrons-status'] },
    );
    const events: Msg[] = [];
    (getNode('out') as unknown as EventEmitter).on('input', (m: Msg) => events.push(m));
    const node: Node = getNode('st');
    // What an upload → create → play chain hands on: the protocol bytes (10 MB), the last answer (here a
    // parsed JSON document of several MB, as a JSON protocol or an analysis is), a correlation id.
    const base = used();
    const start: Msg = {
      topic: 'plate 7',
      batch: 'B-0042',
      runId: run.id,
      files: [{ filename: 'big.py', content: Buffer.alloc(10 * MB, 0x61) }],
      payload: { commands: Array.from({ length: 50_000 }, (_, i) => ({ id: `c${i}`, commandType: 'aspirate', params: { volume: i % 200, wellName: 'A1' } })) },
    };
    const withStart = used();
    node.receive(start as never);
    await until(() => events.some((m) => m.topic === 'idle'), 'idle');
    await other.createRunAction(run.id, 'play');
    node.receive(start as never);
    await until(() => events.some((m) => m.topic === 'paused'), 'paused (the protocol pauses itself)');
    await other.createRunAction(run.id, 'stop');
    node.receive(start as never);
    await until(() => events.some((m) => m.topic === 'stopped'), 'stopped');
    await sleep(200);
    const n = events.length;
    const perEvent = (used() - withStart) / n;
    const first = events[0];
    console.log(`      starting msg ${((withStart - base) / MB).toFixed(1)} MB; per status/progress event ${(perEvent / 1024).toFixed(1)} kB (${n} events)`);

    assert.equal(first.topic, 'idle');
    assert.equal(first.batch, 'B-0042', 'small properties of the starting msg are kept');
    assert.equal(first.files, undefined, 'msg.files is not copied into events');
    assert.ok(perEvent < 256 * 1024, `an event costs ${(perEvent / MB).toFixed(2)} MB`);
  });
});

async function until(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
