// `npm start`: Node-RED with this package, a simulated robot and the "run a protocol" example
// deployed, so a newcomer sees the nodes work before reading anything else.
//   PORT=1880 (default)  HOST=127.0.0.1 (default)  USER_DIR=.node-red-dev (default)
//   --keep: keep the flows you edited last time
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { launchNodeRed, packageDir, readExample } from './launch-node-red';
import { analyzerChoice } from '../nodes/lib/simulator';
import { describeAnalyzer, resolveAnalyzer } from '../nodes/lib/simulator/protocols';

const DEMO_EXAMPLE = 'run-a-protocol';

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 1880);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`PORT "${process.env.PORT}" is not a TCP port number`);
  const host = process.env.HOST || '127.0.0.1';
  const userDir = process.env.USER_DIR || join(packageDir, '.node-red-dev');
  const keep = process.argv.includes('--keep') && existsSync(join(userDir, 'flows.json'));

  let flows: unknown[] | undefined;
  if (!keep) {
    try {
      flows = readExample(DEMO_EXAMPLE);
    } catch (err) {
      console.warn(`examples/${DEMO_EXAMPLE}.json could not be read (${(err as Error).message}); starting with an empty flow`);
      flows = [];
    }
  }

  // the same search the simulated robot inside Node-RED makes (same environment), said up front
  const analyzer = describeAnalyzer(await resolveAnalyzer(analyzerChoice(undefined)));
  console.log(`Starting Node-RED with @labwire/node-red-opentrons (userDir ${userDir})…`);
  const nodeRed = await launchNodeRed({ userDir, port, host, flows, onLog: (line) => console.log(line) });
  console.log('');
  console.log(`  Node-RED is running at ${nodeRed.url}`);
  if (keep) console.log('  Your flows from last time are deployed.');
  else if (flows?.length) console.log(`  The "${DEMO_EXAMPLE}" example is deployed against a simulated robot: click its inject buttons.`);
  console.log(`  Python protocols on the simulated robot are analysed by ${analyzer}.`);
  console.log('  (OPENTRONS_ANALYZER=<analyzer executable> or `pip install "opentrons>=8.2"` for Opentrons\' own; OPENTRONS_SIM_ANALYZER=stand-in for the stand-in.)');
  console.log('  More examples: menu ▸ Import ▸ Examples ▸ @labwire/node-red-opentrons. Ctrl-C stops.');
  console.log('');

  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    console.log('Stopping Node-RED…');
    nodeRed.stop().then(
      () => process.exit(0),
      (err: Error) => {
        console.error(err.message);
        process.exit(1);
      },
    );
  };
  void nodeRed.exited.then((code) => {
    if (stopping) return;
    console.error(`Node-RED stopped by itself (exit code ${String(code)})`);
    process.exit(code || 1);
  });
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
