// Where the suite's time goes: each test file's wall time from its first root hook to its last, with
// the Node-RED line it ran on, appended to test-output/timings/run-<mocha pid>.jsonl. In parallel mode
// root hooks run once per file in the worker that runs it (a child of mocha's main process), so one line
// per file; the reporter (in the main process) prints the table at the end of the run.
import { appendFileSync, mkdirSync } from 'node:fs';
import { relative } from 'node:path';
import type Mocha from 'mocha';
import { nodeRedVersion } from './node-red-line';
import { nodeRedUsed, resetNodeRedUse } from './node-red-use';
import { timingDir, timingFile } from './timing-file';

const mainPid = process.env.MOCHA_WORKER_ID !== undefined || process.send ? process.ppid : process.pid;

let started = 0;
let files: string[] = [];

function filesOf(suite: Mocha.Suite | undefined): string[] {
  if (!suite) return [];
  const own = suite.suites.map((s) => s.file).filter((f): f is string => typeof f === 'string');
  return [...new Set(own)].map((f) => relative(process.cwd(), f));
}

export const mochaHooks = {
  beforeAll(this: Mocha.Context): void {
    started = performance.now();
    resetNodeRedUse();
    files = filesOf(this.test?.parent);
  },
  afterAll(): void {
    if (files.length === 0) return;
    const ms = Math.round(performance.now() - started);
    mkdirSync(timingDir, { recursive: true });
    appendFileSync(timingFile(mainPid), `${JSON.stringify({ file: files.join(','), ms, nodeRed: nodeRedVersion, node: process.version, startsNodeRed: nodeRedUsed() })}\n`);
  },
};
