// Teardown of a suite that holds several things (a browser, a Node-RED child, brokers, a temp dir): each is
// released even when an earlier one fails to, so one failed close never leaves a Node-RED child or a broker
// running (a live child keeps the mocha worker from exiting). The first failure is rethrown after all ran.
export async function releaseAll(steps: Array<() => unknown>): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      failures.push(err);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, `${failures.length} teardown steps failed`);
}
