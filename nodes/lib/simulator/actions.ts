/**
 * The run-action state table (API reference §7). `checkAction` throws 409 RunActionNotAllowed (errorCode 3000)
 * with robot-server's detail and wrapped engine error when the action is not valid in the run's status.
 */
import { runActionNotAllowed } from './errors';
import type { RunEngine } from './run-engine';

export const ACTION_TYPES = ['play', 'pause', 'stop', 'resume-from-recovery'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

const STOPPED = 'The run has already stopped.';

export function checkAction(engine: RunEngine, action: ActionType): void {
  const s = engine.status;
  switch (action) {
    case 'play':
      if (engine.isStopping()) throw runActionNotAllowed(STOPPED, 'RunStoppedError');
      if (s === 'blocked-by-open-door' || s === 'awaiting-recovery-blocked-by-open-door') {
        throw runActionNotAllowed('Front door or top window is currently open.', 'RobotDoorOpenError', '3000');
      }
      return;
    case 'pause':
      if (s !== 'running') throw runActionNotAllowed('Cannot pause a run that is not running.', 'PauseNotAllowedError');
      return;
    case 'stop':
      if (engine.isStopping()) throw runActionNotAllowed(STOPPED, 'RunStoppedError');
      return;
    case 'resume-from-recovery':
      if (engine.isStopping()) throw runActionNotAllowed(STOPPED, 'RunStoppedError');
      if (s !== 'awaiting-recovery') {
        throw runActionNotAllowed('Cannot resume from recovery if the run is not in recovery mode.', 'ResumeFromRecoveryNotAllowedError');
      }
      if (engine.hasQueuedFixit()) {
        throw runActionNotAllowed('Cannot resume from recovery while there are fixit commands in the queue.', 'ResumeFromRecoveryNotAllowedError');
      }
      return;
  }
}

/** Apply an action already checked; the status changes asynchronously where the real robot's does. */
export function applyAction(engine: RunEngine, action: ActionType, stopMs: number): void {
  if (action === 'play') engine.play();
  else if (action === 'pause') engine.pause();
  else if (action === 'stop') engine.stop(stopMs);
  else engine.resumeFromRecovery();
}
