// The package's programmatic entry (package.json "main"): the robot client and its error kinds, for
// scripts that talk to a robot without Node-RED. The simulated robot has its own entry point
// (`@labwire/node-red-opentrons/simulator`), so requiring the package never loads the simulator.
export { RobotClient } from './client';
export type { RobotClientOptions, UploadFile, UploadOptions, CommandOptions, PageOptions, ApiVersionInfo } from './client';
export * from './errors';
export type * from './types';
export { parseRobotAddress, parseApiVersion, DEFAULT_PORT } from './robot-address';
export { testConnection } from './connection-test';
export type { ConnectionResult } from './connection-test';
