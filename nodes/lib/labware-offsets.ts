// Labware offsets from a msg: checked before anything is sent, reduced to the fields the robot knows, and
// added to a run one request each. The robot has no batch endpoint, so a refusal part-way leaves the earlier
// offsets on the run: the error says which were added and which was refused.
import type { RequestOptions, RobotClient } from './client';
import { InputError, OpentronsError, RobotError, type RobotErrorBody } from './errors';
import { own } from './node-support';
import type { JsonObject, LabwareOffsetCreate } from './types';

const SHAPE = 'each like {definitionUri, location: {slotName, moduleModel?, definitionUri?}, vector: {x, y, z}}';

/**
 * msg.labwareOffsets as POST /runs and POST /runs/{id}/labware_offsets take them (LabwareOffsetCreate of
 * robot-server 8.1's openapi): only `definitionUri`, `location` {slotName, moduleModel, definitionUri} and
 * `vector` {x, y, z} are kept, so nothing else in the msg reaches the robot. Which slot names and module models
 * exist is the robot's to say (newer software adds them).
 */
export function labwareOffsets(value: unknown, where = 'msg.labwareOffsets'): LabwareOffsetCreate[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new InputError(`${where} must be an array, ${SHAPE}`);
  return value.map((o: unknown, i: number) => labwareOffset(o, `${where}[${i}]`));
}

/** One offset, checked and reduced like each of labwareOffsets' (`where` names it in the error). */
export function labwareOffset(o: unknown, where: string): LabwareOffsetCreate {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new InputError(`${where} must be an object, ${SHAPE}`);
  const definitionUri = own(o, 'definitionUri');
  const location = own(o, 'location');
  const vector = own(o, 'vector');
  if (typeof definitionUri !== 'string' || !definitionUri) throw new InputError(`${where}.definitionUri must be a string like "opentrons/opentrons_96_tiprack_300ul/1"`);
  const slotName = own(location, 'slotName');
  if (typeof location !== 'object' || location === null || typeof slotName !== 'string') {
    throw new InputError(`${where}.location must be an object with a slotName, e.g. {"slotName": "1"}`);
  }
  const loc: LabwareOffsetCreate['location'] = { slotName };
  for (const key of ['moduleModel', 'definitionUri'] as const) {
    const v = own(location, key);
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || !v) throw new InputError(`${where}.location.${key} must be a string when given (got ${typeof v})`);
    loc[key] = v;
  }
  const xyz = ['x', 'y', 'z'].map((k) => own(vector, k));
  if (typeof vector !== 'object' || vector === null || !xyz.every((n) => typeof n === 'number' && Number.isFinite(n))) {
    throw new InputError(`${where}.vector must be {x, y, z} with numbers (mm)`);
  }
  const [x, y, z] = xyz as number[];
  return { definitionUri, location: loc, vector: { x, y, z } };
}

/** An offset as a person reads it: `opentrons/…/1 in slot 5 on temperatureModuleV2`. */
export function describeOffset(o: LabwareOffsetCreate): string {
  const on = [o.location.moduleModel, o.location.definitionUri].filter(Boolean).join(' on ');
  return `${o.definitionUri} in slot ${o.location.slotName}${on ? ` on ${on}` : ''}`;
}

/** Adding offsets stopped at one: `added` are on the run (as the robot created them), `refused` is the index that failed. */
export class LabwareOffsetsError extends OpentronsError {
  readonly code: string;
  readonly robotError: RobotErrorBody | undefined;
  constructor(
    message: string,
    readonly added: JsonObject[],
    readonly refused: number,
    cause: OpentronsError,
  ) {
    super(message, cause.statusCode, { cause });
    this.code = cause.code;
    this.robotError = cause instanceof RobotError ? cause.robotError : undefined;
  }
}

/**
 * Adds the offsets to the run in order, one request each; the first refusal ends it (the rest are not sent) with a
 * LabwareOffsetsError naming what was added, what was refused and what was not sent. A request that got no answer
 * may have been added: the error says so, and it is not sent again.
 */
export async function addLabwareOffsets(client: RobotClient, runId: string, offsets: LabwareOffsetCreate[], opts: RequestOptions = {}): Promise<JsonObject[]> {
  const added: JsonObject[] = [];
  for (const [i, o] of offsets.entries()) {
    try {
      added.push(await client.addLabwareOffset(runId, o, opts));
    } catch (err) {
      if (!(err instanceof OpentronsError) || opts.signal?.aborted) throw err;
      const n = offsets.length;
      const what = `offset ${i + 1} of ${n} (${describeOffset(o)})`;
      const fate = err instanceof RobotError ? `the robot refused ${what}` : `${what} got no answer, so the robot may or may not have added it`;
      const before = added.length === 0 ? 'no offset was added before it' : `${list(offsets.slice(0, i), 0)} ${i === 1 ? 'was' : 'were'} added and stay${i === 1 ? 's' : ''} on the run (msg.labwareOffsetsAdded)`;
      const after = i + 1 < n ? `; ${list(offsets.slice(i + 1), i + 1)} ${n - i - 1 === 1 ? 'was' : 'were'} not sent` : '';
      throw new LabwareOffsetsError(`add-labware-offsets to run ${runId}: ${fate}: ${err.message}. ${cap(before)}${after}`, added, i, err);
    }
  }
  return added;
}

function list(offsets: LabwareOffsetCreate[], first: number): string {
  return offsets.map((o, k) => `offset ${first + k + 1} (${describeOffset(o)})`).join(', ');
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
