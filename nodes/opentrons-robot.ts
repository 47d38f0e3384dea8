// opentrons-robot: one robot's address and API version, and the one RobotClient (keep-alive pool)
// that every node using this robot shares. With `simulate` it runs a simulated robot in-process.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { RobotClient } from './lib/client';
import type { RobotConfigNode } from './lib/node-support';
import { parseApiVersion, parseRobotAddress } from './lib/robot-address';
import type { SimulatedRobot } from './lib/simulator';

interface RobotDef extends NodeDef {
  host?: string;
  port?: string | number;
  apiVersion?: string;
  timeout?: string | number;
  https?: boolean;
  simulate?: boolean;
  model?: string;
  notifications?: string;
}

interface RobotCredentials {
  token?: string;
}

type RobotNode = Node<RobotCredentials> & {
  -readonly [K in keyof Omit<RobotConfigNode, keyof Node>]: RobotConfigNode[K];
};

const DEFAULT_TIMEOUT_S = 10;

export = function register(RED: NodeAPI): void {
  function OpentronsRobotNode(this: RobotNode, def: RobotDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    node.client = undefined;
    node.configError = undefined;
    node.simulated = def.simulate === true;
    node.robotLabel = def.name || (node.simulated ? `simulated ${def.model || 'OT-2'}` : String(def.host ?? ''));

    const version = parseApiVersion(def.apiVersion);
    const timeoutS = def.timeout === undefined || def.timeout === '' ? DEFAULT_TIMEOUT_S : Number(def.timeout);
    let simulator: SimulatedRobot | undefined;
    let readyPromise: Promise<RobotClient>;
    let closed = false;

    const configProblem = (): string | undefined => {
      if (!version.ok) return version.error;
      if (!Number.isFinite(timeoutS) || timeoutS <= 0) return `timeout "${String(def.timeout)}" must be a number of seconds above 0`;
      return undefined;
    };

    const makeClient = (origin: string): RobotClient =>
      new RobotClient({
        baseUrl: origin,
        apiVersion: version.ok ? version.value : '3',
        timeoutMs: timeoutS * 1000,
        token: node.credentials?.token || undefined,
      });

    const problem = configProblem();
    if (problem) {
      node.configError = problem;
      readyPromise = Promise.reject(new Error(problem));
    } else if (node.simulated) {
      const model = def.model === 'Flex' ? 'Flex' : 'OT-2';
      readyPromise = import('./lib/simulator').then(async ({ SimulatedRobot }) => {
        const sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model });
        if (closed) {
          await sim.stop();
          throw new Error('closed before the simulated robot started');
        }
        simulator = sim;
        node.client = makeClient(simulator.url);
        node.robotLabel = def.name || `simulated ${model}`;
        node.log(`simulated ${model} robot listening on ${simulator.url}`);
        return node.client;
      });
    } else {
      const parsed = parseRobotAddress({ host: def.host, port: def.port, https: def.https });
      if (!parsed.ok) {
        node.configError = parsed.error;
        readyPromise = Promise.reject(new Error(parsed.error));
      } else {
        node.client = makeClient(parsed.address.origin);
        node.robotLabel = def.name || `${parsed.address.host}:${parsed.address.port}`;
        readyPromise = Promise.resolve(node.client);
      }
    }
    // Nodes await ready(); this handler only keeps a config error from becoming an unhandled rejection.
    readyPromise.catch((err: Error) => node.error(`robot configuration: ${err.message}`));
    node.ready = () => readyPromise;

    if (version.ok && version.wildcard) {
      node.warn('API version "*" asks the robot for its newest HTTP API: use it for testing only, a robot update may change answers');
    }
    // Check the configured API version against the robot once, without delaying deploy.
    readyPromise
      .then((client) => client.apiVersionInfo())
      .then((info) => info.warning && node.warn(`robot ${node.robotLabel}: ${info.warning}`))
      .catch(() => undefined);

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      const closing: Array<Promise<unknown>> = [];
      if (node.client) closing.push(node.client.close());
      if (simulator) closing.push(simulator.stop());
      node.client = undefined;
      Promise.allSettled(closing).then(() => done());
    });
  }

  RED.nodes.registerType<RobotNode, RobotDef, unknown, RobotCredentials>('opentrons-robot', OpentronsRobotNode, {
    credentials: { token: { type: 'password' } },
  });
};
