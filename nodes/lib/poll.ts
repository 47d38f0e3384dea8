// Waiting on the robot: it changes analyses and runs asynchronously, so nodes poll with a short first
// interval (fast simulated runs finish in ~100 ms) that backs off, abortable when the node closes.
import { RequestAbortedError, WaitTimeoutError } from './errors';

export interface PollOptions {
  /** Give up after this many ms (a WaitTimeoutError built by `onTimeout`). */
  timeoutMs: number;
  signal?: AbortSignal;
  /** First wait between checks; grows by `factor` up to `maxIntervalMs`. */
  firstIntervalMs?: number;
  maxIntervalMs?: number;
  factor?: number;
}

/** Resolves after ms, or rejects at once with RequestAbortedError when the signal aborts (timer cleared). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new RequestAbortedError('WAIT', 'poll'));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new RequestAbortedError('WAIT', 'poll'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Calls `check` until it returns `{done: true}`; each check sees the time left so a request never
 * outlives the deadline. The last value seen goes to `onTimeout` so the error can say where it stopped.
 */
export async function pollUntil<T>(
  check: (remainingMs: number) => Promise<{ done: boolean; value: T }>,
  onTimeout: (last: T | undefined) => WaitTimeoutError,
  opts: PollOptions,
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let interval = opts.firstIntervalMs ?? 50;
  const max = opts.maxIntervalMs ?? 1_000;
  const factor = opts.factor ?? 1.5;
  let last: T | undefined;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw onTimeout(last);
    const r = await check(remaining);
    last = r.value;
    if (r.done) return r.value;
    const left = deadline - Date.now();
    if (left <= 0) throw onTimeout(last);
    await sleep(Math.min(interval, left), opts.signal);
    interval = Math.min(max, Math.ceil(interval * factor));
  }
}

export const MIN_POLL_INTERVAL_MS = 500;
