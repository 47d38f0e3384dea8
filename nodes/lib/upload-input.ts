// Which files an opentrons-upload msg sends, checked before any request: msg.files, else
// msg.payload + msg.filename, else the paths set in the editor. The robot assigns the roles
// (main / labware / data) from extension and content; we only refuse what it would refuse anyway.
import { extname, isAbsolute } from 'node:path';
import type { UploadFile } from './client';
import { InputError } from './errors';
import { own } from './node-support';

/** Extensions the robot accepts in POST /protocols (protocol, labware JSON, data files). */
export const UPLOAD_EXTENSIONS = ['.py', '.json', '.csv', '.txt'];

export interface UploadInputOptions {
  /** Newline- or comma-separated paths from the editor (always allowed). */
  editorPaths: string;
  /** Whether `{path}` entries in msg.files may name files on this host. */
  allowMsgPaths: boolean;
}

export function resolveUploadFiles(msg: object, opts: UploadInputOptions): UploadFile[] {
  const files = own(msg, 'files');
  if (files !== undefined && files !== null) return fromMsgFiles(files, opts.allowMsgPaths);

  const payload = own(msg, 'payload');
  if (typeof payload === 'string' || Buffer.isBuffer(payload)) {
    const filename = own(msg, 'filename');
    if (typeof filename !== 'string' || filename.trim() === '') {
      throw new InputError('msg.filename is required with a file in msg.payload: set it to the protocol\'s file name, e.g. "transfer.py"');
    }
    return [checked({ filename: baseName(filename, 'msg.filename'), content: payload }, 'msg.payload')];
  }

  const paths = splitPaths(opts.editorPaths);
  if (paths.length > 0) return paths.map((p, i) => checkedPath(p, `file ${i + 1} set in the editor`));

  throw new InputError(
    'no protocol file: send msg.files ([{filename, content}]), or msg.payload (Buffer or string) with msg.filename, or set file paths in the node',
  );
}

function fromMsgFiles(files: unknown, allowPaths: boolean): UploadFile[] {
  if (!Array.isArray(files) || files.length === 0) {
    throw new InputError('msg.files must be a non-empty array of {filename, content} (content a Buffer or string)');
  }
  return files.map((f: unknown, i: number): UploadFile => {
    const where = `msg.files[${i}]`;
    if (typeof f !== 'object' || f === null || Array.isArray(f)) {
      throw new InputError(`${where} must be an object {filename, content} (got ${Array.isArray(f) ? 'an array' : typeof f})`);
    }
    const path = own(f, 'path');
    if (path !== undefined) {
      if (!allowPaths) {
        throw new InputError(
          `${where} names a path on the Node-RED host; paths from a msg are refused unless the node's option "allow file paths from msg" is on (send {filename, content} instead)`,
        );
      }
      if (typeof path !== 'string' || path.trim() === '') throw new InputError(`${where}.path must be a non-empty string`);
      const filename = own(f, 'filename');
      if (filename !== undefined && typeof filename !== 'string') throw new InputError(`${where}.filename must be a string`);
      const file = checkedPath(path.trim(), where);
      return filename ? { path: file.path, filename: checkedName(filename, where) } : file;
    }
    const filename = own(f, 'filename');
    if (typeof filename !== 'string' || filename.trim() === '') {
      throw new InputError(`${where}.filename is required: the robot gives each file its role by name (.py, .json, .csv, .txt)`);
    }
    return checked({ filename: baseName(filename, `${where}.filename`), content: own(f, 'content') }, where);
  });
}

/**
 * The robot stores file names, not paths: Node-RED's `file in` node sets msg.filename to the full path
 * (`/data/protocols/transfer.py`, `C:\\protocols\\transfer.py`), so only the last part is sent.
 */
export function baseName(name: string, what: string): string {
  const base = name.trim().split(/[\\/]/).pop()?.trim() ?? '';
  if (base === '') throw new InputError(`${what} "${name}" names a folder, not a file: give the file's name, e.g. "transfer.py"`);
  return base;
}

function checked(f: { filename: string; content: unknown }, where: string): UploadFile {
  checkedName(f.filename, where);
  if (typeof f.content !== 'string' && !Buffer.isBuffer(f.content)) {
    const got = f.content === undefined ? 'nothing' : Array.isArray(f.content) ? 'an array' : typeof f.content;
    throw new InputError(`${where}: the content of ${f.filename} must be a Buffer or a string (got ${got})`);
  }
  return { filename: f.filename, content: f.content };
}

function checkedPath(path: string, where: string): { path: string } {
  if (!isAbsolute(path)) throw new InputError(`${where}: "${path}" must be an absolute path on the Node-RED host`);
  checkedName(path, where);
  return { path };
}

export function checkedName(name: string, where: string): string {
  const ext = extname(name).toLowerCase();
  if (!UPLOAD_EXTENSIONS.includes(ext)) {
    throw new InputError(`${where}: "${name}" has an extension the robot does not accept; use ${UPLOAD_EXTENSIONS.join(', ')}`);
  }
  return name;
}

export function splitPaths(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
