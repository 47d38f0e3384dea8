// What one action node has in flight: an AbortController for its requests and waits, and the
// promises of the msgs it is handling, so `close` (redeploy) aborts them and waits for them to end.
import type { Node, NodeAPI, NodeMessage } from 'node-red';
import { RequestAbortedError } from './errors';

export class NodeWork {
  private readonly controller = new AbortController();
  private readonly inFlight = new Set<Promise<unknown>>();

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get closed(): boolean {
    return this.controller.signal.aborted;
  }

  /** Runs one msg's work; the returned promise never rejects (the handler reports its own errors). */
  track(work: () => Promise<void>): void {
    const p = work().catch(() => undefined);
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  get busy(): number {
    return this.inFlight.size;
  }

  /** Aborts every request and timer of this node, then waits until each msg has finished. */
  async close(): Promise<void> {
    this.controller.abort(new RequestAbortedError('CLOSE', 'node closed'));
    await Promise.allSettled([...this.inFlight]);
  }
}

/**
 * Reads an editor typedInput (str, msg, flow, global, env, json…) for this msg. Asynchronous so
 * persistent context stores work too.
 */
export function evaluateProperty(RED: NodeAPI, node: Node, msg: NodeMessage, value: unknown, type: unknown): Promise<unknown> {
  const v = typeof value === 'string' ? value : '';
  const t = typeof type === 'string' && type ? type : 'str';
  if (t === 'str' && v === '') return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    RED.util.evaluateNodeProperty(v, t, node, msg, (err: Error | null, result: unknown) => (err ? reject(err) : resolve(result)));
  });
}
