// msg.robot on an action node: the opentrons-robot config to act on instead of the node's own, named the way
// the fleet names robots (config id, name, label, or "name (config id)" for robots sharing a name), so a fleet
// job event (msg.robot, msg.runId) drives the run on the robot that has it.
import type { NodeAPI } from 'node-red';
import { InputError } from './errors';
import { robotOf, type RobotConfigNode } from './node-support';
import { findRobot, lookupFailure, robotNames, type NamedRobot } from './robot-names';

const HINT = 'set msg.robot to the name (or config id) of an opentrons-robot config node, or leave it out for the node\'s own robot';

export interface ChosenRobot {
  robot: RobotConfigNode;
  /** How msgs name it (as the fleet does); undefined when it is the node's own robot, msg.robot unset. */
  named: string | undefined;
}

/**
 * The robot a msg's action goes to: msg.robot's when it is set (undefined, null and '' are unset, as for the
 * other msg properties), else the node's configured one. A robot msg.robot does not name, names ambiguously,
 * or a msg.robot that is not a string is an InputError; nothing has been sent by then.
 */
export function robotFor(RED: NodeAPI, configured: unknown, value: unknown): ChosenRobot {
  if (value === undefined || value === null || value === '') return { robot: robotOf(RED, configured), named: undefined };
  if (typeof value !== 'string') throw new InputError(`msg.robot must be a string (got ${Array.isArray(value) ? 'an array' : typeof value}): ${HINT}`);
  const robots = robotConfigs(RED);
  const lookup = findRobot(robots, value);
  if (!lookup.found) {
    throw new InputError(`msg.robot: ${lookupFailure(value, lookup.candidates, 'among the opentrons-robot config nodes', robotNames(robots))}; ${HINT}`);
  }
  return { robot: robotOf(RED, lookup.found.id), named: lookup.name };
}

/** Every opentrons-robot config node that is running, in flow order. */
function robotConfigs(RED: NodeAPI): Array<NamedRobot & { config: RobotConfigNode }> {
  const found: Array<NamedRobot & { config: RobotConfigNode }> = [];
  RED.nodes.eachNode((def) => {
    if (def.type !== 'opentrons-robot') return;
    const config = RED.nodes.getNode(def.id) as RobotConfigNode | null;
    if (config) found.push({ id: def.id, config });
  });
  return found;
}

/**
 * An error of an action msg.robot sent elsewhere says which robot answered: the message starts with it and
 * the node's red status ends with it (`onRobot`, read by errorStatus). Code, status and cause are kept.
 */
export function onRobot(err: unknown, name: string): Error {
  const error = err instanceof Error ? err : new Error(String(err));
  error.message = `robot ${name} (msg.robot): ${error.message}`;
  (error as Error & { onRobot?: string }).onRobot = name;
  return error;
}
