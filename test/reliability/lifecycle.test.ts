// Lifecycle: 50 redeploys while a run is being watched and commands are waiting on the robot. Each
// close must finish well inside Node-RED's 15 s close timeout, and afterwards the process holds no
// more sockets or timers than before, and the simulated robots hold no open connection. The robots run
// in a child process, so every handle counted here is Node-RED's and ours.
import assert from 'node:assert/strict';
import type { NodeMessage } from 'node-red';
import { SimFleet } from '../../bench/fleet';
import { liveWatchers } from '../../nodes/lib/watch/registry';
import { jsonProtocol } from '../helpers/fleet';
import { getNode, loadFlow, unloadFlow, type FlowNode } from '../helpers/nodered';
import { CORE, sleep, until } from './rig';

const REDEPLOYS = 50;
const JOB = jsonProtocol({ name: 'lifecycle job' });
const NODE_RED_CLOSE_TIMEOUT_MS = 15_000;
/** Resource kinds our code could leak; others (fs requests, TTYs) belong to mocha and the OS. */
const WATCHED = ['TCPSocketWrap', 'TCPServerWrap', 'Timeout', 'Immediate'];

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) if (WATCHED.includes(r)) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

function above(now: Record<string, number>, base: Record<string, number>): string[] {
  return WATCHED.filter((k) => (now[k] ?? 0) > (base[k] ?? 0)).map((k) => `${k} ${base[k] ?? 0} → ${now[k] ?? 0}`);
}

describe('reliability: lifecycle (50 redeploys with work in flight)', function () {
  this.timeout(120_000);
  let runs: SimFleet;
  let commands: SimFleet;
  let runId: string;

  before(async function () {
    // `runs` executes a long protocol in real time; `commands` holds every command for a minute.
    [runs, commands] = await Promise.all([
      SimFleet.start({ count: 1, speed: 1, commandMs: 5_000, analysisMs: 10 }),
      SimFleet.start({ count: 1, speed: 1, commandMs: 60_000 }),
    ]);
    runId = await runs.playRun(0);
  });
  after(async function () {
    await unloadFlow().catch(() => undefined);
    await runs?.stop();
    await commands?.stop();
  });

  function flow(i: number): FlowNode[] {
    return [
      { id: 'rA', type: 'opentrons-robot', host: '127.0.0.1', port: runs.robots[0].port, apiVersion: '3', timeout: 10, name: `runs ${i}`, notifications: 'off' },
      { id: 'rB', type: 'opentrons-robot', host: '127.0.0.1', port: commands.robots[0].port, apiVersion: '3', timeout: 10, notifications: 'off' },
      { id: 'follow', type: 'opentrons-status', robot: 'rA', runId: '', interval: 50, autostart: true, wires: [['seen'], []] },
      { id: 'byId', type: 'opentrons-status', robot: 'rA', runId, interval: 50, autostart: true, wires: [['seen'], []] },
      { id: 'cmd', type: 'opentrons-command', robot: 'rB', target: 'robot', commandType: 'home', params: '{}', paramsType: 'json', waitUntilComplete: true, timeout: 30_000, wires: [['seen']] },
      { id: 'cmd2', type: 'opentrons-command', robot: 'rB', target: 'robot', commandType: 'setRailLights', params: '{"on": true}', paramsType: 'json', waitUntilComplete: true, timeout: 30_000, wires: [['seen']] },
      { id: 'run', type: 'opentrons-run', robot: 'rA', action: 'get', waitForStatus: false, wires: [['seen']] },
      // hardware watchers (shared per robot and resource) must be released by every close too
      { id: 'hwDoor', type: 'opentrons-hardware', robot: 'rA', action: 'door', watch: true, interval: 500, wires: [['seen']] },
      { id: 'hwModules', type: 'opentrons-hardware', robot: 'rA', action: 'modules', watch: true, interval: 500, wires: [['seen']] },
      // a fleet over the busy robot: its watcher (shared with `follow`) and the queued job must not outlive a close
      { id: 'fl', type: 'opentrons-fleet', name: `lifecycle fleet ${i}`, robots: ['rA'], store: 'default', policy: 'in-order', start: 'operator', clearing: 'operator', lostAfter: 300 },
      { id: 'queue', type: 'opentrons-queue', fleet: 'fl', action: 'submit', events: 'all', wires: [['seen']] },
      { id: 'seen', type: 'helper' },
    ];
  }
  const TYPES = ['opentrons-robot', 'opentrons-status', 'opentrons-command', 'opentrons-run', 'opentrons-hardware', 'opentrons-fleet', 'opentrons-queue'];

  async function deployWithWorkInFlight(i: number): Promise<void> {
    const before = { cmd: await commands.count(0, 'POST', /^\/commands$/), watch: await runs.count(0, 'GET') };
    await loadFlow(flow(i), { types: TYPES, extraNodes: CORE });
    let statusMsgs = 0;
    getNode('seen').on('input', () => (statusMsgs += 1));
    getNode('cmd').receive({ payload: i } as NodeMessage);
    getNode('cmd2').receive({ payload: i } as NodeMessage);
    getNode('run').receive({ runId } as NodeMessage);
    getNode('queue').receive({ files: [JOB] } as unknown as NodeMessage);
    const end = Date.now() + 5000;
    for (;;) {
      const [cmd, watch] = await Promise.all([commands.count(0, 'POST', /^\/commands$/), runs.count(0, 'GET')]);
      if (cmd >= before.cmd + 2 && watch >= before.watch + 3 && statusMsgs > 0) return;
      if (Date.now() > end) throw new Error(`redeploy ${i}: work did not start (commands ${cmd - before.cmd}, GETs ${watch - before.watch}, msgs ${statusMsgs})`);
      await sleep(5);
    }
  }

  it(`closes each of ${REDEPLOYS} deployments within the close timeout and leaks no socket, timer or connection`, async function () {
    // One deploy first: Node-RED and the modules load once, and their own timers are not ours.
    await deployWithWorkInFlight(0);
    await unloadFlow();
    await sleep(300);
    const baseline = resources();
    const closeMs: number[] = [];

    for (let i = 1; i <= REDEPLOYS; i++) {
      await deployWithWorkInFlight(i);
      assert.ok((await commands.openConnections(0)) > 0, 'a command is in flight at close');
      const t0 = performance.now();
      await unloadFlow();
      closeMs.push(performance.now() - t0);
    }

    const worst = Math.max(...closeMs);
    const sorted = [...closeMs].sort((a, b) => a - b);
    console.log(`      close: median ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms, worst ${worst.toFixed(1)} ms over ${closeMs.length} redeploys`);
    assert.ok(worst < NODE_RED_CLOSE_TIMEOUT_MS, `a close took ${worst.toFixed(0)} ms`);

    assert.equal(liveWatchers(), 0, 'every run and hardware watcher stopped');
    let open = -1;
    for (const end = Date.now() + 5000; open !== 0 && Date.now() < end; await sleep(20)) {
      open = (await runs.openConnections(0)) + (await commands.openConnections(0));
    }
    assert.equal(open, 0, 'connections to the robots stay open after the last close');
    await until(() => above(resources(), baseline).length === 0, 5000, 'active handles above the baseline', () => above(resources(), baseline).join(', '));
    // The robots are still fine: a fresh deploy works at once.
    await deployWithWorkInFlight(REDEPLOYS + 1);
    await unloadFlow();
  });
});
