import { invalidRequests, legacyValidation, outdatedApiVersion } from './errors';

/** HTTP API version this simulator speaks (robot-server 8.1.0) and the oldest accepted. */
export const API_VERSION = 4;
export const MIN_API_VERSION = 2;

/** Paths that need no Opentrons-Version header. */
export function isVersionExempt(path: string): boolean {
  return path.startsWith('/logs/') || path === '/openapi.json' || path === '/redoc';
}

/**
 * Check the Opentrons-Version header as robot-server does and return the effective version (`min(4, requested)`).
 * Missing, empty or non-integer → 422 (legacy `{message}` shape on legacy routes); below 2 → 400 OutdatedAPIVersion.
 */
export function checkVersion(raw: string | string[] | undefined, legacy: boolean): number {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value.trim() === '') {
    throw legacy
      ? legacyValidation(422, 'header.opentrons-version: field required')
      : invalidRequests([{ detail: 'field required', source: { header: 'opentrons-version' } }]);
  }
  const v = value.trim();
  if (v === '*') return API_VERSION;
  if (!/^[+-]?\d+$/.test(v)) {
    if (legacy) {
      throw legacyValidation(
        422,
        "header.opentrons-version: unexpected value; permitted: '*'; header.opentrons-version: value is not a valid integer",
      );
    }
    throw invalidRequests([
      { detail: "unexpected value; permitted: '*'", source: { header: 'opentrons-version' } },
      { detail: 'value is not a valid integer', source: { header: 'opentrons-version' } },
    ]);
  }
  const n = parseInt(v, 10);
  if (n < MIN_API_VERSION) throw outdatedApiVersion(v);
  return Math.min(API_VERSION, n);
}
