// A simulated robot announced over mDNS exactly as a robot announces itself (see ../discovery/advertise).
import { advertiseRobot, type Advertisement } from '../discovery/advertise';
import type { MdnsOptions } from '../discovery/mdns';
import { robotTypeOf } from './context';
import type { SimulatedRobot } from './index';

/** `host`: the address the robot listens on; the announcement goes out on that interface only. */
export function advertiseSimulatedRobot(robot: SimulatedRobot, host: string, mdns: MdnsOptions = {}): Promise<Advertisement> {
  return advertiseRobot({ mdns, name: robot.name, port: robot.port, host, robotModel: robotTypeOf(robot.model) });
}
