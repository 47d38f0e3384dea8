// The operator's screen as an operator meets it, in a real browser: Node-RED (this line) with the package
// and FlowFuse Dashboard 2 (a devDependency) installed in a fresh userDir, examples/operator-dashboard.json
// deployed on its own simulated OT-2, and Debian's Chromium on /dashboard. The deck map must name the
// labware in their slots, Start must move the progress bar to the protocol's pause, Resume must finish the
// run, and the browser console must stay clean. Screenshots of the deck maps and the dashboard go to
// test-output/ (to docs/, for the README, with UPDATE_DOCS=1).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { fromAnalysis, renderDeck } from '../nodes/lib/deck';
import { RobotClient } from '../nodes/lib/client';
import { SimulatedRobot } from '../nodes/lib/simulator';
import { freePort, launchNodeRed, packageDir, readExample, type RunningNodeRed } from '../scripts/launch-node-red';
import { openBrowser, type Browser } from './browser/chromium';
import { nodeRedVersion } from './setup/node-red-line';

// The README's pictures are refreshed only on request, so a test run leaves the work tree clean.
const DOCS = process.env.UPDATE_DOCS === '1' ? join(packageDir, 'docs') : join(packageDir, 'test-output');
const OUT = join(packageDir, 'test-output');
const DASHBOARD = '@flowfuse/node-red-dashboard';

/** The progress bar's value (0–100) as the page shows it. */
async function progress(page: Page): Promise<number> {
  const bar = page.locator('.nrdb-ui-progress-wrapper [role="progressbar"]');
  return Number(await bar.getAttribute('aria-valuenow'));
}

async function until(what: string, cond: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** True when `inner`'s box on screen lies within `outer`'s (half a pixel of rounding allowed). */
async function within(inner: Locator, outer: Locator): Promise<boolean> {
  const a = await inner.boundingBox();
  const b = await outer.boundingBox();
  if (!a || !b) return false;
  return a.x >= b.x - 0.5 && a.y >= b.y - 0.5 && a.x + a.width <= b.x + b.width + 0.5 && a.y + a.height <= b.y + b.height + 0.5;
}

describe(`operator dashboard in a real browser (Chromium + Node-RED ${nodeRedVersion} + Dashboard 2)`, function () {
  this.timeout(120_000);
  let nodeRed: RunningNodeRed;
  let browser: Browser;
  let page: Page;
  let userDir: string;

  before(async function () {
    mkdirSync(OUT, { recursive: true });
    mkdirSync(DOCS, { recursive: true });
    userDir = mkdtempSync(join(tmpdir(), 'nr-opentrons-dashboard-'));
    nodeRed = await launchNodeRed({ userDir, port: await freePort(), flows: readExample('operator-dashboard'), extraModules: [DASHBOARD], startTimeoutMs: 60_000 });
    browser = await openBrowser();
    page = browser.page;
  });

  afterEach(async function () {
    // What Node-RED said, for a failing step (the flow's own errors show up there).
    if (this.currentTest?.state !== 'failed') return;
    console.log(nodeRed.logs().split('\n').slice(-40).join('\n'));
    // and what the operator saw
    const text = async (sel: string): Promise<string> => (await page.locator(sel).first().textContent({ timeout: 1000 }).catch(() => null)) ?? '(none)';
    console.log(`outcome: ${await text('.ot-outcome')} | step: ${await text('.ot-step')} | progress: ${await progress(page).catch(() => NaN)}`);
    await page.screenshot({ path: join(OUT, `failed-dashboard-${Date.now()}.png`), fullPage: true }).catch(() => undefined);
  });

  after(async function () {
    await browser?.close();
    await nodeRed?.stop();
    if (userDir) rmSync(userDir, { recursive: true, force: true });
  });

  it('shows the chosen protocol\'s deck map with each labware named in its slot', async function () {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${nodeRed.url}dashboard/operator`);
    const deck = page.locator('.ot-deck svg');
    await deck.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await deck.getAttribute('data-robot-type'), 'OT-2 Standard');
    const expected: Array<[string, string, string]> = [
      ['1', 'tiprack', 'Tips 300 µL'],
      ['2', 'reservoir', 'Buffer reservoir'],
      ['3', 'plate', 'Sample plate'],
    ];
    for (const [slot, id, name] of expected) {
      const labware = deck.locator(`g[data-labware-id="${id}"]`);
      assert.equal(await labware.getAttribute('data-slot'), slot);
      assert.equal(await labware.getAttribute('data-name'), name);
      const label = deck.locator(`g[data-label-slot="${slot}"]`);
      assert.match((await label.textContent()) ?? '', new RegExp(name));
      const body = labware.locator('rect.otd-lwb');
      const holder = slot === '3' ? deck.locator('rect[data-module-id][data-slot="3"]') : deck.locator(`rect.otd-slot[data-slot="${slot}"]`);
      assert.ok(await within(body, holder), `${name} is drawn inside ${slot === '3' ? 'the module in slot 3' : `slot ${slot}`}`);
    }
    assert.match((await deck.locator(`g[data-label-slot="3"]`).textContent()) ?? '', /Temperature Module\s*GEN2/);
    assert.match((await page.locator('.nrdb-ui-dropdown').first().textContent()) ?? '', /Cold plate fill \(demo\)/);
    // The picture for the README, as wide as a phone held sideways.
    await page.setViewportSize({ width: 700, height: 900 });
    await deck.screenshot({ path: join(DOCS, 'deck-ot2.png') });
    await page.setViewportSize({ width: 1280, height: 900 });
    assert.deepEqual(browser.errors.splice(0), [], 'the browser console shows no errors');
  });

  it('Start moves the progress bar, shows the protocol\'s pause with Resume and Stop; Resume finishes the run', async function () {
    assert.equal(await progress(page), 0, 'nothing has run yet');
    await page.getByRole('button', { name: 'Start' }).click();
    const pauseMessage = page.locator('.ot-pause-message');
    await pauseMessage.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal((await pauseMessage.textContent())?.trim(), 'Check the plate is seated on the cold block, then press Resume');
    const atPause = await progress(page);
    assert.ok(atPause > 0 && atPause < 100, `the bar moved and stopped part-way at the pause (${atPause} %)`);
    assert.match((await page.locator('.ot-step').textContent()) ?? '', /Step \d+ of \d+: waitForResume/);
    assert.match((await page.locator('.ot-outcome').textContent()) ?? '', /Run paused/);
    assert.equal(await page.locator('.ot-resume').count(), 1);
    assert.equal(await page.locator('.ot-stop').count(), 1);
    // The deck map follows the run: the labware it loaded, from the run itself.
    await until('the deck map shows the run', async () => /Run [0-9a-f]{8} \(paused\)/.test((await page.locator('.ot-deck svg').textContent()) ?? ''));
    await page.screenshot({ path: join(DOCS, 'operator-dashboard.png'), fullPage: true });

    await page.locator('.ot-resume').click();
    await until('the outcome', async () => /Run succeeded/.test((await page.locator('.ot-outcome').textContent()) ?? ''), 30_000);
    assert.equal(await progress(page), 100, 'every command completed');
    await page.locator('.ot-not-paused').waitFor({ state: 'visible', timeout: 5_000 });
    await until('the temperature chart has a canvas', async () => (await page.locator('.nrdb-ui-chart canvas').count()) > 0, 10_000);
    await page.screenshot({ path: join(OUT, 'operator-dashboard-finished.png') });
    assert.deepEqual(browser.errors.splice(0), [], 'the browser console shows no errors');
  });

  it('draws the Flex deck map (staging slot, waste chute, heater-shaker with an adapter, custom labware) for the README', async function () {
    const sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model: 'Flex', analysisMs: 10 });
    const client = new RobotClient({ baseUrl: sim.url, apiVersion: '3', timeoutMs: 10_000 });
    try {
      const file = readFileSync(join(packageDir, 'test', 'fixtures', 'protocols', 'deck-flex.json'));
      const { protocol } = await client.uploadProtocol([{ filename: 'deck-flex.json', content: file }]);
      const summaries = protocol.analysisSummaries ?? [];
      let analysis = await client.getAnalysis(protocol.id, summaries[summaries.length - 1].id);
      while (analysis.status !== 'completed') analysis = await client.getAnalysis(protocol.id, analysis.id);
      const { svg } = renderDeck(fromAnalysis(analysis, 'Shaken samples with a staging reservoir'));
      await page.setViewportSize({ width: 700, height: 900 });
      await page.setContent(`<!doctype html><body style="margin:0">${svg}</body>`);
      const drawn = page.locator('svg');
      assert.ok(await within(drawn.locator('g[data-labware-id="reservoir"] rect.otd-lwb'), drawn.locator('rect.otd-slot[data-slot="C4"]')));
      assert.ok(await within(drawn.locator('g[data-labware-id="tubes"] rect.otd-lwb'), drawn.locator('rect.otd-slot[data-slot="B2"]')));
      assert.equal(await drawn.locator('g[data-fixture="wasteChute"]').count(), 1);
      await drawn.screenshot({ path: join(DOCS, 'deck-flex.png') });
      // Dark: the viewer's preference switches the map's own colours; its text stays light on dark.
      await page.emulateMedia({ colorScheme: 'dark' });
      const fill = await drawn.locator('g[data-label-slot="B2"] text').first().evaluate((e) => getComputedStyle(e).fill);
      assert.equal(fill, 'rgb(240, 243, 246)');
      await drawn.screenshot({ path: join(OUT, 'deck-flex-dark.png') });
      await page.emulateMedia({ colorScheme: 'light' });
    } finally {
      await client.close();
      await sim.stop();
    }
    assert.deepEqual(browser.errors.splice(0), [], 'the browser console shows no errors');
  });
});
