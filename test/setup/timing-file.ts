// Where per-file timings of one mocha run are kept; no Node-RED import, so the reporter can use it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const timingDir = join(process.cwd(), 'test-output', 'timings');

export interface FileTiming {
  file: string;
  ms: number;
  nodeRed: string;
  node: string;
  /** whether the file started Node-RED (test/setup/node-red-use.ts) */
  startsNodeRed: boolean;
}

/** The run's file, named by mocha's main process (a parallel worker's parent). */
export function timingFile(mainPid: number): string {
  return join(timingDir, `run-${mainPid}.jsonl`);
}

export function readTimings(mainPid: number): FileTiming[] {
  const path = timingFile(mainPid);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as FileTiming);
}

/** The table printed after a run: slowest files first, and the sum (which 3 workers divide). */
export function timingTable(rows: FileTiming[], top = 25): string {
  if (rows.length === 0) return '';
  const sorted = [...rows].sort((a, b) => b.ms - a.ms);
  const total = rows.reduce((sum, r) => sum + r.ms, 0);
  const lines = sorted.slice(0, top).map((r) => `${(r.ms / 1000).toFixed(1).padStart(7)} s  ${(100 * r.ms / total).toFixed(1).padStart(5)} %  ${r.startsNodeRed ? 'NR' : '  '}  ${r.file}`);
  return [
    `per-file wall time (Node-RED ${rows[0].nodeRed}, Node ${rows[0].node}): ${rows.length} files, sum ${(total / 1000).toFixed(0)} s; slowest ${Math.min(top, rows.length)} (NR: starts Node-RED):`,
    ...lines,
  ].join('\n');
}

/**
 * The last complete run's files on one Node-RED package (`node-red` or `node-red-5`), for .ci/node-red-5.sh:
 * it runs on the second line only the files whose first-line run started Node-RED.
 */
export function latestFile(nodeRedPackage: string): string {
  return join(timingDir, `latest-${nodeRedPackage}.json`);
}

export function writeLatest(nodeRedPackage: string, rows: FileTiming[]): void {
  mkdirSync(timingDir, { recursive: true });
  writeFileSync(latestFile(nodeRedPackage), `${JSON.stringify(rows, null, 1)}\n`);
}
