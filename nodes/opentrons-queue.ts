// opentrons-queue: submits jobs to a fleet's run queue and acts on it (start, clear, cancel, list, hold,
// release); sends the job events of the jobs it submitted (or of every job of the fleet).
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { InputError } from './lib/errors';
import { EVENT_SCOPES, jobMsg, wantsEvent, type EventScope } from './lib/fleet/events';
import type { Fleet } from './lib/fleet/fleet';
import { jobSpecOf, startOf, viewOf } from './lib/fleet/job';
import { Msg, Send, own, pick, requireString } from './lib/node-support';
import { NodeWork } from './lib/node-work';
import type { FleetConfigNode } from './lib/fleet/config-node';

const QUEUE_ACTIONS = ['submit', 'start', 'clear', 'cancel', 'list', 'hold', 'release'] as const;
type QueueAction = (typeof QUEUE_ACTIONS)[number];

interface QueueDef extends NodeDef {
  fleet?: string;
  action?: string;
  /** The job's start when the msg says none: '' (the fleet's), `operator` or `auto`. */
  start?: string;
  events?: string;
}

/** Longer than any id the queue gives (UUIDs) or any robot name worth typing. */
const MAX_ID = 200;

export = function register(RED: NodeAPI): void {
  function OpentronsQueueNode(this: Node, def: QueueDef): void {
    RED.nodes.createNode(this, def);
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const node = this;
    const work = new NodeWork();
    const scope: EventScope = (EVENT_SCOPES as readonly string[]).includes(def.events ?? '') ? (def.events as EventScope) : 'own';
    const config = typeof def.fleet === 'string' && def.fleet ? (RED.nodes.getNode(def.fleet) as FleetConfigNode | null) : null;
    const fleet = config?.fleet;

    const statusIdle = (): void => {
      if (!fleet) return;
      const open = fleet.openJobs;
      const memory = config?.persistent ? '' : ' · queue in memory';
      node.status({ fill: 'grey', shape: open > 0 ? 'dot' : 'ring', text: `${open} job${open === 1 ? '' : 's'} open${memory}` });
    };
    if (config && !config.persistent && fleet) node.status({ fill: 'yellow', shape: 'ring', text: 'queue in memory (lost on restart)' });

    const unsubscribe = fleet?.onJob((event) => {
      if (wantsEvent(scope, node.id, event)) node.send(jobMsg(event.job));
      statusIdle();
    });

    work.serve(node, handle);
    node.on('close', () => unsubscribe?.());

    async function handle(msg: Msg, send: Send): Promise<void> {
      const action = actionOf(msg);
      const f = fleetOf();
      await f.ready;
      switch (action) {
        case 'submit': {
          const spec = jobSpecOf(msg, (name) => f.robotNamed(name) !== undefined);
          if (spec.start === null) spec.start = startOf(def.start);
          delete msg.action;
          const job = await f.submit(spec, node.id);
          send(jobMsg(job, msg));
          break;
        }
        case 'start':
        case 'cancel': {
          const jobId = idOf(msg, 'jobId', `the job to ${action}: the msg.jobId a submit answered with`);
          delete msg.action;
          const job = action === 'start' ? await f.start(jobId, node.id) : await f.cancel(jobId, node.id);
          send(jobMsg(job, msg));
          break;
        }
        case 'clear':
        case 'hold':
        case 'release': {
          const robot = idOf(msg, 'robot', `the robot to ${action}: its name (or config id) in the fleet`);
          delete msg.action;
          const view = action === 'clear' ? await f.clear(robot) : await f.hold(robot, action === 'hold');
          msg.topic = action;
          msg.payload = view;
          msg.robot = view.robot;
          send(msg);
          break;
        }
        default: {
          delete msg.action;
          const { jobs, robots } = await f.list();
          msg.topic = 'list';
          msg.payload = { jobs: jobs.map(viewOf), robots };
          send(msg);
        }
      }
      statusIdle();
    }

    function fleetOf(): Fleet {
      if (!config) throw new InputError('no fleet configured: open the node and choose an opentrons-fleet');
      if (!fleet) throw new InputError(`fleet configuration: ${config.configError ?? 'not usable'}`);
      return fleet;
    }

    function actionOf(msg: Msg): QueueAction {
      const a = pick(msg, 'action', def.action || 'submit');
      if (typeof a !== 'string' || !(QUEUE_ACTIONS as readonly string[]).includes(a)) {
        throw new InputError(`unknown action ${JSON.stringify(a)?.slice(0, 60) ?? typeof a} for opentrons-queue: set msg.action to one of ${QUEUE_ACTIONS.join(', ')}`);
      }
      return a as QueueAction;
    }
  }

  RED.nodes.registerType('opentrons-queue', OpentronsQueueNode);
};

function idOf(msg: Msg, key: string, hint: string): string {
  const value = requireString(own(msg, key), `msg.${key}`, hint);
  if (value.length > MAX_ID) throw new InputError(`msg.${key} is ${value.length} characters long: ${hint}`);
  return value;
}
