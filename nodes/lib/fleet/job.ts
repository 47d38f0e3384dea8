// A fleet job: what a submit msg asks for, checked field by field before it is queued, and the record
// the queue keeps (and persists) for it from `queued` to its final state.
import { createHash, randomUUID } from 'node:crypto';
import { extname } from 'node:path';
import { InputError } from '../errors';
import { labwareOffsets } from '../labware-offsets';
import { optionalObject, own } from '../node-support';
import { resolveUploadFiles } from '../upload-input';
import type { ErrorOccurrence, JsonObject, LabwareOffsetCreate } from '../types';

export const JOB_STATES = ['queued', 'assigned', 'running', 'paused', 'succeeded', 'failed', 'stopped', 'cancelled', 'rejected', 'lost'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** States a job never leaves. */
export const FINAL_STATES: readonly JobState[] = ['succeeded', 'failed', 'stopped', 'cancelled', 'rejected', 'lost'];
/** States in which the job holds a robot (its run exists there). */
export const ON_ROBOT_STATES: readonly JobState[] = ['assigned', 'running', 'paused'];

export type StartMode = 'operator' | 'auto';
export const START_MODES: readonly StartMode[] = ['operator', 'auto'];

/** A file kept in the queue's store: text as sent, binary as base64. */
export interface StoredFile {
  filename: string;
  content: string;
  base64?: boolean;
}

export interface CsvFile {
  filename: string;
  content: string;
}

/** What a submit asks for, checked. The protocol's files are kept once per content (`hash`), not per job. */
export interface JobSpec {
  protocol: { hash: string; files: StoredFile[] } | { key: string };
  runTimeParameterValues?: JsonObject;
  runTimeParameterFiles?: Record<string, CsvFile>;
  labwareOffsets?: LabwareOffsetCreate[];
  priority: number;
  robots: string[] | null;
  start: StartMode | null;
}

export interface Job {
  jobId: string;
  /** Submission order, for first in first out among equal priorities. */
  seq: number;
  state: JobState;
  priority: number;
  /** Robot names or ids allowed; null: any robot of the fleet. */
  robots: string[] | null;
  /** null: the fleet's default. */
  start: StartMode | null;
  protocol: { hash: string } | { key: string };
  runTimeParameterValues?: JsonObject;
  runTimeParameterFiles?: Record<string, CsvFile>;
  labwareOffsets?: LabwareOffsetCreate[];
  /** The robot config id and name of the robot that took it. */
  robotId: string | null;
  robot: string | null;
  runId: string | null;
  protocolId: string | null;
  pauseMessage: string | null;
  /** Why each robot cannot run it (robot name → reason), once known. */
  reasons: Record<string, string> | null;
  errors: ErrorOccurrence[] | null;
  submittedAt: string;
  startedAt: string | null;
  endedAt: string | null;
  /** The queue node that submitted it (its events go there). */
  by: string | null;
}

/** The job as msgs show it (design.md: the payload of every job msg). */
export const VIEW_KEYS = ['jobId', 'state', 'robot', 'runId', 'protocolId', 'pauseMessage', 'reasons', 'errors', 'priority', 'submittedAt', 'startedAt', 'endedAt'] as const;
export type JobView = Pick<Job, (typeof VIEW_KEYS)[number]>;

export function viewOf(job: Job): JobView {
  const view: Partial<Record<keyof JobView, unknown>> = {};
  for (const k of VIEW_KEYS) view[k] = job[k];
  return view as JobView;
}

export function newJob(spec: JobSpec, seq: number, by: string | null): Job {
  const { protocol } = spec;
  return {
    jobId: randomUUID(),
    seq,
    state: 'queued',
    priority: spec.priority,
    robots: spec.robots,
    start: spec.start,
    protocol: 'key' in protocol ? { key: protocol.key } : { hash: protocol.hash },
    runTimeParameterValues: spec.runTimeParameterValues,
    runTimeParameterFiles: spec.runTimeParameterFiles,
    labwareOffsets: spec.labwareOffsets,
    robotId: null,
    robot: null,
    runId: null,
    protocolId: null,
    pauseMessage: null,
    reasons: null,
    errors: null,
    submittedAt: new Date().toISOString(),
    startedAt: null,
    endedAt: null,
    by,
  };
}

/** Higher priority first, then first in first out. */
export function queueOrder(a: Job, b: Job): number {
  return b.priority - a.priority || a.seq - b.seq;
}

const MAX_PRIORITY = 1_000_000;

/**
 * Reads a submit msg. `robotNames` checks msg.robots against the fleet. Throws an InputError that says
 * what to fix; nothing is queued and nothing sent before this returns.
 */
export function jobSpecOf(msg: object, robotKnown: (nameOrId: string) => boolean): JobSpec {
  const protocol = protocolOf(msg);
  const values = optionalObject(own(msg, 'runTimeParameterValues'), 'msg.runTimeParameterValues');
  if (values) {
    for (const [name, v] of Object.entries(values)) {
      if (!['number', 'boolean', 'string'].includes(typeof v) || (typeof v === 'number' && !Number.isFinite(v))) {
        throw new InputError(`msg.runTimeParameterValues.${name} must be a number, boolean or string (got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v})`);
      }
    }
  }
  return {
    protocol,
    runTimeParameterValues: values as JsonObject | undefined,
    runTimeParameterFiles: csvFilesOf(own(msg, 'runTimeParameterFiles')),
    labwareOffsets: labwareOffsets(own(msg, 'labwareOffsets')),
    priority: priorityOf(own(msg, 'priority')),
    robots: robotsOf(own(msg, 'robots'), robotKnown),
    start: startOf(own(msg, 'start')),
  };
}

function protocolOf(msg: object): JobSpec['protocol'] {
  const key = own(msg, 'protocolKey');
  if (key !== undefined && key !== null) {
    if (typeof key !== 'string' || key.trim() === '' || key.length > 256) {
      throw new InputError('msg.protocolKey must be a non-empty string (at most 256 characters): the key a protocol was uploaded with');
    }
    if (own(msg, 'files') !== undefined) throw new InputError('send either msg.files or msg.protocolKey, not both');
    return { key: key.trim() };
  }
  // A flow's own host paths are not a job's: the files travel with the job to whichever robot takes it.
  const files = resolveUploadFiles(msg, { editorPaths: '', allowMsgPaths: false });
  if (!files.some((f) => 'filename' in f && f.filename !== undefined && ['.py', '.json'].includes(extname(f.filename).toLowerCase()))) {
    throw new InputError('no protocol among the files: one must be a .py or .json protocol (the others labware or data files)');
  }
  const stored: StoredFile[] = files.map((f) => {
    if (!('content' in f)) throw new InputError('file paths cannot be queued: send {filename, content}');
    return Buffer.isBuffer(f.content) ? { filename: f.filename, content: f.content.toString('base64'), base64: true } : { filename: f.filename, content: f.content };
  });
  return { hash: filesHash(stored), files: stored };
}

/** Same files (names and bytes, any order) → same hash, as the robot itself dedups uploads. */
export function filesHash(files: StoredFile[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0))) {
    h.update(f.filename).update('\0').update(f.base64 ? Buffer.from(f.content, 'base64') : Buffer.from(f.content, 'utf8')).update('\0');
  }
  return h.digest('hex');
}

export function fileContent(f: StoredFile): Buffer | string {
  return f.base64 ? Buffer.from(f.content, 'base64') : f.content;
}

function csvFilesOf(value: unknown): Record<string, CsvFile> | undefined {
  if (value === undefined || value === null) return undefined;
  const shape = 'an object {parameterName: {filename, content}} with the CSV text as content (the queue uploads it to the robot that takes the job)';
  if (typeof value !== 'object' || Array.isArray(value) || Buffer.isBuffer(value)) throw new InputError(`msg.runTimeParameterFiles must be ${shape}`);
  const out: Record<string, CsvFile> = {};
  for (const name of Object.keys(value)) {
    const f = own(value, name);
    const where = `msg.runTimeParameterFiles.${name}`;
    if (typeof f !== 'object' || f === null || Array.isArray(f)) throw new InputError(`${where} must be {filename, content}: ${shape}`);
    const filename = own(f, 'filename');
    const content = own(f, 'content');
    if (typeof filename !== 'string' || extname(filename.trim()).toLowerCase() !== '.csv' || /[\\/]/.test(filename)) {
      throw new InputError(`${where}.filename must be a file name ending in .csv (got ${typeof filename === 'string' ? JSON.stringify(filename.slice(0, 60)) : typeof filename})`);
    }
    if (typeof content !== 'string' && !Buffer.isBuffer(content)) throw new InputError(`${where}.content must be the CSV text (a string or Buffer)`);
    Object.defineProperty(out, name, { value: { filename: filename.trim(), content: content.toString() }, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function priorityOf(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) > MAX_PRIORITY) {
    throw new InputError(`msg.priority must be a whole number between -${MAX_PRIORITY} and ${MAX_PRIORITY} (higher runs first; default 0)`);
  }
  return value;
}

function robotsOf(value: unknown, known: (nameOrId: string) => boolean): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length === 0 || !value.every((r) => typeof r === 'string' && r.trim() !== '')) {
    throw new InputError('msg.robots must be a non-empty array of robot names (or robot config ids) of the fleet; leave it out for any robot');
  }
  const unknown = (value as string[]).filter((r) => !known(r.trim()));
  if (unknown.length > 0) throw new InputError(`msg.robots names robots not in the fleet: ${unknown.map((r) => JSON.stringify(r.slice(0, 60))).join(', ')}`);
  return (value as string[]).map((r) => r.trim());
}

export function startOf(value: unknown): StartMode | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || !(START_MODES as readonly string[]).includes(value)) {
    throw new InputError(`msg.start must be "operator" (wait for a start action) or "auto" (play at once)`);
  }
  return value as StartMode;
}
