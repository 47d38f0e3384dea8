// multipart/form-data parsing with the platform's own parser (undici's FormData in Node 20),
// so uploads are read exactly as a browser would send them, without a new dependency.
import { protocolFilesInvalid } from './errors';
import { invalidRequest } from '../errors';
import type { UploadedFile } from './types';

const FORM_FIELDS = ['key', 'runTimeParameterValues', 'runTimeParameterFiles', 'protocolKind'];

export interface UploadForm {
  files: UploadedFile[];
  fields: Map<string, string>;
}

export async function parseUploadForm(body: Buffer, contentType: string | undefined): Promise<UploadForm> {
  if (!contentType || !/^multipart\/form-data/i.test(contentType)) {
    throw invalidRequest('field required', { pointer: '/files' });
  }
  let form: FormData;
  try {
    form = await new Response(Uint8Array.from(body), { headers: { 'content-type': contentType } }).formData();
  } catch (e) {
    throw invalidRequest(`There was an error parsing the body: ${(e as Error).message}`);
  }
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
function baseName(name: string): string {
  const parts = name.split(/[\\/]/);
  return parts[parts.length - 1] || name;
}
