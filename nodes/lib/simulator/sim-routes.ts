/**
 * Routes only the simulated robot has, under /simulator/ (a real robot answers 404): a flow arms a
 * hardware problem for a coming command, e.g. "the next pickUpTip finds no tip", to try Flex error
 * recovery without hardware, or takes a pipette off, to show a fleet of robots whose instruments differ.
 * Tests use SimulatedRobot.failNextCommand() and detachPipette() for the same things.
 */
import type { Hardware } from './hardware';
import { invalidRequest } from './errors';
import { ok, readData, type Route } from './http';
import { DEFINED_ERRORS } from './executor';

export function simulatorRoutes(hw: Hardware): Route[] {
  return [
    {
      method: 'POST',
      path: '/simulator/faults/commands',
      summary: 'Simulator only: the next matching command(s) meet a hardware problem',
      handle: (req) => {
        const data = readData(req) ?? {};
        // Hardware checks the body's values (422 with the pointer of the one at fault)
        const fault = hw.armCommandFault({ commandType: data.commandType, errorType: data.errorType, count: data.count });
        const { commandType, errorType, remaining: count } = fault;
        return ok({ data: { commandType: commandType ?? null, errorType, count, isDefined: errorType in DEFINED_ERRORS } }, 201);
      },
    },
    {
      method: 'DELETE',
      path: '/simulator/instruments/:mount',
      summary: 'Simulator only: take the pipette off a mount (left or right)',
      handle: (req) => {
        const mount = req.params.mount;
        if (mount !== 'left' && mount !== 'right') throw invalidRequest(`mount must be "left" or "right", not "${mount}"`, { parameter: 'mount' });
        // An empty mount is not an error: the flow's wish (nothing on that mount) already holds.
        return ok({ data: { mount, detached: hw.detachPipette(mount) } });
      },
    },
  ];
}
