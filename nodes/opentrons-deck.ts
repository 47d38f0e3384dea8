// opentrons-deck: the robot's deck as a picture (SVG in msg.payload) and as JSON (msg.deck), drawn from a run
// (msg.runId), an analysis at hand (msg.analysis or msg.payload), or a protocol's newest analysis (msg.protocolId).
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { analysisIn, fromAnalysis, readDeckSource, renderDeck, type DeckRequest } from './lib/deck';
import { InputError } from './lib/errors';
import { Msg, Send, own, requireString, robotOf, secondsSettingMs, showSimulated } from './lib/node-support';
import { NodeWork } from './lib/node-work';

interface DeckDef extends NodeDef {
  robot?: string;
  highlight?: boolean;
  /** Seconds to wait for a pending analysis of msg.protocolId. */
  analysisTimeout?: string | number;
}

const DEFAULT_ANALYSIS_TIMEOUT_S = 60;

export = function register(RED: NodeAPI): void {
  function OpentronsDeckNode(this: Node, def: DeckDef): void {
    RED.nodes.createNode(this, def);
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const node = this;
    const work = new NodeWork();
    showSimulated(RED, node, def.robot);
    const analysisTimeoutMs = secondsSettingMs(def.analysisTimeout, DEFAULT_ANALYSIS_TIMEOUT_S);

    work.serve(node, handle);

    async function handle(msg: Msg, send: Send): Promise<void> {
      const request = requestOf(msg);
      let source;
      if (request.kind === 'analysis') source = fromAnalysis(request.analysis, request.title);
      else {
        const client = await robotOf(RED, def.robot).ready();
        node.status({ fill: 'blue', shape: 'dot', text: 'reading…' });
        source = await readDeckSource(client, request, { signal: work.signal });
      }
      const { svg, deck } = renderDeck(source);
      msg.payload = svg;
      msg.deck = deck;
      const count = Object.values(deck.slots).reduce((k, s) => k + s.labware.length, 0);
      node.status(deck.problem ? { fill: 'yellow', shape: 'ring', text: `${count} labware · analysis failed` } : { fill: 'green', shape: 'dot', text: `${count} labware` });
      send(msg);
    }

    /** Which deck to draw; checks every msg property before anything is sent to the robot. */
    function requestOf(msg: Msg): DeckRequest {
      const highlight = highlightOf(msg);
      const runId = own(msg, 'runId');
      if (runId !== undefined && runId !== null && runId !== '') {
        return { kind: 'run', runId: requireString(runId, 'msg.runId', 'set it to a run id (from opentrons-run)'), highlight };
      }
      for (const key of ['analysis', 'payload']) {
        const analysis = analysisIn(own(msg, key));
        if (analysis) return { kind: 'analysis', analysis, title: titleOf(msg) };
      }
      const protocolId = own(msg, 'protocolId');
      if (protocolId !== undefined && protocolId !== null && protocolId !== '') {
        return { kind: 'protocol', protocolId: requireString(protocolId, 'msg.protocolId', 'set it to a protocol id (from opentrons-upload)'), analysisTimeoutMs };
      }
      // Only now: with msg.protocolId next to it (opentrons-upload "get" of a pending analysis) the robot's newest analysis is drawn.
      const given = own(msg, 'analysis');
      if (given !== undefined && given !== null && given !== '') throw notAnAnalysis(given);
      throw new InputError(
        'nothing to draw: send msg.runId (a run), msg.protocolId (a protocol on the robot), or an analysis in msg.analysis / msg.payload (as opentrons-upload outputs it)',
      );
    }

    function highlightOf(msg: Msg): boolean {
      const v = own(msg, 'highlight');
      // On unless turned off, as the editor's checkbox starts: a flow written by hand without the setting highlights too.
      if (v === undefined || v === null) return def.highlight !== false;
      if (typeof v !== 'boolean') throw new InputError(`msg.highlight must be true or false (got ${Array.isArray(v) ? 'an array' : typeof v})`);
      return v;
    }
  }

  function notAnAnalysis(value: unknown): InputError {
    const status = typeof value === 'object' && value !== null ? (value as { status?: unknown }).status : undefined;
    if (typeof status === 'string' && status !== 'completed') {
      return new InputError(`msg.analysis is an analysis still ${status}, with nothing to draw yet: send msg.protocolId as well, and the node waits for it`);
    }
    const got = Array.isArray(value)
      ? 'an array'
      : typeof value === 'object' && value !== null
        ? `an object with ${Object.keys(value).slice(0, 5).join(', ') || 'no properties'}`
        : typeof value;
    return new InputError(
      `msg.analysis is not a protocol analysis (an object with robotType, labware and commands, as opentrons-upload outputs it; got ${got}): ` +
        'set it to an analysis, or remove it and send msg.runId or msg.protocolId',
    );
  }

  /** The protocol's name when an upload put the protocol in msg.payload next to its analysis. */
  function titleOf(msg: Msg): string | undefined {
    const p = own(msg, 'payload');
    if (typeof p !== 'object' || p === null) return undefined;
    const meta = (p as { metadata?: { protocolName?: unknown } }).metadata;
    return typeof meta?.protocolName === 'string' ? meta.protocolName : undefined;
  }

  RED.nodes.registerType('opentrons-deck', OpentronsDeckNode);
};
