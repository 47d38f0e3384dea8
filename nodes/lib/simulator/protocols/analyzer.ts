// Which analyzer a simulated robot uses for Python protocols: Opentrons' own (`opentrons.cli analyze`, found the
// way a user's machine has it) or the stand-in reader. Found once per process and environment, since asking Python
// costs a second or two.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';

export type AnalyzerChoice = 'auto' | 'opentrons' | 'stand-in';
export const ANALYZER_CHOICES: readonly AnalyzerChoice[] = ['auto', 'opentrons', 'stand-in'];

export interface OpentronsAnalyzer {
  kind: 'opentrons';
  /** program and leading arguments; the CLI's own arguments follow */
  command: string;
  args: string[];
  /** how it was found, for the start-up line */
  label: string;
  /** `--rtp-values`/`--rtp-files` exist (opentrons 8.2 and later, or the shared 8.1.0 copy with them) */
  rtpOptions: boolean;
  /** part of every cache key: another analyzer may analyse the same files differently */
  identity: string;
}

export interface StandInAnalyzer {
  kind: 'stand-in';
  label: string;
}

export type Analyzer = OpentronsAnalyzer | StandInAnalyzer;

export class AnalyzerNotFound extends Error {
  readonly code = 'AnalyzerNotFound';
}

const STAND_IN_LABEL = "stand-in (reads the Python source; its analyses are marked 'simulation')";
const INSTALL_HINT = 'install it with `pip install "opentrons>=8.2"` (python3 must then `import opentrons`), or set OPENTRONS_ANALYZER to an executable that takes `opentrons.cli analyze` arguments';

interface Probe {
  ok: boolean;
  out: string;
}

/** Run a short command; never rejects. A probe that takes longer than the timeout counts as failed. */
function probe(command: string, args: string[], timeoutMs: number): Promise<Probe> {
  return new Promise((resolve) => {
    let out = '';
    let settled = false;
    const done = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ok, out });
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch {
      done(false);
      return;
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done(false);
    }, timeoutMs);
    child.stdout?.on('data', (b: Buffer) => { out += b.toString('utf8'); });
    child.stderr?.on('data', (b: Buffer) => { out += b.toString('utf8'); });
    child.on('error', () => done(false));
    child.on('close', (code) => done(code === 0));
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.trim().slice(0, 300) ?? '';
}

const PROBE_MS = 60_000;

async function fromHelp(command: string, args: string[], label: string): Promise<OpentronsAnalyzer | string> {
  const help = await probe(command, [...args, '--help'], PROBE_MS);
  if (!help.ok || !help.out.includes('--json-output')) {
    return `${label} does not answer \`--help\` as opentrons.cli analyze does${help.out ? ` (${lastLine(help.out)})` : ''}`;
  }
  return {
    kind: 'opentrons', command, args, label,
    rtpOptions: help.out.includes('--rtp-values') && help.out.includes('--rtp-files'),
    identity: createHash('sha256').update(command).update('\0').update(args.join('\0')).update('\0').update(help.out).digest('hex'),
  };
}

/** Opentrons' analyzer as a user's machine has it: $OPENTRONS_ANALYZER, else `python3 -m opentrons.cli analyze`. */
async function findOpentrons(): Promise<OpentronsAnalyzer | string> {
  const given = process.env.OPENTRONS_ANALYZER;
  // a set variable that does not work is said, not silently replaced by another analyzer
  if (given) return fromHelp(given, [], `OPENTRONS_ANALYZER=${given}`);
  const imported = await probe('python3', ['-c', 'import opentrons'], PROBE_MS);
  if (!imported.ok) return `no OPENTRONS_ANALYZER, and python3 cannot \`import opentrons\`${imported.out ? ` (${lastLine(imported.out)})` : ''}`;
  return fromHelp('python3', ['-m', 'opentrons.cli', 'analyze'], 'python3 -m opentrons.cli analyze');
}

// Keyed by what the search reads, so a test (or a process) that changes them gets a fresh search.
const searches = new Map<string, Promise<OpentronsAnalyzer | string>>();
const logged = new Set<string>();

function searchKey(): string {
  return `${process.env.OPENTRONS_ANALYZER ?? ''}\0${process.env.PATH ?? ''}`;
}

/**
 * The analyzer for a choice. `opentrons` without one is an AnalyzerNotFound naming what to install or set; `auto`
 * falls back to the stand-in. `log` gets one line per process and analyzer found.
 */
export async function resolveAnalyzer(choice: AnalyzerChoice, log?: (line: string) => void): Promise<Analyzer> {
  if (choice === 'stand-in') return { kind: 'stand-in', label: STAND_IN_LABEL };
  const key = searchKey();
  let search = searches.get(key);
  if (!search) {
    search = findOpentrons();
    searches.set(key, search);
  }
  const found = await search;
  let analyzer: Analyzer;
  if (typeof found === 'string') {
    if (choice === 'opentrons') throw new AnalyzerNotFound(`analyzer "opentrons": Opentrons' protocol analyzer was not found: ${found}; ${INSTALL_HINT}`);
    analyzer = { kind: 'stand-in', label: `${STAND_IN_LABEL}: Opentrons' analyzer not found (${found})` };
  } else {
    analyzer = found;
  }
  const line = `opentrons-sim: Python protocols analysed by ${describeAnalyzer(analyzer)}`;
  if (log && !logged.has(line)) {
    logged.add(line);
    log(line);
  }
  return analyzer;
}

export function describeAnalyzer(a: Analyzer): string {
  if (a.kind === 'stand-in') return a.label;
  return `Opentrons' analyzer (${a.label}${a.rtpOptions ? '' : '; without --rtp-values/--rtp-files, so only default parameter values'})`;
}

export function isAnalyzerChoice(v: unknown): v is AnalyzerChoice {
  return typeof v === 'string' && (ANALYZER_CHOICES as readonly string[]).includes(v);
}
