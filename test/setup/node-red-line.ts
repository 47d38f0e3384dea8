// Chooses which Node-RED the whole suite runs against. Default: the `node-red` devDependency (4.1.x).
// NODE_RED_PACKAGE=node-red-5 runs the same tests on Node-RED 5 (an npm alias devDependency), which
// .ci/node-red-5.sh does with Node 22. node-red-node-test-helper is a singleton, so one init here covers every file.
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname, join, sep } from 'node:path';
import helper from 'node-red-node-test-helper';

const pkg = process.env.NODE_RED_PACKAGE || 'node-red';

/** Folder of the Node-RED package this run uses (node_modules/node-red or node_modules/node-red-5). */
export const nodeRedDir = dirname(require.resolve(`${pkg}/package.json`));
export const nodeRedPackage = pkg;
export const nodeRedVersion = (JSON.parse(readFileSync(join(nodeRedDir, 'package.json'), 'utf8')) as { version: string }).version;

helper.init(require.resolve(pkg));

interface ModuleResolver {
  _resolveFilename(request: string, parent: NodeModule | undefined, isMain: boolean, options?: { paths?: string[] }): string;
}

// Tests load core nodes (catch, inject, debug…) as require('@node-red/nodes/core/…'). From the repository
// that finds the top-level @node-red/* of the 4.1 devDependency; on another line those must come from that
// line's own copy, as in a user's install, or the runtime gets two different `catch` constructors ("catch
// already registered") and 4.1 node code runs inside 5. So our own files' @node-red/* requests resolve
// from the chosen package's folder; code inside node_modules resolves as it always does.
if (pkg !== 'node-red') {
  const resolver = Module as unknown as ModuleResolver;
  const original = resolver._resolveFilename;
  const ours = (parent: NodeModule | undefined): boolean => !!parent?.filename && !parent.filename.includes(`${sep}node_modules${sep}`);
  resolver._resolveFilename = function (request, parent, isMain, options) {
    if (request.startsWith('@node-red/') && !options?.paths && ours(parent)) {
      return original.call(this, request, parent, isMain, { paths: [nodeRedDir] });
    }
    return original.call(this, request, parent, isMain, options);
  };
}
