// Chooses which Node-RED the whole suite runs against. Default: the `node-red` devDependency (4.1.x).
// NODE_RED_PACKAGE=node-red-5 runs the same tests on Node-RED 5 (an npm alias devDependency), which
// .ci/run does with Node 22. node-red-node-test-helper is a singleton, so one init here covers every file.
import helper from 'node-red-node-test-helper';

const pkg = process.env.NODE_RED_PACKAGE || 'node-red';
helper.init(require.resolve(pkg));

export const nodeRedPackage = pkg;
