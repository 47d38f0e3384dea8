// Node-RED loads a node's .html, locales/ and icons/ from the folder of its .js file,
// so every non-TypeScript file under nodes/ is mirrored next to the compiled output.
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'nodes');
const out = join(root, 'dist', 'nodes');

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
// Palette icons live in the top-level icons/; Node-RED looks for them in an icons/ folder next to each
// node's .js file, so they are copied to dist/nodes/icons/ too.
const icons = join(root, 'icons');
if (existsSync(icons)) cpSync(icons, join(out, 'icons'), { recursive: true });
