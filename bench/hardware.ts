// Watching hardware across a fleet: N simulated robots (a child process, bench/sim-fleet.ts), each with two
// opentrons-hardware nodes watching its modules and its door at the default interval. Measures the Node-RED
// process's CPU and the requests each robot gets per minute (counted at the simulators).
// On its own: `node dist/bench/hardware.js` (BENCH_FLEET, BENCH_FLEET_WINDOW_S); also part of `npm run bench`.
import { DEFAULT_HARDWARE_INTERVAL_MS } from '../nodes/lib/watch';
import { SimFleet } from './fleet';
import { EmbeddedNodeRed } from './nodered';

export interface HardwareWatchResult {
  robots: number;
  windowS: number;
  intervalMs: number;
  cpuPercentOfOneCore: number;
  requestsPerMinutePerRobot: { mean: number; min: number; max: number };
}

export async function runHardwareWatchBench(red: EmbeddedNodeRed, robots: number, windowS: number): Promise<HardwareWatchResult> {
  const fleet = await SimFleet.start({ count: robots, speed: 1 });
  try {
    const flows = fleet.robots.flatMap((r, i) => [
      { id: `hwrobot${i}`, type: 'opentrons-robot', host: '127.0.0.1', port: r.port, apiVersion: '3', timeout: 10, notifications: 'off' },
      { id: `modules${i}`, type: 'opentrons-hardware', robot: `hwrobot${i}`, action: 'modules', watch: true, interval: '', wires: [[]] },
      { id: `door${i}`, type: 'opentrons-hardware', robot: `hwrobot${i}`, action: 'door', watch: true, interval: '', wires: [[]] },
    ]);
    await red.deploy(flows);
    await new Promise((r) => setTimeout(r, 3_000)); // every watcher has made its first read
    const before = await Promise.all(fleet.robots.map((_, i) => fleet.count(i, 'GET')));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, windowS * 1000));
    const cpu = process.cpuUsage(cpu0);
    const wallMs = performance.now() - t0;
    const after = await Promise.all(fleet.robots.map((_, i) => fleet.count(i, 'GET')));
    const perMin = after.map((n, i) => ((n - before[i]) * 60_000) / wallMs);
    return {
      robots,
      windowS: wallMs / 1000,
      intervalMs: DEFAULT_HARDWARE_INTERVAL_MS,
      cpuPercentOfOneCore: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
      requestsPerMinutePerRobot: { mean: perMin.reduce((a, b) => a + b, 0) / perMin.length, min: Math.min(...perMin), max: Math.max(...perMin) },
    };
  } finally {
    await red.deploy([]);
    await fleet.stop();
  }
}

if (require.main === module) {
  (async () => {
    const red = await EmbeddedNodeRed.start();
    try {
      const r = await runHardwareWatchBench(red, Number(process.env.BENCH_FLEET) || 50, Number(process.env.BENCH_FLEET_WINDOW_S) || 30);
      console.log(JSON.stringify(r, null, 2));
    } finally {
      await red.stop();
    }
  })().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
