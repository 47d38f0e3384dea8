// Ids the robot generated in a capture differ from the simulator's by design. Walking a captured
// body and the simulator's body in parallel maps each captured id to the simulator's, so later
// requests of the replay can use the simulator's ids.

const ID_LIKE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z]+s?\.[A-Z_]+-\d+|(pipette|labware|module)-\d+)$/;

export class IdMap {
  private readonly map = new Map<string, string>();

  learn(expected: unknown, actual: unknown): void {
    if (typeof expected === 'string' && typeof actual === 'string') {
      if (ID_LIKE.test(expected) && expected !== actual && !this.map.has(expected)) this.map.set(expected, actual);
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

  /** Replace every known captured id in a text (a path or a JSON body). */
  apply(text: string): string {
    let out = text;
    for (const [from, to] of this.map) out = out.split(from).join(to);
    return out;
  }

  get size(): number {
    return this.map.size;
  }
}
