// What the watcher knows about one run after a refetch, built from the robot's own answers, and the
// rules that say which differences between two snapshots are worth a message.
import type { Command, CommandPage, ErrorOccurrence, JsonObject, Run } from '../types';

/** The run's current command as the commands page shows it (a summary: no `result`). */
export interface CurrentCommand {
  id: string;
  key: string | undefined;
  commandType: string;
  status: string;
  /** 0-based position in the run's command list. */
  index: number;
  intent: string | undefined;
  params: JsonObject;
  startedAt: string | undefined;
  completedAt: string | undefined;
  error: ErrorOccurrence | undefined;
}

/** The command a Flex run is recovering from, with the error that stopped it. */
export interface FailedCommand {
  id: string | undefined;
  index: number | undefined;
  commandType: string | undefined;
  params: JsonObject | undefined;
  error: JsonObject | undefined;
}

export interface RunSnapshot {
  runId: string;
  /** The robot's status string as sent, including ones newer software may add. */
  status: string;
  protocolId: string | null;
  current: boolean;
  currentCommand: CurrentCommand | null;
  completedCommands: number | null;
  totalCommands: number | null;
  /** The `waitForResume` text while the protocol is paused by it. */
  pauseMessage: string | null;
  /** The run's error occurrence(s) as sent (each with `detail` and `errorCode`). */
  errors: ErrorOccurrence[];
  failedCommand: FailedCommand | null;
  createdAt: string | undefined;
  startedAt: string | undefined;
  completedAt: string | undefined;
}

/** Statuses during which the run changes by itself, so it is read at the full rate. */
const ACTIVE_STATUSES = new Set(['running', 'finishing', 'stop-requested']);

/** Command types that pause a protocol with a message (`pause` is the older name). */
const PAUSE_COMMANDS = new Set(['waitForResume', 'pause']);

export function isActive(status: string): boolean {
  return ACTIVE_STATUSES.has(status);
}

export function isRecovering(status: string): boolean {
  return status.startsWith('awaiting-recovery');
}

/** The current command from a `GET /runs/{id}/commands?pageLength=1` page (default cursor). */
export function currentCommandOf(page: CommandPage): CurrentCommand | null {
  const c: Command | undefined = page.data[0];
  if (!c) return null;
  return {
    id: c.id,
    key: typeof c.key === 'string' ? c.key : undefined,
    commandType: c.commandType,
    status: String(c.status),
    index: page.meta.cursor,
    intent: typeof c.intent === 'string' ? c.intent : undefined,
    params: c.params ?? {},
    startedAt: c.startedAt,
    completedAt: c.completedAt,
    error: c.error,
  };
}

/** Commands done so far: everything before the current one, plus the current one once it has ended. */
export function completedOf(cmd: CurrentCommand | null): number | null {
  if (!cmd) return null;
  return cmd.status === 'succeeded' || cmd.status === 'failed' ? cmd.index + 1 : cmd.index;
}

export function pauseMessageOf(status: string, cmd: CurrentCommand | null): string | null {
  if (status !== 'paused' || !cmd || !PAUSE_COMMANDS.has(cmd.commandType)) return null;
  const message = cmd.params.message;
  return typeof message === 'string' ? message : null;
}

export function snapshotOf(
  run: Run,
  command: CurrentCommand | null,
  totalCommands: number | null,
  failedCommand: FailedCommand | null,
): RunSnapshot {
  const status = String(run.status);
  return {
    runId: run.id,
    status,
    protocolId: typeof run.protocolId === 'string' ? run.protocolId : null,
    current: run.current === true,
    currentCommand: command,
    completedCommands: completedOf(command),
    totalCommands,
    pauseMessage: pauseMessageOf(status, command),
    errors: Array.isArray(run.errors) ? run.errors : [],
    failedCommand: isRecovering(status) ? failedCommand : null,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    completedAt: run.completedAt,
  };
}

/** A status message is due when the run or its status is new. */
export function statusChanged(prev: RunSnapshot | undefined, next: RunSnapshot): boolean {
  return !prev || prev.runId !== next.runId || prev.status !== next.status;
}

/** A progress message is due when the current command or the completed count moved. */
export function progressChanged(prev: RunSnapshot | undefined, next: RunSnapshot): boolean {
  if (!next.currentCommand) return false;
  if (!prev || prev.runId !== next.runId) return true;
  return (
    prev.currentCommand?.id !== next.currentCommand.id ||
    prev.currentCommand?.status !== next.currentCommand.status ||
    prev.completedCommands !== next.completedCommands
  );
}
