// opentrons-request: any endpoint of the robot's HTTP API through the robot config node's connection
// (version header, token, timeout, keep-alive pool and error contract of every other node), for the
// parts of the API no other node covers. The editor suggests paths from the robot's /openapi.json.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { Request, Response } from 'express';
import { Msg, Send, own, pick, robotOf, showSimulated } from './lib/node-support';
import { NodeWork } from './lib/node-work';
import { parseMethod, parseQuery, requestBody, resolvePath } from './lib/request-input';
import { pathSuggestions } from './lib/request-paths';

interface RequestDef extends NodeDef {
  robot?: string;
  method?: string;
  path?: string;
}

export = function register(RED: NodeAPI): void {
  function OpentronsRequestNode(this: Node, def: RequestDef): void {
    RED.nodes.createNode(this, def);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the handler below runs outside this call
    const node = this;
    const work = new NodeWork();
    showSimulated(RED, node, def.robot);

    work.serve(node, async (msg: Msg, send: Send) => {
      // Everything is read and checked before the first byte goes to the robot.
      const robot = robotOf(RED, def.robot);
      const method = parseMethod(pick(msg, 'method', def.method || 'GET'));
      const path = resolvePath(pick(msg, 'path', def.path ?? ''), msg);
      const query = parseQuery(own(msg, 'query'));
      const json = requestBody(method, own(msg, 'payload'));

      const client = await robot.ready();
      node.status({ fill: 'blue', shape: 'dot', text: `${method} ${path.slice(0, 40)}…` });
      const res = await client.request(method, path, { query, json, signal: work.signal });
      // These described the request this node has made; left on the msg, a next request node would repeat it.
      delete msg.method;
      delete msg.path;
      delete msg.query;
      msg.payload = res.body;
      msg.statusCode = res.status;
      msg.headers = res.headers;
      node.status({ fill: 'green', shape: 'dot', text: `${method} ${path.slice(0, 40)} → ${res.status}` });
      send(msg);
    });
  }

  RED.nodes.registerType('opentrons-request', OpentronsRequestNode);

  // Path suggestions for the edit dialog: the deployed robot's own /openapi.json, else the list shipped
  // with the package. Reading it makes this host contact the robot, so it needs read permission.
  RED.httpAdmin.get('/opentrons-request/paths', RED.auth.needsPermission('opentrons-request.read'), (req: Request, res: Response) => {
    const robotId = typeof req.query.robot === 'string' ? req.query.robot : '';
    void pathSuggestions(RED, robotId).then((body) => res.json(body));
  });
};
