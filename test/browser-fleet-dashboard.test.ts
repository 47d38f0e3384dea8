// The fleet operator view as an operator meets it, in a real browser: Node-RED (this line) with the package and
// FlowFuse Dashboard 2 (a devDependency) in a fresh userDir, examples/fleet-dashboard.json deployed with its two
// simulated OT-2s, and Debian's Chromium on /dashboard/fleet. The submit form must build its fields from the
// protocol's analysis, a submitted job must show its deck map with Start, Start must run it on its robot, Clear
// must free the robot, Hold/Release must take it out of rotation and back, and the console must stay clean.
// The screenshot for the README goes to test-output/ (to docs/ with UPDATE_DOCS=1).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { dashboardRig, DOCS } from './browser/dashboard';
import { nodeRedVersion } from './setup/node-red-line';

async function until(what: string, cond: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The state cell of a robot's row in the Robots table. */
function robotState(page: Page, robot: string): Promise<string> {
  return page.locator(`.ot-robots tr[data-robot="${robot}"] .ot-state`).innerText({ timeout: 2_000 }).catch(() => '');
}

describe(`fleet dashboard in a real browser (Chromium + Node-RED ${nodeRedVersion} + Dashboard 2)`, function () {
  this.timeout(120_000);
  const rig = dashboardRig('fleet-dashboard');

  it('lists the robots, and builds the submit form from the chosen protocol\'s analysis (ranges, boolean, choices, CSV file)', async function () {
    await rig.page.setViewportSize({ width: 1280, height: 1000 });
    await rig.page.goto(`${rig.nodeRed.url}dashboard/fleet`);
    await until('both robots listed as free', async () => (await robotState(rig.page, 'Bench 1')) === 'free' && (await robotState(rig.page, 'Bench 2')) === 'free');
    assert.match(await rig.page.locator('.ot-robots tr[data-robot="Bench 1"]').innerText(), /Bench 1\s+OT-2\s+free/);

    const protocol = rig.page.locator('.ot-form select.ot-protocol');
    await protocol.waitFor({ state: 'visible', timeout: 30_000 });
    await protocol.selectOption({ label: 'Serial dilution (parameters)' });
    const samples = rig.page.locator('[data-parameter="sample_count"] input[type=number]');
    assert.equal(await samples.getAttribute('min'), '1');
    assert.equal(await samples.getAttribute('max'), '96');
    assert.equal(await samples.getAttribute('step'), '1');
    assert.equal(await samples.inputValue(), '8', 'the default from the analysis');
    const volume = rig.page.locator('[data-parameter="volume_ul"] input[type=number]');
    assert.deepEqual([await volume.getAttribute('min'), await volume.getAttribute('max')], ['5', '200']);
    assert.match(await rig.page.locator('[data-parameter="volume_ul"]').innerText(), /Diluent volume \(5–200 µL\)/);
    assert.equal(await rig.page.locator('[data-parameter="mix_after"] input[type=checkbox]').isChecked(), true);
    const diluent = rig.page.locator('[data-parameter="diluent"] select');
    assert.deepEqual(await diluent.locator('option').allInnerTexts(), ['PBS (column 1)', 'Water (column 2)']);
    assert.equal(await rig.page.locator('[data-parameter="plate_map"] input[type=file]').count(), 1);

    // The form refuses what the analysis does not allow, before anything is queued.
    await samples.fill('200');
    await rig.page.locator('.ot-submit').click();
    assert.match(await rig.page.locator('.ot-problem').innerText(), /Samples must be a whole number from 1 to 96/);
    await samples.fill('4');
    await rig.page.locator('.ot-submit').click();
    assert.match(await rig.page.locator('.ot-problem').innerText(), /Choose a CSV file for Plate map/);
    assert.equal(await rig.page.locator('.ot-queue tr[data-job]').count(), 0, 'nothing was queued');
    assert.deepEqual(rig.browser.errors.splice(0), [], 'the browser console shows no errors');
  });

  it('a submitted job shows its deck map with Start; Start runs it on Bench 1; after the run, Clear frees the robot', async function () {
    await rig.page.locator('.ot-form select.ot-protocol').selectOption({ label: 'Plate fill (deck demo)' });
    await rig.page.locator('.ot-no-params').waitFor({ state: 'visible' });
    await rig.page.locator('.ot-submit').click();
    const deck = rig.page.locator('.ot-deck svg');
    await deck.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await deck.locator('g[data-labware-id="plate"]').getAttribute('data-slot'), '3');
    assert.equal(await deck.locator('g[data-labware-id="plate"]').getAttribute('data-name'), 'Sample plate');
    await until('the job assigned to Bench 1', async () => /Plate fill \(deck demo\)\s+assigned\s+Bench 1/.test(await rig.page.locator('.ot-queue').innerText()));
    assert.equal(await robotState(rig.page, 'Bench 1'), 'assigned');
    await rig.page.locator('.ot-start').waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await rig.page.locator('.ot-deck-title').innerText(), /Plate fill \(deck demo\) · job [0-9a-f]{8} · Bench 1 · assigned/);
    await rig.page.screenshot({ path: join(DOCS, 'fleet-dashboard.png'), fullPage: true });

    await rig.page.locator('.ot-start').click();
    await until('Bench 1 needs clearing after the run', async () => (await robotState(rig.page, 'Bench 1')) === 'needs-clearing');
    assert.match(await rig.page.locator('.ot-queue').innerText(), /Plate fill \(deck demo\)\s+succeeded\s+Bench 1/);
    await rig.page.locator('.ot-clear-deck').waitFor({ state: 'visible', timeout: 10_000 });
    await rig.page.locator('.ot-clear-deck').click();
    await until('Bench 1 free again', async () => (await robotState(rig.page, 'Bench 1')) === 'free');
    assert.deepEqual(rig.browser.errors.splice(0), [], 'the browser console shows no errors');
  });

  it('Hold takes Bench 1 out of rotation, so a job with parameter values and a CSV file from the form runs on Bench 2; Release puts Bench 1 back', async function () {
    await rig.page.locator('.ot-robots tr[data-robot="Bench 1"] .ot-hold').click();
    await until('Bench 1 held', async () => (await robotState(rig.page, 'Bench 1')) === 'held');
    await rig.page.locator('.ot-form select.ot-protocol').selectOption({ label: 'Serial dilution (parameters)' });
    await rig.page.locator('[data-parameter="sample_count"] input').fill('12');
    await rig.page.locator('[data-parameter="diluent"] select').selectOption({ label: 'Water (column 2)' });
    await rig.page.locator('[data-parameter="mix_after"] input').uncheck();
    await rig.page.locator('[data-parameter="plate_map"] input[type=file]').setInputFiles({ name: 'plate-map.csv', mimeType: 'text/csv', buffer: Buffer.from('well,sample\nA1,s1\nB1,s2\n') });
    await rig.page.locator('.ot-submit').click();
    // Bench 1 is held: the job goes to Bench 2.
    await until('the dilution job assigned to Bench 2', async () => /Serial dilution \(parameters\)\s+assigned\s+Bench 2/.test(await rig.page.locator('.ot-queue').innerText()));
    await rig.page.locator('.ot-start').click();
    await until('Bench 2 needs clearing after the run', async () => (await robotState(rig.page, 'Bench 2')) === 'needs-clearing');
    assert.match(await rig.page.locator('.ot-queue').innerText(), /Serial dilution \(parameters\)\s+succeeded\s+Bench 2/);
    await rig.page.locator('.ot-robots tr[data-robot="Bench 2"] .ot-clear').click();
    await rig.page.locator('.ot-robots tr[data-robot="Bench 1"] .ot-release').click();
    await until('both robots free', async () => (await robotState(rig.page, 'Bench 1')) === 'free' && (await robotState(rig.page, 'Bench 2')) === 'free');
    assert.deepEqual(rig.browser.errors.splice(0), [], 'the browser console shows no errors');
  });
});
