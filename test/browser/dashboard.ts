// One Dashboard 2 example in a real browser: Node-RED (this line) with the package and FlowFuse Dashboard 2 (a
// devDependency) in a fresh userDir, the example deployed, and a page of the shared Chromium. Registers the suite's
// before/after hooks; a failed test prints Node-RED's last log lines (the flow's own errors show up there), whatever
// `onFailure` adds, and leaves a full-page screenshot in test-output/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { freePort, launchNodeRed, packageDir, readExample, type RunningNodeRed } from '../../scripts/launch-node-red';
import { openBrowser, type Browser } from './chromium';
import { releaseAll } from '../helpers/release';

/** Where a screenshot for the README goes: docs/ with UPDATE_DOCS=1, else test-output/. */
export const DOCS = process.env.UPDATE_DOCS === '1' ? join(packageDir, 'docs') : join(packageDir, 'test-output');
export const OUT = join(packageDir, 'test-output');
const DASHBOARD = '@flowfuse/node-red-dashboard';

export interface DashboardRig {
  nodeRed: RunningNodeRed;
  browser: Browser;
  page: Page;
}

/** Call inside a describe: the rig's fields are set once its before hook has run. */
export function dashboardRig(example: string, onFailure?: (page: Page) => Promise<void>): DashboardRig {
  const rig = {} as DashboardRig;
  let userDir: string | undefined;

  before(async function () {
    mkdirSync(OUT, { recursive: true });
    mkdirSync(DOCS, { recursive: true });
    userDir = mkdtempSync(join(tmpdir(), `nr-opentrons-${example}-`));
    rig.nodeRed = await launchNodeRed({ userDir, port: await freePort(), flows: readExample(example), extraModules: [DASHBOARD], startTimeoutMs: 60_000 });
    rig.browser = await openBrowser();
    rig.page = rig.browser.page;
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    console.log(rig.nodeRed.logs().split('\n').slice(-40).join('\n'));
    await onFailure?.(rig.page);
    await rig.page.screenshot({ path: join(OUT, `failed-${example}-${Date.now()}.png`), fullPage: true }).catch(() => undefined);
  });

  after(async function () {
    await releaseAll([
      () => rig.browser?.close(),
      () => rig.nodeRed?.stop(),
      () => userDir && rmSync(userDir, { recursive: true, force: true }),
    ]);
  });

  return rig;
}
