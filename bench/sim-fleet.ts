// Child process holding simulated robots, so the process under measurement (Node-RED's) holds none of
// their sockets, timers or CPU. The parent talks to it over IPC (see fleet.ts):
//   node dist/bench/sim-fleet.js '{"count": 50, "speed": 1, "commandMs": 1000}'
import { RobotClient } from '../nodes/lib/client';
import { SimulatedRobot, type SimulatorOptions } from '../nodes/lib/simulator';

export interface FleetConfig extends Omit<SimulatorOptions, 'host' | 'port'> {
  count: number;
}

export type FleetRequest =
  | { id: number; op: 'count'; index: number; method?: string; path?: string }
  | { id: number; op: 'open' | 'connections' | 'reset'; index: number }
  | { id: number; op: 'playRun'; index: number }
  | { id: number; op: 'runStatus'; index: number; runId: string }
  | { id: number; op: 'runTimes'; index: number; runId: string }
  | { id: number; op: 'stop' };

export type FleetReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };


async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as FleetConfig;
  const robots: SimulatedRobot[] = [];
  for (let i = 0; i < config.count; i++) {
    robots.push(await SimulatedRobot.start({ ...config, host: '127.0.0.1', port: 0, name: `fleet-${i}` }));
  }
  const send = (m: unknown): void => void process.send?.(m);
  send({ ready: robots.map((r) => ({ url: r.url, port: r.port })) });

  const handle = async (req: FleetRequest): Promise<unknown> => {
    if (req.op === 'stop') {
      await Promise.all(robots.map((r) => r.stop()));
      setImmediate(() => process.exit(0));
      return true;
    }
    const robot = robots[req.index];
    if (!robot) throw new Error(`no robot ${req.index}`);
    switch (req.op) {
      case 'count': return robot.stats.count(req.method, req.path === undefined ? undefined : new RegExp(req.path));
      case 'open': return robot.stats.openConnections();
      case 'connections': return robot.stats.connectionsOpened;
      case 'reset': robot.stats.reset(); return true;
      case 'playRun': {
        const client = new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 10_000 });
        try {
          // A protocol-less run of 40 queued 3 s waits: it is really `running` (a new current command
          // every 3 s) for two minutes, longer than any bench window.
          const run = await client.createRun({});
          for (let i = 0; i < 40; i++) {
            await client.createRunCommand(run.id, { commandType: 'waitForDuration', params: { seconds: 3 }, intent: 'protocol' });
          }
          await client.createRunAction(run.id, 'play');
          return run.id;
        } finally {
          await client.close();
        }
      }
      case 'runTimes': {
        const client = new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 10_000 });
        try {
          const run = await client.getRun(req.runId);
          return { status: run.status, createdAt: run.createdAt, startedAt: run.startedAt ?? null, completedAt: run.completedAt ?? null };
        } finally {
          await client.close();
        }
      }
      case 'runStatus': {
        const client = new RobotClient({ baseUrl: robot.url, apiVersion: '3', timeoutMs: 10_000 });
        try {
          return (await client.getRun(req.runId)).status;
        } finally {
          await client.close();
        }
      }
    }
  };
  process.on('message', (req: FleetRequest) => {
    handle(req).then(
      (value) => send({ id: req.id, ok: true, value } satisfies FleetReply),
      (err: unknown) => send({ id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies FleetReply),
    );
  });
  process.on('disconnect', () => process.exit(0));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`sim-fleet: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
