/**
 * The engine's view of labware definitions (field order, defaults) and deck slot names. The definitions themselves are
 * read by ../labware/definitions, which the deck map shares.
 */
import type { RobotModel } from './context';
import type { LabwareDefinition } from '../labware/definitions';

export { findDefinition, type LabwareDefinition, type WellDef } from '../labware/definitions';

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
