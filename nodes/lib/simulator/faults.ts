/**
 * Fault injection for reliability tests: rules consumed by the next matching requests.
 * Going down and coming back is handled by the robot itself (index.ts), since it owns the listener.
 */
export type PathMatcher = RegExp | string | undefined;

export interface FaultMatch {
  method?: string;
  path?: RegExp | string;
  count?: number;
}

export type FaultKind =
  | { kind: 'fail'; status: number }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'drop' }
  | { kind: 'malformed'; body: string };

interface FaultRule {
  method?: string;
  path?: RegExp | string;
  remaining: number;
  fault: FaultKind;
}

export function matches(method: string, path: string, wantMethod?: string, wantPath?: PathMatcher): boolean {
  if (wantMethod && wantMethod.toUpperCase() !== method.toUpperCase()) return false;
  if (wantPath === undefined) return true;
  if (typeof wantPath === 'string') return wantPath === path;
  wantPath.lastIndex = 0;
  return wantPath.test(path);
}

export class FaultPlan {
  private rules: FaultRule[] = [];

  add(match: FaultMatch, fault: FaultKind): void {
    this.rules.push({ method: match.method, path: match.path, remaining: match.count ?? 1, fault });
  }

  /** Faults that apply to this request (at most one of each kind), consuming one use of each rule. */
  take(method: string, path: string): FaultKind[] {
    const found: FaultKind[] = [];
    const kinds = new Set<string>();
    for (const r of this.rules) {
      if (r.remaining <= 0 || kinds.has(r.fault.kind)) continue;
      if (!matches(method, path, r.method, r.path)) continue;
      r.remaining -= 1;
      kinds.add(r.fault.kind);
      found.push(r.fault);
    }
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return found;
  }

  clear(): void {
    this.rules = [];
  }
}
