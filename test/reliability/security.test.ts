// Security: every admin route our nodes register refuses callers without permission when adminAuth is
// on (routes found by reading nodes/ — a new route is tested without editing this file); the robot
// token never appears in exported flows or in log output; file paths in msg.files are refused unless
// the upload node allows them, while editor-configured paths always work.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedRobot } from '../../nodes/lib/simulator';
import { json, startLoopback, type LoopbackServer } from '../helpers/loopback';
import { ADMIN_AUTH_SETTINGS, startNodeRed, type NodeRedProcess } from '../helpers/nodered-process';
import { PACKAGE_ROOT, deployedFlow, helper } from '../helpers/nodered';
import { PY } from './specs';
import { deployRig, errorOf, sleep, until, type Rig } from './rig';

const SECRET = 'tok-3f9a1c7e-never-log-me';

interface AdminRoute {
  method: string;
  path: string;
  permission: string | undefined;
  file: string;
}

/** Every RED.httpAdmin.<method>(path, …) in nodes/, with the permission it asks for. */
function adminRoutes(): AdminRoute[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(p);
    }
  };
  walk(join(PACKAGE_ROOT, 'nodes'));
  const routes: AdminRoute[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const re = /RED\.httpAdmin\.(get|post|put|delete|patch)\(\s*['"`]([^'"`]+)['"`]\s*,([^\n]*)/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const perm = /needsPermission\(\s*['"`]([^'"`]+)['"`]\s*\)/.exec(m[3]);
      routes.push({ method: m[1].toUpperCase(), path: m[2], permission: perm?.[1], file: file.slice(PACKAGE_ROOT.length + 1) });
    }
  }
  return routes;
}

describe('reliability: security', function () {
  this.timeout(60_000);

  describe('admin endpoints with adminAuth on (real Node-RED)', function () {
    const routes = adminRoutes();
    let red: NodeRedProcess;
    before(async function () {
      red = await startNodeRed({ settings: ADMIN_AUTH_SETTINGS });
    });
    after(async function () {
      await red?.stop();
    });

    it('nodes/ registers admin routes, each behind RED.auth.needsPermission', function () {
      assert.ok(routes.length >= 2, `found ${routes.length} admin routes`);
      for (const r of routes) assert.ok(r.permission, `${r.method} ${r.path} (${r.file}) has no needsPermission`);
    });

    for (const r of routes) {
      it(`${r.method} ${r.path} (${r.permission}): 401 without a token, refused without the permission, allowed with it`, async function () {
        const call = async (token?: string): Promise<number> => {
          const res = await fetch(`${red.url}${r.path}`, {
            method: r.method,
            headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
            // An address nobody listens on: the call must not depend on a robot.
            body: r.method === 'GET' ? undefined : JSON.stringify({ host: '127.0.0.1', port: 9, timeout: 1 }),
          });
          await res.arrayBuffer();
          return res.status;
        };
        assert.equal(await call(), 401, 'no token');
        assert.equal(await call('not-a-token'), 401, 'unknown token');
        const readStatus = await call('read-token');
        // Node-RED answers a missing permission with 401 (editor-api auth) — either way, refused.
        if (r.permission?.endsWith('.write')) assert.ok([401, 403].includes(readStatus), `a read-only user may not write (got ${readStatus})`);
        else assert.ok(readStatus < 400, `a read-only user may read (got ${readStatus})`);
        const adminStatus = await call('admin-token');
        assert.ok(adminStatus < 400, `an admin may call it (got ${adminStatus})`);
      });
    }

    it('the token is not in GET /flows nor in Node-RED\'s log after a deploy that uses it', async function () {
      const flows = [
        { id: 'tab1', type: 'tab', label: 't' },
        { id: 'robotX', type: 'opentrons-robot', host: '127.0.0.1', port: 9, apiVersion: '3', notifications: 'off', credentials: { token: SECRET } },
        { id: 'cmdX', type: 'opentrons-command', z: 'tab1', x: 100, y: 100, robot: 'robotX', target: 'robot', commandType: 'home', params: '{}', wires: [[]] },
      ];
      const deploy = await fetch(`${red.url}/flows`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer admin-token', 'node-red-deployment-type': 'full' },
        body: JSON.stringify(flows),
      });
      assert.ok([200, 204].includes(deploy.status), `deploy: ${deploy.status} ${await deploy.text()}`);
      const exported = await fetch(`${red.url}/flows`, { headers: { authorization: 'Bearer admin-token', 'node-red-api-version': 'v2' } });
      const text = await exported.text();
      assert.match(text, /robotX/, 'the export has the config node');
      assert.ok(!text.includes(SECRET), 'the token is in the exported flows');
      const stored = readFileSync(join(red.userDir, 'flows.json'), 'utf8');
      assert.ok(!stored.includes(SECRET), 'the token is in flows.json in clear');
      await sleep(200);
      assert.ok(!red.output().includes(SECRET), 'the token is in Node-RED\'s log');
    });
  });

  describe('the token in the test helper: sent to the robot, never logged or exported', function () {
    let robot: LoopbackServer;
    afterEach(async function () {
      await helper.unload();
      await robot?.close();
    });

    it('errors and warnings of a failing robot do not carry the token', async function () {
      robot = await startLoopback((req, res) => json(res, 500, { errors: [{ id: 'UnexpectedError', title: 'boom', detail: `headers were ${JSON.stringify(req.headers)}`.replaceAll(SECRET, '<redacted by robot>') }] }));
      const { loadFlow } = await import('../helpers/nodered');
      const { CORE } = await import('./rig');
      await loadFlow(
        [
          { id: 'robotT', type: 'opentrons-robot', host: '127.0.0.1', port: robot.port, apiVersion: '*', timeout: 2, notifications: 'off' },
          { id: 'cmdT', type: 'opentrons-command', robot: 'robotT', target: 'robot', commandType: 'home', params: '{}', paramsType: 'json', wires: [[]] },
        ],
        { types: ['opentrons-robot', 'opentrons-command'], credentials: { robotT: { token: SECRET } }, extraNodes: CORE },
      );
      const cmd = helper.getNode('cmdT');
      assert.ok(cmd);
      cmd.receive({ payload: 1 });
      await until(() => robot.requests.some((r) => r.method === 'POST'), 5000, 'the command did not reach the robot');
      await sleep(200);
      const sent = robot.requests.find((r) => r.method === 'POST');
      assert.equal(sent?.headers.authorization, `Bearer ${SECRET}`, 'the robot got the token');
      assert.equal(sent?.headers.authenticationbearer, SECRET, 'in robot-server\'s own header too');
      const logged = JSON.stringify(helper.log().args, (_k, v: unknown) => (v instanceof Error ? `${v.message} ${v.stack}` : v));
      assert.match(logged, /boom|UnexpectedError|API version/, 'the log spy saw the node\'s output');
      assert.ok(!logged.includes(SECRET), 'the token is in the log');
      assert.ok(!JSON.stringify(deployedFlow()).includes(SECRET), 'the token is in the deployed flow');
    });
  });

  describe('file paths for opentrons-upload', function () {
    let sim: SimulatedRobot;
    let rig: Rig | undefined;
    let dir: string;
    let file: string;
    before(async function () {
      sim = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, speed: 1000, analysisMs: 0 });
      dir = mkdtempSync(join(tmpdir(), 'rel-paths-'));
      file = join(dir, 'transfer.py');
      writeFileSync(file, PY);
    });
    afterEach(async function () {
      await rig?.close();
      rig = undefined;
    });
    after(async function () {
      await sim?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    async function once(r: Rig, msg: Record<string, unknown>): Promise<void> {
      const n = r.caught.length + r.completed.length;
      r.send(msg);
      await until(() => r.caught.length + r.completed.length > n, 8000, 'the msg did not end');
    }

    it('by default a {path} in msg.files is refused before any request, for any path', async function () {
      rig = await deployRig({ type: 'opentrons-upload', props: { waitForAnalysis: false }, sim });
      await sleep(150); // the config node's one-off API version check at deploy
      for (const path of [file, '/etc/passwd', '../../secret.py', 'C:\\\\x.py']) {
        const mark = rig.mark();
        await once(rig, { files: [{ path }] });
        const err = errorOf(rig.caught[rig.caught.length - 1]);
        assert.equal(err.code, 'InvalidInput', `${path}: ${err.message}`);
        assert.match(err.message, /allow file paths from msg/);
        assert.equal(rig.mark() - mark, 0, `${path}: a request was sent`);
      }
      assert.equal(rig.completed.length, 0);
    });

    it('with "allow file paths from msg" on, a {path} in msg.files is uploaded', async function () {
      rig = await deployRig({ type: 'opentrons-upload', props: { waitForAnalysis: false, allowMsgPaths: true }, sim });
      await once(rig, { files: [{ path: file }] });
      assert.equal(rig.caught.length, 0, rig.caught.map((m) => errorOf(m).message).join());
      assert.equal(rig.completed.length, 1);
      assert.equal(typeof rig.out[0]?.protocolId, 'string');
    });

    it('editor-configured paths always work, with the option off', async function () {
      rig = await deployRig({ type: 'opentrons-upload', props: { waitForAnalysis: false, paths: file }, sim });
      await once(rig, {});
      assert.equal(rig.caught.length, 0, rig.caught.map((m) => errorOf(m).message).join());
      assert.equal(rig.completed.length, 1);
      assert.equal(typeof rig.out[0]?.protocolId, 'string');
    });
  });
});
