// Every mDNS socket the suite opens (the discovery tests, the admin endpoint in child Node-REDs, an
// `opentrons-sim --advertise` child, Node-RED started by the browser test) inherits these: loopback
// only, so no query or announcement leaves this machine, and a UDP port of the suite's own instead of
// 5353, so another mDNS responder on the host (Avahi, Bonjour, a second test run) neither disturbs
// the tests nor is disturbed by them.
import { createSocket } from 'node:dgram';

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    process.env.OPENTRONS_MDNS_INTERFACE = '127.0.0.1';
    if (!process.env.OPENTRONS_MDNS_PORT) process.env.OPENTRONS_MDNS_PORT = String(await freeUdpPort());
  },
};
