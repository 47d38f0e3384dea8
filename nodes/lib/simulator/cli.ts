#!/usr/bin/env node
/**
 * opentrons-sim: run the simulated robot from a shell.
 *   opentrons-sim [--host 127.0.0.1] [--port 31950] [--model OT-2|Flex] [--speed N] [--boot-ms N] [--name NAME]
 * Binds to loopback unless told otherwise; stops cleanly on SIGINT/SIGTERM.
 */
import { startSimulator, type SimulatorOptions } from './index';

const USAGE = 'usage: opentrons-sim [--host 127.0.0.1] [--port 31950] [--model OT-2|Flex] [--speed N] [--boot-ms N] [--name NAME]';

export function parseArgs(argv: string[]): SimulatorOptions {
  const opts: SimulatorOptions = { host: '127.0.0.1', port: 31950, model: 'OT-2' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const number = (): number => {
      const v = value();
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} must be a number, got ${v}`);
      return n;
    };
    switch (flag) {
      case '--host': opts.host = value(); break;
      case '--port': opts.port = number(); break;
      case '--model': {
        const m = value();
        if (m !== 'OT-2' && m !== 'Flex') throw new Error(`--model must be OT-2 or Flex, got ${m}`);
        opts.model = m;
        break;
      }
      case '--speed': opts.speed = number(); if (opts.speed === 0) throw new Error('--speed must be above 0'); break;
      case '--boot-ms': opts.bootMs = number(); break;
      case '--name': opts.name = value(); break;
      case '-h':
      case '--help':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown option ${arg}\n${USAGE}`);
    }
  }
  return opts;
}

async function main(): Promise<void> {
  let opts: SimulatorOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const robot = await startSimulator(opts);
  process.stdout.write(`opentrons-sim: simulated ${robot.model} "${robot.name}" listening on ${robot.url}\n`);
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`opentrons-sim: ${signal}, stopping\n`);
    void robot.stop().then(() => {
      process.exitCode = 0;
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`opentrons-sim: ${(e as Error).message}\n`);
    process.exitCode = 1;
  });
}
