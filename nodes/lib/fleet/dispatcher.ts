// Which robot a job goes to: the free ones it allows and has not been refused by, in the fleet's policy
// order; and whether a job has been refused by every robot it allows (then no robot can ever run it).
import type { Job } from './job';
import type { FleetRobot } from './robot-state';

export type Policy = 'in-order' | 'least-used';
export const POLICIES: readonly Policy[] = ['in-order', 'least-used'];

export function allows(job: Job, robot: FleetRobot): boolean {
  return job.robots === null || job.robots.some((r) => robot.named(r));
}

/** Free robots worth trying for `job`, best first: list order, or the one free longest first. */
export function candidates(job: Job, free: FleetRobot[], policy: Policy): FleetRobot[] {
  const ok = free.filter((r) => allows(job, r) && !(job.reasons && Object.prototype.hasOwnProperty.call(job.reasons, r.name)));
  // Array.prototype.sort is stable: ties keep list order.
  return policy === 'least-used' ? [...ok].sort((a, b) => a.freeSince - b.freeSince) : ok;
}

/** Every robot the job allows has said why it cannot run it (or it allows none of the fleet's robots). */
export function refusedByAll(job: Job, robots: FleetRobot[]): boolean {
  const allowed = robots.filter((r) => allows(job, r));
  return allowed.every((r) => job.reasons !== null && Object.prototype.hasOwnProperty.call(job.reasons, r.name));
}
