// Judging replayed captures against the table of known differences (differences.ts): a capture is equal by value
// when it has no problem at all; a listed capture may differ only in the fields its entries name, and every other
// difference in it fails the test, as does a difference in a capture nobody listed.
import type { Problem } from './replay';

/** The conformance replays; each capture is judged against the entries of the replay that ran it. */
export type ReplayName = 'sessions' | 'hardware' | 'records';

/** What analysed Python protocols in the replay: the simulator's stand-in, or Opentrons' own analyzer. */
export type AnalyzerKind = 'stand-in' | 'opentrons';

/** One known difference: which captures of which replay, the fields (paths with wildcards) that may differ, why. */
export interface Allowance {
  replay: ReplayName;
  /** only when the simulated robot analyses Python protocols with this analyzer (both when absent) */
  analyzer?: AnalyzerKind;
  captures: number[];
  /**
   * Field paths as the harness reports them (`status`, `header.<name>`, `errors.ids`, `$.data.commands[2].params`).
   * `*` stands for one key or index, `**` for anything; a path allows its whole subtree, and one ending in `!` only
   * the field itself (an array's length, say, but not its elements).
   */
  fields: string[];
  why: string;
}

export interface Outcome {
  file: string;
  problems: Problem[];
}

export interface Verdict {
  /** captures with no difference at all */
  equal: string[];
  /** differences no entry allows, "file: path: detail" */
  unexplained: string[];
  /** listed captures that now equal the robot's answer: their entries should go */
  stale: string[];
  /** listed fields that matched no difference in this run (candidates for tightening the table) */
  unused: string[];
}

export const captureNumber = (file: string): number => parseInt(file, 10);

function patternRegExp(field: string): RegExp {
  const exact = field.endsWith('!');
  const pattern = exact ? field.slice(0, -1) : field;
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (pattern.startsWith('**', i)) {
      re += '.*';
      i++;
    } else if (ch === '*') {
      re += '[^.\\[\\]]+';
    } else {
      re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  // the field itself, or anything below it
  return new RegExp(exact ? `^${re}$` : `^${re}(?:$|[.[(])`);
}

const compiled = new Map<string, RegExp>();

export function fieldMatches(pattern: string, path: string): boolean {
  let re = compiled.get(pattern);
  if (!re) compiled.set(pattern, (re = patternRegExp(pattern)));
  return re.test(path);
}

/** The entries that apply to a replay run with this analyzer. */
export function applicable(replay: ReplayName, analyzer: AnalyzerKind, table: readonly Allowance[]): Allowance[] {
  return table.filter((a) => a.replay === replay && (a.analyzer === undefined || a.analyzer === analyzer));
}

export function judge(replay: ReplayName, outcomes: Outcome[], table: readonly Allowance[], analyzer: AnalyzerKind = 'stand-in'): Verdict {
  const verdict: Verdict = { equal: [], unexplained: [], stale: [], unused: [] };
  const rows = applicable(replay, analyzer, table);
  for (const o of outcomes) {
    const n = captureNumber(o.file);
    const entries = rows.filter((a) => a.captures.includes(n));
    if (o.problems.length === 0) {
      verdict.equal.push(o.file);
      if (entries.length > 0) verdict.stale.push(`${o.file}: ${entries.map((e) => e.why).join(' / ')}`);
      continue;
    }
    const fields = entries.flatMap((e) => e.fields);
    for (const p of o.problems) {
      if (!fields.some((f) => fieldMatches(f, p.path))) verdict.unexplained.push(`${o.file}: ${p.path}: ${p.detail}`.slice(0, 400));
    }
    for (const f of fields) if (!o.problems.some((p) => fieldMatches(f, p.path))) verdict.unused.push(`${o.file}: ${f}`);
  }
  return verdict;
}
