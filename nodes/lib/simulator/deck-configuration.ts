/**
 * The Flex deck configuration check robot-server makes on PUT /deck_configuration: every fixture must be one
 * the deck knows and sit in a cutout it may mount to, and every cutout must hold exactly one fixture. Each
 * problem is one 422 `InvalidDeckConfiguration` error with the problem in `meta` (capture 172).
 */
import deck from '../data/flex-cutout-fixtures.json';
import { ApiError, type ErrorObject } from './errors';
import type { CutoutFixture } from './hardware';

const FIXTURES = deck.fixtures as Record<string, string[]>;
const CUTOUTS = deck.cutouts;

function problem(meta: Record<string, unknown>): ErrorObject {
  return { id: 'InvalidDeckConfiguration', title: 'Invalid Deck Configuration', detail: 'Invalid deck configuration.', meta: meta as unknown as ErrorObject['meta'], errorCode: '4000' };
}

/** True when the deck has a fixture for this module model that mounts in this cutout (a Flex module slot). */
export function moduleFixtureFits(moduleModel: string, cutoutId: string): boolean {
  return FIXTURES[moduleModel]?.includes(cutoutId) ?? false;
}

/** Throws the robot's 422 when the configuration is not one the Flex accepts. */
export function checkDeckConfiguration(fixtures: CutoutFixture[]): void {
  const errors: ErrorObject[] = [];
  const byCutout = new Map<string, string[]>();
  for (const f of fixtures) {
    const allowed = FIXTURES[f.cutoutFixtureId];
    if (!allowed) {
      errors.push(problem({ deckConfigurationProblem: 'UnrecognizedCutoutFixtureError', cutout_fixture_id: f.cutoutFixtureId, allowed_cutout_fixture_ids: Object.keys(FIXTURES) }));
    } else if (!allowed.includes(f.cutoutId)) {
      errors.push(problem({ deckConfigurationProblem: 'InvalidLocationError', cutout_id: f.cutoutId, cutout_fixture_id: f.cutoutFixtureId, allowed_cutout_ids: allowed }));
    }
    byCutout.set(f.cutoutId, [...(byCutout.get(f.cutoutId) ?? []), f.cutoutFixtureId]);
  }
  for (const cutout of CUTOUTS) {
    const here = byCutout.get(cutout) ?? [];
    if (here.length > 1) errors.push(problem({ deckConfigurationProblem: 'OvercrowdedCutoutError', cutout_id: cutout, cutout_fixture_ids: here }));
    if (here.length === 0) errors.push(problem({ deckConfigurationProblem: 'UnoccupiedCutoutError', cutout_id: cutout }));
  }
  if (errors.length > 0) {
    const err = new ApiError(422, errors);
    err.versionHeaders = false;
    throw err;
  }
}
