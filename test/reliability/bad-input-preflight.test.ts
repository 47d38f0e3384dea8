// Bad input, property-based, for opentrons-run's check before play (msg.checks): random msgs play an idle run
// on a simulated Flex where every check fails (analysis not ok, the 96-channel and the module missing, fixtures
// not configured, door open, E-stop pressed), so each msg is refused as input, refused by the checks (with
// msg.checks listing them, and no play sent), or — msg.checks false — refused by the robot (E-stop engaged).
// The shared property checks are bad-input-kit.ts's.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { CHECK_NAMES } from '../../nodes/lib/preflight';
import { PACKAGE_ROOT } from '../helpers/nodered';
import { clearCurrentRun } from './specs';
import { badInputSuite, junk, msgArb, mostly, or } from './bad-input-kit';
import { errorOf } from './rig';

const FLEX_PROTOCOL = readFileSync(join(PACKAGE_ROOT, 'test', 'fixtures', 'protocols', 'simpleFlexV8.json'));

let runId = '';
let actionsSeen = 0;
let refusedByChecks = 0;
const actions = (sim: { stats: { count(method?: string, path?: RegExp | string): number } }): number => sim.stats.count('POST', /^\/runs\/[^/]+\/actions$/);

describe('check before play under random msg.checks', function () {
  after(function () {
    // Not just refused by the E-stop: the checks themselves must have been reached and have refused.
    assert.ok(refusedByChecks >= 50, `only ${refusedByChecks} msgs were refused by the checks`);
  });

  badInputSuite(
    'reliability: bad input to opentrons-run check before play (fast-check)',
    [
      {
        nodeType: 'opentrons-run',
        config: { action: 'play', checkBeforePlay: true },
        runs: 500,
        // Every msg that gets past input checking is refused by the checks or by the robot.
        minAccepted: 0,
        minRobotErrors: 50,
        prepare: async (rig) => {
          await clearCurrentRun(rig.client);
          const { protocol } = await rig.client.uploadProtocol([{ filename: 'simpleFlexV8.json', content: FLEX_PROTOCOL }]);
          runId = (await rig.client.createRun({ protocolId: protocol.id })).id;
          for (const m of await rig.client.getModules()) rig.sim.detachModule(m.serialNumber);
          rig.sim.setDoor(true);
          rig.sim.setEstop(true);
          actionsSeen = actions(rig.sim);
        },
        arbitrary: () =>
          msgArb({
            runId: mostly(fc.constant(runId)),
            checks: or(fc.oneof(fc.boolean(), fc.array(fc.constantFrom(...CHECK_NAMES, 'Door', 'all', ''), { maxLength: 4 }))),
            waitForStatus: junk,
          }),
        cleanup: async ({ rig, sim, id }) => {
          const caught = rig.caught.find((m) => m._msgid === id);
          const now = actions(sim);
          if (caught && errorOf(caught).code === 'PreflightFailed') {
            assert.equal(now, actionsSeen, `a failed check still sent an action: ${errorOf(caught).message}`);
            const checks = caught.checks as Array<{ check: string; ok: boolean }>;
            assert.ok(Array.isArray(checks) && checks.some((c) => !c.ok), 'msg.checks lists the failed check');
            refusedByChecks += 1;
          }
          actionsSeen = now;
          assert.equal((await rig.client.getRun(runId)).status, 'idle', 'the run never started');
        },
      },
    ],
    { model: 'Flex' },
  );
});
