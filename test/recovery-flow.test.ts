// Flex error recovery end to end through the nodes, on a simulated Flex over real HTTP: a fault armed
// through opentrons-request (the simulator's /simulator/faults/commands) makes a protocol pickUpTip find
// no tip; opentrons-status reports awaiting-recovery with the failed command; opentrons-command sends a
// fixit command with msg.failedCommandId; opentrons-run resume-from-recovery; the run succeeds. Then the
// error-recovery-policy action, the robot's refusals reaching Catch, and bad input that sends nothing.
import assert from 'node:assert/strict';
import type { NodeMessage } from 'node-red';
import { SimulatedRobot } from '../nodes/lib/simulator';
import { getNode, loadFlow, unloadFlow, type FlowNode } from './helpers/nodered';
import { CORE } from './reliability/rig';
import { call, liveRunWithLabware, waitStatus } from './simulator-util';

type Msg = Record<string, unknown> & { error?: { message: string; code?: string } };

const NODES = ['run', 'policy', 'fixit', 'request', 'status'];

function flow(port: number): FlowNode[] {
  const tab = 'tab';
  const n = (id: string, type: string, props: Record<string, unknown>, outputs = 1): FlowNode => ({
    id, z: tab, type, robot: 'robot', wires: outputs === 2 ? [[`${id}-out`], [`${id}-end`]] : [[`${id}-out`]], ...props,
  });
  const helpers = NODES.flatMap((id) => [{ id: `${id}-out`, z: tab, type: 'helper' }, { id: `${id}-end`, z: tab, type: 'helper' }]);
  return [
    { id: tab, type: 'tab', label: 'recovery' },
    { id: 'robot', type: 'opentrons-robot', host: '127.0.0.1', port, apiVersion: '3', timeout: 5, notifications: 'off' },
    n('run', 'opentrons-run', { action: 'play' }),
    n('policy', 'opentrons-run', { action: 'error-recovery-policy' }),
    n('fixit', 'opentrons-command', { target: 'run', commandType: '', intent: 'fixit', waitUntilComplete: true }),
    n('request', 'opentrons-request', { method: 'POST', path: '/simulator/faults/commands' }),
    n('status', 'opentrons-status', { runId: '', interval: 100, autostart: false }, 2),
    { id: 'catch', z: tab, type: 'catch', scope: NODES, uncaught: false, wires: [['caught']] },
    { id: 'caught', z: tab, type: 'helper' },
    ...helpers,
  ];
}

describe('Flex error recovery through the nodes', function () {
  this.timeout(30_000);
  let sim: SimulatedRobot;
  const seen: Record<string, Msg[]> = {};

  beforeEach(async function () {
    sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'Flex', speed: 100, commandMs: 20 });
    await loadFlow(flow(sim.port), {
      types: ['opentrons-robot', 'opentrons-run', 'opentrons-command', 'opentrons-request', 'opentrons-status'],
      extraNodes: CORE,
    });
    for (const k of [...NODES.flatMap((id) => [`${id}-out`, `${id}-end`]), 'caught']) {
      seen[k] = [];
      getNode(k).on('input', (m: Msg) => seen[k].push(m));
    }
  });
  afterEach(async function () {
    await unloadFlow();
    await sim.stop();
  });

  /** Sends msg into node id and resolves with its output, or rejects with what a Catch node got. */
  async function through(id: string, msg: Msg): Promise<Msg> {
    const out = seen[`${id}-out`].length;
    const caught = seen.caught.length;
    getNode(id).receive(msg as NodeMessage);
    const end = Date.now() + 10_000;
    for (;;) {
      if (seen[`${id}-out`].length > out) return seen[`${id}-out`][out];
      if (seen.caught.length > caught) {
        const m = seen.caught[caught];
        throw Object.assign(new Error(m.error?.message), { code: m.error?.code, msg: m });
      }
      if (Date.now() > end) throw new Error(`${id}: no outcome`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async function refused(id: string, msg: Msg): Promise<{ code?: string; message: string; msg: Msg }> {
    try {
      const out = await through(id, msg);
      throw new Error(`expected an error, got ${String(JSON.stringify(out.payload)).slice(0, 200)}`);
    } catch (err) {
      const e = err as Error & { code?: string; msg?: Msg };
      if (!e.msg) throw err;
      return { code: e.code, message: e.message, msg: e.msg };
    }
  }

  async function statusMsg(topic: string, from = 0): Promise<Msg> {
    const end = Date.now() + 10_000;
    for (;;) {
      const m = seen['status-out'].slice(from).find((x) => x.topic === topic);
      if (m) return m;
      if (Date.now() > end) throw new Error(`no status msg ${topic}; got ${seen['status-out'].map((x) => String(x.topic)).join(', ')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async function queueProtocolPickUp(runId: string, pipette: string, tiprack: string): Promise<string> {
    const r = await call(sim, 'POST', `/runs/${runId}/commands`, { data: { commandType: 'pickUpTip', intent: 'protocol', params: { pipetteId: pipette, labwareId: tiprack, wellName: 'A1' } } });
    await call(sim, 'POST', `/runs/${runId}/commands`, { data: { commandType: 'dropTipInPlace', intent: 'protocol', params: { pipetteId: pipette } } });
    return String(r.body.data.id);
  }

  it('status awaiting-recovery with the failed command → fixit command → resume-from-recovery → succeeded', async function () {
    const { runId, tiprack, pipette } = await liveRunWithLabware(sim);
    const failedId = await queueProtocolPickUp(runId, pipette, tiprack);
    // Armed the way the example flow does it: a simulator-only route, through opentrons-request.
    const armed = await through('request', { payload: { data: { commandType: 'pickUpTip', errorType: 'tipPhysicallyMissing' } } });
    assert.equal(armed.statusCode, 201);
    assert.equal((armed.payload as { data: { isDefined: boolean } }).data.isDefined, true);

    getNode('status').receive({ runId } as NodeMessage);
    await through('run', { runId, action: 'play' });
    const recovering = await statusMsg('awaiting-recovery');
    const p = recovering.payload as { status: string; failedCommand: { id: string; commandType: string; error: { errorType: string; isDefined: boolean } } };
    assert.equal(p.status, 'awaiting-recovery');
    assert.equal(p.failedCommand.id, failedId);
    assert.equal(p.failedCommand.commandType, 'pickUpTip');
    assert.equal(p.failedCommand.error.errorType, 'tipPhysicallyMissing');
    assert.equal(p.failedCommand.error.isDefined, true);

    // The fix: pick up the next tip instead, as a fixit command naming the failed one.
    const fixed = await through('fixit', {
      runId,
      failedCommandId: p.failedCommand.id,
      payload: { commandType: 'pickUpTip', params: { pipetteId: pipette, labwareId: tiprack, wellName: 'B1' } },
    });
    const cmd = fixed.payload as { status: string; intent: string; failedCommandId: string };
    assert.equal(cmd.status, 'succeeded');
    assert.equal(cmd.intent, 'fixit');
    assert.equal(cmd.failedCommandId, failedId);
    assert.ok(sim.stats.requests.some((r) => r.method === 'POST' && r.path === `/runs/${runId}/commands`), 'the fixit command went to the run');

    const resumed = await through('run', { runId, action: 'resume-from-recovery' });
    assert.equal((resumed.runAction as { actionType: string }).actionType, 'resume-from-recovery');
    await waitStatus(sim, runId, 'succeeded');
    const ended = await statusMsg('succeeded');
    assert.equal((ended.payload as { failedCommand?: unknown }).failedCommand, undefined, 'no failed command once out of recovery');
    assert.equal(seen.caught.length, 0, seen.caught.map((m) => m.error?.message).join('; '));
  });

  it('error-recovery-policy: failRun for the error makes the Flex fail the run instead of waiting', async function () {
    const { runId, tiprack, pipette } = await liveRunWithLabware(sim);
    const rule = { matchCriteria: { command: { commandType: 'pickUpTip', error: { errorType: 'tipPhysicallyMissing' } } }, ifMatch: 'failRun', extra: 'dropped' };
    const set = await through('policy', { runId, payload: [rule] });
    assert.equal(set.runId, runId);
    assert.equal((set.payload as { id: string }).id, runId, 'payload is the run, read after the robot\'s {}');
    assert.deepEqual(set.policyRules, [{ matchCriteria: rule.matchCriteria, ifMatch: 'failRun' }], 'only the fields the robot reads are sent');
    await queueProtocolPickUp(runId, pipette, tiprack);
    sim.failNextCommand({ commandType: 'pickUpTip', errorType: 'tipPhysicallyMissing' });
    await through('run', { runId, action: 'play' });
    await waitStatus(sim, runId, 'failed');
    const run = await call(sim, 'GET', `/runs/${runId}`);
    assert.equal(run.body.data.hasEverEnteredErrorRecovery, false);
  });

  it('error-recovery-policy: set, then the run read fails: sent on with statusReadError, never a Catch error', async function () {
    const { runId } = await liveRunWithLabware(sim);
    sim.faults.failNext({ method: 'GET', path: `/runs/${runId}`, status: 500 });
    const rule = { matchCriteria: { command: { commandType: 'pickUpTip', error: { errorType: 'tipPhysicallyMissing' } } }, ifMatch: 'failRun' };
    const set = await through('policy', { runId, payload: [rule] });
    assert.equal(set.runId, runId);
    assert.deepEqual(set.payload, [rule], 'the rules as sent: the policy was set');
    assert.equal(set.status, undefined);
    assert.equal(typeof (set.statusReadError as { message: string }).message, 'string');
    assert.equal(sim.stats.count('PUT', `/runs/${runId}/errorRecoveryPolicy`), 1, 'sent once, not again');
    assert.equal(seen.caught.length, 0);
  });

  it('the robot\'s refusals outside recovery reach Catch: fixit 500 UnexpectedError, resume 409 RunActionNotAllowed', async function () {
    const run = await call(sim, 'POST', '/runs', { data: {} });
    const runId = String(run.body.data.id);
    const fixit = await refused('fixit', { runId, failedCommandId: 'not-a-command', payload: { commandType: 'home', params: {} } });
    assert.equal(fixit.code, 'UnexpectedError');
    assert.equal(fixit.msg.statusCode, 500);
    assert.equal((fixit.msg.robotError as { meta: { type: string } }).meta.type, 'FixitCommandNotAllowedError');
    const resume = await refused('run', { runId, action: 'resume-from-recovery' });
    assert.equal(resume.code, 'RunActionNotAllowed');
    assert.equal(resume.msg.statusCode, 409);
    assert.match(resume.message, /not in recovery mode/);
  });

  it('bad recovery input is refused before anything is sent', async function () {
    const run = await call(sim, 'POST', '/runs', { data: {} });
    const runId = String(run.body.data.id);
    await new Promise((r) => setTimeout(r, 100)); // the config node's version check at deploy
    const mark = sim.stats.requests.length;
    const rule = (over: Record<string, unknown>) => ({ matchCriteria: { command: { commandType: 'pickUpTip', error: { errorType: 'tipPhysicallyMissing' } } }, ifMatch: 'waitForRecovery', ...over });
    const cases: Array<[string, Msg, RegExp]> = [
      ['policy', { runId, payload: 'waitForRecovery' }, /array of rules/],
      ['policy', { runId, payload: [rule({ ifMatch: 'retry' })] }, /ifMatch must be one of ignoreAndContinue, failRun, waitForRecovery/],
      ['policy', { runId, payload: [rule({ matchCriteria: { command: { commandType: 'pickUpTip' } } })] }, /errorType/],
      ['policy', { payload: [rule({})] }, /runId/],
      ['fixit', { runId, payload: { commandType: 'home', params: {} } }, /needs msg\.failedCommandId/],
      ['fixit', { runId, failedCommandId: 7, payload: { commandType: 'home', params: {} } }, /needs msg\.failedCommandId/],
      ['fixit', { runId, intent: 'setup', failedCommandId: 'abc', payload: { commandType: 'home', params: {} } }, /only for fixit commands/],
      ['fixit', { runId, failedCommandId: 'abc', payload: [{ commandType: 'home', params: {} }, { commandType: 'home', params: {}, intent: 'setup' }] }, /must be all fixit/],
    ];
    for (const [id, msg, re] of cases) {
      const r = await refused(id, msg);
      assert.equal(r.code, 'InvalidInput', `${id} ${JSON.stringify(msg)}: ${r.message}`);
      assert.match(r.message, re);
    }
    assert.equal(sim.stats.requests.length - mark, 0, 'a refused msg reached the robot');
  });
});
