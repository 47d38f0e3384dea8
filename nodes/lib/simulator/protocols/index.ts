// The protocols part of the simulated robot (see ../context.ts for the seam with the core):
// its routes, and what a run of a stored protocol executes.
import type { ProtocolPart, SimulatorContext } from '../context';
import { protocolRoutes } from './routes';
import { DataFileStore, dataFileRoutes } from './data-files';
import { ProtocolStore } from './store';

export { ProtocolStore } from './store';
export type { ProtocolRecord, ProtocolRunPlan, AnalysisSummary, UploadRequest } from './store';
export { STANDIN_NOTE } from './python-standin';
export { resolveAnalyzer, describeAnalyzer, isAnalyzerChoice, AnalyzerNotFound, ANALYZER_CHOICES } from './analyzer';
export type { Analyzer, AnalyzerChoice } from './analyzer';

export function createProtocolPart(ctx: SimulatorContext): ProtocolPart & { store: ProtocolStore } {
  const dataFiles = new DataFileStore();
  const store = new ProtocolStore(ctx, dataFiles);
  return {
    store,
    routes: [...protocolRoutes(store), ...dataFileRoutes(dataFiles, (id) => store.protocolDataFiles(id))],
    source: { runPlan: (protocolId, values, files) => store.runPlan(protocolId, values, files) },
    close: () => store.close(),
  };
}
