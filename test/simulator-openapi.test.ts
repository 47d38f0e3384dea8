// The simulated robot's GET /openapi.json: made from its router table, so it lists exactly the routes
// it answers. Checked both ways over HTTP — every documented endpoint answers (not 404/405), every route
// is documented, every request the real robot answered in the captures matches a documented path — and
// against robot-server 8.1.0's own list: apart from /simulator/, the simulator invents no endpoint.
import assert from 'node:assert/strict';
import { SimulatedRobot } from '../nodes/lib/simulator';
import { shippedEndpoints } from '../nodes/lib/request-paths';
import { loadCaptures } from './conformance/replay';

type Doc = { openapi: string; info: { version: string }; paths: Record<string, Record<string, { summary: string }>> };

function documented(doc: Doc): string[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort();
}

function templateRegex(path: string): RegExp {
  return new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+').replace(/\{[^}]+\}/g, '[^/]+')}$`);
}

describe('simulator: /openapi.json', function () {
  this.timeout(30_000);
  for (const model of ['OT-2', 'Flex'] as const) {
    describe(model, function () {
      let robot: SimulatedRobot;
      let doc: Doc;
      before(async function () {
        robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, model });
        // No Opentrons-Version header: the robot serves its OpenAPI document without one.
        const res = await fetch(`${robot.url}/openapi.json`);
        assert.equal(res.status, 200);
        doc = (await res.json()) as Doc;
      });
      after(async function () {
        await robot.stop();
      });

      it('lists every route the simulator serves, and nothing else', function () {
        const served = robot.routes().map((r) => `${r.method} ${r.path.replace(/:([A-Za-z_]\w*)/g, '{$1}')}`).sort();
        assert.deepEqual(documented(doc), served);
        assert.match(doc.openapi, /^3\./);
        assert.equal(doc.info.version, '8.1.0');
      });

      it('every documented endpoint answers (no 404 Not Found, no 405)', async function () {
        const problems: string[] = [];
        for (const entry of documented(doc)) {
          const [method, path] = entry.split(' ');
          const res = await fetch(robot.url + path.replace(/\{[^}]+\}/g, 'x'), { method, headers: { 'opentrons-version': '3' } });
          const body = (await res.text()).slice(0, 200);
          if (res.status === 405 || (res.status === 404 && /"Not Found"/.test(body))) problems.push(`${entry}: ${res.status} ${body}`);
        }
        assert.deepEqual(problems, []);
      });

      it('every request the real robot answered in the captures matches a documented endpoint', function () {
        const entries = documented(doc).map((e) => {
          const [method, path] = e.split(' ');
          return { method, re: templateRegex(path) };
        });
        const missing = loadCaptures()
          .filter((c) => c.response.status < 400 && (model === 'Flex') === Number(c.file.slice(0, 2)) >= 85)
          .map((c) => ({ method: c.request.method, path: c.request.path.split('?')[0], file: c.file }))
          .filter((r) => !entries.some((e) => e.method === r.method && e.re.test(r.path)))
          .map((r) => `${r.file}: ${r.method} ${r.path}`);
        assert.deepEqual(missing, []);
      });

      it('apart from /simulator/, every endpoint is one robot-server 8.1.0 has, with its summary', function () {
        const real = new Map(shippedEndpoints().map((e) => [`${e.method} ${e.path}`, e.summary]));
        // GET /openapi.json itself is served by the robot's web framework, which leaves it out of the document.
        const invented = documented(doc).filter((e) => !e.split(' ')[1].startsWith('/simulator/') && e !== 'GET /openapi.json' && !real.has(e));
        assert.deepEqual(invented, []);
        for (const e of documented(doc)) {
          const [method, path] = e.split(' ');
          assert.ok(doc.paths[path][method.toLowerCase()].summary.length > 0, `${e} has a summary`);
        }
      });
    });
  }
});
