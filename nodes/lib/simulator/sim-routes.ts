/**
 * Routes only the simulated robot has, under /simulator/ (a real robot answers 404): a flow arms a
 * hardware problem for a coming command, e.g. "the next pickUpTip finds no tip", to try Flex error
 * recovery without hardware. Tests use SimulatedRobot.failNextCommand() for the same thing.
 */
import { invalidRequest } from './errors';
import type { Hardware } from './hardware';
import { ok, readData, type Route } from './http';
import { DEFINED_ERRORS } from './executor';

const MAX_COUNT = 100;

export function simulatorRoutes(hw: Hardware): Route[] {
  return [
    {
      method: 'POST',
      path: '/simulator/faults/commands',
      summary: 'Simulator only: the next matching command(s) meet a hardware problem',
      handle: (req) => {
        const data = readData(req) ?? {};
        const { commandType, errorType = 'tipPhysicallyMissing', count = 1 } = data;
        if (commandType !== undefined && (typeof commandType !== 'string' || commandType === '')) {
          throw invalidRequest('commandType must be a command type name, or left out for any command', { pointer: '/data/commandType' });
        }
        if (typeof errorType !== 'string' || !/^[A-Za-z][A-Za-z0-9_]{0,60}$/.test(errorType)) {
          throw invalidRequest(`errorType must be a name; defined (recoverable) ones: ${Object.keys(DEFINED_ERRORS).join(', ')}`, { pointer: '/data/errorType' });
        }
        if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
          throw invalidRequest(`count must be a whole number from 1 to ${MAX_COUNT}`, { pointer: '/data/count' });
        }
        hw.commandFaults.push({ commandType, errorType, remaining: count });
        return ok({ data: { commandType: commandType ?? null, errorType, count, isDefined: errorType in DEFINED_ERRORS } }, 201);
      },
    },
  ];
}
