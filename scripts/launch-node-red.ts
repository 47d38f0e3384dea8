// Starts Node-RED (the devDependency) in a child process with this package installed in its userDir,
// the way a user's palette install would place it, so the editor lists our nodes and our examples
// under Import ▸ Examples. Used by `npm start` and by the browser and packaging tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** The repository root (this file runs from dist/scripts/). */
export const packageDir = resolve(__dirname, '..', '..');

export interface LaunchOptions {
  /** Folder for settings, flows and node_modules; created when missing. */
  userDir: string;
  port: number;
  host?: string;
  /** Flows to deploy at start; `undefined` keeps whatever flows.json the userDir already has. */
  flows?: unknown[];
  /**
   * Where the package comes from: the working tree (default, linked into node_modules) or
   * `undefined` to leave node_modules as the caller prepared it (e.g. an installed tarball).
   */
  link?: string | undefined;
  /** Forward Node-RED's log lines here as they arrive (default: keep them for `logs()` only). */
  onLog?: (line: string) => void;
  /** Give up waiting for "Started flows" after this long (ms). */
  startTimeoutMs?: number;
  /**
   * Other node modules to install next to ours, linked from this repository's node_modules (devDependencies
   * such as `@flowfuse/node-red-dashboard`, which an example needs but the package does not depend on).
   */
  extraModules?: string[];
  /**
   * false: the editor's rotating "Did you know?" tips start off (the anonymous user's editor settings). Node-RED's
   * own tip timer can fire while its info sidebar is being rebuilt and throw in red.min.js ("reading 'html'", seen
   * on Node-RED 5 under load), which a test that wants a clean browser console would blame on our nodes.
   */
  editorTips?: boolean;
}

export interface RunningNodeRed {
  url: string;
  /** Everything Node-RED wrote to stdout and stderr so far. */
  logs(): string;
  stop(): Promise<void>;
  /** Resolves with the exit code when Node-RED ends, whoever ended it. */
  exited: Promise<number | null>;
}

/** A free loopback port: Node-RED treats port 0 as "use 1880", so the test asks the OS first. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Reads an example flow shipped in examples/. */
export function readExample(name: string): unknown[] {
  const parsed: unknown = JSON.parse(readFileSync(join(packageDir, 'examples', `${name}.json`), 'utf8'));
  if (!Array.isArray(parsed)) throw new Error(`examples/${name}.json is not a flow (a JSON array of nodes)`);
  return parsed;
}

/** Makes `<userDir>/node_modules/<our name>` point at `source`, as `npm install <folder>` would. */
export function linkPackage(userDir: string, source: string, extraModules: string[] = []): void {
  const pkg = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as { name: string };
  const dependencies: Record<string, string> = {};
  for (const [name, from] of [[pkg.name, source], ...extraModules.map((m) => [m, join(packageDir, 'node_modules', m)])]) {
    const target = join(userDir, 'node_modules', ...name.split('/'));
    mkdirSync(resolve(target, '..'), { recursive: true });
    rmSync(target, { recursive: true, force: true });
    symlinkSync(from, target, 'junction');
    dependencies[name] = `file:${from}`;
  }
  // Node-RED's palette manager counts a module as the user's own when the userDir package.json lists it.
  const userPkg = { name: 'node-red-opentrons-userdir', private: true, dependencies };
  writeFileSync(join(userDir, 'package.json'), JSON.stringify(userPkg, null, 2));
}

function settingsSource(host: string, port: number): string {
  // Loopback only and nothing that calls out to the internet (update checks, telemetry, tours).
  const settings = {
    uiHost: host,
    uiPort: port,
    flowFile: 'flows.json',
    flowFilePretty: true,
    credentialSecret: false,
    telemetry: { enabled: false, updateNotification: false },
    diagnostics: { enabled: false, ui: false },
    editorTheme: { tours: false, projects: { enabled: false }, palette: { catalogues: [] } },
    logging: { console: { level: 'info', metrics: false, audit: false } },
  };
  return `// Written by @labwire/node-red-opentrons scripts/launch-node-red.ts\nmodule.exports = ${JSON.stringify(settings, null, 2)};\n`;
}

export async function launchNodeRed(options: LaunchOptions): Promise<RunningNodeRed> {
  const host = options.host ?? '127.0.0.1';
  const userDir = resolve(options.userDir);
  mkdirSync(userDir, { recursive: true });
  if (!existsSync(join(packageDir, 'dist', 'nodes', 'opentrons-robot.js'))) {
    throw new Error('the package is not built yet: run `npm run build` (npm install does it through `prepare`)');
  }
  if (!('link' in options) || options.link !== undefined) linkPackage(userDir, options.link ?? packageDir, options.extraModules);
  const settingsFile = join(userDir, 'settings.js');
  writeFileSync(settingsFile, settingsSource(host, options.port));
  if (options.flows) writeFileSync(join(userDir, 'flows.json'), JSON.stringify(options.flows, null, 2));
  if (options.editorTips === false) {
    writeFileSync(join(userDir, '.config.users.json'), JSON.stringify({ _: { editor: { view: { 'view-show-tips': false } } } }, null, 2));
  }

  const redJs = require.resolve(`${process.env.NODE_RED_PACKAGE || 'node-red'}/red.js`);
  const child = spawn(process.execPath, [redJs, '--userDir', userDir, '--settings', settingsFile, '--port', String(options.port)], {
    cwd: userDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_RED_ENABLE_TOURS: 'false' },
  });
  let log = '';
  let pending = '';
  const onData = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    log += text;
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) options.onLog?.(line);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);

  const url = `http://${host}:${options.port}/`;
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const stop = (): Promise<void> => stopChild(child, exited);
  try {
    await waitForStart(() => log, exited, options.startTimeoutMs ?? 30_000);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n--- Node-RED output ---\n${log}`);
  }
  return { url, logs: () => log, stop, exited };
}

function waitForStart(log: () => string, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  return new Promise((resolveStart, reject) => {
    const timer = setInterval(() => {
      const text = log();
      if (/Started flows/.test(text)) {
        finish();
        resolveStart();
      } else if (/Waiting for missing types|Error loading flows|Failed to start server/.test(text)) {
        finish();
        reject(new Error('Node-RED could not start the flows'));
      }
    }, 50);
    const deadline = setTimeout(() => {
      finish();
      reject(new Error(`Node-RED did not start its flows within ${timeoutMs} ms`));
    }, timeoutMs);
    const finish = (): void => {
      clearInterval(timer);
      clearTimeout(deadline);
    };
    void exited.then((code) => {
      finish();
      reject(new Error(`Node-RED exited with code ${String(code)} before its flows started`));
    });
  });
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGINT');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(killer);
}
