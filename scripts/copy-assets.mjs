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

// Palette icons live in the top-level icons/; Node-RED looks for them next to the node files.
const icons = join(root, 'icons');
if (existsSync(icons)) {
  mkdirSync(join(out, 'icons'), { recursive: true });
  for (const name of readdirSync(icons)) cpSync(join(icons, name), join(out, 'icons', name));
}
