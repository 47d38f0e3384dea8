// Node-RED loads a node's .html and locales/ from the folder of its .js file, so every non-TypeScript
// file under nodes/ is mirrored next to the compiled output. Palette icons live in the top-level icons/
// folder (the design card's place for them); Node-RED 4.1 and 5 read a module's icons only from an
// icons/ folder beside its node files, so they are copied to dist/nodes/icons/.
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'nodes');
const out = join(root, 'dist', 'nodes');
const icons = join(root, 'icons');

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (extname(p) !== '.ts') {
      const dest = join(out, relative(src, p));
      mkdirSync(dirname(dest), { recursive: true });
      cpSync(p, dest);
    }
  }
}
if (existsSync(src)) walk(src);
if (existsSync(icons)) cpSync(icons, join(out, 'icons'), { recursive: true });
