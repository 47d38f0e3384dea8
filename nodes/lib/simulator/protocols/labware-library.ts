// The labware definitions shipped with the package (nodes/lib/data/labware/<loadName>/<version>.json,
// copied from Opentrons shared-data), looked up by namespace, load name and version.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JsonObject } from './types';

const LABWARE_DIR = path.join(__dirname, '..', '..', 'data', 'labware');
const cache = new Map<string, JsonObject | null>();

export function definitionUri(namespace: string, loadName: string, version: number): string {
  return `${namespace}/${loadName}/${version}`;
}

/** A shipped definition, or undefined. Only the `opentrons` namespace is shipped. */
export function shippedDefinition(namespace: string, loadName: string, version: number): JsonObject | undefined {
  if (namespace !== 'opentrons' || !/^[a-z0-9_.]+$/i.test(loadName) || !Number.isInteger(version)) return undefined;
  const uri = definitionUri(namespace, loadName, version);
  if (!cache.has(uri)) {
    try {
      cache.set(uri, JSON.parse(fs.readFileSync(path.join(LABWARE_DIR, loadName, `${version}.json`), 'utf8')) as JsonObject);
    } catch {
      cache.set(uri, null);
    }
  }
  const def = cache.get(uri);
  return def ? asServed(def) : undefined;
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
