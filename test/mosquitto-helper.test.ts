// The tests' Mosquitto (test/notifications-helpers.ts): waiting for a client's subscription reads the broker's log,
// which has those lines only when the broker was created to log them.
import assert from 'node:assert/strict';
import { connect } from 'mqtt';
import { Mosquitto } from './notifications-helpers';

describe('test Mosquitto: waiting for subscriptions', function () {
  this.timeout(30_000);

  it('without logSubscriptions: subscribed() refuses at once, naming the option, instead of timing out', async () => {
    const broker = await Mosquitto.create();
    try {
      await assert.rejects(broker.subscribed('a/b', 1, 20_000), /logSubscriptions: true/);
    } finally {
      await broker.dispose();
    }
  });

  it('with logSubscriptions: subscribed() resolves once a client has subscribed to exactly that filter', async () => {
    const broker = await Mosquitto.create(undefined, { logSubscriptions: true });
    const client = connect(broker.url, { reconnectPeriod: 0 });
    try {
      await client.subscribeAsync(['lab/+/events', 'other']);
      await broker.subscribed('lab/+/events');
      assert.equal(broker.subscriptions('lab/+/events'), 1);
      assert.equal(broker.subscriptions('lab/x/events'), 0);
    } finally {
      await client.endAsync();
      await broker.dispose();
    }
  });
});
