// The robot side of opentrons-upload's data file actions that need more than one client call.
import type { RobotClient } from './client';
import { InputError, OpentronsError, RobotError, type RobotErrorBody } from './errors';
import { own, requireString } from './node-support';

/** 405 to DELETE /dataFiles/{id}: the robot's software has no way to delete data files (8.1, capture 145). */
export class DataFileDeleteUnsupportedError extends OpentronsError {
  readonly code: string;
  readonly robotError: RobotErrorBody;
  constructor(id: string, cause: RobotError) {
    super(
      `this robot cannot delete data files: its software has no DELETE /dataFiles/{id} (robot software 8.1 answers 405 Method Not Allowed); data file ${id} stays on the robot [HTTP 405]`,
      cause.statusCode,
      { cause },
    );
    this.code = cause.code;
    this.robotError = cause.robotError;
  }
}

export function dataFileIdOf(msg: object): string {
  const id = own(msg, 'dataFileId');
  if (id !== undefined && typeof id !== 'string') throw new InputError(`msg.dataFileId must be a string (got ${typeof id})`);
  return requireString(id, 'msg.dataFileId', 'set it to the id "upload data file" gave (msg.dataFileId) or one from "list data files"');
}

export async function deleteDataFile(client: RobotClient, id: string, signal: AbortSignal): Promise<void> {
  try {
    await client.deleteDataFile(id, { signal });
  } catch (err) {
    if (err instanceof RobotError && err.statusCode === 405) throw new DataFileDeleteUnsupportedError(id, err);
    throw err;
  }
}
