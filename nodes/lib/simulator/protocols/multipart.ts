// multipart/form-data parsing with the platform's own parser (undici's FormData in Node 20),
// so uploads are read exactly as a browser would send them, without a new dependency.
// POST /protocols and POST /dataFiles both read their forms here.
import { protocolFilesInvalid } from './errors';
import { invalidRequest } from '../errors';
import type { SimRequest } from '../http';
import type { UploadedFile } from './types';

const FORM_FIELDS = ['key', 'runTimeParameterValues', 'runTimeParameterFiles', 'protocolKind'];

export interface UploadForm {
  files: UploadedFile[];
  fields: Map<string, string>;
}

/**
 * The request's multipart/form-data body, or undefined when the request is not multipart (each route
 * answers that its own way, as robot-server's do). A multipart body that does not parse is 422.
 */
export async function readForm(req: SimRequest): Promise<FormData | undefined> {
  const header = req.headers['content-type'];
  const contentType = Array.isArray(header) ? String(header[0]) : header;
  if (!contentType || !/^multipart\/form-data/i.test(contentType)) return undefined;
  try {
    return await new Response(Uint8Array.from(req.body), { headers: { 'content-type': contentType } }).formData();
  } catch (e) {
    throw invalidRequest(`There was an error parsing the body: ${(e as Error).message}`);
  }
}

/** POST /protocols: the `files` parts (at least one) and the text fields robot-server reads. */
export async function parseUploadForm(req: SimRequest): Promise<UploadForm> {
  const form = await readForm(req);
  if (!form) throw invalidRequest('field required', { pointer: '/files' });
  const files: UploadedFile[] = [];
  const fields = new Map<string, string>();
  for (const value of form.getAll('files')) {
    if (typeof value === 'string') throw invalidRequest("Expected UploadFile, received: <class 'str'>", { pointer: '/files' });
    if (!value.name) throw protocolFilesInvalid('Every uploaded file needs a file name.');
    files.push({ name: baseName(value.name), content: Buffer.from(await value.arrayBuffer()) });
  }
  for (const name of FORM_FIELDS) {
    const value = form.get(name);
    if (typeof value === 'string') fields.set(name, value);
  }
  if (files.length === 0) throw invalidRequest('field required', { pointer: '/files' });
  return { files, fields };
}

/** robot-server keeps only the file's own name (clients may send a path). */
export function baseName(name: string): string {
  const parts = name.split(/[\\/]/);
  return parts[parts.length - 1] || name;
}
