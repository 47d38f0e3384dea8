// Checks before a run starts, as the Opentrons App makes them: the protocol's analysis is ok, the robot has
// what the protocol loads (the fit check), the door is closed and the E-stop released. opentrons-run runs
// them before `play` of a run that has not started; the fleet queue runs the same before it starts a job.
import type { RequestOptions, RobotClient } from './client';
import { InputError, OpentronsError } from './errors';
import { analysisProblem, protocolName } from './analysis-wait';
import { fitChecks, readEquipment, requirementsOf, type Check, type Requirements } from './fit';
import type { Analysis, DoorStatus, EstopStatus, Run } from './types';

export type { Check } from './fit';

export const CHECK_NAMES = ['analysis', 'pipettes', 'modules', 'fixtures', 'door', 'estop'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];
/** Checks of things only a Flex has: `true` leaves them out on an OT-2. */
const FLEX_ONLY: readonly CheckName[] = ['fixtures', 'estop'];
/** Checks read from the protocol's analysis. */
const FROM_ANALYSIS: readonly CheckName[] = ['analysis', 'pipettes', 'modules', 'fixtures'];

/** `'all'`: every check that applies to the robot; a list: those (each applies or says why not). */
export type CheckSelection = 'all' | readonly CheckName[];

/** Some check before play failed: nothing was sent. `checks` has every check with its result. */
export class PreflightFailedError extends OpentronsError {
  readonly code = 'PreflightFailed';
  constructor(
    readonly runId: string,
    readonly checks: Check[],
  ) {
    const failed = checks.filter((c) => !c.ok);
    super(`run ${runId} not started, ${failed.length} check${failed.length === 1 ? '' : 's'} failed: ${failed.map((c) => `${c.check} (${c.detail})`).join('; ')}`);
  }
}

/**
 * msg.checks (or the editor's checkbox, `fallback`): `true` = all, `false` = none, or a list of check names.
 * A list of check results (what an earlier play put in msg.checks) counts as not set, so a msg that went round
 * a loop is not refused for carrying its own output.
 */
export function checkSelection(value: unknown, fallback: boolean): CheckSelection | undefined {
  if (value === undefined || value === null || isResultList(value)) return fallback ? 'all' : undefined;
  if (value === true) return 'all';
  if (value === false) return undefined;
  const how = `msg.checks must be true (every check that applies to the robot), false, or a list of check names from ${CHECK_NAMES.join(', ')}`;
  if (!Array.isArray(value)) throw new InputError(`${how} (got ${typeof value})`);
  if (value.length === 0) throw new InputError(`${how} (got an empty list: use false for no checks)`);
  const bad = value.filter((v) => typeof v !== 'string' || !(CHECK_NAMES as readonly string[]).includes(v));
  if (bad.length > 0) throw new InputError(`${how} (unknown: ${bad.slice(0, 3).map((v) => (typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : typeof v)).join(', ')})`);
  return [...new Set(value as CheckName[])];
}

function isResultList(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((c: unknown) => typeof c === 'object' && c !== null && typeof (c as Check).check === 'string' && typeof (c as Check).ok === 'boolean' && typeof (c as Check).detail === 'string')
  );
}

/**
 * Runs the chosen checks for a run that has not started; reads the robot in parallel and sends nothing.
 * A run without a protocol has no analysis, pipettes, modules or fixtures to check: those pass, saying so.
 */
export async function preflight(client: RobotClient, run: Run, which: CheckSelection, opts: RequestOptions = {}): Promise<Check[]> {
  const flex = (await client.robotModel()) === 'Flex';
  const wanted = new Set<CheckName>(which === 'all' ? CHECK_NAMES.filter((n) => flex || !FLEX_ONLY.includes(n)) : which);
  const [fromAnalysis, door, estop] = await Promise.all([
    FROM_ANALYSIS.some((n) => wanted.has(n)) ? analysisChecks(client, run, wanted, flex, opts) : [],
    wanted.has('door') ? client.getDoorStatus(opts) : undefined,
    wanted.has('estop') && flex ? client.getEstopStatus(opts) : undefined,
  ]);
  const checks = [...fromAnalysis];
  if (door) checks.push(doorCheck(door, flex));
  if (wanted.has('estop')) checks.push(estop ? estopCheck(estop) : { check: 'estop', ok: true, detail: 'an OT-2 has no E-stop to check' });
  return checks;
}

async function analysisChecks(client: RobotClient, run: Run, wanted: Set<CheckName>, flex: boolean, opts: RequestOptions): Promise<Check[]> {
  const groups = FROM_ANALYSIS.filter((n) => n !== 'analysis' && wanted.has(n));
  if (!run.protocolId) {
    const detail = `run ${run.id} has no protocol (its commands are sent one by one): nothing to check`;
    return FROM_ANALYSIS.filter((n) => wanted.has(n)).map((check) => ({ check, ok: true, detail }));
  }
  const { protocol } = await client.getProtocol(run.protocolId, opts);
  const name = `protocol "${protocolName(protocol)}" (${protocol.id})`;
  const summary = [...(protocol.analysisSummaries ?? [])].reverse().find((s) => s.status === 'completed');
  if (!summary) {
    const detail = `${name} has no completed analysis yet: wait for it (opentrons-upload waits by default), then play`;
    return [{ check: 'analysis', ok: false, detail }, ...groups.map((check) => ({ check, ok: false, detail: `cannot be checked: ${detail}` }))];
  }
  const analysis = await client.getAnalysis(protocol.id, summary.id, opts);
  const checks: Check[] = [];
  if (wanted.has('analysis')) {
    const problem = analysisProblem(protocol, analysis);
    checks.push({ check: 'analysis', ok: !problem, detail: problem ? problem.message : `the analysis of ${name} is ok (${summary.id})` });
  }
  if (groups.length === 0) return checks;
  // An OT-2 has no fixtures: answered here, and not handed to the fit check (which would answer it again); the fit
  // check still runs for its robot type check.
  if (groups.includes('fixtures') && !flex) checks.push({ check: 'fixtures', ok: true, detail: 'an OT-2 has no deck configuration to check' });
  return [...checks, ...(await fit(client, analysis, new Set(groups.filter((g) => flex || g !== 'fixtures')), opts))];
}

/** The fit check, reduced to the groups asked for (pipettes with the gripper: both are instruments). */
async function fit(client: RobotClient, analysis: Analysis, groups: Set<CheckName>, opts: RequestOptions): Promise<Check[]> {
  // The simulated robot without Opentrons' analyzer does not run a Python protocol: its analysis says so and
  // lists nothing loaded. Say that, rather than pass checks on an empty list.
  const simulation = analysis.simulation as { interpreted?: unknown } | undefined;
  if (simulation?.interpreted === false) {
    const detail = 'not known: the simulated robot did not run this protocol (its analysis is marked "simulation": {"interpreted": false}), so what it loads was not checked';
    return [...groups].map((check) => ({ check, ok: true, detail }));
  }
  const all = requirementsOf(analysis);
  const needs: Requirements = {
    robotType: all.robotType,
    pipettes: groups.has('pipettes') ? all.pipettes : [],
    gripper: groups.has('pipettes') && all.gripper,
    modules: groups.has('modules') ? all.modules : [],
    fixtures: groups.has('fixtures') ? all.fixtures : [],
  };
  return fitChecks(needs, await readEquipment(client, needs, opts));
}

function doorCheck(door: DoorStatus, flex: boolean): Check {
  // A Flex never runs with its door open; an OT-2 only cares when its door switch is set to (robot setting).
  const required = flex || door.doorRequiredClosedForProtocol === true;
  if (door.status === 'closed') return { check: 'door', ok: true, detail: 'the door is closed' };
  if (!required) return { check: 'door', ok: true, detail: `the door is ${door.status}; this OT-2 does not require it closed (doorRequiredClosedForProtocol is off)` };
  return { check: 'door', ok: false, detail: `the door is ${door.status}: close it, the robot runs a protocol only with the door closed` };
}

function estopCheck(estop: EstopStatus): Check {
  const why: Record<string, string> = {
    disengaged: 'the E-stop is released',
    physicallyEngaged: 'the E-stop is pressed: release it, then acknowledge it on the touchscreen (or PUT /robot/control/acknowledgeEstopDisengage)',
    logicallyEngaged: 'the E-stop was released but not acknowledged: acknowledge it on the touchscreen (or PUT /robot/control/acknowledgeEstopDisengage)',
    notPresent: 'no E-stop is connected: a Flex runs protocols only with its E-stop plugged in',
  };
  return { check: 'estop', ok: estop.status === 'disengaged', detail: why[estop.status] ?? `the E-stop reads ${estop.status}` };
}
