// Run actions as a flow needs them: the robot accepts an action (201) and changes the run's status
// later, so "wait until the status settles" polls the run; a refused action or a busy robot
// becomes an error that names the run and the status that made the robot refuse.
import type { RobotClient } from './client';
import { OpentronsError, RobotError, RobotErrorBody, WaitTimeoutError } from './errors';
import { pollUntil } from './poll';
import { Run, RunActionType, RunCreate, TERMINAL_RUN_STATUSES } from './types';

export const RUN_ACTIONS = ['create', 'play', 'pause', 'stop', 'resume-from-recovery', 'dismiss', 'delete', 'get', 'list', 'current', 'error-recovery-policy'] as const;
export type RunNodeAction = (typeof RUN_ACTIONS)[number];

/** What `create` does when another run is the robot's current run and blocks creation. */
export type IfCurrent = 'fail' | 'dismiss' | 'stop';

/** Statuses that play moves on from. */
const PLAYABLE = ['idle', 'paused', 'awaiting-recovery-paused'];

/** Statuses on the way to a terminal one: waiting is enough, nothing needs stopping. */
const ENDING = ['stop-requested', 'finishing'];

export function isTerminal(status: string): boolean {
  return TERMINAL_RUN_STATUSES.includes(status);
}

/**
 * When the status an action leads to has been reached. `before` is the status seen just before the
 * action: a fast run can pass `running` between two polls (§16.4), so play settles on any change.
 */
export function settled(action: RunActionType, before: string, status: string): boolean {
  switch (action) {
    case 'play':
      // From running (or in recovery) play changes nothing: there is nothing to wait for.
      return status !== before || !PLAYABLE.includes(before);
    case 'pause':
      return status === 'paused' || status === 'awaiting-recovery-paused' || isTerminal(status);
    case 'stop':
      return isTerminal(status);
    case 'resume-from-recovery':
      return !status.startsWith('awaiting-recovery');
    default:
      return true;
  }
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export function waitForRun(client: RobotClient, runId: string, done: (run: Run) => boolean, what: string, opts: WaitOptions): Promise<Run> {
  return pollUntil<Run>(
    async () => {
      const run = await client.getRun(runId, { signal: opts.signal });
      return { done: done(run), value: run };
    },
    (last) => new WaitTimeoutError(`run ${runId} did not reach ${what} within ${opts.timeoutMs} ms (last status: ${last?.status ?? 'unknown'})`),
    { timeoutMs: opts.timeoutMs, signal: opts.signal, firstIntervalMs: 50, maxIntervalMs: 1_000 },
  );
}

export function settleTarget(action: RunActionType): string {
  switch (action) {
    case 'play':
      return 'running (or a later status)';
    case 'pause':
      return 'paused';
    case 'stop':
      return 'a terminal status (stopped)';
    default:
      return 'running (out of recovery)';
  }
}

/** An error the robot sent, restated with what the flow needs to know (which run, in which status). */
export class RunRequestError extends OpentronsError {
  readonly code: string;
  readonly robotError: RobotErrorBody;
  constructor(message: string, cause: RobotError) {
    super(message, cause.statusCode, { cause });
    this.code = cause.code;
    this.robotError = cause.robotError;
  }
}

/** Restates a refused action (409 RunActionNotAllowed / RunStopped) with the run's status, if it can be read. */
export async function explainRefusedAction(client: RobotClient, runId: string, action: string, err: RobotError, signal?: AbortSignal): Promise<RunRequestError> {
  const status = await client.getRun(runId, { signal }).then((r) => r.status, () => undefined);
  const reason = err.detail ?? err.title ?? 'refused';
  if (err.errorId === 'RunStopped') {
    return new RunRequestError(
      `${action} refused: run ${runId} is not the robot's current run${status ? ` (status ${status})` : ''}; only the current run accepts actions (robot: ${reason}) [HTTP 409 RunStopped]`,
      err,
    );
  }
  return new RunRequestError(
    `${action} refused for run ${runId}${status ? ` in status ${status}` : ''}: ${reason} [HTTP ${err.statusCode} ${err.code}]`,
    err,
  );
}

export interface CreateOptions {
  ifCurrent: IfCurrent;
  /** Bounds the wait for a stopped or finishing current run to end. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Told what create is doing about the current run, for the node status. */
  onProgress?: (text: string) => void;
}

/**
 * POST /runs; on 409 RunAlreadyActive, looks up the current run and, as the user chose, fails with
 * its id and status, or ends it and tries once more. A running or paused run is stopped only with
 * `ifCurrent: 'stop'`.
 */
export async function createRun(client: RobotClient, body: RunCreate, opts: CreateOptions): Promise<Run> {
  try {
    return await client.createRun(body, { signal: opts.signal });
  } catch (err) {
    if (!(err instanceof RobotError) || err.errorId !== 'RunAlreadyActive') throw err;
    const currentId = await client.getCurrentRunId({ signal: opts.signal });
    // The robot has no current run any more (it ended between the two requests): try again.
    if (!currentId) return client.createRun(body, { signal: opts.signal });
    let current = await client.getRun(currentId, { signal: opts.signal });
    const busy = !isTerminal(current.status) && !ENDING.includes(current.status) && current.status !== 'idle';
    if (opts.ifCurrent === 'fail' || (opts.ifCurrent === 'dismiss' && busy)) {
      const hint =
        opts.ifCurrent === 'fail'
          ? 'stop it (and wait for it to end) or dismiss it first, or set the node\'s option "if another run is current"'
          : 'it is still busy, so it was not dismissed; stop it first, or choose "stop it, wait, then create"';
      throw new RunRequestError(
        `cannot create a run: run ${currentId} is current and ${current.status}; ${hint} (robot: ${err.detail ?? err.title ?? 'run already active'}) [HTTP 409 RunAlreadyActive]`,
        err,
      );
    }
    if (busy) {
      opts.onProgress?.(`stopping run ${currentId.slice(0, 8)}`);
      await client.createRunAction(currentId, 'stop', { signal: opts.signal }).catch((e: unknown) => {
        // Already stopping or stopped between our read and the stop: the wait below covers it.
        if (!(e instanceof RobotError && e.errorId === 'RunActionNotAllowed')) throw e;
      });
    }
    if (!isTerminal(current.status) && current.status !== 'idle') {
      opts.onProgress?.(`waiting for run ${currentId.slice(0, 8)} to end`);
      current = await waitForRun(client, currentId, (r) => isTerminal(r.status), 'a terminal status', opts);
    }
    if (current.current !== false) {
      opts.onProgress?.(`dismissing run ${currentId.slice(0, 8)}`);
      await client.dismissRun(currentId, { signal: opts.signal });
    }
    return client.createRun(body, { signal: opts.signal });
  }
}
