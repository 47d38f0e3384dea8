// Debian's Chromium driven by playwright-core (no browser download), headless, and no way to reach
// anything but loopback. One Chromium serves a whole mocha run: test/setup/chromium.ts starts it in mocha's
// main process and names its endpoint in SHARED_CHROMIUM_ENV, which the parallel workers inherit; each test
// file connects and gets a browser context of its own (its own cookies, storage and pages). A file run on
// its own, without that setup, launches a Chromium for itself.
import { chromium, type Browser as PlaywrightBrowser, type BrowserContext, type Page } from 'playwright-core';
import { chromiumPath } from '../../scripts/test-binaries';

export const CHROMIUM = chromiumPath() ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The shared Chromium's Playwright endpoint (ws://127.0.0.1:…), set by test/setup/chromium.ts. */
export const SHARED_CHROMIUM_ENV = 'OPENTRONS_TEST_CHROMIUM_WS';

export const ARGS = [
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
  /** Whether this file uses the run's shared Chromium (else one of its own, closed with it). */
  shared: boolean;
  close(): Promise<void>;
}

async function connectOrLaunch(): Promise<{ browser: PlaywrightBrowser; shared: boolean }> {
  const endpoint = process.env[SHARED_CHROMIUM_ENV];
  if (endpoint) return { browser: await chromium.connect(endpoint, { timeout: 60_000 }), shared: true };
  // launch() gives the browser a fresh temporary profile and deletes it on close.
  return { browser: await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS }), shared: false };
}

export async function openBrowser(): Promise<Browser> {
  const { browser, shared } = await connectOrLaunch();
  try {
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    await context.route('**/*', (route) => {
      const { protocol, hostname } = new URL(route.request().url());
      if (protocol === 'data:' || protocol === 'blob:' || hostname === '127.0.0.1') return route.continue();
      return route.abort('blockedbyclient');
    });
    const page = await context.newPage();
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
      shared,
      async close() {
        await context.close();
        // On a connected browser, close() only disconnects: the shared Chromium keeps serving the other files.
        await browser.close();
      },
    };
  } catch (err) {
    await browser.close().catch(() => undefined);
    throw err;
  }
}
