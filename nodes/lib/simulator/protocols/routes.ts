// HTTP routes of the protocols API (API reference §5), mounted by the simulator's server.
import { invalidRequest } from '../errors';
import { isObject, ok, parseJson, type Route, type SimRequest, type SimResponse } from '../http';
import { analysisNotCompleted, analysisNotFound } from './errors';
import { parseUploadForm } from './multipart';
import type { ProtocolRecord, ProtocolStore } from './store';
import type { JsonObject, ProtocolKind } from './types';

function protocolJson(store: ProtocolStore, p: ProtocolRecord, newAnalysisId?: string): JsonObject {
  const data: JsonObject = {
    id: p.id,
    createdAt: p.createdAt,
    files: p.files.map((f) => ({ ...f })),
    protocolType: p.protocolType,
    robotType: p.robotType,
    metadata: p.metadata,
    analyses: [],
    analysisSummaries: store.analysisSummaries(p, newAnalysisId),
  };
  if (p.key !== undefined) data.key = p.key;
  data.protocolKind = p.protocolKind;
  return data;
}

function jsonField(fields: Map<string, string>, name: string): Record<string, unknown> | undefined {
  const raw = fields.get(name);
  if (raw === undefined || raw === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw invalidRequest(`${name} must be a string holding a JSON object.`, { pointer: `/${name}` });
  }
  if (!isObject(value)) throw invalidRequest(`${name} must be a string holding a JSON object.`, { pointer: `/${name}` });
  return value;
}

function fileIds(value: Record<string, unknown> | undefined, name: string): Record<string, string> | undefined {
  if (!value) return undefined;
  for (const v of Object.values(value)) {
    if (typeof v !== 'string') throw invalidRequest(`${name} values must be data file ids (strings).`, { pointer: `/${name}` });
  }
  return value as Record<string, string>;
}

function protocolKind(raw: string | undefined): ProtocolKind | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'standard' || raw === 'quick-transfer') return raw;
  throw invalidRequest("value is not a valid enumeration member; permitted: 'standard', 'quick-transfer'", { pointer: '/protocolKind' });
}

async function upload(store: ProtocolStore, req: SimRequest): Promise<SimResponse> {
  const form = await parseUploadForm(req);
  const { record, created, newAnalysisId } = store.upload({
    files: form.files,
    key: form.fields.get('key'),
    runTimeParameterValues: jsonField(form.fields, 'runTimeParameterValues'),
    runTimeParameterFiles: fileIds(jsonField(form.fields, 'runTimeParameterFiles'), 'runTimeParameterFiles'),
    protocolKind: protocolKind(form.fields.get('protocolKind')),
  });
  return ok({ data: protocolJson(store, record, newAnalysisId) }, created ? 201 : 200);
}

function reanalyse(store: ProtocolStore, req: SimRequest): SimResponse {
  const p = store.require(req.params.protocolId);
  const body = parseJson(req);
  let data: Record<string, unknown> = {};
  if (body !== undefined) {
    if (!isObject(body) || !isObject(body.data)) throw invalidRequest('field required', { pointer: '/data' });
    data = body.data;
  }
  const values = data.runTimeParameterValues;
  if (values !== undefined && !isObject(values)) throw invalidRequest('value is not a valid dict', { pointer: '/data/runTimeParameterValues' });
  const files = fileIds(data.runTimeParameterFiles === undefined ? undefined : (isObject(data.runTimeParameterFiles) ? data.runTimeParameterFiles : {}), 'runTimeParameterFiles');
  const force = data.forceReAnalyze === true;
  const started = store.startAnalysisIfNecessary(p, values, files, force);
  const summaries = store.analysisSummaries(p, started);
  return ok({ data: summaries, meta: { cursor: 0, totalLength: summaries.length } }, started ? 201 : 200);
}

export function protocolRoutes(store: ProtocolStore): Route[] {
  return [
    { method: 'POST', path: '/protocols', handle: (req) => upload(store, req) },
    {
      method: 'GET', path: '/protocols', handle: (req) => {
        const list = store.list(protocolKind(req.query.get('protocolKind') ?? undefined)).map((p) => protocolJson(store, p));
        return ok({ data: list, meta: { cursor: 0, totalLength: list.length } });
      },
    },
    {
      method: 'GET', path: '/protocols/ids', handle: () => {
        const ids = store.list().map((p) => p.id);
        return ok({ data: ids, meta: { cursor: 0, totalLength: ids.length } });
      },
    },
    {
      method: 'GET', path: '/protocols/:protocolId', handle: (req) => {
        const p = store.require(req.params.protocolId);
        const referencingRuns = store.referencingRuns(p.id).map((id) => ({ id, href: `/runs/${id}` }));
        return ok({ data: protocolJson(store, p), links: { referencingRuns } });
      },
    },
    {
      method: 'DELETE', path: '/protocols/:protocolId', handle: (req) => {
        store.delete(req.params.protocolId);
        return ok({});
      },
    },
    {
      method: 'GET', path: '/protocols/:protocolId/analyses', handle: (req) => {
        const p = store.require(req.params.protocolId);
        const data = p.analyses.map((a) => store.analysisJson(a));
        return ok({ data, meta: { cursor: 0, totalLength: data.length } });
      },
    },
    { method: 'POST', path: '/protocols/:protocolId/analyses', handle: (req) => reanalyse(store, req) },
    {
      method: 'GET', path: '/protocols/:protocolId/analyses/:analysisId', handle: (req) => {
        const p = store.require(req.params.protocolId);
        const a = store.findAnalysis(p, req.params.analysisId);
        if (!a) throw analysisNotFound(req.params.analysisId);
        return ok({ data: store.analysisJson(a) });
      },
    },
    {
      method: 'GET', path: '/protocols/:protocolId/analyses/:analysisId/asDocument', handle: (req) => {
        const p = store.require(req.params.protocolId);
        const a = store.findAnalysis(p, req.params.analysisId);
        if (!a) throw analysisNotFound(req.params.analysisId);
        if (!store.completedBody(a)) throw analysisNotCompleted(a.id);
        return { status: 200, raw: JSON.stringify(store.analysisJson(a)) };
      },
    },
  ];
}
