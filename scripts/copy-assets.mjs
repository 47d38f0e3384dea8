// Node-RED loads a node's .html and locales/ from the folder of its .js file, so every non-TypeScript
// file under nodes/ is mirrored next to the compiled output. Palette icons live in the top-level icons/
// folder (the design card's place for them); Node-RED 4.1 and 5 read a module's icons only from an
// icons/ folder beside its node files, so they are copied to dist/nodes/icons/.
// Module definitions (nodes/lib/data/module/, unmodified shared-data files) are copied without
// `twoDimensionalRendering`, the Opentrons App's drawing of each module (~291 kB in all): nothing here reads it
// (the deck map draws modules from their dimensions), so it is stripped here rather than at the source, which
// stays a verbatim copy that can be refreshed from shared-data.
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'nodes');
const out = join(root, 'dist', 'nodes');
const icons = join(root, 'icons');
const moduleDefinitions = join(src, 'lib', 'data', 'module');
const UNREAD_MODULE_FIELDS = ['twoDimensionalRendering'];

function copyModuleDefinition(from, to) {
  const def = JSON.parse(readFileSync(from, 'utf8'));
  for (const field of UNREAD_MODULE_FIELDS) delete def[field];
  writeFileSync(to, JSON.stringify(def));
}

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (extname(p) !== '.ts') {
      const dest = join(out, relative(src, p));
      mkdirSync(dirname(dest), { recursive: true });
      if (dirname(p) === moduleDefinitions && extname(p) === '.json') copyModuleDefinition(p, dest);
      else cpSync(p, dest);
    }
  }
}
if (existsSync(src)) walk(src);
if (existsSync(icons)) cpSync(icons, join(out, 'icons'), { recursive: true });
