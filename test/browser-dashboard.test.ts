// The operator's screen as an operator meets it, in a real browser: Node-RED (this line) with the package
// and FlowFuse Dashboard 2 (a devDependency) installed in a fresh userDir, examples/operator-dashboard.json
// deployed on its own simulated OT-2, and Debian's Chromium on /dashboard. The deck map must name the
// labware in their slots, Start must move the progress bar to the protocol's pause, Resume must finish the
// run, and the browser console must stay clean. Screenshots of the deck maps and the dashboard go to
// test-output/ (to docs/, for the README, with UPDATE_DOCS=1).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { fromAnalysis, renderDeck } from '../nodes/lib/deck';
import { RobotClient } from '../nodes/lib/client';
import { SimulatedRobot } from '../nodes/lib/simulator';
import { packageDir } from '../scripts/launch-node-red';
import { dashboardRig, DOCS, OUT } from './browser/dashboard';
import { nodeRedVersion } from './setup/node-red-line';

// The README's pictures are refreshed only on request, so a test run leaves the work tree clean.

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
  // on a failed step, what the operator saw besides Node-RED's log
  const rig = dashboardRig('operator-dashboard', async (page) => {
    const text = async (sel: string): Promise<string> => (await page.locator(sel).first().textContent({ timeout: 1000 }).catch(() => null)) ?? '(none)';
    console.log(`outcome: ${await text('.ot-outcome')} | step: ${await text('.ot-step')} | progress: ${await progress(page).catch(() => NaN)}`);
  });

  it('shows the chosen protocol\'s deck map with each labware named in its slot', async function () {
    await rig.page.setViewportSize({ width: 1280, height: 900 });
    await rig.page.goto(`${rig.nodeRed.url}dashboard/operator`);
    const deck = rig.page.locator('.ot-deck svg');
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
    assert.match((await rig.page.locator('.nrdb-ui-dropdown').first().textContent()) ?? '', /Cold plate fill \(demo\)/);
    // The picture for the README, as wide as a phone held sideways.
    await rig.page.setViewportSize({ width: 700, height: 900 });
    await deck.screenshot({ path: join(DOCS, 'deck-ot2.png') });
    await rig.page.setViewportSize({ width: 1280, height: 900 });
    assert.deepEqual(rig.browser.errors.splice(0), [], 'the browser console shows no errors');
  });

  it('Start moves the progress bar, shows the protocol\'s pause with Resume and Stop; Resume finishes the run', async function () {
    assert.equal(await progress(rig.page), 0, 'nothing has run yet');
    await rig.page.getByRole('button', { name: 'Start' }).click();
    const pauseMessage = rig.page.locator('.ot-pause-message');
    await pauseMessage.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal((await pauseMessage.textContent())?.trim(), 'Check the plate is seated on the cold block, then press Resume');
    const atPause = await progress(rig.page);
    assert.ok(atPause > 0 && atPause < 100, `the bar moved and stopped part-way at the pause (${atPause} %)`);
    assert.match((await rig.page.locator('.ot-step').textContent()) ?? '', /Step \d+ of \d+: waitForResume/);
    assert.match((await rig.page.locator('.ot-outcome').textContent()) ?? '', /Run paused/);
    assert.equal(await rig.page.locator('.ot-resume').count(), 1);
    assert.equal(await rig.page.locator('.ot-stop').count(), 1);
    // The deck map follows the run: the labware it loaded, from the run itself.
    await until('the deck map shows the run', async () => /Run [0-9a-f]{8} \(paused\)/.test((await rig.page.locator('.ot-deck svg').textContent()) ?? ''));
    await rig.page.screenshot({ path: join(DOCS, 'operator-dashboard.png'), fullPage: true });

    await rig.page.locator('.ot-resume').click();
    await until('the outcome', async () => /Run succeeded/.test((await rig.page.locator('.ot-outcome').textContent()) ?? ''), 30_000);
    assert.equal(await progress(rig.page), 100, 'every command completed');
    await rig.page.locator('.ot-not-paused').waitFor({ state: 'visible', timeout: 5_000 });
    await until('the temperature chart has a canvas', async () => (await rig.page.locator('.nrdb-ui-chart canvas').count()) > 0, 10_000);
    await rig.page.screenshot({ path: join(OUT, 'operator-dashboard-finished.png') });
    assert.deepEqual(rig.browser.errors.splice(0), [], 'the browser console shows no errors');
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
      await rig.page.setViewportSize({ width: 700, height: 900 });
      await rig.page.setContent(`<!doctype html><body style="margin:0">${svg}</body>`);
      const drawn = rig.page.locator('svg');
      assert.ok(await within(drawn.locator('g[data-labware-id="reservoir"] rect.otd-lwb'), drawn.locator('rect.otd-slot[data-slot="C4"]')));
      assert.ok(await within(drawn.locator('g[data-labware-id="tubes"] rect.otd-lwb'), drawn.locator('rect.otd-slot[data-slot="B2"]')));
      assert.equal(await drawn.locator('g[data-fixture="wasteChute"]').count(), 1);
      await drawn.screenshot({ path: join(DOCS, 'deck-flex.png') });
      // Dark: the viewer's preference switches the map's own colours; its text stays light on dark.
      await rig.page.emulateMedia({ colorScheme: 'dark' });
      const fill = await drawn.locator('g[data-label-slot="B2"] text').first().evaluate((e) => getComputedStyle(e).fill);
      assert.equal(fill, 'rgb(240, 243, 246)');
      await drawn.screenshot({ path: join(OUT, 'deck-flex-dark.png') });
      await rig.page.emulateMedia({ colorScheme: 'light' });
    } finally {
      await client.close();
      await sim.stop();
    }
    assert.deepEqual(rig.browser.errors.splice(0), [], 'the browser console shows no errors');
  });
});
