// Discovery time to first result: from the start of a discovery (what POST /opentrons-robot/discover
// does on a click of Discover) to the first robot confirmed with GET /health. The robot is
// `opentrons-sim --advertise` in a child process, already announced, as a robot on the network is.
// mDNS runs on loopback and a private UDP port (nothing leaves this machine).
// Run: npm run build && node dist/bench/discovery.js   (BENCH_DISCOVERY_ROUNDS, default 10)
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { discoverRobots } from '../nodes/lib/discovery/discover';
import { mdnsOptions } from '../nodes/lib/discovery/mdns';

const ROUNDS = Number(process.env.BENCH_DISCOVERY_ROUNDS) || 10;
const CLI = join(__dirname, '..', 'nodes', 'lib', 'simulator', 'cli.js');

function freeUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function main(): Promise<void> {
  process.env.OPENTRONS_MDNS_INTERFACE = '127.0.0.1';
  process.env.OPENTRONS_MDNS_PORT = String(await freeUdpPort());
  const child = spawn(process.execPath, [CLI, '--port', '0', '--advertise'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('announced over mDNS')) resolve();
    });
  });
  const firsts: number[] = [];
  const lists: number[] = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const t0 = performance.now();
      let first: number | undefined;
      // The admin endpoint's settings: a 3 s window that ends 1.5 s after the last news.
      const result = await discoverRobots({ mdns: mdnsOptions(), durationMs: 3000, quietMs: 1500, onRobot: () => (first ??= performance.now() - t0) });
      if (first === undefined || result.robots.length !== 1) throw new Error(`round ${i}: ${JSON.stringify(result)}`);
      firsts.push(first);
      lists.push(performance.now() - t0);
    }
  } finally {
    child.kill('SIGTERM');
  }
  process.stdout.write(`discovery, ${ROUNDS} rounds against one announced robot:\n`);
  process.stdout.write(`  time to first confirmed robot: ${summary(firsts)}\n`);
  process.stdout.write(`  time until the list is returned (window 3 s, ends 1.5 s after the last news): ${summary(lists)}\n`);
}

function summary(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  return `median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms, min ${sorted[0].toFixed(0)} ms, max ${sorted[sorted.length - 1].toFixed(0)} ms`;
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exitCode = 1;
});
