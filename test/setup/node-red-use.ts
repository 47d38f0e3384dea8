// Whether the test file now running starts Node-RED: in this process (node-red-node-test-helper's load or
// startServer) or as a child (`node …/red.js`, the way the browser, restart and pack tests start one). The
// timing hook records it per file; .ci/node-red-5.sh runs on the second Node-RED line only the files that
// did, so a file that never touches Node-RED runs once (its result cannot depend on the Node-RED line).
import childProcess from 'node:child_process';
import helper from 'node-red-node-test-helper';

let used = false;

export function resetNodeRedUse(): void {
  used = false;
}

/** For a test that starts Node-RED through a program of ours (e.g. `npm start`'s script), not red.js directly. */
export function markNodeRedUsed(): void {
  used = true;
}

export function nodeRedUsed(): boolean {
  return used;
}

function wrap<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  return function (this: unknown, ...args: A): R {
    used = true;
    return fn.apply(this, args);
  };
}

const h = helper as unknown as { load: (...a: unknown[]) => unknown; startServer: (...a: unknown[]) => unknown };
h.load = wrap(h.load.bind(helper));
h.startServer = wrap(h.startServer.bind(helper));

// node:child_process is a CommonJS module object, so replacing its spawn is seen by every later caller.
const cp = childProcess as unknown as { spawn: (command: string, ...rest: unknown[]) => childProcess.ChildProcess };
const spawn = cp.spawn;
cp.spawn = function (command: string, ...rest: unknown[]): childProcess.ChildProcess {
  const args = Array.isArray(rest[0]) ? (rest[0] as unknown[]) : [];
  if (args.some((a) => typeof a === 'string' && /(^|[/\\])red\.js$/.test(a))) used = true;
  return spawn.call(childProcess, command, ...rest);
};
