/**
 * `waitUntilComplete` for POST /commands and POST /runs/{id}/commands: the response waits until the command
 * settles, the timeout passes, or the client goes away, whichever comes first. Whichever it is, the other two
 * are undone at once, so an aborted or timed-out request leaves no timer, close listener or command waiter behind.
 */
import type { Scheduler } from './clock';
import type { SimRequest } from './http';

/** Registers `fn` to run when the command settles; returns a function that unregisters it. */
export type CommandWatch = (fn: () => void) => () => void;

export function waitForCommand(req: SimRequest, scheduler: Scheduler, timeoutMs: number | undefined, watch: CommandWatch): Promise<void> {
  return new Promise<void>((resolve) => {
    const undo: Array<() => void> = [];
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      for (const u of undo.splice(0)) u();
      resolve();
    };
    undo.push(watch(finish));
    if (done) return;
    if (timeoutMs !== undefined) undo.push(scheduler.afterReal(timeoutMs, finish));
    undo.push(req.onClose(finish));
    // the watch or the close may have fired synchronously while registering the others
    if (done) for (const u of undo.splice(0)) u();
  });
}

/** The waiter bookkeeping both engines share: callbacks per command id, removable one by one. */
export class CommandWaiters {
  private readonly byCommand = new Map<string, Set<() => void>>();

  add(commandId: string, fn: () => void): () => void {
    let set = this.byCommand.get(commandId);
    if (!set) {
      set = new Set();
      this.byCommand.set(commandId, set);
    }
    set.add(fn);
    return () => {
      const s = this.byCommand.get(commandId);
      if (!s) return;
      s.delete(fn);
      if (s.size === 0) this.byCommand.delete(commandId);
    };
  }

  /** The command settled: call and forget its waiters. */
  settle(commandId: string): void {
    const set = this.byCommand.get(commandId);
    if (!set) return;
    this.byCommand.delete(commandId);
    for (const fn of set) fn();
  }

  /** Call and forget every waiter (server stopping, run removed). */
  releaseAll(): void {
    const sets = [...this.byCommand.values()];
    this.byCommand.clear();
    for (const set of sets) for (const fn of set) fn();
  }

  /** Waiters still registered (tests check that aborted requests leave none). */
  get size(): number {
    let n = 0;
    for (const s of this.byCommand.values()) n += s.size;
    return n;
  }
}
