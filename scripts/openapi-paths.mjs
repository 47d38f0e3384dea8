// Writes nodes/lib/data/openapi-paths.json: the endpoints of a robot's OpenAPI document reduced to
// facts — path, method, summary — for opentrons-request's path suggestions when the robot cannot be
// asked. Run: node scripts/openapi-paths.mjs <openapi.json> (from a robot: GET http://<robot>:31950/openapi.json).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const source = process.argv[2];
if (!source) {
  console.error('usage: node scripts/openapi-paths.mjs <openapi.json>');
  process.exit(2);
}
const doc = JSON.parse(readFileSync(source, 'utf8'));
const paths = [];
for (const [path, item] of Object.entries(doc.paths ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
  for (const m of METHODS) {
    if (item[m]) paths.push({ method: m.toUpperCase(), path, summary: String(item[m].summary ?? '') });
  }
}
const out = { robotServerVersion: String(doc.info?.version ?? ''), paths };
const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'nodes', 'lib', 'data', 'openapi-paths.json');
// One endpoint a line: easy to diff when a newer robot's document is dropped in.
const lines = paths.map((p) => '  ' + JSON.stringify(p)).join(',\n');
writeFileSync(target, `{"robotServerVersion": ${JSON.stringify(out.robotServerVersion)}, "paths": [\n${lines}\n]}\n`);
console.log(`${paths.length} endpoints of robot-server ${out.robotServerVersion} → ${target}`);
