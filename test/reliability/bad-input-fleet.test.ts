// Bad input into opentrons-queue: 1 000 random msgs (every action, every submit field wrong in every way)
// end exactly once each, with one answer or one error; an invalid one sends nothing, and nothing is queued
// from a bad msg — the fleet holds exactly as many open jobs as submits were answered `queued`.
// The fleet's one robot is taken off the network first, so no request of the queue's own watchers can be
// taken for one a msg caused (and the valid jobs stay queued).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SimulatedRobot } from '../../nodes/lib/simulator';
import type { FleetConfigNode } from '../../nodes/lib/fleet/config-node';
import { jsonProtocol } from '../helpers/fleet';
import { getNode } from '../helpers/nodered';
import { checkBadInput, msgArb, or, mostly, type BadInputCase } from './bad-input-kit';
import type { CaughtError, Msg } from './rig';

const P = jsonProtocol();
/** Refusals of the queue itself, made before any request: a msg naming a job or robot the fleet does not have. */
const QUEUE_REFUSALS = ['InvalidInput', 'JobNotFound', 'JobNotAssigned', 'JobEnded', 'RobotNotFound', 'RobotBusy'];

const fleetCase: BadInputCase = {
  nodeType: 'opentrons-queue',
  config: { fleet: 'fuzz-fleet', action: 'submit', events: 'own' },
  extraFlow: [{ id: 'fuzz-fleet', type: 'opentrons-fleet', name: 'fuzz fleet', robots: ['robot'], store: 'default', policy: 'in-order', start: 'operator', clearing: 'operator', lostAfter: 300 }],
  extraTypes: ['opentrons-fleet'],
  runs: 1000,
  arbitrary: msgArb({
    // no `release`: the robot stays held, so valid jobs stay queued and the fleet sends nothing after the answer
    action: or(fc.constantFrom('submit', 'submit', 'list', 'start', 'cancel', 'hold', 'clear')),
    files: mostly(fc.constantFrom([P], [P, { filename: 'plate.csv', content: 'a,b\n1,2\n' }], [{ filename: 'labware.json', content: '{}' }])),
    payload: or(fc.constant(P.content)),
    filename: or(fc.constantFrom('fleet.json', 'notes.txt')),
    protocolKey: or(fc.constantFrom('key-1', 'plate-map')),
    runTimeParameterValues: or(fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.integer(), fc.boolean(), fc.string({ maxLength: 8 })), { maxKeys: 3 })),
    runTimeParameterFiles: or(fc.constantFrom({ plate: { filename: 'plate.csv', content: 'a,b\n' } }, { plate: { filename: 'plate.txt', content: 'a' } })),
    labwareOffsets: or(fc.constant([{ definitionUri: 'opentrons/corning_96_wellplate_360ul_flat/2', location: { slotName: '1' }, vector: { x: 0, y: 0.5, z: 0 } }])),
    priority: or(fc.integer({ min: -5, max: 5 })),
    robots: or(fc.constantFrom(['robot'], ['robot', 'robot'], ['elsewhere'])),
    start: or(fc.constantFrom('operator', 'auto')),
    jobId: or(fc.uuid()),
    robot: or(fc.constantFrom('robot', 'elsewhere')),
  }),
  isInputError: (err: CaughtError) => typeof err.code === 'string' && QUEUE_REFUSALS.includes(err.code),
  minAccepted: 50,
  prepare: async (rig) => {
    rig.send({ _msgid: 'hold', action: 'hold', robot: 'robot' });
    for (let i = 0; i < 200 && !rig.out.some((m) => m._msgid === 'hold'); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(rig.out.some((m) => m._msgid === 'hold'), 'robot held');
    await rig.sim.faults.down();
  },
  // start and cancel name random job ids (always refused): an answer is a queued job, the list, or a robot
  checkOutput: (out: Msg) => {
    assert.ok(['queued', 'list', 'hold', 'clear'].includes(String(out.topic)), `answer topic ${String(out.topic)}`);
    if (out.topic === 'queued') assert.equal(typeof out.jobId, 'string');
  },
  cleanup: async ({ rig }) => {
    const fleet = getNode<FleetConfigNode>('fuzz-fleet').fleet;
    assert.ok(fleet);
    const answered = rig.out.filter((m) => m.topic === 'queued').length;
    assert.equal(fleet.openJobs, answered, 'the fleet holds exactly the jobs answered `queued`: nothing queued from a bad msg');
  },
};

describe('bad input: opentrons-queue', function () {
  this.timeout(600_000);
  let sim: SimulatedRobot | undefined;

  before(async function () {
    sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, speed: 10_000, commandMs: 0, analysisMs: 0 });
  });
  after(async function () {
    await sim?.stop();
  });
  afterEach(function () {
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted');
  });

  it(`opentrons-queue: ${fleetCase.runs} random msgs each end exactly once, with one output or one error; nothing queued from a bad msg`, async function () {
    const r = await checkBadInput(sim as SimulatedRobot, fleetCase);
    console.log(`      opentrons-queue: ${fleetCase.runs} msgs (${r.refused} refused, ${r.valid} accepted) in ${(r.ms / 1000).toFixed(1)} s`);
    assert.ok(r.valid >= 50);
  });
});
