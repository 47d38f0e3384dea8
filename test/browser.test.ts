// The package as a user meets it, in a real browser: Debian's Chromium (playwright-core, no
// download) against Node-RED started with the package in a fresh userDir on a loopback port: the
// palette and the edit dialogs (the examples: test/browser-examples-*.test.ts). Screenshots go to
// test-output/ (gitignored).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { freePort, launchNodeRed, packageDir, type RunningNodeRed } from '../scripts/launch-node-red';
import { SimulatedRobot } from '../nodes/lib/simulator';
import { advertiseSimulatedRobot } from '../nodes/lib/simulator/advertise';
import { mdnsOptions } from '../nodes/lib/discovery/mdns';
import { openBrowser, type Browser } from './browser/chromium';
import { releaseAll } from './helpers/release';
import { afterEditorTest, closeEditDialog, dropFromPalette, openEditDialog, paletteNode } from './browser/editor';
import { applyDarkTheme, lowContrastText, removeDarkTheme } from './browser/theme';
import { nodeRedVersion } from './setup/node-red-line';

const OUT = join(packageDir, 'test-output');
const ACTION_TYPES = ['opentrons-upload', 'opentrons-run', 'opentrons-command', 'opentrons-status', 'opentrons-hardware', 'opentrons-request', 'opentrons-deck', 'opentrons-queue'];
const COLOUR = 'rgb(143, 184, 238)'; // #8FB8EE

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
  let browser: Browser;
  let page: Page;
  let userDir: string;
  const dropped: Record<string, string> = {};

  const noErrors = (): void => {
    const ours = browser.errors.splice(0);
    assert.deepEqual(ours, [], 'the browser console shows no errors');
  };

  before(async function () {
    this.timeout(90_000);
    mkdirSync(OUT, { recursive: true });
    userDir = mkdtempSync(join(tmpdir(), 'nr-opentrons-browser-'));
    // The examples, and Dashboard 2 which one of them needs, are imported by test/browser-examples-*.test.ts.
    nodeRed = await launchNodeRed({ userDir, port: await freePort(), flows: [], editorTips: false });
    browser = await openBrowser();
    page = browser.page;
    await page.goto(nodeRed.url);
    await paletteNode(page, 'opentrons-run').waitFor({ state: 'attached', timeout: 30_000 });
  });

  afterEach(async function () {
    await afterEditorTest(this.currentTest, page, OUT);
  });

  after(async function () {
    this.timeout(30_000);
    await releaseAll([
      () => browser?.close(),
      () => nodeRed?.stop(),
      () => userDir && rmSync(userDir, { recursive: true, force: true }),
    ]);
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

  it('removes the dropped nodes again with the Delete key', async function () {
    for (const id of Object.values(dropped)) {
      await page.locator(`#red-ui-workspace-chart g[id="${id}"] .red-ui-flow-node`).first().click();
      await page.keyboard.press('Delete');
    }
    for (const id of Object.values(dropped)) assert.equal(await page.locator(`#red-ui-workspace-chart g[id="${id}"]`).count(), 0);
    noErrors();
  });
});
