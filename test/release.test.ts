// The suites' teardown helper: one failed close must not leave the later things (a Node-RED child, a broker) running.
import assert from 'node:assert/strict';
import { releaseAll } from './helpers/release';

describe('releaseAll (test teardown)', () => {
  it('runs every step in order even when one fails, then rethrows that failure', async () => {
    const ran: string[] = [];
    const boom = new Error('browser close failed');
    await assert.rejects(
      releaseAll([
        () => ran.push('browser'),
        async () => {
          ran.push('failing');
          throw boom;
        },
        async () => ran.push('node-red'),
        () => ran.push('dir'),
      ]),
      (err) => err === boom,
    );
    assert.deepEqual(ran, ['browser', 'failing', 'node-red', 'dir']);
  });

  it('several failures: one AggregateError holding each; none: resolves', async () => {
    const a = new Error('a');
    const b = new Error('b');
    await assert.rejects(
      releaseAll([() => { throw a; }, () => undefined, () => Promise.reject(b)]),
      (err) => err instanceof AggregateError && err.errors[0] === a && err.errors[1] === b,
    );
    await releaseAll([() => undefined, async () => undefined]);
  });
});
