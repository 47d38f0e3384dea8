// How a msg names a robot (msg.robot, msg.robots): by its opentrons-robot config id, its name, or — when
// another robot of the same list has that name (two unnamed simulated robots) — "name (config id)". The fleet
// (hold, release, clear, msg.robots) and opentrons-run (msg.robot) resolve names here, so a job event's
// msg.robot reaches the robot the fleet meant.
import type { RobotConfigNode } from './node-support';

export interface NamedRobot {
  readonly id: string;
  readonly config: Pick<RobotConfigNode, 'name' | 'robotLabel'>;
}

/** A name as the robot's config gives it: the config node's name, else its label (address or "simulated OT-2"). */
export function plainName(robot: NamedRobot): string {
  return robot.config.name || robot.config.robotLabel;
}

/** Each robot's name in msgs, in order: its plain name, or "name (config id)" when another of `robots` shares it. */
export function robotNames(robots: readonly NamedRobot[]): string[] {
  const plain = robots.map(plainName);
  return plain.map((n, i) => (plain.filter((x) => x === n).length > 1 ? `${n} (${robots[i].id})` : n));
}

/** Whether `nameOrId` names `robot`, whose name in msgs is `name` (from robotNames). */
export function names(robot: NamedRobot, name: string, nameOrId: string): boolean {
  if (nameOrId === robot.id || nameOrId === name || nameOrId === `${plainName(robot)} (${robot.id})`) return true;
  // a shared name names none of the robots sharing it
  return name === plainName(robot) && (nameOrId === robot.config.name || nameOrId === robot.config.robotLabel);
}

export type RobotLookup<T> =
  | { found: T; name: string }
  /** `candidates`: the names in msgs of the robots it could mean (empty: none). */
  | { found: undefined; candidates: string[] };

/**
 * The one robot `nameOrId` names: by config id, then by its name in msgs, then by "name (config id)" or its
 * label. A name that fits several robots (shared, or one's label another's name) finds none and lists the
 * names that tell them apart.
 */
export function findRobot<T extends NamedRobot>(robots: readonly T[], nameOrId: string): RobotLookup<T> {
  const msgNames = robotNames(robots);
  const tiers: Array<(r: T, i: number) => boolean> = [
    (r) => r.id === nameOrId,
    (_r, i) => msgNames[i] === nameOrId,
    (r, i) => names(r, msgNames[i], nameOrId),
  ];
  for (const fits of tiers) {
    const hits = robots.map((r, i) => (fits(r, i) ? i : -1)).filter((i) => i >= 0);
    if (hits.length === 1) return { found: robots[hits[0]], name: msgNames[hits[0]] };
    if (hits.length > 1) return { found: undefined, candidates: hits.map((i) => msgNames[i]) };
  }
  const sharing = robots.map((r, i) => (r.config.name === nameOrId || r.config.robotLabel === nameOrId ? i : -1)).filter((i) => i >= 0);
  return { found: undefined, candidates: sharing.map((i) => msgNames[i]) };
}

/** What to tell the sender when findRobot found none: unknown, or which names to use instead. */
export function lookupFailure(nameOrId: string, candidates: readonly string[], among: string, all: readonly string[]): string {
  const shown = JSON.stringify(nameOrId.slice(0, 80));
  if (candidates.length > 1) {
    return `robot ${shown} is ambiguous: ${candidates.length} robots ${among} fit it; use one of ${candidates.map((c) => JSON.stringify(c)).join(', ')} (or the robot's config id)`;
  }
  return `no robot ${shown} ${among}: use one of ${all.map((c) => JSON.stringify(c)).join(', ') || '(none configured)'} (or the robot's config id)`;
}
