/**
 * Labware definitions shipped in nodes/lib/data/labware (from Opentrons shared-data, Apache-2.0). Shared by the deck
 * map (runtime) and the simulated robot, so it lives outside simulator/: runtime code never loads the simulator.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface WellDef {
  depth: number;
  x: number;
  y: number;
  z: number;
  totalLiquidVolume: number;
  diameter?: number;
  shape: string;
}

export interface LabwareDefinition {
  version: number;
  namespace: string;
  metadata: { displayName: string };
  parameters: { loadName: string; isTiprack: boolean; tipLength?: number; tipOverlap?: number };
  wells: Record<string, WellDef>;
  cornerOffsetFromSlot?: { x: number; y: number; z: number };
  dimensions?: { xDimension: number; yDimension: number; zDimension: number };
  stackingOffsetWithLabware?: Record<string, { x: number; y: number; z: number }>;
  stackingOffsetWithModule?: Record<string, { x: number; y: number; z: number }>;
  [k: string]: unknown;
}

const LABWARE_DIR = join(__dirname, '..', 'data', 'labware');

const cache = new Map<string, LabwareDefinition | null>();

/** The definition for loadName/version, or undefined when we do not ship it. Only the `opentrons` namespace is shipped. */
export function findDefinition(namespace: string, loadName: string, version: number): LabwareDefinition | undefined {
  if (namespace !== 'opentrons' || !/^[a-z0-9_]+$/.test(loadName)) return undefined;
  const k = `${loadName}/${version}`;
  if (!cache.has(k)) {
    const file = join(LABWARE_DIR, loadName, `${version}.json`);
    cache.set(k, existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as LabwareDefinition) : null);
  }
  return cache.get(k) ?? undefined;
}
