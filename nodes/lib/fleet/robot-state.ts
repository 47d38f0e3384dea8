// One robot of a fleet as the queue sees it: reachable or not, held, waiting to be cleared, the run on it
// that is not one of the queue's, and what the queue has learnt about it (protocol ids by content, data file
// ids, analyses that came out ok or not).
import type { RobotConfigNode } from '../node-support';
import type { Subscription } from '../watch';
import { names, plainName } from '../robot-names';

export const ROBOT_STATES = ['free', 'assigned', 'running', 'paused', 'needs-clearing', 'held', 'offline'] as const;
export type RobotStateName = (typeof ROBOT_STATES)[number];

export interface RobotView {
  robot: string;
  id: string;
  state: RobotStateName;
  jobId: string | null;
  runId: string | null;
  held: boolean;
  reachable: boolean | null;
}

export class FleetRobot {
  /** undefined until the first answer (or failure). */
  reachable: boolean | undefined;
  held = false;
  needsClearing = false;
  /** The robot's current run when it is not a queue job's and has not ended: the robot is busy. */
  foreignRun: { id: string; status: string } | null = null;
  /** When it last became free (ms), for the least-used policy. */
  freeSince = 0;
  /** Placement failed for a reason not about the job (robot error): skip it until then (ms). */
  backoffUntil = 0;
  /** Protocol id on this robot by content hash. */
  readonly protocols = new Map<string, string>();
  /** Data file id on this robot by CSV content hash. */
  readonly dataFiles = new Map<string, string>();
  subscription: Subscription | undefined;
  lostTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: string,
    readonly config: RobotConfigNode,
  ) {}

  /** Set when another robot of the fleet has the same name (two unnamed simulated robots): name + config id. */
  alias: string | undefined;

  get name(): string {
    return this.alias ?? plainName(this);
  }

  /** Whether msg.robots names this robot (its name, label or config id; see robot-names). */
  named(nameOrId: string): boolean {
    return names(this, this.name, nameOrId);
  }
}
