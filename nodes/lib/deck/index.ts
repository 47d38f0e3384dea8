// The deck map: what to draw (from an analysis, a protocol on the robot, or a run), where it goes, and the
// SVG. Reads the robot only through RobotClient; no Node-RED imports.
import { latestAnalysisId, protocolName, waitForAnalysis } from '../analysis-wait';
import type { RobotClient } from '../client';
import { InputError } from '../errors';
import type { Analysis } from '../types';
import { currentCommandOf } from '../watch/snapshot';
import { layoutDeck, type DeckLayout } from './layout';
import { fromAnalysis, fromRun, robotTypeOfModel, type DeckSource } from './source';
import { renderSvg } from './svg';

export { analysisIn, fromAnalysis } from './source';
export type { DeckLayout } from './layout';

/** What to draw: an analysis at hand, a protocol's newest analysis on the robot, or a run on the robot. */
export type DeckRequest =
  | { kind: 'analysis'; analysis: Analysis; title?: string }
  | { kind: 'protocol'; protocolId: string; analysisTimeoutMs: number }
  | { kind: 'run'; runId: string; highlight: boolean };

/**
 * How many of a run's first commands are read for its liquid loads (its labware, modules and definitions come
 * from their own routes). Not the whole log: a deck redrawn as a long run goes on would read ever more pages on
 * every render, and liquids are loaded at setup. The deck help says so.
 */
const SETUP_COMMANDS_PAGE = 200;

/** Reads what a protocol's or a run's deck map needs from the robot (an analysis at hand needs nothing: fromAnalysis). */
export async function readDeckSource(client: RobotClient, req: Exclude<DeckRequest, { kind: 'analysis' }>, opts: { signal?: AbortSignal } = {}): Promise<DeckSource> {
  if (req.kind === 'protocol') {
    const { protocol } = await client.getProtocol(req.protocolId, opts);
    const analysisId = latestAnalysisId(protocol);
    if (!analysisId) throw new InputError(`protocol ${req.protocolId} has no analysis yet: analyse it first (opentrons-upload, action "analyze")`);
    const analysis = await waitForAnalysis(client, protocol.id, analysisId, { timeoutMs: req.analysisTimeoutMs, signal: opts.signal });
    return fromAnalysis(analysis, protocolName(protocol));
  }
  // The run first: a malformed run id is refused by the client before anything is sent.
  const run = await client.getRun(req.runId, opts);
  // The model is asked once per client (usually already known from the config node's check), not per render.
  const robotType = client.robotModel().then(robotTypeOfModel);
  const [type, definitions, cutoutFixtures, setup, page] = await Promise.all([
    robotType,
    client.getLoadedLabwareDefinitions(req.runId, opts),
    robotType.then(async (t) => (t === 'OT-3 Standard' ? (await client.getDeckConfiguration(opts)).cutoutFixtures : undefined)),
    client.listRunCommands(req.runId, { ...opts, cursor: 0, pageLength: SETUP_COMMANDS_PAGE }),
    req.highlight ? client.listRunCommands(req.runId, { ...opts, pageLength: 1 }) : undefined,
  ]);
  return fromRun(run, type, { definitions, cutoutFixtures, commands: setup.data, current: page ? currentCommandOf(page) : null });
}

/** msg.deck: the deck as JSON for flows that do not draw — slot → module and labware (bottom of the stack first). */
export interface DeckSummary {
  robotType: string;
  deckId: string;
  slots: Record<string, { module?: { id: string; model: string; displayName: string }; labware: Array<{ id: string; displayName: string; loadName: string; definitionUri: string; liquids?: Record<string, string> }> }>;
  fixtures: Array<{ cutoutId: string; kind: string; label: string }>;
  pipettes: Record<string, { id: string; pipetteName: string; displayName: string }>;
  liquids: Array<{ id: string; displayName: string; color: string }>;
  /** `note` says why a labware on the deck is listed here (an addressable area the map cannot place). */
  offDeck: Array<{ id: string; displayName: string; note?: string }>;
  highlight?: DeckLayout['highlight'];
  problem?: string;
}

export function summarize(layout: DeckLayout): DeckSummary {
  const slots: DeckSummary['slots'] = {};
  const slot = (name: string): DeckSummary['slots'][string] => (slots[name] ??= { labware: [] });
  for (const m of layout.modules) slot(m.slot).module = { id: m.id, model: m.model, displayName: m.displayName };
  const liquidName = new Map(layout.liquids.map((l) => [l.id, l.displayName]));
  for (const l of layout.labware) {
    const entry: DeckSummary['slots'][string]['labware'][number] = { id: l.id, displayName: l.displayName, loadName: l.loadName, definitionUri: l.definitionUri };
    const filled = l.wells.filter((w) => w.liquid);
    if (filled.length > 0) entry.liquids = Object.fromEntries(filled.map((w) => [w.name, liquidName.get(w.liquidId ?? '') ?? w.liquidId ?? '']));
    slot(l.slot).labware.push(entry);
  }
  const summary: DeckSummary = {
    robotType: layout.robotType,
    deckId: layout.deckId,
    slots,
    fixtures: layout.fixtures.map((f) => ({ cutoutId: f.cutoutId, kind: f.kind, label: f.label })),
    pipettes: Object.fromEntries(layout.pipettes.map((p) => [p.mount, { id: p.id, pipetteName: p.pipetteName, displayName: p.displayName }])),
    liquids: layout.liquids.map((l) => ({ id: l.id, displayName: l.displayName, color: l.color })),
    offDeck: layout.offDeck,
  };
  if (layout.highlight) summary.highlight = layout.highlight;
  if (layout.problem) summary.problem = layout.problem;
  return summary;
}

/** Lays out and draws a deck source: the SVG text and the same deck as JSON. */
export function renderDeck(source: DeckSource): { svg: string; deck: DeckSummary; layout: DeckLayout } {
  const layout = layoutDeck(source);
  return { svg: renderSvg(layout), deck: summarize(layout), layout };
}
