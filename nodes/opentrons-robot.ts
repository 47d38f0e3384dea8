// opentrons-robot: one robot's address and API version, and the one RobotClient (keep-alive pool)
// that every node using this robot shares. With `simulate` it runs a simulated robot in-process.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { registerAdminRoutes } from './lib/admin-routes';
import { RobotClient } from './lib/client';
import { robotPush, type RobotPush } from './lib/notifications';
import type { RobotConfigNode } from './lib/node-support';
import { parseApiVersion, parseRobotAddress } from './lib/robot-address';
import type { AnalyzerChoice, SimulatedRobot } from './lib/simulator';
import type { Advertisement } from './lib/discovery/advertise';
import { mdnsOptions } from './lib/discovery/mdns';

interface RobotDef extends NodeDef {
  host?: string;
  port?: string | number;
  apiVersion?: string;
  timeout?: string | number;
  https?: boolean;
  simulate?: boolean;
  model?: string;
  /** Simulated robot: what analyses Python protocols (`auto`, `opentrons`, `stand-in`; empty = `auto`). */
  analyzer?: string;
  /** Simulated robot: announce it over mDNS on loopback, as a robot announces itself. */
  advertise?: boolean;
  /** Simulated robot: require the token for every non-GET request (access control). */
  requireToken?: boolean;
  notifications?: string;
  /** MQTT broker port on the robot (default 1883); for tests and port forwards. */
  mqttPort?: string | number;
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
    this.client = undefined;
    this.configError = undefined;
    this.simulated = def.simulate === true;
    this.robotLabel = def.name || (this.simulated ? `simulated ${def.model || 'OT-2'}` : String(def.host ?? ''));

    const version = parseApiVersion(def.apiVersion);
    const timeoutS = def.timeout === undefined || def.timeout === '' ? DEFAULT_TIMEOUT_S : Number(def.timeout);
    let simulator: SimulatedRobot | undefined;
    /** The mDNS announcement of the simulated robot, while it is being set up or running. */
    let advertising: Promise<Advertisement | undefined> | undefined;
    /** MQTT push (notifications `auto`): one connection per robot, shared by every status node. */
    let push: RobotPush | undefined;
    let readyPromise: Promise<RobotClient>;
    let closed = false;

    const configProblem = (): string | undefined => {
      if (!version.ok) return version.error;
      if (!Number.isFinite(timeoutS) || timeoutS <= 0) return `timeout "${String(def.timeout)}" must be a number of seconds above 0`;
      if (this.simulated && def.requireToken === true && !this.credentials?.token) {
        return 'Access control is on but no token is set: set the token in this opentrons-robot config node, or turn Access control off';
      }
      return undefined;
    };

    const makeClient = (origin: string): RobotClient =>
      new RobotClient({
        baseUrl: origin,
        apiVersion: version.ok ? version.value : '3',
        timeoutMs: timeoutS * 1000,
        token: this.credentials?.token || undefined,
      });

    const problem = configProblem();
    if (problem) {
      this.configError = problem;
      readyPromise = Promise.reject(new Error(problem));
    } else if (this.simulated) {
      const model = def.model === 'Flex' ? 'Flex' : 'OT-2';
      readyPromise = import('./lib/simulator').then(async ({ SimulatedRobot }) => {
        const requireToken = def.requireToken === true ? this.credentials?.token : undefined;
        // no analyzer set (flows from before the option): the simulator's default, `auto` unless $OPENTRONS_SIM_ANALYZER
        // says otherwise; an unknown value, or `opentrons` with none installed, fails the start with a message saying so
        const analyzer = def.analyzer ? def.analyzer as AnalyzerChoice : undefined;
        const sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model, requireToken, analyzer, log: (line) => this.log(line) });
        if (closed) {
          await sim.stop();
          throw new Error('closed before the simulated robot started');
        }
        simulator = sim;
        // tests (and the examples' tests) reach the simulated hardware through this, e.g. to open its door
        this.simulatedRobot = sim;
        this.client = makeClient(simulator.url);
        this.robotLabel = def.name || `simulated ${model}`;
        this.log(`simulated ${model} robot listening on ${simulator.url}; Python protocols analysed by ${sim.analyzerDescription}`);
        if (def.advertise === true) {
          // Loopback only, where the simulated robot listens: never announced to the lab network.
          advertising = import('./lib/simulator/advertise')
            .then(({ advertiseSimulatedRobot }) => advertiseSimulatedRobot(sim, '127.0.0.1', mdnsOptions()))
            .catch((err: Error) => {
              this.warn(`simulated robot not announced over mDNS: ${err.message}`);
              return undefined;
            });
        }
        return this.client;
      });
    } else {
      const parsed = parseRobotAddress({ host: def.host, port: def.port, https: def.https });
      if (!parsed.ok) {
        this.configError = parsed.error;
        readyPromise = Promise.reject(new Error(parsed.error));
      } else {
        this.client = makeClient(parsed.address.origin);
        this.robotLabel = def.name || `${parsed.address.host}:${parsed.address.port}`;
        const pushed = robotPush({ notifications: def.notifications, host: parsed.address.host, mqttPort: def.mqttPort, client: this.client, log: (t) => this.log(t) });
        if (!pushed.ok) this.warn(`robot configuration: ${pushed.error}; status nodes poll`);
        else push = pushed.push;
        // opentrons-status watchers take their Source from here (see nodes/lib/watch/source.ts)
        this.watchSource = push?.watchSource;
        // opentrons-hardware's deck configuration watch listens to one more topic on the same connection
        this.pushNotifications = push?.notifications;
        readyPromise = Promise.resolve(this.client);
      }
    }
    // Nodes await ready(); this handler only keeps a config error from becoming an unhandled rejection.
    readyPromise.catch((err: Error) => this.error(`robot configuration: ${err.message}`));
    this.ready = () => readyPromise;

    if (version.ok && version.wildcard) {
      this.warn('API version "*" asks the robot for its newest HTTP API: use it for testing only, a robot update may change answers');
    }
    // Check the configured API version against the robot once, without delaying deploy.
    readyPromise
      .then((client) => client.apiVersionInfo())
      .then((info) => info.warning && this.warn(`robot ${this.robotLabel}: ${info.warning}`))
      .catch(() => undefined);

    this.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      const closing: Array<Promise<unknown>> = [];
      if (this.client) closing.push(this.client.close());
      // Goodbye packets, so browsers drop the robot at once.
      if (advertising) closing.push(advertising.then((ad) => ad?.stop()));
      if (simulator) closing.push(simulator.stop());
      if (push) closing.push(push.close());
      this.client = undefined;
      Promise.allSettled(closing).then(() => done());
    });
  }

  RED.nodes.registerType<RobotNode, RobotDef, unknown, RobotCredentials>('opentrons-robot', OpentronsRobotNode, {
    credentials: { token: { type: 'password' } },
  });
  registerAdminRoutes(RED);
};
