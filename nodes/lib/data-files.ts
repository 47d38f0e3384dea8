// Data files as the nodes take them: `runTimeParameterFiles` maps a CSV parameter's variable name
// to the id POST /dataFiles gave the file, and a data file upload takes a .csv only (the robot
// refuses any other name with 422 UnexpectedFileFormat).
import { extname } from 'node:path';
import type { UploadFile } from './client';
import { InputError } from './errors';
import { own } from './node-support';
import { checkedName, resolveUploadFiles } from './upload-input';
import type { JsonObject } from './types';

/** msg.runTimeParameterFiles checked: an object of non-empty id strings, or undefined. */
export function runTimeParameterFilesOf(msg: object): JsonObject | undefined {
  const value = own(msg, 'runTimeParameterFiles');
  if (value === undefined || value === null) return undefined;
  const shape = 'an object {parameterName: dataFileId}, the id from opentrons-upload "upload data file"';
  if (typeof value !== 'object' || Array.isArray(value)) throw new InputError(`msg.runTimeParameterFiles must be ${shape} (got ${Array.isArray(value) ? 'an array' : typeof value})`);
  for (const [name, id] of Object.entries(value)) {
    if (typeof id !== 'string' || id.trim() === '') throw new InputError(`msg.runTimeParameterFiles.${name} must be a data file id string (got ${JSON.stringify(id) ?? typeof id}): it must be ${shape}`);
  }
  return value as JsonObject;
}

/** The one CSV file an "upload data file" msg sends: msg.payload + msg.filename, msg.files[0], or the editor's path. */
export function resolveDataFile(msg: object, opts: { editorPaths: string; allowMsgPaths: boolean }): UploadFile {
  const files = resolveUploadFiles(msg, opts);
  if (files.length !== 1) throw new InputError(`upload data file sends one file at a time (got ${files.length}); send one msg per CSV file`);
  const f = files[0];
  const name = 'path' in f ? (f.filename ?? f.path) : f.filename;
  if (extname(name).toLowerCase() !== '.csv') throw new InputError(`"${name}" is not a .csv file: the robot accepts only CSV data files`);
  return 'path' in f ? f : { filename: checkedName(f.filename, 'msg.filename'), content: f.content };
}
