// The package as a user meets it, in a real browser: Debian's Chromium (playwright-core, no
// download) against Node-RED started with the package in a fresh userDir on a loopback port.
// Screenshots go to test-output/ (gitignored).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { freePort, launchNodeRed, packageDir, type RunningNodeRed } from '../scripts/launch-node-red';
import { SimulatedRobot } from '../nodes/lib/simulator';
import { advertiseSimulatedRobot } from '../nodes/lib/simulator/advertise';
import { mdnsOptions } from '../nodes/lib/discovery/mdns';
import { openBrowser, type Browser } from './browser/chromium';
import {
  clickInject,
  closeAllTrays,
  closeEditDialog,
  debugMessage,
  debugMessages,
  deploy,
  dropFromPalette,
  importExample,
  nodeIdByName,
  openEditDialog,
  paletteNode,
  showDebugSidebar,
  type EditorRED,
} from './browser/editor';
import { applyDarkTheme, lowContrastText, removeDarkTheme } from './browser/theme';
import { nodeRedVersion } from './setup/node-red-line';
import { Mosquitto } from './notifications-helpers';

const OUT = join(packageDir, 'test-output');
const ACTION_TYPES = ['opentrons-upload', 'opentrons-run', 'opentrons-command', 'opentrons-status', 'opentrons-hardware', 'opentrons-request', 'opentrons-deck', 'opentrons-queue'];
const COLOUR = 'rgb(143, 184, 238)'; // #8FB8EE

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
  'atomic-liquid-handling': { steps: [{ click: 'transfer 100 µL reservoir A1 → plate A1', debug: 'done', shows: /commandId: "[0-9a-f]{8}-/ }] },
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
  // Needs Dashboard 2 (installed below), like operator-dashboard, whose Dashboard base and theme it shares; its screen is tested in test/browser-fleet-dashboard.test.ts.
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

/** The name a simulated OT-2 gives itself in GET /health, asked from a simulator of our own. */
async function simulatedRobotName(): Promise<string> {
  const sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'OT-2' });
  try {
    const res = await fetch(`${sim.url}/health`, { headers: { 'Opentrons-Version': '3' } });
    const body = (await res.json()) as { name?: unknown };
    assert.equal(typeof body.name, 'string');
    return body.name as string;
  } finally {
    await sim.stop();
  }
}

describe(`editor in a real browser (Chromium + Node-RED ${nodeRedVersion})`, function () {
  this.timeout(60_000);
  let nodeRed: RunningNodeRed;
  let nodeRedPort: number;
  let browser: Browser;
  let page: Page;
  let userDir: string;
  let broker: { port: number; close(): Promise<void> };
  let mosquitto: Mosquitto | undefined;
  const dropped: Record<string, string> = {};

  const noErrors = (): void => {
    const ours = browser.errors.splice(0);
    assert.deepEqual(ours, [], 'the browser console shows no errors');
  };

  before(async function () {
    this.timeout(90_000);
    mkdirSync(OUT, { recursive: true });
    userDir = mkdtempSync(join(tmpdir(), 'nr-opentrons-browser-'));
    nodeRedPort = await freePort();
    broker = await startBroker();
    mosquitto = await Mosquitto.create();
    nodeRed = await launchNodeRed({ userDir, port: nodeRedPort, flows: [], extraModules: ['@flowfuse/node-red-dashboard'], editorTips: false });
    browser = await openBrowser();
    page = browser.page;
    await page.goto(nodeRed.url);
    await paletteNode(page, 'opentrons-run').waitFor({ state: 'attached', timeout: 30_000 });
  });

  afterEach(async function () {
    // A failed test leaves its picture, so the failure can be seen and not only read.
    if (this.currentTest?.state === 'failed') {
      const name = (this.currentTest.title.match(/"([^"]+)"/)?.[1] ?? this.currentTest.title).replace(/[^\w-]+/g, '_').slice(0, 60);
      await page.screenshot({ path: join(OUT, `failed-${name}.png`) }).catch(() => undefined);
    }
    await closeAllTrays(page);
  });

  after(async function () {
    this.timeout(30_000);
    await browser?.close();
    await nodeRed?.stop();
    await broker?.close();
    await mosquitto?.dispose();
    if (userDir) rmSync(userDir, { recursive: true, force: true });
  });

  it('shows category "Opentrons" with our action nodes, in our colour, with our icons', async function () {
    const header = page.locator('#red-ui-palette-header-Opentrons');
    await header.scrollIntoViewIfNeeded();
    assert.equal((await header.textContent())?.trim(), 'Opentrons');
    const inCategory = await page.$$eval('#red-ui-palette-container-Opentrons .red-ui-palette-node', (els) =>
      els.map((e) => e.getAttribute('data-palette-type')),
    );
    assert.deepEqual([...inCategory].sort(), [...ACTION_TYPES].sort());
    for (const type of ACTION_TYPES) {
      const node = paletteNode(page, type);
      assert.equal(await node.evaluate((e) => getComputedStyle(e).backgroundColor), COLOUR, `${type} colour`);
      const icon = await node.locator('.red-ui-palette-icon').evaluate((e) => getComputedStyle(e).backgroundImage);
      assert.match(icon, new RegExp(`icons/@labwire/node-red-opentrons/${type}\\.svg`), `${type} uses its own icon`);
    }
    await page.locator('#red-ui-palette-container-Opentrons').screenshot({ path: join(OUT, 'palette.png') });
    noErrors();
  });

  it('opens the edit dialog of each node dropped from the palette', async function () {
    let y = 80;
    for (const type of ACTION_TYPES) {
      dropped[type] = await dropFromPalette(page, type, 200, y);
      y += 80;
      const tray = await openEditDialog(page, dropped[type]);
      // the queue node works on a fleet of robots, every other one on a robot
      const config = type === 'opentrons-queue' ? '#node-input-fleet' : '#node-input-robot';
      assert.equal(await tray.locator(config).count(), 1, `${type} asks for its ${type === 'opentrons-queue' ? 'fleet' : 'robot'}`);
      if (type === 'opentrons-run') await tray.screenshot({ path: join(OUT, 'edit-dialog.png') });
      await closeEditDialog(page);
    }
    noErrors();
  });

  it('command dialog: the searchable type list fills the command type, the parameter hint and a params template', async function () {
    const tray = await openEditDialog(page, dropped['opentrons-command']);
    const list = tray.locator('#node-input-command-list');
    await list.locator('option[value="aspirate"]').waitFor({ state: 'attached', timeout: 10_000 });
    const before = await list.locator('option').count();
    await tray.locator('#node-input-command-search').fill('aspir');
    const filtered = await list.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    assert.ok(filtered.includes('aspirate'), 'the filter keeps aspirate');
    assert.ok(filtered.length < before, `the filter narrows the list (${filtered.length} of ${before})`);
    assert.ok(filtered.every((t) => /aspir/i.test(t)), `only matching types remain: ${filtered.join(', ')}`);
    await list.selectOption('aspirate');
    assert.equal(await tray.locator('#node-input-commandType').inputValue(), 'aspirate');
    const hint = tray.locator('#node-input-command-hint');
    await hint.filter({ hasText: 'pipetteId' }).waitFor({ state: 'visible', timeout: 5_000 });
    assert.match(await hint.innerText(), /volume/);
    const params = await page.evaluate(() => (window as unknown as { $: (s: string) => { typedInput(m: string): string } }).$('#node-input-params').typedInput('value'));
    const template = JSON.parse(params) as Record<string, unknown>;
    for (const key of ['pipetteId', 'volume', 'labwareId', 'wellName']) assert.ok(key in template, `the template has ${key}: ${params}`);
    await closeEditDialog(page);
    noErrors();
  });

  it('request dialog: the path field suggests the robot API\'s endpoints (shipped list without a deployed robot)', async function () {
    const tray = await openEditDialog(page, dropped['opentrons-request']);
    const source = tray.locator('#ot-request-source');
    await source.filter({ hasText: '8.1.0' }).waitFor({ state: 'visible', timeout: 10_000 });
    const options = await tray.locator('#ot-request-paths option').evaluateAll((os) => os.map((o) => `${(o as HTMLOptionElement).value} ${o.textContent ?? ''}`));
    assert.ok(options.length >= 100, `${options.length} suggestions`);
    assert.ok(options.some((o) => o.startsWith('/runs/{runId}/commandErrors GET')), 'GET /runs/{runId}/commandErrors is suggested with its method');
    assert.equal(await tray.locator('#node-input-path').getAttribute('list'), 'ot-request-paths', 'the path field uses the suggestions');
    await closeEditDialog(page);
    noErrors();
  });

  it('config node: Test connection shows the simulated robot\'s name', async function () {
    const name = await simulatedRobotName();
    await openEditDialog(page, dropped['opentrons-run']);
    await page.click('#node-input-btn-robot-add');
    const config = page.locator('.red-ui-tray').last();
    await config.locator('#node-config-input-simulate').waitFor({ state: 'visible' });
    await config.locator('#node-config-input-simulate').check();
    await config.locator('#opentrons-robot-test').click();
    const result = config.locator('#opentrons-robot-test-result');
    await result.filter({ hasText: name }).waitFor({ state: 'visible', timeout: 15_000 });
    await config.screenshot({ path: join(OUT, 'config-dialog.png') });
    await closeEditDialog(page); // config node
    await closeEditDialog(page); // run node
    noErrors();
  });

  it('fleet config: robots picked from the robot configs in an editable list, the store from the configured context stores', async function () {
    await openEditDialog(page, dropped['opentrons-queue']);
    await page.click('#node-input-btn-fleet-add');
    const config = page.locator('.red-ui-tray').last();
    const list = config.locator('#node-config-input-robot-list');
    const add = config.locator('.red-ui-editableList-addButton');
    await add.waitFor({ state: 'visible' });
    await add.click();
    const select = list.locator('select').first();
    await select.waitFor({ state: 'visible' });
    const robots = await select.locator('option').evaluateAll((os) => os.map((o) => o.textContent ?? ''));
    assert.ok(robots[0].includes('choose a robot'), JSON.stringify(robots));
    const stores = await config.locator('#node-config-input-store option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    assert.ok(stores.includes('default'), JSON.stringify(stores));
    for (const id of ['policy', 'start', 'clearing']) assert.equal(await config.locator(`#node-config-input-${id} option`).count(), 2, id);
    await config.screenshot({ path: join(OUT, 'fleet-config-dialog.png') });
    await closeEditDialog(page); // fleet config
    await closeEditDialog(page); // queue node
    noErrors();
  });

  it('config node: Discover lists a robot announced over mDNS, and picking it fills in host and port', async function () {
    // Announced on loopback and the suite's own mDNS port (test/setup/mdns.ts), which Node-RED inherits.
    const sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'Flex', name: 'bench-flex-7' });
    const ad = await advertiseSimulatedRobot(sim, '127.0.0.1', mdnsOptions());
    try {
      await openEditDialog(page, dropped['opentrons-run']);
      await page.click('#node-input-btn-robot-add');
      const config = page.locator('.red-ui-tray').last();
      await config.locator('#opentrons-robot-discover').waitFor({ state: 'visible' });
      await config.locator('#opentrons-robot-discover').click();
      const item = config.locator('#opentrons-robot-discover-result li', { hasText: 'bench-flex-7' });
      await item.waitFor({ state: 'visible', timeout: 15_000 });
      const text = await item.innerText();
      assert.match(text, /Flex/);
      assert.match(text, new RegExp(`127\\.0\\.0\\.1:${sim.port}`));
      assert.match(text, /robot software \d+\.\d+/);
      assert.match(text, /API version 3 supported/);
      await item.locator('.opentrons-robot-pick').click();
      assert.equal(await config.locator('#node-config-input-host').inputValue(), '127.0.0.1');
      assert.equal(await config.locator('#node-config-input-port').inputValue(), String(sim.port));
      assert.equal(await config.locator('#node-config-input-name').inputValue(), 'bench-flex-7');
      await config.screenshot({ path: join(OUT, 'config-discover.png') });
      await closeEditDialog(page); // config node
      await closeEditDialog(page); // run node
      noErrors();
    } finally {
      await ad.stop();
      await sim.stop();
    }
  });

  it('edit dialogs stay readable in a dark theme (Node-RED 5: its own; 4.1 has none built in: CSS-variable stand-in)', async function () {
    const theme = await applyDarkTheme(page);
    assert.equal(theme, nodeRedVersion.startsWith('4.') ? 'stand-in' : 'built-in', 'Node-RED 5 has a dark theme of its own');
    const problems: string[] = [];
    try {
      for (const type of ACTION_TYPES) {
        await openEditDialog(page, dropped[type]);
        const low = await lowContrastText(page, '.red-ui-tray:last-of-type .red-ui-tray-body');
        problems.push(...low.map((p) => `${type}: ${p}`));
        if (type === 'opentrons-command') await page.locator('.red-ui-tray').last().screenshot({ path: join(OUT, 'edit-dialog-dark.png') });
        await closeEditDialog(page);
      }
    } finally {
      await removeDarkTheme(page);
    }
    assert.deepEqual(problems, [], 'text in our dialogs keeps a contrast ratio of at least 3 on a dark background');
    noErrors();
  });

  it('removes the dropped nodes again (they have no robot, so they would stop a deploy)', async function () {
    for (const id of Object.values(dropped)) {
      await page.locator(`#red-ui-workspace-chart g[id="${id}"] .red-ui-flow-node`).first().click();
      await page.keyboard.press('Delete');
    }
    for (const id of Object.values(dropped)) assert.equal(await page.locator(`#red-ui-workspace-chart g[id="${id}"]`).count(), 0);
    noErrors();
  });

  const examples = readdirSync(join(packageDir, 'examples'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
  for (const example of examples) {
    it(`imports "${example}" from Import ▸ Examples, deploys it and shows its output in the debug sidebar`, async function () {
      const check = checks[example];
      assert.ok(check, `no browser check for examples/${example}.json: add one to test/browser.test.ts`);
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
      noErrors();
    });
  }
});
