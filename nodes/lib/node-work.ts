// What one action node has in flight: an AbortController for its requests and waits, and the
// promises of the msgs it is handling, so `close` (redeploy) aborts them and waits for them to end.
import type { Node, NodeAPI, NodeMessage } from 'node-red';
import { InputError, RequestAbortedError } from './errors';
import { Done, Msg, Send, fail, requireRunId } from './node-support';

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

  /**
   * Wires a node's input and close handlers: every msg runs `handle` and ends in exactly one `done`
   * (its error goes to Catch nodes); close aborts what is in flight and waits for it.
   */
  serve(node: Node, handle: (msg: Msg, send: Send) => Promise<void>): void {
    node.on('input', (incoming: object, send: Send, done: Done) => {
      const msg = incoming as Msg;
      this.track(async () => {
        try {
          await handle(msg, send);
          done();
        } catch (err) {
          // A msg cut short by a redeploy ends quietly: the node is gone, nobody should catch it.
          if (this.closed) return done();
          fail(node, msg, err, done);
        }
      });
    });
    node.on('close', (_removed: boolean, closed: () => void) => {
      void this.close().then(() => closed());
    });
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

/** A node setting (typedInput) for this msg; one that cannot be read (a bad JSON, a failing env) is an InputError naming it. */
export async function editorSetting(RED: NodeAPI, node: Node, msg: NodeMessage, value: unknown, type: unknown, what: string): Promise<unknown> {
  try {
    return await evaluateProperty(RED, node, msg, value, type);
  } catch (err) {
    throw new InputError(`the node's ${what} could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The node's run id setting for this msg: '' when it names none, else a checked run id. */
export async function editorRunId(RED: NodeAPI, node: Node, msg: NodeMessage, value: unknown, type: unknown, hint: string): Promise<string> {
  const v = await editorSetting(RED, node, msg, typeof value === 'string' ? value.trim() : value, type, 'run id');
  return v === undefined || v === null || v === '' ? '' : requireRunId(v, 'the node\'s run id', hint);
}
