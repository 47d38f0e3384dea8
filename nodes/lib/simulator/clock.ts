import { randomUUID } from 'node:crypto';

/** Random UUID4, the id format robot-server uses for runs, protocols, commands and actions. */
export function newId(): string {
  return randomUUID();
}

let lastMicros = 0;

/**
 * Current time as robot-server writes it: ISO-8601 UTC with microseconds and a `+00:00` offset.
 * Strictly increasing, so `createdAt <= startedAt <= completedAt` holds even within one millisecond.
 */
export function timestamp(): string {
  let micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  if (micros <= lastMicros) micros = lastMicros + 1;
  lastMicros = micros;
  return formatMicros(micros);
}

export function formatMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const iso = new Date(ms).toISOString(); // 2024-10-09T12:00:00.123Z
  const frac = String(micros % 1_000_000).padStart(6, '0');
  return `${iso.slice(0, 19)}.${frac}+00:00`;
}

/**
 * Owns every timer the simulator starts, so `stop()` can clear them all; scales simulated durations by the speed factor.
 * Durations that scale below a millisecond run on `setImmediate`, which keeps a sped-up run fast but still asynchronous.
 */
export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly immediates = new Set<NodeJS.Immediate>();
  private stopped = false;

  constructor(readonly speed: number) {}

  /** The factor simulated time runs faster than real time: a speed of 0 or below counts as 1, so no timer waits forever. */
  private get factor(): number {
    return this.speed > 0 ? this.speed : 1;
  }

  /** Simulated duration (ms at speed 1) → real ms. */
  scale(ms: number): number {
    return ms / this.factor;
  }

  /**
   * The simulated clock in ms (module temperatures ramp on it). On the same factor as `scale`, so a timer set for
   * a simulated duration finds that much simulated time gone when it fires: with a raw real × speed clock, speed 0
   * froze every ramp and a waitForTemperature re-armed its timer forever.
   */
  now(): number {
    return performance.now() * this.factor;
  }

  /** Run fn after a simulated duration. Returns a cancel function. */
  after(simMs: number, fn: () => void): () => void {
    return this.afterReal(this.scale(simMs), fn);
  }

  /** Run fn after real ms (not scaled): for fault delays and request timeouts. */
  afterReal(realMs: number, fn: () => void): () => void {
    if (this.stopped) return () => undefined;
    if (realMs < 1) {
      const im = setImmediate(() => {
        this.immediates.delete(im);
        fn();
      });
      this.immediates.add(im);
      return () => {
        clearImmediate(im);
        this.immediates.delete(im);
      };
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, realMs);
    this.timers.add(t);
    return () => {
      clearTimeout(t);
      this.timers.delete(t);
    };
  }

  sleepReal(realMs: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      this.afterReal(realMs, resolve);
    });
  }

  /** Timers and immediates started and not yet fired or cancelled (tests check that nothing leaks). */
  pending(): number {
    return this.timers.size + this.immediates.size;
  }

  clearAll(): void {
    for (const t of this.timers) clearTimeout(t);
    for (const i of this.immediates) clearImmediate(i);
    this.timers.clear();
    this.immediates.clear();
  }

  stop(): void {
    this.stopped = true;
    this.clearAll();
  }
}
