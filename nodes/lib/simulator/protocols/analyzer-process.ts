// Running Opentrons' analyzer for one simulated robot: one process at a time (queued, as robot-server analyses one
// protocol at a time), files in a temporary folder, a timeout, and a process-wide cache of finished analyses keyed by
// the analyzer and everything it reads, so the same inputs are never analysed twice in one process.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpentronsAnalyzer } from './analyzer';
import type { JsonObject, UploadedFile } from './types';

export interface AnalyzerDataFile {
  variableName: string;
  /** the data file's id: the analyzer reports the name of the folder the file is in as its id */
  id: string;
  name: string;
  content: Buffer;
}

export interface AnalyzerInput {
  protocol: UploadedFile;
  labware: UploadedFile[];
  /** given to `--rtp-values` when not empty */
  values: Record<string, unknown>;
  /** given to `--rtp-files` when not empty */
  files: AnalyzerDataFile[];
}

export type AnalyzerResult =
  | { kind: 'output'; output: JsonObject }
  | { kind: 'failed'; errorType: string; detail: string };

// Bounded by entries and by size (an analysis of a long protocol is megabytes), least recently used first out, so a
// long-running Node-RED that analyses many protocols keeps at most CACHE_BYTES of them.
const CACHE_LIMIT = 200;
const CACHE_BYTES = 64 * 1024 * 1024;
const cache = new Map<string, { output: JsonObject; bytes: number }>();
let cachedBytes = 0;

function forget(key: string): void {
  const old = cache.get(key);
  if (!old) return;
  cachedBytes -= old.bytes;
  cache.delete(key);
}

/** `bytes`: the size of the analyzer's file, the measure of what the entry holds. */
function remember(key: string, output: JsonObject, bytes: number): void {
  forget(key);
  if (bytes > CACHE_BYTES) return;
  cache.set(key, { output, bytes });
  cachedBytes += bytes;
  while (cache.size > CACHE_LIMIT || cachedBytes > CACHE_BYTES) forget(cache.keys().next().value as string);
}

/**
 * A cached output for these inputs. Data files are keyed by content, not id (another robot stores the same bytes under
 * another id), so the hit names this input's files, as the analyzer would have.
 */
function recall(key: string, input: AnalyzerInput): JsonObject | undefined {
  const hit = cache.get(key);
  if (!hit) return undefined;
  remember(key, hit.output, hit.bytes);
  const out = structuredClone(hit.output);
  for (const p of Array.isArray(out.runTimeParameters) ? out.runTimeParameters as JsonObject[] : []) {
    const f = input.files.find((x) => x.variableName === p.variableName);
    if (f && p.file && typeof p.file === 'object') p.file = { ...(p.file as JsonObject), id: f.id, name: f.name };
  }
  return out;
}

function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${sortedJson((v as JsonObject)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export function cacheKey(analyzer: OpentronsAnalyzer, input: AnalyzerInput): string {
  const h = createHash('sha256').update(analyzer.identity);
  const file = (role: string, f: UploadedFile): void => {
    h.update(`\0${role}\0${f.name}\0${f.content.length}\0`).update(f.content);
  };
  file('main', input.protocol);
  for (const f of [...input.labware].sort((a, b) => a.name.localeCompare(b.name))) file('labware', f);
  h.update(`\0values\0${sortedJson(input.values)}`);
  for (const f of [...input.files].sort((a, b) => a.variableName.localeCompare(b.variableName))) {
    h.update(`\0data\0${f.variableName}\0${f.name}\0${f.content.length}\0`).update(f.content);
  }
  return h.digest('hex');
}

/** A file name the analyzer can be given: the uploaded base name, never a path. */
function safeName(name: string, fallback: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  return base === '' || base === '.' || base === '..' ? fallback : base;
}

export interface AnalyzerRunnerOptions {
  timeoutMs: number;
  /** the analyzer's own output (stderr tail) and other diagnostics: never part of an HTTP answer */
  log?: (line: string) => void;
}

export class AnalyzerRunner {
  private queue: Promise<unknown> = Promise.resolve();
  private child?: ChildProcess;
  private closed = false;
  private readonly dirs = new Set<string>();

  constructor(readonly analyzer: OpentronsAnalyzer, private readonly opts: AnalyzerRunnerOptions) {}

  /** Analyse after every analysis queued before this one; a cached result comes back at once. Never rejects. */
  analyze(input: AnalyzerInput): Promise<AnalyzerResult> {
    const key = cacheKey(this.analyzer, input);
    const hit = recall(key, input);
    if (hit) return Promise.resolve({ kind: 'output', output: hit });
    const job = this.queue.then(() => this.runOnce(key, input));
    this.queue = job;
    return job;
  }

  private async runOnce(key: string, input: AnalyzerInput): Promise<AnalyzerResult> {
    // an identical analysis queued before this one has filled the cache meanwhile
    const hit = recall(key, input);
    if (hit) return { kind: 'output', output: hit };
    if (this.closed) return { kind: 'failed', errorType: 'AnalysisCancelled', detail: 'The simulated robot stopped before this analysis ran.' };
    let dir: string | undefined;
    try {
      dir = await mkdtemp(join(tmpdir(), 'opentrons-sim-analysis-'));
      this.dirs.add(dir);
      return await this.runIn(dir, key, input);
    } catch (e) {
      return { kind: 'failed', errorType: 'AnalyzerFailed', detail: `The simulated robot could not run Opentrons' analyzer: ${(e as Error).message}` };
    } finally {
      if (dir) {
        this.dirs.delete(dir);
        await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      }
    }
  }

  private async runIn(dir: string, key: string, input: AnalyzerInput): Promise<AnalyzerResult> {
    const protocolPath = join(dir, safeName(input.protocol.name, 'protocol.py'));
    await writeFile(protocolPath, input.protocol.content);
    const labwarePaths: string[] = [];
    for (const [i, f] of input.labware.entries()) {
      const folder = join(dir, 'labware', String(i));
      await mkdir(folder, { recursive: true });
      const p = join(folder, safeName(f.name, 'labware.json'));
      await writeFile(p, f.content);
      labwarePaths.push(p);
    }
    // stored as robot-server stores data files, <folder named by id>/<name>: the analyzer takes the folder name as the file id
    const filePaths: Record<string, string> = {};
    for (const f of input.files) {
      const folder = join(dir, 'data_files', safeName(f.id, 'file'));
      await mkdir(folder, { recursive: true });
      filePaths[f.variableName] = join(folder, safeName(f.name, 'data.csv'));
      await writeFile(filePaths[f.variableName], f.content);
    }
    const outPath = join(dir, 'analysis.json');
    const args = [...this.analyzer.args, '--json-output', outPath, protocolPath, ...labwarePaths];
    if (Object.keys(input.values).length > 0) args.push('--rtp-values', JSON.stringify(input.values));
    if (input.files.length > 0) args.push('--rtp-files', JSON.stringify(filePaths));
    const configDir = join(dir, 'config');
    await mkdir(configDir);
    const exit = await this.spawn(args, dir, configDir);
    if (exit.timedOut) {
      return { kind: 'failed', errorType: 'AnalyzerTimedOut', detail: `Opentrons' analyzer did not finish within ${this.opts.timeoutMs / 1000} s and was stopped (simulated robot option analyzerTimeoutMs).` };
    }
    if (exit.closed) return { kind: 'failed', errorType: 'AnalysisCancelled', detail: 'The simulated robot stopped while this protocol was being analysed.' };
    let output: unknown;
    let text: string;
    try {
      text = await readFile(outPath, 'utf8');
      output = JSON.parse(text);
    } catch {
      this.opts.log?.(`opentrons-sim: Opentrons' analyzer (${this.analyzer.label}) exited with ${exit.how} and wrote no analysis of ${input.protocol.name}: ${exit.tail}`);
      return { kind: 'failed', errorType: 'AnalyzerFailed', detail: `Opentrons' analyzer exited with ${exit.how} without writing an analysis (its output is in the simulated robot's log).` };
    }
    if (!isAnalysisOutput(output)) {
      this.opts.log?.(`opentrons-sim: Opentrons' analyzer (${this.analyzer.label}) wrote something that is not an analysis for ${input.protocol.name}`);
      return { kind: 'failed', errorType: 'AnalyzerFailed', detail: 'Opentrons\' analyzer wrote a file that is not an analysis (no result and commands).' };
    }
    remember(key, output, Buffer.byteLength(text));
    return { kind: 'output', output: structuredClone(output) };
  }

  private spawn(args: string[], cwd: string, configDir: string): Promise<{ how: string; tail: string; timedOut: boolean; closed: boolean }> {
    return new Promise((resolve, reject) => {
      // close() may have come while the files were written: a process started now would outlive the robot
      if (this.closed) {
        resolve({ how: 'no start', tail: '', timedOut: false, closed: true });
        return;
      }
      let tail = '';
      const keep = (b: Buffer): void => {
        tail = (tail + b.toString('utf8')).slice(-4000);
      };
      // its own process group, so a timeout or close also ends what a wrapper script started (python under bash)
      const child = spawn(this.analyzer.command, args, {
        cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, OT_API_CONFIG_DIR: configDir, PYTHONDONTWRITEBYTECODE: '1' },
      });
      this.child = child;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child);
      }, this.opts.timeoutMs);
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      child.on('error', (e) => {
        clearTimeout(timer);
        this.child = undefined;
        reject(e);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        this.child = undefined;
        resolve({ how: signal ? `signal ${signal}` : `status ${code}`, tail: tail.trim().split('\n').slice(-5).join(' | '), timedOut, closed: this.closed });
      });
    });
  }

  /** Kill the running analyzer (and its children), drop what is queued, remove the temporary folders. */
  close(): void {
    this.closed = true;
    if (this.child) killGroup(this.child);
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
    this.dirs.clear();
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

function isAnalysisOutput(v: unknown): v is JsonObject {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as JsonObject;
  return typeof o.result === 'string' && Array.isArray(o.commands) && Array.isArray(o.errors);
}
