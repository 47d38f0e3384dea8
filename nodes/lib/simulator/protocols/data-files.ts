// Data files (robot software 8.0+): CSV files uploaded on their own with POST /dataFiles and named
// by id in `runTimeParameterFiles`. Captures 138–147: an upload of bytes already on the robot
// answers 200 with the first upload's id and createdAt (robot-server hashes the content); only
// `.csv` names are accepted; 8.1.0 has no DELETE route (405 from the router, as for any method a
// known path does not serve).
import { createHash, randomUUID } from 'node:crypto';
import { timestamp } from '../clock';
import { ApiError } from '../errors';
import { ok, type Route, type SimRequest, type SimResponse } from '../http';
import { baseName, readForm } from './multipart';
import type { JsonObject } from './types';

export interface DataFileRecord {
  id: string;
  name: string;
  createdAt: string;
  hash: string;
  content: Buffer;
}

function one(status: number, id: string, title: string, detail: string): ApiError {
  return new ApiError(status, [{ id, title, detail, errorCode: '4000' }]);
}

/** 404 when the file itself is asked for; 422 when an analysis or a run names it (captures 146, 150, 160). */
export function fileIdNotFound(fileId: string, status: 404 | 422): ApiError {
  return one(status, 'FileIdNotFound', 'Specified file id not found on the robot',
    `Error 4000 GENERAL_ERROR (FileIdNotFoundError): Data file ${fileId} was not found.`);
}

export class DataFileStore {
  private readonly files: DataFileRecord[] = [];

  list(): DataFileRecord[] {
    return this.files.slice();
  }

  get(id: string): DataFileRecord | undefined {
    return this.files.find((f) => f.id === id);
  }

  require(id: string, status: 404 | 422): DataFileRecord {
    const f = this.get(id);
    if (!f) throw fileIdNotFound(id, status);
    return f;
  }

  /** Every id of a `runTimeParameterFiles` map must name a stored file: 422 FileIdNotFound otherwise. */
  requireAll(files: Record<string, string> | undefined): void {
    for (const id of Object.values(files ?? {})) this.require(id, 422);
  }

  add(name: string, content: Buffer): { record: DataFileRecord; created: boolean } {
    const hash = createHash('sha256').update(content).digest('hex');
    const existing = this.files.find((f) => f.hash === hash);
    if (existing) return { record: existing, created: false };
    const record: DataFileRecord = { id: randomUUID(), name, createdAt: timestamp(), hash, content };
    this.files.push(record);
    return { record, created: true };
  }
}

export function dataFileJson(f: DataFileRecord): JsonObject {
  return { id: f.id, name: f.name, createdAt: f.createdAt };
}

async function upload(store: DataFileStore, req: SimRequest): Promise<SimResponse> {
  // no multipart body, or no `file` part in it (capture 140: a wrong field name), is "no source" to robot-server
  const value = (await readForm(req))?.get('file');
  const file = typeof value === 'object' && value !== null ? value : undefined;
  if (!file) throw one(422, 'NoDataFileSourceProvided', 'No data file source provided', 'You must provide either a file or a file_path in the request.');
  const name = baseName(file.name);
  if (!name.toLowerCase().endsWith('.csv')) throw one(422, 'UnexpectedFileFormat', 'Unexpected file format', 'Only CSV file format is accepted.');
  const { record, created } = store.add(name, Buffer.from(await file.arrayBuffer()));
  return ok({ data: dataFileJson(record) }, created ? 201 : 200);
}

export function dataFileRoutes(store: DataFileStore, protocolFiles: (protocolId: string) => DataFileRecord[]): Route[] {
  return [
    { method: 'POST', path: '/dataFiles', handle: (req) => upload(store, req) },
    {
      method: 'GET', path: '/dataFiles', handle: () => {
        const list = store.list().map(dataFileJson);
        return ok({ data: list, meta: { cursor: 0, totalLength: list.length } });
      },
    },
    { method: 'GET', path: '/dataFiles/:dataFileId', handle: (req) => ok({ data: dataFileJson(store.require(req.params.dataFileId, 404)) }) },
    {
      method: 'GET', path: '/dataFiles/:dataFileId/download', handle: (req) => {
        const f = store.require(req.params.dataFileId, 404);
        return { status: 200, raw: f.content.toString('utf8'), contentType: 'text/plain; charset=utf-8' };
      },
    },
    {
      method: 'GET', path: '/protocols/:protocolId/dataFiles', handle: (req) => {
        const list = protocolFiles(req.params.protocolId).map(dataFileJson);
        return ok({ data: list, meta: { cursor: 0, totalLength: list.length } });
      },
    },
  ];
}
