/**
 * GET /openapi.json of the simulated robot, made from the router table the server actually mounts, so it
 * lists exactly the routes the simulator answers and cannot go stale. Summaries are robot-server 8.1.0's
 * where the route exists there (the shipped list of opentrons-request); the simulator's own routes say so.
 */
import { shippedEndpoints } from '../request-paths';
import type { Route } from './http';

/** `/runs/:runId` → `/runs/{runId}`, OpenAPI's template form. */
export function openApiPath(routePath: string): string {
  return routePath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

export function openApiDocument(routes: readonly Route[], version: string): Record<string, unknown> {
  const summaries = new Map(shippedEndpoints().map((e) => [`${e.method} ${e.path}`, e.summary]));
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = openApiPath(r.path);
    const summary = summaries.get(`${r.method} ${path}`) ?? r.summary ?? '';
    const params = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    (paths[path] ??= {})[r.method.toLowerCase()] = {
      summary,
      ...(path.startsWith('/simulator/') ? { tags: ['Simulator only'] } : {}),
      ...(params.length ? { parameters: params } : {}),
    };
  }
  return {
    openapi: '3.0.2',
    info: {
      title: 'Opentrons HTTP API (simulated robot)',
      description: 'The routes this simulated robot implements. Paths under /simulator/ exist only on the simulator.',
      version,
    },
    paths,
  };
}
