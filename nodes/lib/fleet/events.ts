// A job's state change as the msg queue nodes send: msg.topic = the new state, msg.payload = the job,
// msg.jobId, msg.runId and msg.robot set so an opentrons-run/-deck/-status node can act on the run.
import type { NodeMessage } from 'node-red';
import { viewOf, type Job, type JobView } from './job';

export interface JobEvent {
  job: Job;
  /** The queue node whose msg caused the change (it answers that msg itself), or null. */
  origin: string | null;
}

export type JobListener = (event: JobEvent) => void;

/** Which jobs' events a queue node sends: the jobs it submitted, every job of the fleet, or none. */
export type EventScope = 'own' | 'all' | 'none';
export const EVENT_SCOPES: readonly EventScope[] = ['own', 'all', 'none'];

export function wantsEvent(scope: EventScope, nodeId: string, event: JobEvent): boolean {
  if (event.origin === nodeId) return false;
  if (scope === 'all') return true;
  return scope === 'own' && event.job.by === nodeId;
}

export type JobMsg = NodeMessage & { topic: string; payload: JobView; jobId: string; runId?: string; robot?: string };

/** Sets the job's fields on `msg` (a new msg for events; the incoming one for an action's answer). */
export function jobMsg(job: Job, msg: Record<string, unknown> = {}): JobMsg {
  msg.topic = job.state;
  msg.payload = viewOf(job);
  msg.jobId = job.jobId;
  if (job.runId) msg.runId = job.runId;
  else delete msg.runId;
  if (job.robot) msg.robot = job.robot;
  else delete msg.robot;
  if (job.protocolId) msg.protocolId = job.protocolId;
  return msg as JobMsg;
}
