// What every action node does the same way: find its robot, read msg properties safely, and hand
// errors to Node-RED so a Catch node gets them (see design.md, "The msg contract" / errors).
import type { Node, NodeAPI, NodeMessage, NodeStatus } from 'node-red';
import type { RobotClient } from './client';
import type { RobotNotifications } from './notifications';
import type { SimulatedRobot } from './simulator';
import type { SourceFactory } from './watch';
import { InputError, OpentronsError, RobotError, shortReason } from './errors';

/** The runtime face of an `opentrons-robot` config node, as action nodes see it. */
export interface RobotConfigNode extends Node {
  /** The shared client; undefined when the configuration is invalid (see `configError`). */
  readonly client: RobotClient | undefined;
  /** Why the configuration cannot be used (empty or malformed host, bad port…), or undefined. */
  readonly configError: string | undefined;
  /** Short text naming the robot for node status and logs, e.g. `ot2-lab1:31950` or `simulated OT-2`. */
  readonly robotLabel: string;
  /** True when this config node runs an in-process simulated robot. */
  readonly simulated: boolean;
  /** Resolves when the robot (real or simulated) can be addressed; rejects with the config error. */
  ready(): Promise<RobotClient>;
  /** With notifications `auto`: how run watchers learn of changes (MQTT hints, polling as fallback). */
  readonly watchSource?: SourceFactory;
  /** With notifications `auto`: the robot's MQTT connection, for other topics (the deck configuration hint). */
  readonly pushNotifications?: RobotNotifications;
  /** A simulated robot's simulator, for tests that drive its hardware (open its door…). */
  readonly simulatedRobot?: SimulatedRobot;
}

export type Done = (err?: Error) => void;
export type Send = (msg: NodeMessage | Array<NodeMessage | NodeMessage[] | null>) => void;

/** The msg as our nodes read and extend it. */
export type Msg = NodeMessage & Record<string, unknown>;

/** Looks up the node's robot config; a missing or invalid one is an InputError that says what to fix. */
export function robotOf(RED: NodeAPI, robotId: unknown): RobotConfigNode {
  const robot = typeof robotId === 'string' && robotId ? (RED.nodes.getNode(robotId) as RobotConfigNode | null) : null;
  if (!robot) throw new InputError('no robot configured: open the node and choose an opentrons-robot');
  if (robot.configError) throw new InputError(`robot configuration: ${robot.configError}`);
  return robot;
}

/**
 * Reads `msg[key]` only when it is the msg's own property, so inherited keys and prototype-pollution
 * payloads (`__proto__`, `constructor`) are never taken as input.
 */
export function own(msg: unknown, key: string): unknown {
  return typeof msg === 'object' && msg !== null && Object.prototype.hasOwnProperty.call(msg, key) ? (msg as Record<string, unknown>)[key] : undefined;
}

/** A msg property if present, else the editor value. */
export function pick<T>(msg: object, key: string, editorValue: T): unknown {
  const v = own(msg, key);
  return v === undefined || v === null || v === '' ? editorValue : v;
}

export function requireString(value: unknown, what: string, hint: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    const got = value === undefined ? 'nothing' : `a ${Array.isArray(value) ? 'array' : typeof value}`;
    throw new InputError(`${what} is required (got ${got}): ${hint}`);
  }
  return value.trim();
}

/** Longer than any id a robot gives (36-character UUIDs), short enough to be one. */
const RUN_ID_MAX = 128;

/**
 * A run id from a msg or the editor: a non-empty string of at most 128 printable characters. Anything
 * else (a 100 kB string, control characters) is refused before it becomes a request path.
 */
export function requireRunId(value: unknown, what: string, hint: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    const got = value === undefined ? 'nothing' : typeof value === 'string' ? 'an empty string' : `a${Array.isArray(value) ? 'n array' : ` ${typeof value}`}`;
    throw new InputError(`${what} must be a run id string (got ${got}): ${hint}`);
  }
  const id = value.trim();
  if (id.length > RUN_ID_MAX) throw new InputError(`${what} is ${id.length} characters long, not a run id (at most ${RUN_ID_MAX}): ${hint}`);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(id)) throw new InputError(`${what} contains control characters, so it is not a run id: ${hint}`);
  return id;
}

/**
 * An editor setting in seconds, as ms: the default when it is empty, not a number or not above 0 — the
 * editor's validator refuses those, but a flow file written by hand or by an older version may hold them.
 */
export function secondsSettingMs(value: string | number | undefined, defaultS: number): number {
  const s = value === undefined || value === '' ? defaultS : Number(value);
  return (Number.isFinite(s) && s > 0 ? s : defaultS) * 1000;
}

export function optionalObject(value: unknown, what: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(`${what} must be an object like {"name": value} (got ${Array.isArray(value) ? 'an array' : typeof value})`);
  }
  return value as Record<string, unknown>;
}

export function errorStatus(err: unknown): NodeStatus {
  // an action msg.robot sent to another robot names it (msg-robot.ts)
  const on = err instanceof Error ? (err as { onRobot?: unknown }).onRobot : undefined;
  return { fill: 'red', shape: 'ring', text: typeof on === 'string' ? `${shortReason(err)} · ${on}` : shortReason(err) };
}

/**
 * Ends a msg with an error Node-RED's Catch node can handle: `msg.statusCode` and `msg.robotError`
 * carry the robot's answer, `err.code` becomes `msg.error.code`.
 */
export function fail(node: Node, msg: Msg, err: unknown, done: Done): void {
  const error = err instanceof Error ? err : new Error(String(err));
  if (error instanceof OpentronsError && error.statusCode !== undefined) msg.statusCode = error.statusCode;
  if (error instanceof RobotError) msg.robotError = error.robotError;
  const withBody = error as { robotError?: unknown };
  if (!(error instanceof RobotError) && withBody.robotError !== undefined) msg.robotError = withBody.robotError;
  node.status(errorStatus(error));
  done(error);
}

/**
 * A node whose robot is simulated says so from deploy on, so nobody mistakes its output for a real
 * robot's; a real robot leaves the status blank until the first msg.
 */
export function showSimulated(RED: NodeAPI, node: Node, robotId: unknown): void {
  const robot = typeof robotId === 'string' && robotId ? (RED.nodes.getNode(robotId) as RobotConfigNode | null) : null;
  if (robot?.simulated) node.status({ fill: 'grey', shape: 'ring', text: robot.robotLabel.startsWith('simulated') ? robot.robotLabel : `simulated: ${robot.robotLabel}` });
}
