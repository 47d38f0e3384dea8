// A real Node-RED (the node-red devDependency) in a child process with its own temporary userDir, this
// package installed in userDir/node_modules, and optional settings such as adminAuth. Slower than the
// test helper (about 1–2 s to start) but it is Node-RED as users run it: the editor API, auth, storage.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/launch-node-red';
import { PACKAGE_ROOT } from './nodered';

export interface NodeRedProcess {
  /** e.g. http://127.0.0.1:41234 (admin API and editor at the root). */
  readonly url: string;
  readonly userDir: string;
  /** Everything Node-RED wrote to stdout/stderr so far. */
  output(): string;
  /** Stops Node-RED and removes the userDir. */
  stop(): Promise<void>;
}

export interface NodeRedProcessOptions {
  /** Directory of the package to install (symlinked); default: this repository. */
  packageDir?: string;
  /** Extra settings.js properties, as JavaScript source of an object literal's body. */
  settings?: string;
  /** Initial flows.json. */
  flows?: unknown[];
  /** Use this userDir (e.g. a second start after a restart) and leave it in place on stop; the caller removes it. */
  userDir?: string;
}

/** adminAuth settings with two API tokens: `admin-token` (permission *) and `read-token` (read only). */
export const ADMIN_AUTH_SETTINGS = `adminAuth: {
    type: 'credentials',
    users: [
      { username: 'admin', password: '$2b$08$notarealhashnotarealhashnotarealhashnotarealhashnotar', permissions: '*' },
      { username: 'reader', password: '$2b$08$notarealhashnotarealhashnotarealhashnotarealhashnotar', permissions: 'read' }
    ],
    tokens: [
      { token: 'admin-token', user: 'admin', scope: ['*'] },
      { token: 'read-token', user: 'reader', scope: ['read'] }
    ]
  },`;

export async function startNodeRed(opts: NodeRedProcessOptions = {}): Promise<NodeRedProcess> {
  const userDir = opts.userDir ?? mkdtempSync(join(tmpdir(), 'nr-opentrons-'));
  const scope = join(userDir, 'node_modules', '@labwire');
  mkdirSync(scope, { recursive: true });
  if (!existsSync(join(scope, 'node-red-opentrons'))) symlinkSync(opts.packageDir ?? PACKAGE_ROOT, join(scope, 'node-red-opentrons'), 'dir');
  if (opts.flows) writeFileSync(join(userDir, 'flows.json'), JSON.stringify(opts.flows));
  const port = await freePort();
  const settingsFile = join(userDir, 'settings.js');
  writeFileSync(
    settingsFile,
    `module.exports = {
  uiHost: '127.0.0.1',
  uiPort: ${port},
  flowFile: 'flows.json',
  credentialSecret: 'test-credential-secret',
  logging: { console: { level: 'info' } },
  editorTheme: { tours: false, projects: { enabled: false } },
  ${opts.settings ?? ''}
};
`,
  );
  const red = require.resolve(`${process.env.NODE_RED_PACKAGE || 'node-red'}/red.js`, { paths: [PACKAGE_ROOT] });
  const child: ChildProcess = spawn(process.execPath, [red, '--userDir', userDir, '--settings', settingsFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_RED_ENABLE_PROJECTS: 'false' },
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    if (!opts.userDir) rmSync(userDir, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 30_000;
  for (;;) {
    if (/Started flows/.test(out)) break;
    if (child.exitCode !== null || Date.now() > until) {
      await stop();
      throw new Error(`Node-RED did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, userDir, output: () => out, stop };
}
