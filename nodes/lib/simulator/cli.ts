#!/usr/bin/env node
/**
 * opentrons-sim: run the simulated robot from a shell.
 *   opentrons-sim [--host 127.0.0.1] [--port 31950] [--model OT-2|Flex] [--speed N] [--boot-ms N] [--name NAME]
 *                 [--analyzer auto|opentrons|stand-in] [--analyzer-timeout S]
 *                 [--require-token TOKEN] [--mqtt-port N | --mqtt-url URL] [--advertise [--mdns-interface IP] [--mdns-port N]]
 * Binds to loopback unless told otherwise; stops cleanly (robot, MQTT bridge, mDNS goodbye) on SIGINT/SIGTERM.
 */
import { analyzerChoice, isAnalyzerChoice, startSimulator, type SimulatorOptions } from './index';
import { describeAnalyzer, resolveAnalyzer } from './protocols';
import { MqttBridge, takeMqttArgs, type MqttBridgeOptions } from './mqtt-bridge';
import type { Advertisement } from '../discovery/advertise';
import { mdnsOptions, type MdnsOptions } from '../discovery/mdns';
import { advertiseSimulatedRobot } from './advertise';

const USAGE = [
  'usage: opentrons-sim [--host 127.0.0.1] [--port 31950] [--model OT-2|Flex] [--speed N] [--boot-ms N] [--name NAME]',
  '                     [--analyzer auto|opentrons|stand-in] [--analyzer-timeout S]',
  '                     [--require-token TOKEN] [--mqtt-port N | --mqtt-url URL] [--advertise [--mdns-interface IP] [--mdns-port N]]',
  '  --analyzer       what analyses Python protocols: auto (default; env OPENTRONS_SIM_ANALYZER): Opentrons\' analyzer',
  '                   when found (the executable in env OPENTRONS_ANALYZER, else `python3 -m opentrons.cli analyze`),',
  '                   else the stand-in source reader; opentrons: the analyzer or a start-up error; stand-in',
  '  --analyzer-timeout S  kill an analyzer still running after S seconds (default 120); the analysis fails',
  '  --require-token TOKEN  access control: every non-GET request needs this token (403 AuthenticationFailed without it)',
  '  --mqtt-port N    publish refetch hints to an embedded MQTT broker on 127.0.0.1:N (0 = any free port)',
  '  --mqtt-url URL   publish refetch hints to an external broker instead, e.g. mqtt://127.0.0.1:1883',
  '  --advertise      announce the robot over mDNS as a robot does (DNS-SD _http._tcp, TXT robotModel), on the',
  '                   interface of --host (loopback by default; --host 0.0.0.0: the default network), so',
  '                   the Discover button of the opentrons-robot node finds it; goodbye packets on exit',
  '  --mdns-interface IP  announce on this interface only (env OPENTRONS_MDNS_INTERFACE)',
  '  --mdns-port N    mDNS UDP port (default 5353; env OPENTRONS_MDNS_PORT)',
].join('\n');

export interface CommandLine {
  /** -h/--help: print the usage and exit 0 */
  help?: true;
  robot: SimulatorOptions;
  /** undefined: no MQTT bridge */
  mqtt?: MqttBridgeOptions;
  /** undefined: no mDNS announcement */
  advertise?: MdnsOptions;
}

/** The whole command line: the MQTT bridge's options and the simulator's. Throws with a message for the user. */
export function parseCommandLine(argv: string[]): CommandLine {
  if (argv.includes('-h') || argv.includes('--help')) return { help: true, robot: {} };
  let taken: ReturnType<typeof takeMqttArgs>;
  try {
    taken = takeMqttArgs(argv);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${USAGE}`);
  }
  let advertised: ReturnType<typeof takeAdvertiseArgs>;
  try {
    advertised = takeAdvertiseArgs(taken.rest);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${USAGE}`);
  }
  const line: CommandLine = { robot: parseArgs(advertised.rest) };
  if (taken.mqtt) line.mqtt = taken.mqtt;
  if (advertised.advertise) line.advertise = advertised.advertise;
  return line;
}

/** --advertise and its --mdns-* options, out of argv. */
export function takeAdvertiseArgs(argv: string[]): { rest: string[]; advertise: MdnsOptions | undefined } {
  const rest: string[] = [];
  let on = false;
  const given: MdnsOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (flag === '--advertise') {
      on = true;
      continue;
    }
    if (flag !== '--mdns-interface' && flag !== '--mdns-port') {
      rest.push(arg);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--mdns-port') given.port = Number(value);
    else given.interface = value;
  }
  if (!on && (given.port !== undefined || given.interface !== undefined)) throw new Error('--mdns-interface and --mdns-port need --advertise');
  return { rest, advertise: on ? mdnsOptions(given) : undefined };
}

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
      case '--require-token': {
        const t = value();
        if (t.trim() === '') throw new Error('--require-token needs a non-empty token');
        opts.requireToken = t;
        break;
      }
      case '--analyzer': {
        const a = value();
        if (!isAnalyzerChoice(a)) throw new Error(`--analyzer must be auto, opentrons or stand-in, got ${a}`);
        opts.analyzer = a;
        break;
      }
      case '--analyzer-timeout': opts.analyzerTimeoutMs = number() * 1000; if (opts.analyzerTimeoutMs === 0) throw new Error('--analyzer-timeout must be above 0'); break;
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
  let line: CommandLine;
  try {
    line = parseCommandLine(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  if (line.help) {
    process.stdout.write(`${USAGE}\n`);
    // what `auto` finds on this machine, so a user knows before starting (the search takes a second or two)
    const found = await resolveAnalyzer(analyzerChoice(undefined) === 'stand-in' ? 'stand-in' : 'auto');
    process.stdout.write(`\nanalyzer here: ${describeAnalyzer(found)}\n`);
    return;
  }
  let robot: Awaited<ReturnType<typeof startSimulator>>;
  try {
    // the start-up line below says which analyzer; no separate log line for it
    robot = await startSimulator({ ...line.robot, log: line.robot.log ?? quietFirst() });
  } catch (e) {
    process.stderr.write(`opentrons-sim: ${(e as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  let bridge: MqttBridge | undefined;
  if (line.mqtt) {
    try {
      bridge = await MqttBridge.start(robot, line.mqtt);
    } catch (e) {
      await robot.stop();
      throw e;
    }
  }
  let advertisement: Advertisement | undefined;
  if (line.advertise) {
    try {
      advertisement = await advertiseSimulatedRobot(robot, line.robot.host ?? '127.0.0.1', line.advertise);
    } catch (e) {
      await bridge?.stop();
      await robot.stop();
      throw e;
    }
  }
  process.stdout.write(`opentrons-sim: simulated ${robot.model} "${robot.name}" listening on ${robot.url}\n`);
  if (line.robot.requireToken) process.stdout.write('opentrons-sim: access control on: every non-GET request needs the --require-token token\n');
  process.stdout.write(`opentrons-sim: Python protocols analysed by ${robot.analyzerDescription}\n`);
  if (advertisement) {
    const where = line.advertise?.interface ?? (line.robot.host === '0.0.0.0' ? 'the default network' : line.robot.host);
    process.stdout.write(`opentrons-sim: announced over mDNS as "${robot.name}" (_http._tcp) on ${where}\n`);
  }
  if (bridge) {
    const where = line.mqtt?.url ? 'external MQTT broker' : 'embedded MQTT broker';
    process.stdout.write(`opentrons-sim: refetch hints published to the ${where} at ${bridge.url}\n`);
  }
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`opentrons-sim: ${signal}, stopping\n`);
    // the bridge first, so no hint is published into a half-stopped robot's broker
    void (advertisement?.stop() ?? Promise.resolve())
      .then(() => bridge?.stop())
      .then(() => robot.stop())
      .then(() => {
        process.exitCode = 0;
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** stderr for every diagnostic but the analyzer line the start-up line repeats */
function quietFirst(): (line: string) => void {
  let first = true;
  return (line) => {
    if (first && line.startsWith('opentrons-sim: Python protocols analysed by')) {
      first = false;
      return;
    }
    process.stderr.write(`${line}\n`);
  };
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`opentrons-sim: ${(e as Error).message}\n`);
    process.exitCode = 1;
  });
}
