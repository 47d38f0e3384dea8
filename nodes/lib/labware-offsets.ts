// msg.labwareOffsets as POST /runs takes them, checked before anything is sent: opentrons-run's create and
// add-labware-offsets and opentrons-queue's submit read them one way.
import { InputError } from './errors';
import { own } from './node-support';
import type { LabwareOffsetCreate } from './types';

/** Checks msg.labwareOffsets against the shape POST /runs takes, so a typo fails here and not at the robot. */
export function labwareOffsets(value: unknown): LabwareOffsetCreate[] | undefined {
  if (value === undefined || value === null) return undefined;
  const shape = 'each like {definitionUri, location: {slotName}, vector: {x, y, z}}';
  if (!Array.isArray(value)) throw new InputError(`msg.labwareOffsets must be an array, ${shape}`);
  return value.map((o: unknown, i: number) => {
    const where = `msg.labwareOffsets[${i}]`;
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new InputError(`${where} must be an object, ${shape}`);
    const def = own(o, 'definitionUri');
    const location = own(o, 'location');
    const vector = own(o, 'vector');
    if (typeof def !== 'string' || !def) throw new InputError(`${where}.definitionUri must be a string like "opentrons/opentrons_96_tiprack_300ul/1"`);
    if (typeof location !== 'object' || location === null || typeof own(location, 'slotName') !== 'string') {
      throw new InputError(`${where}.location must be an object with a slotName, e.g. {"slotName": "1"}`);
    }
    if (typeof vector !== 'object' || vector === null || !['x', 'y', 'z'].every((k) => typeof own(vector, k) === 'number' && Number.isFinite(own(vector, k)))) {
      throw new InputError(`${where}.vector must be {x, y, z} with numbers (mm)`);
    }
    return o as LabwareOffsetCreate;
  });
}
