// The fleet's queue as it is kept in a Node-RED context store (the fleet config node's own context): every
// job in order, each dispatched job's robot and run id, each robot's hold and needs-clearing, and each
// protocol's files once. Written after every change; writes are coalesced, never reordered.
import type { Job, StoredFile } from './job';

export interface RobotMarks {
  held: boolean;
  needsClearing: boolean;
}

export interface QueueState {
  version: 1;
  /** Next submission number. */
  seq: number;
  jobs: Job[];
  /** Protocol files by content hash, shared by every job of that protocol. */
  files: Record<string, StoredFile[]>;
  /** By robot config id. */
  robots: Record<string, RobotMarks>;
}

/** The part of a Node-RED context the store needs (node.context()). */
export interface ContextLike {
  get(key: string, store: string | undefined, cb: (err: Error | null | undefined, value: unknown) => void): void;
  set(key: string, value: unknown, store: string | undefined, cb: (err: Error | null | undefined) => void): void;
}

const KEY = 'opentrons-fleet-queue';

/**
 * Node-RED deletes a node's context on every close when settings.js configures no context store, so a redeploy
 * would empty the queue. Then the queue lives here instead, by fleet node id, for as long as the process runs.
 */
const processQueues = new Map<string, unknown>();

export function processContext(fleetId: string): ContextLike & { forget(): void } {
  return {
    get: (_key, _store, cb) => cb(null, processQueues.get(fleetId)),
    set: (_key, value, _store, cb) => {
      processQueues.set(fleetId, value);
      cb(null);
    },
    forget: () => processQueues.delete(fleetId),
  };
}
/** Finished jobs kept for `list` and dashboards; older ones are dropped from the store. */
export const KEEP_FINISHED = 100;

export function emptyState(): QueueState {
  return { version: 1, seq: 0, jobs: [], files: {}, robots: {} };
}

export class QueueStore {
  private writing: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  constructor(
    private readonly context: ContextLike,
    /** undefined: the default store. */
    private readonly store: string | undefined,
  ) {}

  load(): Promise<QueueState> {
    return new Promise((resolve, reject) => {
      this.context.get(KEY, this.store, (err, value) => {
        if (err) return reject(err);
        resolve(isState(value) ? (JSON.parse(JSON.stringify(value)) as QueueState) : emptyState());
      });
    });
  }

  /**
   * Resolves once a write that includes the state as it is now has finished. `snapshot` is called when the
   * write starts, so changes made meanwhile go into the same write.
   */
  save(snapshot: () => QueueState): Promise<void> {
    if (this.next) return this.next;
    const after = this.writing ?? Promise.resolve();
    const mine = after
      .catch(() => undefined)
      .then(() => {
        this.next = undefined;
        // A copy: the memory store keeps the object itself, and the queue goes on changing its own.
        return this.write(JSON.parse(JSON.stringify(snapshot())) as QueueState);
      });
    this.next = mine;
    this.writing = mine;
    void mine.finally(() => {
      if (this.writing === mine) this.writing = undefined;
    }).catch(() => undefined);
    return mine;
  }

  /** Waits for every write asked for so far. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing.catch(() => undefined);
  }

  private write(state: QueueState): Promise<void> {
    return new Promise((resolve, reject) => {
      this.context.set(KEY, state, this.store, (err) => (err ? reject(err) : resolve()));
    });
  }
}

/** Drops the oldest finished jobs beyond KEEP_FINISHED and files no job refers to any more. */
export function prune(state: QueueState, isFinished: (job: Job) => boolean): void {
  const finished = state.jobs.filter(isFinished);
  if (finished.length > KEEP_FINISHED) {
    const drop = new Set(finished.slice(0, finished.length - KEEP_FINISHED));
    state.jobs = state.jobs.filter((j) => !drop.has(j));
  }
  const used = new Set(state.jobs.filter((j) => !isFinished(j)).map((j) => ('hash' in j.protocol ? j.protocol.hash : '')));
  for (const hash of Object.keys(state.files)) if (!used.has(hash)) delete state.files[hash];
}

function isState(value: unknown): value is QueueState {
  const v = value as Partial<QueueState> | undefined;
  return typeof v === 'object' && v !== null && v.version === 1 && Array.isArray(v.jobs) && typeof v.files === 'object' && typeof v.robots === 'object';
}
