// What a user does in the Node-RED editor, as Playwright steps: palette, edit dialogs, Import ▸
// Examples, deploy, inject buttons and the debug sidebar.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Mocha from 'mocha';
import type { Locator, Page } from 'playwright-core';
import { PACKAGE_ROOT } from '../helpers/nodered';

export const PACKAGE_NAME = '@labwire/node-red-opentrons';

export function paletteNode(page: Page, type: string): Locator {
  return page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
}

/** Drags a node from the palette onto the workspace and returns its new id. */
export async function dropFromPalette(page: Page, type: string, x: number, y: number): Promise<string> {
  const before = await nodeIds(page);
  const source = paletteNode(page, type);
  await source.scrollIntoViewIfNeeded();
  const box = await source.boundingBox();
  if (!box) throw new Error(`palette node ${type} is not visible`);
  const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
  if (!chart) throw new Error('no workspace');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(chart.x + x, chart.y + y, { steps: 12 });
  await page.mouse.up();
  const added = (await nodeIds(page)).filter((id) => !before.includes(id));
  if (added.length !== 1) throw new Error(`dropping ${type} added ${added.length} nodes`);
  return added[0];
}

/** Ids of the nodes on the current workspace tab. */
export function nodeIds(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const red = (window as unknown as { RED: EditorRED }).RED;
    const z = red.workspaces.active();
    return red.nodes.filterNodes({ z }).map((n) => n.id);
  });
}

/** The id of the node of `type` named `name` on the current tab. */
export async function nodeIdByName(page: Page, type: string, name: string): Promise<string> {
  const ids = await page.evaluate(
    ([t, nm]) => {
      const red = (window as unknown as { RED: EditorRED }).RED;
      const z = red.workspaces.active();
      return red.nodes
        .filterNodes({ z, type: t })
        .filter((n) => n.name === nm)
        .map((n) => n.id);
    },
    [type, name],
  );
  if (ids.length !== 1) throw new Error(`expected one ${type} named "${name}" on this tab, found ${ids.length}`);
  return ids[0];
}

export function nodeOnCanvas(page: Page, id: string): Locator {
  return page.locator(`#red-ui-workspace-chart g[id="${id}"]`);
}

/**
 * Scrolls the workspace so `target` is in its middle. Playwright's scrollIntoViewIfNeeded stops with
 * the element flush at the edge, where Node-RED 5's sidebar resize handles overlap the workspace; only
 * the workspace itself scrolls (element.scrollIntoView would also shift the editor's fixed layout).
 */
async function toCentre(target: Locator): Promise<void> {
  await target.evaluate((el) => {
    const chart = document.getElementById('red-ui-workspace-chart');
    if (!chart) return;
    const c = chart.getBoundingClientRect();
    const e = el.getBoundingClientRect();
    chart.scrollLeft += e.left + e.width / 2 - (c.left + c.width / 2);
    chart.scrollTop += e.top + e.height / 2 - (c.top + c.height / 2);
  });
}

/** Opens a node's edit tray by double-clicking it; resolves when the tray's form is shown. */
export async function openEditDialog(page: Page, id: string): Promise<Locator> {
  const node = nodeOnCanvas(page, id).locator('.red-ui-flow-node').first();
  await toCentre(node);
  await node.dblclick();
  const tray = page.locator('.red-ui-tray').last();
  await tray.locator('.red-ui-tray-body form, .red-ui-tray-body .red-ui-tray-content').first().waitFor({ state: 'visible' });
  return tray;
}

export async function closeEditDialog(page: Page, how: 'cancel' | 'done' = 'cancel'): Promise<void> {
  const tray = page.locator('.red-ui-tray').last();
  const handle = await tray.elementHandle();
  await tray.locator(how === 'cancel' ? '#node-dialog-cancel, #node-config-dialog-cancel' : '#node-dialog-ok, #node-config-dialog-ok').first().click();
  await handle?.waitForElementState('hidden');
}

/** Cancels every open edit tray, innermost first (after a failed step, so the next test starts clean). */
export async function closeAllTrays(page: Page): Promise<void> {
  for (let i = 0; i < 5 && (await page.locator('.red-ui-tray').count()) > 0; i++) {
    await closeEditDialog(page).catch(() => page.keyboard.press('Escape'));
  }
  // A deploy that asked for confirmation (e.g. a node the editor finds misconfigured) would shade the
  // page for every later test.
  const cancel = page.locator('.red-ui-notification button', { hasText: /^\s*Cancel\s*$/ });
  if ((await cancel.count()) > 0) await cancel.first().click().catch(() => undefined);
  const dialog = page.locator('#red-ui-clipboard-dialog');
  if (await dialog.isVisible()) await page.click('#red-ui-clipboard-dialog-cancel').catch(() => page.keyboard.press('Escape'));
}

/** Menu ▸ Import ▸ Examples ▸ our package ▸ `example`, imported to a new flow tab. */
export async function importExample(page: Page, example: string): Promise<void> {
  const tabsBefore = await workspaceIds(page);
  await page.click('#red-ui-header-button-sidemenu');
  await page.click('#menu-item-import');
  await page.click('a[href="#red-ui-clipboard-dialog-import-tab-examples"]');
  const tab = page.locator('#red-ui-clipboard-dialog-import-tab-examples');
  const folder = tab.locator('.red-ui-treeList-label', { hasText: PACKAGE_NAME });
  await folder.click();
  // The folder opens with an animation; on a loaded machine a click can land while the list still moves and
  // select nothing (the folder stays selected, Import stays disabled). Clicking the example again is harmless.
  const item = tab.locator('.red-ui-treeList-label', { hasText: new RegExp(`^\\s*${example}\\s*$`) });
  const importEnabled = page.locator('#red-ui-clipboard-dialog-ok:not(.ui-button-disabled)');
  for (let attempt = 1; ; attempt++) {
    await item.click();
    try {
      await importEnabled.waitFor({ state: 'visible', timeout: 5000 });
      break;
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
  // A flow with its own tab goes to that tab; any other goes to a new tab so examples never overlap.
  // Which one is read from the example file itself: the dialog enables "new flow" only once it has
  // fetched the example, so asking the dialog raced with that fetch.
  const nodes = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'examples', `${example}.json`), 'utf8')) as Array<{ type?: string }>;
  if (!nodes.some((n) => n.type === 'tab')) {
    const toNewFlow = page.locator('#red-ui-clipboard-dialog-import-opt-new:not(.disabled)');
    await toNewFlow.click();
  }
  await page.click('#red-ui-clipboard-dialog-ok');
  await page.locator('#red-ui-clipboard-dialog').waitFor({ state: 'hidden' });
  // Imported nodes hang on the mouse until a click drops them: drop them near the top left, with
  // room for inject buttons, which stick out left of their node.
  const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
  if (!chart) throw new Error('no workspace');
  await page.mouse.move(chart.x + 260, chart.y + 120, { steps: 5 });
  await page.mouse.click(chart.x + 260, chart.y + 120);
  // An example with its own tab opens that tab; show it like a user clicking on it.
  const added = (await workspaceIds(page)).filter((id) => !tabsBefore.includes(id));
  if (added.length !== 1) throw new Error(`importing ${example} added ${added.length} flow tabs`);
  await page.locator(`#red-ui-tab-${added[0]} a.red-ui-tab-label`).click();
  await page.waitForFunction((id) => (window as unknown as { RED: EditorRED }).RED.workspaces.active() === id, added[0]);
  await roomOnTheLeft(page, 80);
}

/**
 * Imported nodes land where the editor last saw the mouse over the workspace, which is not always where the
 * drop click was: a wide flow could end up against the workspace's left edge, its inject buttons (left of
 * their node) under the palette, where no click reaches them. A user would drag the flow right; this moves
 * the current tab's nodes so the leftmost has `px` of room.
 */
async function roomOnTheLeft(page: Page, px: number): Promise<void> {
  await page.evaluate((room) => {
    const red = (window as unknown as { RED: EditorRED & { view: { redraw(full: boolean): void } } }).RED;
    const nodes = red.nodes.filterNodes({ z: red.workspaces.active() }) as unknown as Array<{ x: number; w?: number; dirty?: boolean }>;
    if (nodes.length === 0) return;
    const left = Math.min(...nodes.map((n) => n.x - (n.w ?? 0) / 2));
    if (left >= room) return;
    for (const n of nodes) {
      n.x += room - left;
      n.dirty = true;
    }
    red.view.redraw(true);
  }, px);
}

function workspaceIds(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const ids: string[] = [];
    (window as unknown as { RED: EditorRED }).RED.nodes.eachWorkspace((ws) => ids.push(ws.id));
    return ids;
  });
}

/** Deploys (full) and waits for the "Successfully deployed" notification. */
export async function deploy(page: Page): Promise<void> {
  await page.click('#red-ui-header-button-deploy');
  await page.locator('.red-ui-notification', { hasText: /Successfully deployed/i }).last().waitFor({ state: 'visible', timeout: 20_000 });
  // The flows start after the notification: wait until the editor knows the runtime is running again.
  await page.waitForFunction(() => (window as unknown as { RED: EditorRED }).RED.nodes.dirty() === false);
}

export async function clickInject(page: Page, id: string): Promise<void> {
  const button = nodeOnCanvas(page, id).locator('.red-ui-flow-node-button-button');
  await toCentre(button);
  await button.click();
}

export async function showDebugSidebar(page: Page): Promise<void> {
  // Node-RED 5 shows the debug panel in the split sidebar from the start; 4.1 has it as a tab, shown as an
  // icon button when the sidebar is narrow and as a labelled tab when wide.
  const content = page.locator('#red-ui-sidebar .red-ui-debug-content').first();
  if (await content.isVisible()) return;
  const icon = page.locator('#red-ui-tab-debug-link-button');
  if (await icon.isVisible()) await icon.click();
  else await page.locator('#red-ui-sidebar a[href="#debug"]').click();
  await content.waitFor({ state: 'visible' });
}

/** Waits for a debug sidebar message from the debug node `name` whose text matches `pattern`. */
export async function debugMessage(page: Page, name: string, pattern: RegExp, timeoutMs = 20_000, skip = 0): Promise<string> {
  const msg = debugMessages(page, name, pattern).nth(skip);
  await msg.waitFor({ state: 'visible', timeout: timeoutMs });
  return (await msg.textContent()) ?? '';
}

/**
 * The debug sidebar's messages from debug nodes called `name` whose text matches. The sidebar keeps
 * the messages of every flow deployed before: count them first and wait for one more (debugMessage's
 * `skip`), so an earlier flow's message is never taken for this one's.
 */
export function debugMessages(page: Page, name: string, pattern: RegExp): Locator {
  return page
    .locator('.red-ui-debug-msg')
    .filter({ has: page.locator('.red-ui-debug-msg-name', { hasText: name }) })
    .filter({ hasText: pattern });
}

/** The part of the editor's global RED object these helpers use. */
export interface EditorRED {
  workspaces: { active(): string };
  nodes: {
    filterNodes(filter: { z?: string; type?: string }): Array<{ id: string; name?: string; type: string }>;
    node(id: string): Record<string, unknown> | null;
    dirty(): boolean;
    eachWorkspace(cb: (ws: { id: string }) => void): void;
    eachConfig(cb: (n: Record<string, unknown> & { id: string; type: string }) => void): void;
  };
}

/**
 * After each editor test: a failed one leaves its picture in `dir` (so the failure can be seen and not only read),
 * then every tray is closed for the next test.
 */
export async function afterEditorTest(test: Mocha.Test | undefined, page: Page, dir: string): Promise<void> {
  if (test?.state === 'failed') {
    const name = (test.title.match(/"([^"]+)"/)?.[1] ?? test.title).replace(/[^\w-]+/g, '_').slice(0, 60);
    await page.screenshot({ path: join(dir, `failed-${name}.png`) }).catch(() => undefined);
  }
  await closeAllTrays(page);
}
