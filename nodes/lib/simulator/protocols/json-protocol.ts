// Reading JSON protocols (Protocol Designer output, schemas 6–8) for real: metadata, robot type,
// labware definitions and the command list, normalised to the schema 7/8 command shape (schema 6
// keeps pipette names, module models and labware load names outside its commands).
import type { PlannedCommand } from '../context';
import { protocolFilesInvalid } from './errors';
import { uriOfDefinition } from './labware-library';
import type { JsonObject, RobotType } from './types';

export interface JsonProtocolReading {
  schemaVersion: number;
  robotType: RobotType;
  metadata: JsonObject;
  /** definitions embedded in the protocol, by definition URI */
  labwareDefinitions: Map<string, JsonObject>;
  liquids: JsonObject[];
  /** commands in create-body shape; `undefined` for schemas the simulator does not read (3–5) */
  commands?: PlannedCommand[];
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function seemsLikeLabware(json: unknown): boolean {
  return isObject(json) && 'ordering' in json && 'wells' in json;
}

export function seemsLikeProtocol(json: unknown): boolean {
  return isObject(json) && 'schemaVersion' in json && 'commands' in json;
}

/** First checks as robot-server's file identifier does; 422 ProtocolFilesInvalid otherwise. */
export function readJsonProtocol(json: JsonObject, fileName: string): JsonProtocolReading {
  const invalid = (): never => {
    throw protocolFilesInvalid(`${fileName} is not a valid JSON protocol.`);
  };
  const metadata = json.metadata;
  const schemaVersion = json.schemaVersion;
  const robot = json.robot;
  if (metadata === undefined || schemaVersion === undefined || !isObject(robot) || robot.model === undefined) invalid();
  if (!isObject(metadata) || typeof schemaVersion !== 'number' || !Number.isInteger(schemaVersion)) invalid();
  const robotType = (robot as JsonObject).model;
  if (robotType !== 'OT-2 Standard' && robotType !== 'OT-3 Standard') invalid();
  const labwareDefinitions = new Map<string, JsonObject>();
  if (isObject(json.labwareDefinitions)) {
    // keyed by the definition's own URI: the protocol's keys need not be URIs (schema 6 `definitionId`)
    for (const [key, def] of Object.entries(json.labwareDefinitions)) if (isObject(def)) labwareDefinitions.set(uriOfDefinition(def) ?? key, def);
  }
  const liquids: JsonObject[] = [];
  if (isObject(json.liquids)) {
    for (const [id, liquid] of Object.entries(json.liquids)) {
      if (!isObject(liquid)) continue;
      const entry: JsonObject = { id, displayName: liquid.displayName, description: liquid.description };
      if (liquid.displayColor !== undefined) entry.displayColor = liquid.displayColor;
      liquids.push(entry);
    }
  }
  const reading: JsonProtocolReading = {
    schemaVersion: schemaVersion as number,
    robotType: robotType as RobotType,
    metadata: metadata as JsonObject,
    labwareDefinitions,
    liquids,
  };
  if ((schemaVersion as number) >= 6) {
    if (!Array.isArray(json.commands)) invalid();
    reading.commands = (json.commands as unknown[]).map((c, i) => normaliseCommand(c, i, json, schemaVersion as number, fileName));
  }
  return reading;
}

/**
 * A schema 6 `definitionId` is only a key into the protocol's `labwareDefinitions` (Protocol Designer
 * writes e.g. `example/plate/1` for a definition whose loadName is `foo_8_plate_33ul`). The engine
 * loads by the definition's own namespace, loadName and version, so take them from the definition;
 * the key's parts are a last resort for a protocol that does not embed it.
 */
function schema6LabwareIdentity(json: JsonObject, definitionId: string): { namespace: string; loadName: string; version: number } {
  const defs = isObject(json.labwareDefinitions) ? json.labwareDefinitions : {};
  const def = defs[definitionId];
  const params = isObject(def) && isObject(def.parameters) ? def.parameters : undefined;
  if (isObject(def) && typeof def.namespace === 'string' && typeof params?.loadName === 'string' && typeof def.version === 'number') {
    return { namespace: def.namespace, loadName: params.loadName, version: def.version };
  }
  const [namespace, loadName, version] = definitionId.split('/');
  return { namespace, loadName, version: Number(version) };
}

function normaliseCommand(raw: unknown, index: number, json: JsonObject, schemaVersion: number, fileName: string): PlannedCommand {
  if (!isObject(raw) || typeof raw.commandType !== 'string' || !isObject(raw.params ?? {})) {
    throw protocolFilesInvalid(`${fileName} is not a valid JSON protocol: command ${index} has no commandType or params.`);
  }
  let commandType = raw.commandType;
  const params: JsonObject = { ...((raw.params as JsonObject | undefined) ?? {}) };
  if (schemaVersion === 6) {
    // Schema 6 names things in the protocol's top-level maps; later schemas carry them in the command.
    const pipettes = isObject(json.pipettes) ? json.pipettes : {};
    const modules = isObject(json.modules) ? json.modules : {};
    const labware = isObject(json.labware) ? json.labware : {};
    if (commandType === 'loadPipette' && params.pipetteName === undefined) {
      const p = pipettes[String(params.pipetteId)];
      if (isObject(p) && typeof p.name === 'string') params.pipetteName = p.name;
    } else if (commandType === 'loadModule' && params.model === undefined) {
      const m = modules[String(params.moduleId)];
      if (isObject(m) && typeof m.model === 'string') params.model = m.model;
    } else if (commandType === 'loadLabware' && params.loadName === undefined) {
      const l = labware[String(params.labwareId)];
      if (isObject(l) && typeof l.definitionId === 'string') {
        Object.assign(params, schema6LabwareIdentity(json, l.definitionId));
        if (typeof l.displayName === 'string') params.displayName = l.displayName;
      }
    } else if (commandType === 'delay') {
      // Schema 6 `delay` is either a timed wait or a pause for the user.
      if (params.waitForResume === true) {
        commandType = 'waitForResume';
        delete params.waitForResume;
        delete params.seconds;
      } else {
        commandType = 'waitForDuration';
      }
    }
  }
  const command: PlannedCommand = { commandType, params };
  if (typeof raw.key === 'string') command.key = raw.key;
  return command;
}

// Deck slot names: OT-2 "1"–"12" and Flex "A1"–"D3" name the same positions; the robot returns its own style.
const OT2_TO_FLEX: Record<string, string> = {
  '1': 'D1', '2': 'D2', '3': 'D3', '4': 'C1', '5': 'C2', '6': 'C3', '7': 'B1', '8': 'B2', '9': 'B3', '10': 'A1', '11': 'A2', '12': 'A3',
};
const FLEX_TO_OT2: Record<string, string> = Object.fromEntries(Object.entries(OT2_TO_FLEX).map(([k, v]) => [v, k]));

export function slotForRobot(slotName: string, robotType: RobotType): string {
  if (robotType === 'OT-3 Standard') return OT2_TO_FLEX[slotName] ?? slotName;
  return FLEX_TO_OT2[slotName] ?? slotName;
}

/** A location object with any deck slot converted to the robot's own naming. */
export function locationForRobot(location: unknown, robotType: RobotType): unknown {
  if (isObject(location) && typeof location.slotName === 'string') return { ...location, slotName: slotForRobot(location.slotName, robotType) };
  return location;
}
