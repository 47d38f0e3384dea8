// The labware definitions shipped with the package (nodes/lib/data/labware/<loadName>/<version>.json,
// copied from Opentrons shared-data), looked up by namespace, load name and version, as robot-server serves them.
import { findDefinition } from '../../labware/definitions';
import type { JsonObject } from './types';

export function definitionUri(namespace: string, loadName: string, version: number): string {
  return `${namespace}/${loadName}/${version}`;
}

/** A shipped definition (read once, by the reader the engine and the deck map share), or undefined. */
export function shippedDefinition(namespace: string, loadName: string, version: number): JsonObject | undefined {
  const def = findDefinition(namespace, loadName, version);
  return def ? asServed(def as JsonObject) : undefined;
}

/**
 * A definition as robot-server serialises it: its model fills optional fields the shared-data file
 * leaves out (seen in the captures' loadLabware results). Returns a fresh copy.
 */
export function asServed(def: JsonObject): JsonObject {
  const out = structuredClone(def);
  out.allowedRoles ??= [];
  out.stackingOffsetWithLabware ??= {};
  out.stackingOffsetWithModule ??= {};
  out.gripperOffsets ??= {};
  return out;
}

/** The definition's own namespace/loadName/version as a URI, if it has them. */
export function uriOfDefinition(def: JsonObject): string | undefined {
  const params = def.parameters as JsonObject | undefined;
  const ns = def.namespace;
  const loadName = params?.loadName;
  const version = def.version;
  if (typeof ns === 'string' && typeof loadName === 'string' && typeof version === 'number') return definitionUri(ns, loadName, version);
  return undefined;
}
