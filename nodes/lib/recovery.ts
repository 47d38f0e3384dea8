// Flex error recovery inputs, checked before anything is sent: the rules of a run's error recovery
// policy (opentrons-run action `error-recovery-policy`) and the failed command a fixit command answers
// (opentrons-command intent `fixit`).
import type { ErrorRecoveryRule } from './client';
import { InputError } from './errors';
import { own } from './node-support';

const IF_MATCH = ['ignoreAndContinue', 'failRun', 'waitForRecovery'] as const;
const MAX_RULES = 100;
const RULE_SHAPE = '{"matchCriteria": {"command": {"commandType": "pickUpTip", "error": {"errorType": "tipPhysicallyMissing"}}}, "ifMatch": "waitForRecovery"}';

function name(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== '' && v.length <= 100;
}

/**
 * msg.payload as policy rules: an array of rules, or `{policyRules: [...]}` (the robot's `data` object).
 * Only the fields the robot reads are sent, so nothing else in the msg leaks into the request.
 */
export function policyRules(value: unknown): ErrorRecoveryRule[] {
  const rules = Array.isArray(value) ? value : own(value, 'policyRules');
  if (!Array.isArray(rules)) {
    throw new InputError(`msg.payload must be the error recovery policy: an array of rules (or {"policyRules": [...]}), each like ${RULE_SHAPE}; [] restores the robot's default`);
  }
  if (rules.length > MAX_RULES) throw new InputError(`msg.payload has ${rules.length} policy rules; at most ${MAX_RULES}`);
  return rules.map((r: unknown, i: number) => {
    const where = `policy rule ${i} (msg.payload[${i}])`;
    const command = own(own(r, 'matchCriteria'), 'command');
    const commandType = own(command, 'commandType');
    const errorType = own(own(command, 'error'), 'errorType');
    const ifMatch = own(r, 'ifMatch');
    if (!name(commandType) || !name(errorType)) {
      throw new InputError(`${where} needs matchCriteria.command.commandType and matchCriteria.command.error.errorType (names), like ${RULE_SHAPE}`);
    }
    if (typeof ifMatch !== 'string' || !(IF_MATCH as readonly string[]).includes(ifMatch)) {
      throw new InputError(`${where}: ifMatch must be one of ${IF_MATCH.join(', ')} (got ${JSON.stringify(ifMatch) ?? 'nothing'})`);
    }
    return {
      matchCriteria: { command: { commandType: commandType.trim(), error: { errorType: errorType.trim() } } },
      ifMatch: ifMatch as ErrorRecoveryRule['ifMatch'],
    };
  });
}

/**
 * The failed command a fixit command answers (msg.failedCommandId): required with intent fixit, and
 * refused with any other intent (the robot would answer 400 CommandNotAllowed).
 */
export function failedCommandIdFor(intents: ReadonlyArray<string | undefined>, target: 'robot' | 'run', value: unknown): string | undefined {
  const fixit = intents.includes('fixit');
  const given = value !== undefined && value !== null && value !== '';
  if (!fixit) {
    if (given) throw new InputError('msg.failedCommandId is only for fixit commands: set intent "fixit" (while a Flex run awaits recovery), or remove msg.failedCommandId');
    return undefined;
  }
  if (target === 'robot') throw new InputError('fixit commands go into a run awaiting recovery: set the node\'s target to "run"');
  if (intents.some((i) => i !== 'fixit')) throw new InputError('a batch with fixit commands must be all fixit: send the other commands separately');
  if (typeof value !== 'string' || value.trim() === '' || value.length > 200) {
    throw new InputError(
      `intent fixit needs msg.failedCommandId: the id of the command the run is recovering from (opentrons-status gives it as msg.payload.failedCommand.id; got ${given ? typeof value : 'nothing'})`,
    );
  }
  return value.trim();
}
