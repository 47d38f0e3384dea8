/**
 * POST/GET /commands: the "default" engine that lives from boot and runs the 19 stateless command types,
 * with attached modules pre-loaded (moduleId = the /modules id). Its command list is separate from any run's.
 */
import { newId, timestamp, type Scheduler } from './clock';
import { CommandWaiters, waitForCommand } from './command-wait';
import { STATELESS_COMMAND_TYPES, commandResource, type CommandRecord, validateCommandCreate } from './commands';
import { runActive, statelessCommandNotFound } from './errors';
import { EngineState, durationOf, execute } from './executor';
import type { Hardware } from './hardware';
import { decodeJsonBody, ok, queryBool, queryInt, readData, type Route } from './http';
import type { RunStore } from './runs';

export class StatelessEngine {
  readonly commands: CommandRecord[] = [];
  private queue: CommandRecord[] = [];
  private busy = false;
  private readonly waiters = new CommandWaiters();
  readonly state: EngineState;

  constructor(hardware: Hardware, private readonly scheduler: Scheduler, private readonly commandMs: number) {
    this.state = new EngineState(hardware.model, hardware);
    this.syncModules();
  }

  /** The default engine knows exactly the modules attached now (fault injection attaches and detaches them). */
  private syncModules(): void {
    this.state.modules.clear();
    for (const m of this.state.hardware.modules) this.state.modules.set(m.id, { id: m.id, model: m.moduleModel, serialNumber: m.serialNumber });
  }

  add(commandType: string, params: Record<string, unknown>, key?: string): CommandRecord {
    const id = newId();
    const rec: CommandRecord = { id, key: key ?? id, commandType, createdAt: timestamp(), status: 'queued', params, intent: 'setup' };
    this.commands.push(rec);
    this.queue.push(rec);
    // the response of a no-wait POST shows the command still queued, as on the robot
    this.scheduler.afterReal(0, () => this.pump());
    return rec;
  }

  /** A restart starts a fresh default engine: its command list is "since boot". */
  reset(): void {
    this.releaseWaiters();
    this.commands.length = 0;
    this.queue = [];
  }

  /** Call fn once the command succeeded or failed (at once if it has); returns a function that unregisters it. */
  watch(id: string, fn: () => void): () => void {
    const c = this.commands.find((x) => x.id === id);
    if (!c || c.status === 'succeeded' || c.status === 'failed') {
      fn();
      return () => undefined;
    }
    return this.waiters.add(id, fn);
  }

  /** Waiters still registered (an aborted waitUntilComplete request must leave none). */
  get waiterCount(): number {
    return this.waiters.size;
  }

  releaseWaiters(): void {
    this.waiters.releaseAll();
  }

  private pump(): void {
    if (this.busy) return;
    const next = this.queue.shift();
    if (!next) return;
    this.busy = true;
    next.status = 'running';
    next.startedAt = timestamp();
    this.scheduler.after(durationOf(next, this.commandMs), () => {
      this.syncModules();
      const out = execute(this.state, next);
      next.completedAt = timestamp();
      if ('error' in out) {
        next.status = 'failed';
        next.error = out.error;
      } else {
        next.status = 'succeeded';
        next.result = 'result' in out ? out.result : {};
      }
      next.notes = [];
      this.busy = false;
      this.waiters.settle(next.id);
      this.pump();
    });
  }
}

/**
 * All three /commands routes depend on robot-server's default engine, which it refuses (409 RunActive) while the
 * current run has been played and has not stopped (RunOrchestratorStore.get_default_orchestrator). A never-played
 * current run and a finished one that is still current do not block it. FastAPI resolves that dependency before
 * it validates the body and query, so the 409 comes first.
 */
function assertNoActiveRun(runs: RunStore): void {
  if (runs.protocolRunActive()) throw runActive();
}

export function statelessRoutes(engine: StatelessEngine, runs: RunStore, scheduler: Scheduler): Route[] {
  return [
    {
      method: 'POST',
      path: '/commands',
      handle: async (req) => {
        decodeJsonBody(req);
        assertNoActiveRun(runs);
        const data = readData(req) ?? {};
        const create = validateCommandCreate(data, STATELESS_COMMAND_TYPES);
        const wait = queryBool(req, 'waitUntilComplete', false);
        const timeout = queryInt(req, 'timeout', 1);
        const rec = engine.add(create.commandType, create.params, create.key);
        if (wait) await waitForCommand(req, scheduler, timeout, (fn) => engine.watch(rec.id, fn));
        return ok({ data: commandResource(rec) }, 201);
      },
    },
    {
      method: 'GET',
      path: '/commands',
      handle: (req) => {
        assertNoActiveRun(runs);
        const cursor = queryInt(req, 'cursor', 0);
        const pageLength = queryInt(req, 'pageLength', 0) ?? 20;
        const all = engine.commands;
        const start = Math.max(0, Math.min(cursor ?? all.length - pageLength, all.length - 1));
        const page = all.slice(start, start + pageLength).map(commandResource);
        return ok({ data: page, meta: { cursor: start, totalLength: all.length } });
      },
    },
    {
      method: 'GET',
      path: '/commands/:commandId',
      handle: (req) => {
        assertNoActiveRun(runs);
        const c = engine.commands.find((x) => x.id === req.params.commandId);
        if (!c) throw statelessCommandNotFound(req.params.commandId);
        return ok({ data: commandResource(c) });
      },
    },
  ];
}
