// One Chromium for every browser test file of a mocha run (global fixtures run in mocha's main process,
// also in parallel mode). It starts before the workers do, so they inherit its endpoint through the
// environment (test/browser/chromium.ts connects to it); teardown stops it after the last file, failed
// or not, and Playwright kills it should mocha itself exit first. Its Playwright endpoint listens on
// 127.0.0.1 only, on a free port.
import type { BrowserServer } from 'playwright-core';

let server: BrowserServer | undefined;

export async function mochaGlobalSetup(): Promise<void> {
  // Imported here, not at the top: mocha's workers load this file too and have no use for playwright-core.
  const { chromium } = await import('playwright-core');
  const { ARGS, CHROMIUM, SHARED_CHROMIUM_ENV } = await import('../browser/chromium');
  server = await chromium.launchServer({ executablePath: CHROMIUM, headless: true, args: ARGS, host: '127.0.0.1', port: 0 });
  process.env[SHARED_CHROMIUM_ENV] = server.wsEndpoint();
}

export async function mochaGlobalTeardown(): Promise<void> {
  const { SHARED_CHROMIUM_ENV } = await import('../browser/chromium');
  delete process.env[SHARED_CHROMIUM_ENV];
  await server?.close();
  server = undefined;
}
