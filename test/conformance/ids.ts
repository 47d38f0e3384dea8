// Ids the robot generated in a capture differ from the simulator's by design. Comparing a captured
// body with the simulator's pairs each captured id with the simulator's id at the same place; the
// pairing must stay one-to-one over the whole replay, and later requests use the simulator's ids.

/**
 * What counts as a robot-generated identifier, wherever it appears in a string (a whole value, a link,
 * an error text): UUIDs; the legacy protocol engine's ids (`commands.ASPIRATE-0`, `command.DROP_TIP-0`,
 * `pipette-0`, `labware-1`, `module-0`); 32-hex command keys; 40-hex module ids (hashes of a serial).
 */
const ID_SOURCE = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\\b[a-z]+s?\\.[A-Z_]+-\\d+\\b|\\b(?:pipette|labware|module)-\\d+\\b|\\b[0-9a-f]{40}\\b|\\b[0-9a-f]{32}\\b';

/** Split a string into [literal, id, literal, id, …, literal]. */
export function splitIds(text: string): string[] {
  return text.split(new RegExp(`(${ID_SOURCE})`));
}

export class IdMap {
  private readonly map = new Map<string, string>();
  private readonly reverse = new Map<string, string>();
  /** Values the robot generated that do not look like ids (serial numbers), paired by the key that holds them. */
  private readonly literal = new Map<string, string>();

  /**
   * Pair a generated value found under an id key (values.ts `idKeys`), such as a serial number; like `pair`, the
   * pairing must stay one-to-one, and `apply` replaces the value wherever it appears later.
   */
  pairValue(expected: string, actual: string): string | undefined {
    if (splitIds(expected).length > 1) return this.pair(expected, actual);
    const known = this.literal.get(expected);
    if (known !== undefined) return known === actual ? undefined : `value ${expected} was ${known} before, now ${actual}`;
    if (expected === actual) return undefined;
    this.literal.set(expected, actual);
    return undefined;
  }

  /**
   * Pair a captured id with the simulator's. Returns a problem text when the pairing contradicts an
   * earlier one (the simulator answered with another id for the same object, or one id for two objects).
   */
  pair(expected: string, actual: string): string | undefined {
    const known = this.map.get(expected);
    if (known !== undefined) return known === actual ? undefined : `id ${expected} was ${known} before, now ${actual}`;
    const other = this.reverse.get(actual);
    if (other !== undefined) return `simulator id ${actual} stands for both ${other} and ${expected}`;
    this.map.set(expected, actual);
    this.reverse.set(actual, expected);
    return undefined;
  }

  /**
   * Walk a captured body and the simulator's in parallel and pair the ids found at the same places,
   * without judging contradictions (for replays that compare with their own tolerances).
   */
  learn(expected: unknown, actual: unknown): void {
    if (typeof expected === 'string' && typeof actual === 'string') {
      const e = splitIds(expected);
      const a = splitIds(actual);
      if (e.length !== a.length) return;
      for (let i = 1; i < e.length; i += 2) if (!this.map.has(e[i]) && !this.reverse.has(a[i])) this.pair(e[i], a[i]);
      return;
    }
    if (Array.isArray(expected) && Array.isArray(actual)) {
      for (let i = 0; i < Math.min(expected.length, actual.length); i++) this.learn(expected[i], actual[i]);
      return;
    }
    if (expected && actual && typeof expected === 'object' && typeof actual === 'object') {
      const e = expected as Record<string, unknown>;
      const a = actual as Record<string, unknown>;
      for (const k of Object.keys(e)) if (k in a) this.learn(e[k], a[k]);
    }
  }

  /** The simulator's value paired with a captured serial-like value, if one was paired (pairValue). */
  literalOf(expected: string): string | undefined {
    return this.literal.get(expected);
  }

  /** Replace every known captured id in a text (a path or a JSON body). */
  apply(text: string): string {
    let out = splitIds(text).map((part, i) => (i % 2 === 1 ? this.map.get(part) ?? part : part)).join('');
    for (const [from, to] of this.literal) out = out.split(from).join(to);
    return out;
  }

  get size(): number {
    return this.map.size;
  }
}
