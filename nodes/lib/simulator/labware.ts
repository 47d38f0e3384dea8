/**
 * Labware definitions shipped in nodes/lib/data/labware (from Opentrons shared-data, Apache-2.0) and deck slot names.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RobotModel } from './context';

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
  [k: string]: unknown;
}

export const LABWARE_DIR = join(__dirname, '..', 'data', 'labware');

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

const FIELD_ORDER = [
  'schemaVersion', 'version', 'namespace', 'metadata', 'brand', 'parameters', 'ordering', 'cornerOffsetFromSlot',
  'dimensions', 'wells', 'groups', 'allowedRoles', 'stackingOffsetWithLabware', 'stackingOffsetWithModule', 'gripperOffsets',
  'gripHeightFromLabwareBottom', 'gripForce',
];
const DEFAULTS: Record<string, () => unknown> = {
  allowedRoles: () => [], stackingOffsetWithLabware: () => ({}), stackingOffsetWithModule: () => ({}), gripperOffsets: () => ({}),
};

/**
 * The definition as the engine returns it (a deep copy): the engine's model field order, with the defaults it fills in
 * for fields a definition file leaves out (allowedRoles, stacking offsets, gripper offsets).
 */
export function copyDefinition(def: LabwareDefinition): LabwareDefinition {
  const src = JSON.parse(JSON.stringify(def)) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of FIELD_ORDER) {
    if (k in src) out[k] = src[k];
    else if (DEFAULTS[k]) out[k] = DEFAULTS[k]();
  }
  for (const k of Object.keys(src)) if (!(k in out)) out[k] = src[k];
  return out as LabwareDefinition;
}

const FLEX_TO_OT2: Record<string, string> = {
  D1: '1', D2: '2', D3: '3', C1: '4', C2: '5', C3: '6', B1: '7', B2: '8', B3: '9', A1: '10', A2: '11', A3: '12',
};
const OT2_TO_FLEX: Record<string, string> = Object.fromEntries(Object.entries(FLEX_TO_OT2).map(([f, o]) => [o, f]));
const FLEX_STAGING = new Set(['A4', 'B4', 'C4', 'D4']);

/** A slot name in the robot's own style (both styles are accepted); undefined when it is no deck slot. */
export function normalizeSlot(model: RobotModel, slot: string): string | undefined {
  if (model === 'Flex') {
    if (FLEX_TO_OT2[slot] || FLEX_STAGING.has(slot)) return slot;
    return OT2_TO_FLEX[slot];
  }
  if (OT2_TO_FLEX[slot]) return slot;
  return FLEX_TO_OT2[slot];
}
