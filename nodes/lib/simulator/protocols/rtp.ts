// Run-time parameters (7.3+): the definitions read from `add_parameters`, with a client's values
// applied, in the shape analyses and runs report them.
import type { RtpDefinition } from './python-reader';
import type { JsonObject } from './types';

export type RtpValues = Record<string, unknown>;
export type RtpFiles = Record<string, string>;

export class RtpValueError extends Error {}

export interface AppliedParameters {
  parameters: JsonObject[];
  /** csv parameters that got no file (→ result `parameter-value-required`) */
  missingFiles: string[];
}

function checkValue(def: RtpDefinition, value: unknown): unknown {
  const name = def.variableName;
  if (def.choices && def.choices.length > 0) {
    const match = def.choices.find((c) => c.value === value);
    if (!match) throw new RtpValueError(`Parameter '${name}': ${JSON.stringify(value)} is not among the allowed choices ${JSON.stringify(def.choices.map((c) => c.value))}.`);
    return value;
  }
  switch (def.kind) {
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new RtpValueError(`Parameter '${name}' must be an int, not ${JSON.stringify(value)}.`);
      break;
    case 'float':
      if (typeof value !== 'number') throw new RtpValueError(`Parameter '${name}' must be a float, not ${JSON.stringify(value)}.`);
      break;
    case 'bool':
      if (typeof value !== 'boolean') throw new RtpValueError(`Parameter '${name}' must be a bool, not ${JSON.stringify(value)}.`);
      return value;
    case 'str':
      if (typeof value !== 'string') throw new RtpValueError(`Parameter '${name}' must be a str, not ${JSON.stringify(value)}.`);
      return value;
    default:
      return value;
  }
  const n = value as number;
  if ((def.minimum !== undefined && n < def.minimum) || (def.maximum !== undefined && n > def.maximum)) {
    throw new RtpValueError(`Parameter '${name}' must be between ${def.minimum} and ${def.maximum}, not ${n}.`);
  }
  return n;
}

/**
 * Apply values (and csv file ids) to the definitions. Throws RtpValueError for a value the robot
 * would reject (wrong type, out of range, not a choice, unknown parameter).
 */
export function applyParameters(defs: RtpDefinition[], values: RtpValues = {}, files: RtpFiles = {}, fileName?: (id: string) => string | undefined): AppliedParameters {
  const known = new Set(defs.map((d) => d.variableName));
  for (const name of [...Object.keys(values), ...Object.keys(files)]) {
    if (!known.has(name)) throw new RtpValueError(`Parameter with variable name '${name}' is not defined in this protocol.`);
  }
  const out: AppliedParameters = { parameters: [], missingFiles: [] };
  for (const def of defs) {
    const p: JsonObject = { displayName: def.displayName, variableName: def.variableName };
    if (def.description !== undefined) p.description = def.description;
    if (def.kind === 'csv_file') {
      p.type = 'csv_file';
      const id = files[def.variableName];
      if (id === undefined) out.missingFiles.push(def.variableName);
      else {
        const file: JsonObject = { id };
        const name = fileName?.(id);
        if (name !== undefined) file.name = name;
        p.file = file;
      }
      out.parameters.push(p);
      continue;
    }
    if (def.unit !== undefined) p.suffix = def.unit;
    p.type = def.kind;
    const given = def.variableName in values ? checkValue(def, values[def.variableName]) : def.default;
    p.value = given;
    p.default = def.default;
    if (def.choices && def.choices.length > 0) {
      p.choices = def.choices.map((c) => ({ displayName: c.displayName, value: c.value }));
    } else if (def.kind === 'int' || def.kind === 'float') {
      if (def.minimum !== undefined) p.min = def.minimum;
      if (def.maximum !== undefined) p.max = def.maximum;
    }
    out.parameters.push(p);
  }
  return out;
}

/** Whether a request's values/files give exactly the parameters a previous analysis used (omitted = default). */
export function sameParameters(previous: JsonObject[], defs: RtpDefinition[], values: RtpValues = {}, files: RtpFiles = {}): boolean {
  for (const def of defs) {
    const prev = previous.find((p) => p.variableName === def.variableName);
    if (!prev) return false;
    if (def.kind === 'csv_file') {
      const prevId = (prev.file as JsonObject | undefined)?.id;
      if (prevId !== files[def.variableName]) return false;
    } else {
      const wanted = def.variableName in values ? values[def.variableName] : def.default;
      if (prev.value !== wanted) return false;
    }
  }
  return true;
}
