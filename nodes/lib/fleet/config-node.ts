// The runtime face of an opentrons-fleet config node, as opentrons-queue nodes see it.
import type { Node } from 'node-red';
import type { Fleet } from './fleet';

/** The runtime face of an opentrons-fleet config node, as queue nodes see it. */
export interface FleetConfigNode extends Node {
  readonly fleet: Fleet | undefined;
  readonly configError: string | undefined;
  /** False when the queue's store keeps it in memory only (lost on restart). */
  readonly persistent: boolean;
  readonly storeName: string;
}
