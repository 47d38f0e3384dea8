// Debian's Chromium driven by playwright-core (no browser download), headless, with a fresh profile,
// and no way to reach anything but loopback.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { chromiumPath } from '../../scripts/test-binaries';

export const CHROMIUM = chromiumPath() ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen so far (text with its source location). */
  errors: string[];
  close(): Promise<void>;
}

export async function openBrowser(): Promise<Browser> {
  // launchPersistentContext passes this folder as --user-data-dir: a fresh profile per run.
  const profile = mkdtempSync(join(tmpdir(), 'nr-opentrons-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1600, height: 1000 },
  });
  await context.route('**/*', (route) => {
    const { protocol, hostname } = new URL(route.request().url());
    if (protocol === 'data:' || protocol === 'blob:' || hostname === '127.0.0.1') return route.continue();
    return route.abort('blockedbyclient');
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const where = m.location();
    errors.push(`console.error ${m.text()} (${where.url}:${where.lineNumber})`);
  });
  page.on('pageerror', (err) => errors.push(`uncaught ${err.stack ?? err.message}`));
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
