// The "plate reader loop" example deployed as shipped (simulated robot in the config node) and run end to
// end: paused with the protocol's message → HTTP call to the stand-in instrument → play → succeeded.
import { strict as assert } from 'node:assert';
import type { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { liveWatchers } from '../nodes/lib/watch';
import { PACKAGE_ROOT, getNode, loadFlow, unloadFlow, type FlowNode, type NodeModule } from './helpers/nodered';

/* eslint-disable @typescript-eslint/no-require-imports */
const CORE: NodeModule[] = [
  require('@node-red/nodes/core/common/20-inject.js'),
  require('@node-red/nodes/core/common/21-debug.js'),
  require('@node-red/nodes/core/common/90-comment.js'),
  require('@node-red/nodes/core/function/10-switch.js'),
  require('@node-red/nodes/core/function/15-change.js'),
  require('@node-red/nodes/core/network/21-httpin.js'),
  require('@node-red/nodes/core/network/21-httprequest.js'),
];
/* eslint-enable @typescript-eslint/no-require-imports */

type Msg = { topic?: string; payload?: unknown; reading?: unknown; [k: string]: unknown };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The test helper gives `http in` nodes an express app (RED.httpNode) that no server listens for; this
 * module only captures it so the test can serve it on 127.0.0.1, as Node-RED's own HTTP server would.
 */
let httpNode: RequestListener | undefined;
const captureHttpNode: NodeModule = (RED) => {
  httpNode = (RED as unknown as { httpNode: RequestListener }).httpNode;
};

describe('example: plate-reader-loop.json', function () {
  this.timeout(60_000);
  let server: Server | undefined;

  afterEach(async () => {
    await unloadFlow();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server?.closeAllConnections();
    server = undefined;
  });

  it('deploys and runs end to end: paused → instrument read over HTTP → play → succeeded', async () => {
    const flow = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'examples', 'plate-reader-loop.json'), 'utf8')) as FlowNode[];
    const byName = (name: string): FlowNode => {
      const n = flow.find((x) => x.name === name);
      if (!n) throw new Error(`example has no node named "${name}"`);
      return n;
    };
    // Node-RED's HTTP endpoints are served on a free port here, not 1880: as a user would, the test changes
    // the one setting the example has for the reader's address, the flow's PLATE_READER_URL.
    const srv = createServer((req, res) => (httpNode ? httpNode(req, res) : res.writeHead(503).end()));
    server = srv;
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const port = (srv.address() as AddressInfo).port;
    assert.notEqual(port, 1880);
    assert.equal(byName('read plate').url, '', 'the http request node has no address of its own: msg.url comes from the setting');
    const tab = flow.find((n) => n.type === 'tab') as FlowNode & { env: Array<{ name: string; value: string; type: string }> };
    const setting = tab.env.find((e) => e.name === 'PLATE_READER_URL');
    assert.equal(setting?.value, 'http://127.0.0.1:1880/plate-reader/read', 'shipped default: the stand-in on Node-RED\'s default port');
    assert.match(String(byName('Plate reader loop: the protocol pauses with a message → the flow calls the plate reader → play → run finished').info), /PLATE_READER_URL/);
    setting.value = `http://127.0.0.1:${port}/plate-reader/read`;
    const robot = flow.find((n) => n.type === 'opentrons-robot');
    assert.equal(robot?.simulate, true, 'the example runs without a robot');
    assert.ok(!flow.some((n) => !['tab', 'comment', 'inject', 'debug', 'switch', 'change', 'http in', 'http response', 'http request'].includes(n.type) && !n.type.startsWith('opentrons-')), 'core and package nodes only');

    await loadFlow(flow, { types: ['opentrons-robot', 'opentrons-upload', 'opentrons-run', 'opentrons-status'], extraNodes: [...CORE, captureHttpNode] });

    const on = (name: string): Msg[] => {
      const seen: Msg[] = [];
      (getNode(String(byName(name).id)) as unknown as EventEmitter).on('input', (m: Msg) => seen.push(m));
      return seen;
    };
    const statuses = on('run status changes');
    const finished = on('run finished');
    const readings = on('plate reading');
    const instrumentCalls = on('fake reading'); // the node behind the stand-in instrument's `http in`

    getNode(String(byName('Start').id)).receive({} as never);
    const end = Date.now() + 45_000;
    while (finished.length === 0 && Date.now() < end) await sleep(50);
    await sleep(200);

    const topics = statuses.map((m) => m.topic);
    assert.deepEqual(finished.map((m) => m.topic), ['succeeded'], `statuses seen: ${topics.join(', ')}`);
    assert.ok(topics.includes('paused'), topics.join(', '));
    // Resumed: a status after the pause that only a played run reaches (`running` may be over before the next read
    // on a loaded machine: the remaining commands take a few hundred ms).
    const afterPause = topics.slice(topics.indexOf('paused') + 1);
    assert.ok(afterPause.some((t) => t === 'running' || t === 'finishing'), `resumed after the pause: ${topics.join(', ')}`);
    assert.equal(topics.filter((t) => t === 'succeeded').length, 1);
    const paused = statuses.find((m) => m.topic === 'paused') as Msg;
    assert.equal((paused.payload as { pauseMessage: string }).pauseMessage, 'Read the plate in the plate reader');
    assert.equal(instrumentCalls.length, 1, 'the instrument was called once');
    assert.equal(readings.length, 1);
    assert.equal((readings[0].reading as { instrument: string }).instrument, 'stand-in plate reader');
    await unloadFlow();
    assert.equal(liveWatchers(), 0);
  });
});
