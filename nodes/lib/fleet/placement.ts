// Putting one job on one robot: its protocol there (uploaded once per content, reused by id, uploaded again
// when the robot has dropped it), its CSV files there, the robot's own analysis of it with the job's
// parameters (the authority on whether it runs), and whether the robot has what that analysis loads.
import { createHash } from 'node:crypto';
import { analysisProblem, latestAnalysis, waitForAnalysis } from '../analysis-wait';
import type { RobotClient } from '../client';
import { RobotError } from '../errors';
import { fitChecks, readEquipment, requirementsOf } from '../fit';
import { sleep } from '../poll';
import type { JsonObject, Protocol } from '../types';
import { fileContent, type Job, type StoredFile } from './job';
import type { FleetRobot } from './robot-state';

export type Placement =
  | { fits: true; protocolId: string; runTimeParameterFiles: JsonObject | undefined }
  /** The robot cannot run this job; `reason` says why in the robot's terms. */
  | { fits: false; reason: string };

export interface PlacementOptions {
  signal: AbortSignal;
  analysisTimeoutMs: number;
  /** The job's protocol files (by its hash). */
  files: (hash: string) => StoredFile[] | undefined;
}

/** How often an upload is asked again while the robot still analyses the same protocol (503 LastAnalysisPending). */
const PENDING_RETRIES = 20;

export async function placeOn(client: RobotClient, robot: FleetRobot, job: Job, opts: PlacementOptions): Promise<Placement> {
  const rtpFiles = await dataFileIds(client, robot, job, opts.signal);
  const found = await protocolOn(client, robot, job, rtpFiles, opts);
  if ('reason' in found) return { fits: false, reason: found.reason };
  const { protocol, analysisId } = found;
  const analysis = await waitForAnalysis(client, protocol.id, analysisId, { timeoutMs: opts.analysisTimeoutMs, signal: opts.signal });
  const problem = analysisProblem(protocol, analysis);
  if (problem) return { fits: false, reason: `its analysis there: ${problem.message}` };
  const needs = requirementsOf(analysis);
  const equipment = await readEquipment(client, needs, { signal: opts.signal });
  const failed = fitChecks(needs, equipment).filter((c) => !c.ok);
  if (failed.length > 0) return { fits: false, reason: failed.map((c) => c.detail).join('; ') };
  return { fits: true, protocolId: protocol.id, runTimeParameterFiles: rtpFiles };
}

/** The job's CSV files on this robot (POST /dataFiles answers the same id for the same bytes). */
async function dataFileIds(client: RobotClient, robot: FleetRobot, job: Job, signal: AbortSignal): Promise<JsonObject | undefined> {
  const files = job.runTimeParameterFiles;
  if (!files) return undefined;
  const ids: JsonObject = {};
  for (const [name, f] of Object.entries(files)) {
    const hash = createHash('sha256').update(f.filename).update('\0').update(f.content).digest('hex');
    let id = robot.dataFiles.get(hash);
    if (!id) {
      id = (await client.uploadDataFile({ filename: f.filename, content: f.content }, { signal })).dataFile.id;
      robot.dataFiles.set(hash, id);
    }
    ids[name] = id;
  }
  return ids;
}

/**
 * The protocol on the robot and the analysis that holds for the job's parameters: a known protocol id is
 * re-analysed (the robot answers its last analysis when the values are the same); one the robot dropped
 * (404) is uploaded again.
 */
async function protocolOn(
  client: RobotClient,
  robot: FleetRobot,
  job: Job,
  rtpFiles: JsonObject | undefined,
  opts: PlacementOptions,
): Promise<{ protocol: Protocol; analysisId: string } | { reason: string }> {
  const body = { runTimeParameterValues: job.runTimeParameterValues, runTimeParameterFiles: rtpFiles };
  if ('key' in job.protocol) {
    const key = job.protocol.key;
    const all = await client.listProtocols({ signal: opts.signal });
    const mine = all.filter((p) => p.key === key);
    const protocol = mine[mine.length - 1];
    if (!protocol) return { reason: `no protocol with key "${key}" on this robot` };
    return reanalysed(client, protocol.id, body, opts.signal);
  }
  const hash = job.protocol.hash;
  const known = robot.protocols.get(hash);
  if (known) {
    try {
      return await reanalysed(client, known, body, opts.signal);
    } catch (err) {
      if (!(err instanceof RobotError && err.statusCode === 404)) throw err;
      // The robot keeps few unused protocols and dropped this one: upload it again.
      robot.protocols.delete(hash);
    }
  }
  const files = opts.files(hash);
  if (!files) return { reason: 'the job\'s protocol files are missing from the queue\'s store' };
  const upload = files.map((f) => ({ filename: f.filename, content: fileContent(f) }));
  // Same content is the same protocol on the robot, so asking again cannot add a second one.
  const { protocol } = await whilePending(() => client.uploadProtocol(upload, { ...body, signal: opts.signal }), opts.signal);
  robot.protocols.set(hash, protocol.id);
  const latest = latestAnalysis(protocol);
  if (!latest) return { reason: 'the robot started no analysis of the protocol' };
  return { protocol, analysisId: latest.id };
}

/**
 * Asks the robot to analyse a protocol it has with these values: it answers its last analysis when the values are
 * the same as that one's, or starts a new one. (The summaries do not always say which values an analysis had, so
 * the robot decides, not us.)
 */
async function reanalysed(
  client: RobotClient,
  protocolId: string,
  body: { runTimeParameterValues?: JsonObject; runTimeParameterFiles?: JsonObject },
  signal: AbortSignal,
): Promise<{ protocol: Protocol; analysisId: string }> {
  const { summaries } = await whilePending(() => client.reanalyze(protocolId, body, { signal }), signal);
  const { protocol } = await client.getProtocol(protocolId, { signal });
  return { protocol, analysisId: summaries[summaries.length - 1].id };
}

/** Repeats a request the robot refuses while it still analyses the protocol (503 LastAnalysisPending): it is idempotent. */
async function whilePending<T>(request: () => Promise<T>, signal: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await request();
    } catch (err) {
      if (!(err instanceof RobotError && err.errorId === 'LastAnalysisPending') || attempt >= PENDING_RETRIES) throw err;
      await sleep(250, signal);
    }
  }
}
