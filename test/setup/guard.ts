// Process-level guard: any unhandled rejection or uncaught exception during the run fails
// the test that was running when it surfaced (and the suite), instead of passing silently.
const problems: string[] = [];

function record(kind: string, reason: unknown): void {
  const text = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
  problems.push(`${kind}: ${text}`);
}

process.on('unhandledRejection', (reason) => record('unhandledRejection', reason));
process.on('uncaughtException', (err) => record('uncaughtException', err));

export const mochaHooks = {
  afterEach(): void {
    if (problems.length > 0) {
      const all = problems.splice(0, problems.length);
      throw new Error(`process guard caught ${all.length} problem(s):\n${all.join('\n')}`);
    }
  },
};
