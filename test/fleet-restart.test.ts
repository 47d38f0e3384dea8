// Nothing lost across a restart: a real Node-RED process (not the test helper) with a localfilesystem
// context store runs a fleet queue over two simulated robots; it is stopped mid-queue and started again on
// the same userDir. Every job must end once, none run twice, and a run that finished while Node-RED was
// down must give its final event once. Job events are written by the flow to a file the test reads.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedRobot } from '../nodes/lib/simulator';
import { jsonProtocol } from './helpers/fleet';
import { startNodeRed, type NodeRedProcess } from './helpers/nodered-process';

interface Line {
  topic: string;
  jobId: string;
  runId?: string;
  robot?: string;
}

const SETTINGS = `contextStorage: { default: { module: 'memory' }, file: { module: 'localfilesystem' } },`;

function flows(robots: SimulatedRobot[], eventsFile: string): unknown[] {
  const z = 'tab';
  const at = { z, x: 100, y: 100 };
  return [
    { id: z, type: 'tab', label: 'fleet' },
    ...robots.map((r, i) => ({ id: `r${i}`, type: 'opentrons-robot', name: `robot-${i}`, host: '127.0.0.1', port: r.port, apiVersion: '3', timeout: 5, notifications: 'off' })),
    { id: 'fl', type: 'opentrons-fleet', name: 'lab fleet', robots: robots.map((_, i) => `r${i}`), store: 'file', policy: 'in-order', start: 'auto', clearing: 'auto', lostAfter: 300, interval: 1000 },
    // POST /submit {files, …} → the queue → the answer (the job) as the HTTP response
    { id: 'in', ...at, type: 'http in', url: '/submit', method: 'post', wires: [['unwrap']] },
    { id: 'unwrap', ...at, type: 'function', func: 'const b = msg.payload; delete msg.payload; Object.assign(msg, b); return msg;', outputs: 1, wires: [['q']] },
    { id: 'q', ...at, type: 'opentrons-queue', fleet: 'fl', action: 'submit', events: 'none', wires: [['res']] },
    { id: 'res', ...at, type: 'http response', statusCode: '', wires: [] },
    // every job event → one JSON line in the events file
    { id: 'qa', ...at, type: 'opentrons-queue', fleet: 'fl', action: 'list', events: 'all', wires: [['line']] },
    { id: 'line', ...at, type: 'function', func: 'msg.payload = JSON.stringify({topic: msg.topic, jobId: msg.jobId, runId: msg.runId, robot: msg.robot}); return msg;', outputs: 1, wires: [['file']] },
    { id: 'file', ...at, type: 'file', filename: eventsFile, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', wires: [] },
  ];
}

function lines(file: string): Line[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Line);
}

async function until(cond: () => boolean, what: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('opentrons-fleet across a Node-RED restart (real Node-RED process, localfilesystem store)', function () {
  this.timeout(300_000);
  let robots: SimulatedRobot[] = [];
  let red: NodeRedProcess | undefined;
  let userDir = '';

  afterEach(async function () {
    await red?.stop();
    red = undefined;
    await Promise.all(robots.map((r) => r.stop()));
    robots = [];
    if (userDir) rmSync(userDir, { recursive: true, force: true });
  });

  it('keeps queued jobs in order and re-attaches dispatched ones by run id: every job ends once, none runs twice', async function () {
    // Each run takes a few seconds, so Node-RED goes down while runs are going and comes back to queued jobs.
    robots = await Promise.all([0, 1].map(() => SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'OT-2', speed: 2, analysisMs: 100, commandMs: 200 })));
    userDir = mkdtempSync(join(tmpdir(), 'nr-fleet-'));
    const eventsFile = join(userDir, 'events.jsonl');
    red = await startNodeRed({ userDir, settings: SETTINGS, flows: flows(robots, eventsFile) });
    const url = red.url;

    const jobIds: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${url}/submit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ files: [jsonProtocol({ name: `restart job ${i % 2}` })] }),
      });
      assert.equal(res.status, 200, await res.clone().text());
      jobIds.push(((await res.json()) as { jobId: string }).jobId);
    }
    // Two jobs on the robots, four queued: stop Node-RED while the first two run.
    await until(() => lines(eventsFile).filter((l) => l.topic === 'running').length >= 2, 'two jobs running', 60_000);
    await red.stop();
    red = undefined;
    const before = lines(eventsFile);
    assert.ok(before.filter((l) => l.topic === 'succeeded').length < 6, 'Node-RED went down mid-queue');
    // Let the runs on the robots finish while Node-RED is down.
    const unfinished = before.filter((l) => l.topic === 'running' && !before.some((e) => e.jobId === l.jobId && e.topic === 'succeeded'));
    assert.ok(unfinished.length > 0, 'a job was running when Node-RED stopped');
    const runStatus = async (runId: string): Promise<string | undefined> => {
      for (const r of robots) {
        const res = await fetch(`${r.url}/runs/${runId}`, { headers: { 'Opentrons-Version': '3' } });
        if (res.status === 200) return ((await res.json()) as { data: { status: string } }).data.status;
      }
      return undefined;
    };
    for (const l of unfinished) {
      const runId = String(before.find((e) => e.jobId === l.jobId && e.topic === 'assigned')?.runId);
      for (let i = 0; i < 200 && (await runStatus(runId)) !== 'succeeded'; i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(await runStatus(runId), 'succeeded', `run ${runId} finished while Node-RED was down`);
    }

    red = await startNodeRed({ userDir, settings: SETTINGS });
    await until(() => jobIds.every((id) => lines(eventsFile).some((l) => l.jobId === id && l.topic === 'succeeded')), 'every job succeeded', 180_000);
    // A short grace for any duplicate event to show up.
    await new Promise((r) => setTimeout(r, 2000));
    const all = lines(eventsFile);
    for (const l of unfinished) {
      assert.equal(all.filter((e) => e.jobId === l.jobId && e.topic === 'succeeded').length, 1, `job ${l.jobId} finished while down: its final event once, after the restart`);
    }
    for (const id of jobIds) {
      assert.equal(all.filter((l) => l.jobId === id && l.topic === 'assigned').length, 1, `job ${id} assigned once`);
      assert.equal(all.filter((l) => l.jobId === id && l.topic === 'succeeded').length, 1, `job ${id} ended once`);
    }
    const runIds = new Set(all.filter((l) => l.topic === 'assigned').map((l) => l.runId));
    assert.equal(runIds.size, 6, 'one run per job');
    let runs = 0;
    for (const r of robots) {
      const res = await fetch(`${r.url}/runs`, { headers: { 'Opentrons-Version': '3' } });
      const data = ((await res.json()) as { data: Array<{ id: string; status: string }> }).data;
      for (const run of data) assert.ok(runIds.has(run.id) && run.status === 'succeeded', `${run.id} ${run.status}`);
      runs += data.length;
    }
    assert.equal(runs, 6, 'the robots ran six runs in all: none twice');
    // Queued jobs kept their order: assignments follow submission order.
    const order = all.filter((l) => l.topic === 'assigned').map((l) => l.jobId);
    assert.deepEqual(order, jobIds);
  });
});
