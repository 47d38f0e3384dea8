// What a command's answer means. The robot answers 201 whether the command succeeded, failed, or is
// still queued/running when the wait ended, so the status inside the answer decides.
import { CommandFailedError, CommandNotFinishedError } from './errors';
import type { Command } from './types';

export interface OutcomeContext {
  /** True when the request asked the robot to wait (`waitUntilComplete`). */
  waited: boolean;
  timeoutMs: number;
  /** Names the command in messages, e.g. `aspirate` or `command 3 of 5 (aspirate)`. */
  label: string;
}

/** Throws CommandFailedError for a failed command, CommandNotFinishedError for one still unfinished after a wait. */
export function checkOutcome(command: Command, ctx: OutcomeContext): void {
  if (command.status === 'failed') {
    const occurrence = command.error;
    if (occurrence) {
      const what = [occurrence.errorType, occurrence.errorCode ? `errorCode ${occurrence.errorCode}` : undefined].filter(Boolean).join(', ');
      throw new CommandFailedError(
        `${ctx.label} failed on the robot: ${occurrence.detail || 'no detail'}${what ? ` (${what})` : ''} [command ${command.id}]`,
        occurrence,
        command.id,
      );
    }
    // A queued command failed because an earlier one did: the robot gives it no error of its own.
    throw new CommandFailedError(`${ctx.label} failed on the robot without an error of its own (an earlier command failed) [command ${command.id}]`, {}, command.id);
  }
  if (ctx.waited && (command.status === 'queued' || command.status === 'running')) {
    throw new CommandNotFinishedError(
      `${ctx.label} still ${command.status} after waiting ${ctx.timeoutMs} ms: the command is on the robot and may still run; ` +
        `it was not sent again — do not resend it, look it up by msg.commandId [command ${command.id}]`,
      command.id,
      command.status,
    );
  }
}

/** For load commands, the id the robot gave the new thing: which msg property it goes to, and the id. */
export function newIdOf(command: Command): { property: 'labwareId' | 'pipetteId' | 'moduleId'; id: string } | undefined {
  if (command.status !== 'succeeded' || !command.result) return undefined;
  const byType: Record<string, 'labwareId' | 'pipetteId' | 'moduleId'> = {
    loadLabware: 'labwareId',
    reloadLabware: 'labwareId',
    loadPipette: 'pipetteId',
    loadModule: 'moduleId',
  };
  const property = byType[command.commandType];
  if (!property) return undefined;
  const id = command.result[property];
  return typeof id === 'string' && id ? { property, id } : undefined;
}
