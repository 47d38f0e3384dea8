// Every example in examples/ as a user meets it: Import ▸ Examples in the editor, deploy, click its
// inject, read the debug sidebar. The examples are split over EXAMPLE_PARTS test files
// (test/browser-examples-<n>.test.ts), each with a Node-RED of its own, so parallel mocha workers import
// them side by side; which file takes which example is decided here from the sorted examples/ folder, so an
// example added there is imported by one of them without a change to any list.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { freePort, launchNodeRed, packageDir, type RunningNodeRed } from '../../scripts/launch-node-red';
import { nodeRedVersion } from '../setup/node-red-line';
import { releaseAll } from '../helpers/release';
import { Mosquitto } from '../notifications-helpers';
import { openBrowser, type Browser } from './chromium';
import { afterEditorTest, clickInject, debugMessage, debugMessages, deploy, importExample, nodeIdByName, paletteNode, showDebugSidebar, type EditorRED } from './editor';

/** How many test files share the examples (test/browser-examples-1 … -N.test.ts). */
export const EXAMPLE_PARTS = 2;

const OUT = join(packageDir, 'test-output');

/** Per example: what to prepare in the editor, which inject to click, what the debug sidebar shows. */
interface BrowserCheck {
  /** `mosquittoPort`: a real Mosquitto, for examples that need what aedes lacks (shared subscriptions). */
  prepare?: (page: Page, ctx: { brokerPort: number; mosquittoPort: number; nodeRedPort: number }) => Promise<void>;
  steps: Array<{ click: string; debug: string; shows: RegExp }>;
}
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-/;
const checks: Record<string, BrowserCheck> = {
  'robot-basics': { steps: [{ click: 'lights on', debug: 'done', shows: /setRailLights/ }] },
  // the module reaches 4 °C on the simulated Flex, then the run is created and played
  'modules-and-door': { steps: [{ click: 'start: cool to 4 °C, then run', debug: 'run started', shows: UUID }] },
  'atomic-liquid-handling': { steps: [{ click: 'transfer 100 µL reservoir A1 → plate A1', debug: 'done', shows: /mount: "right", runId: "[0-9a-f]{8}-/ }] },
  'run-a-protocol': {
    steps: [
      { click: 'start: upload + run', debug: 'status', shows: /paused/ },
      { click: 'resume', debug: 'done', shows: /succeeded/ },
    ],
  },
  housekeeping: { steps: [{ click: '1. upload a demo protocol and create a run', debug: 'run created', shows: UUID }] },
  'error-handling': { steps: [{ click: 'play a run that does not exist', debug: 'alert', shows: /RunNotFound/ }] },
  'mqtt-triggered-run': {
    // The example's broker is 127.0.0.1:1883; here it is the test's own broker on a free port.
    prepare: (page, { brokerPort }) => setOnAll(page, 'mqtt-broker', { port: String(brokerPort) }),
    steps: [
      { click: '1. upload the demo protocol', debug: 'uploaded', shows: UUID },
      { click: '2. send a start message', debug: 'status', shows: /succeeded/ },
    ],
  },
  // Needs Dashboard 2, installed next to the package below; its screen is tested in test/browser-dashboard.test.ts.
  'operator-dashboard': { steps: [{ click: 'demo protocol (at deploy)', debug: 'protocols', shows: /Cold plate fill \(demo\)/ }] },
  'error-recovery-flex': { steps: [{ click: 'start', debug: 'run ended', shows: /succeeded/ }] },
  // Needs Dashboard 2 (installed below), like operator-dashboard; its screen is tested in test/browser-fleet-dashboard.test.ts.
  'fleet-dashboard': { steps: [{ click: 'deploy: demo protocols', debug: 'protocols', shows: /Serial dilution \(parameters\)/ }] },
  // The p300 job fits OT-2 A only; the fleet starts it (start: auto) and it succeeds there.
  'fleet-queue': { steps: [{ click: 'p300 job (fits OT-2 A only)', debug: 'job events', shows: /succeeded/ }] },
  // Its mqtt in subscribes to $share/…: a real Mosquitto on a free port stands in for the lab broker.
  'fleet-mqtt-scale-out': {
    prepare: (page, { mosquittoPort }) => setOnAll(page, 'mqtt-broker', { port: String(mosquittoPort) }),
    steps: [{ click: 'publish 6 demo jobs', debug: 'job events (all instances)', shows: /succeeded/ }],
  },
  'plate-reader-loop': {
    // The stand-in plate reader lives in the same Node-RED, which listens on a test port here.
    prepare: (page, { nodeRedPort }) => rewriteUrls(page, nodeRedPort),
    steps: [{ click: 'Start', debug: 'run finished', shows: /succeeded/ }],
  },
  'run-records': {
    steps: [
      { click: 'start a run', debug: 'run record', shows: /succeeded/ },
      { click: 'read the command log', debug: 'command log', shows: /array\[\d+\]/ },
    ],
  },
  'csv-parameters': {
    steps: [
      { click: '1. upload the plate map', debug: 'data file', shows: /plate_map\.csv/ },
      { click: '2. upload, analyse and run', debug: 'run record', shows: /succeeded/ },
    ],
  },
};

/** Every example's name (examples/<name>.json), sorted. */
export function exampleNames(): string[] {
  return readdirSync(join(packageDir, 'examples'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** The examples test file `part` (1 … EXAMPLE_PARTS) imports: every EXAMPLE_PARTS-th, from its own offset. */
export function examplesOfPart(part: number): string[] {
  return exampleNames().filter((_, i) => i % EXAMPLE_PARTS === part - 1);
}

/** Changes a config node's properties as its edit dialog would, and marks the flows changed. */
async function setOnAll(page: Page, type: string, props: Record<string, string>): Promise<void> {
  const changed = await page.evaluate(
    ([t, p]) => {
      const red = (window as unknown as { RED: EditorRED & { nodes: { dirty(d?: boolean): boolean } } }).RED;
      let count = 0;
      red.nodes.eachConfig((n) => {
        if (n.type !== t) return;
        Object.assign(n, p, { changed: true, dirty: true });
        count += 1;
      });
      red.nodes.dirty(true);
      return count;
    },
    [type, props] as const,
  );
  assert.ok(changed > 0, `no ${type} node to change`);
}

async function rewriteUrls(page: Page, port: number): Promise<void> {
  await page.evaluate((p) => {
    const red = (window as unknown as { RED: EditorRED & { nodes: { dirty(d?: boolean): boolean } } }).RED;
    const toPort = (url: string): string => url.replace(/^http:\/\/(127\.0\.0\.1|localhost):1880\//, `http://127.0.0.1:${p}/`);
    for (const n of red.nodes.filterNodes({ type: 'http request' })) {
      const live = red.nodes.node(n.id) as Record<string, unknown>;
      live.url = toPort(String(live.url));
      Object.assign(live, { changed: true, dirty: true });
    }
    // plate-reader-loop keeps the reader's address in its flow's environment variable PLATE_READER_URL.
    red.nodes.eachWorkspace((ws: Record<string, unknown>) => {
      if (!Array.isArray(ws.env)) return;
      ws.env = (ws.env as Array<{ value?: unknown }>).map((e) => (typeof e.value === 'string' ? { ...e, value: toPort(e.value) } : e));
      ws.changed = true;
    });
    red.nodes.dirty(true);
  }, port);
}

async function startBroker(): Promise<{ port: number; close(): Promise<void> }> {
  const { Aedes } = await import('aedes');
  const aedes = await Aedes.createBroker();
  const server: Server = createServer(aedes.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The mocha suite of examples test file `part`: its own Node-RED, broker and browser context. */
export function describeExampleImports(part: number): void {
  describe(`examples imported in a real browser, part ${part} of ${EXAMPLE_PARTS} (Chromium + Node-RED ${nodeRedVersion})`, function () {
    this.timeout(60_000);
    let nodeRed: RunningNodeRed;
    let nodeRedPort: number;
    let browser: Browser;
    let page: Page;
    let userDir: string;
    let broker: { port: number; close(): Promise<void> };
    let mosquitto: Mosquitto | undefined;

    before(async function () {
      this.timeout(90_000);
      mkdirSync(OUT, { recursive: true });
      userDir = mkdtempSync(join(tmpdir(), `nr-opentrons-examples-${part}-`));
      nodeRedPort = await freePort();
      broker = await startBroker();
      // only a part that imports an example needing shared subscriptions starts Mosquitto
      if (examplesOfPart(part).some((e) => e === 'fleet-mqtt-scale-out')) mosquitto = await Mosquitto.create();
      nodeRed = await launchNodeRed({ userDir, port: nodeRedPort, flows: [], extraModules: ['@flowfuse/node-red-dashboard'], editorTips: false });
      browser = await openBrowser();
      page = browser.page;
      await page.goto(nodeRed.url);
      await paletteNode(page, 'opentrons-run').waitFor({ state: 'attached', timeout: 30_000 });
      // The editor adds its first tab (an empty flows file has none) after the palette: an import before
      // that would count it as the example's.
      await page.waitForFunction(() => {
        const red = (window as unknown as { RED: EditorRED }).RED;
        let tabs = 0;
        red.nodes.eachWorkspace(() => (tabs += 1));
        return tabs > 0 && Boolean(red.workspaces.active());
      }, undefined, { timeout: 30_000 });
    });

    afterEach(async function () {
      await afterEditorTest(this.currentTest, page, OUT);
    });

    after(async function () {
      this.timeout(30_000);
      await releaseAll([
        () => browser?.close(),
        () => nodeRed?.stop(),
        () => broker?.close(),
        () => mosquitto?.dispose(),
        () => userDir && rmSync(userDir, { recursive: true, force: true }),
      ]);
    });

    if (part === 1) {
      it(`every example is imported by one of the ${EXAMPLE_PARTS} parts, each of which has its test file`, function () {
        const all = exampleNames();
        assert.ok(all.length > 0, 'examples/ has examples');
        const parts = Array.from({ length: EXAMPLE_PARTS }, (_, i) => examplesOfPart(i + 1));
        assert.deepEqual(parts.flat().sort(), all, 'the parts together import each example once');
        for (let p = 1; p <= EXAMPLE_PARTS; p++) {
          assert.ok(existsSync(join(__dirname, '..', `browser-examples-${p}.test.js`)), `test/browser-examples-${p}.test.ts runs part ${p}`);
        }
        const unchecked = all.filter((e) => !checks[e]);
        assert.deepEqual(unchecked, [], 'every example has a browser check in test/browser/examples.ts');
      });
    }

    for (const example of examplesOfPart(part)) {
      it(`imports "${example}" from Import ▸ Examples, deploys it and shows its output in the debug sidebar`, async function () {
        const check = checks[example];
        assert.ok(check, `no browser check for examples/${example}.json: add one to test/browser/examples.ts`);
        await importExample(page, example);
        await check.prepare?.(page, { brokerPort: broker.port, mosquittoPort: mosquitto?.port ?? 0, nodeRedPort });
        await deploy(page);
        await showDebugSidebar(page);
        for (const step of check.steps) {
          const earlier = await debugMessages(page, step.debug, step.shows).count();
          await clickInject(page, await nodeIdByName(page, 'inject', step.click));
          await debugMessage(page, step.debug, step.shows, 20_000, earlier);
        }
        await page.screenshot({ path: join(OUT, `example-${example}.png`) });
        const errors = browser.errors.splice(0);
        assert.deepEqual(errors, [], 'the browser console shows no errors');
      });
    }
  });
}
