// A finished run with a command log of a chosen length, for the command-log tests and bench: a JSON
// protocol of N comments (the simulator queues JSON protocol commands at create), played to the end.
import type { RobotClient } from '../nodes/lib/client';
import type { Run } from '../nodes/lib/types';

/** A schema-8 OT-2 JSON protocol with no labware definitions or liquids, running `commands`. */
export function jsonProtocol(protocolName: string, commands: Array<{ commandType: string; params: Record<string, unknown> }>): Buffer {
  return Buffer.from(JSON.stringify({
    $otSharedSchema: '#/protocol/schemas/8',
    schemaVersion: 8,
    metadata: { protocolName },
    robot: { model: 'OT-2 Standard', deckId: 'ot2_standard' },
    liquidSchemaId: 'opentronsLiquidSchemaV1',
    liquids: {},
    labwareDefinitionSchemaId: 'opentronsLabwareSchemaV2',
    labwareDefinitions: {},
    commandSchemaId: 'opentronsCommandSchemaV8',
    commands,
    commandAnnotationSchemaId: 'opentronsCommandAnnotationSchemaV1',
    commandAnnotations: [],
  }));
}

/** A JSON protocol of `comments` comment commands (its run logs comments + 1, the initial home). */
export function commentProtocol(comments: number): Buffer {
  return jsonProtocol(`${comments} comments`, Array.from({ length: comments }, (_, i) => ({ commandType: 'comment', params: { message: `step ${i + 1} of ${comments}` } })));
}

/** Creates, plays and waits for the end of a run that logs `commandCount` commands; returns its id. */
export async function finishedRun(client: RobotClient, commandCount: number, timeoutMs = 60_000): Promise<string> {
  const { protocol } = await client.uploadProtocol([{ filename: `log-${commandCount}.json`, content: commentProtocol(commandCount - 1) }]);
  const run = await client.createRun({ protocolId: protocol.id });
  await client.createRunAction(run.id, 'play');
  const until = Date.now() + timeoutMs;
  let last: Run = run;
  while (!['succeeded', 'failed', 'stopped'].includes(last.status)) {
    if (Date.now() > until) throw new Error(`run ${run.id} did not finish within ${timeoutMs} ms (status ${last.status})`);
    await new Promise((r) => setTimeout(r, 20));
    last = await client.getRun(run.id);
  }
  return run.id;
}
