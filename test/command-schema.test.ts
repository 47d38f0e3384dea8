// The command schema module (validation against the shipped schema 9, the stateless list, the
// editor's catalogue) and the rules for reading a command from a msg. No robot needed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandSource, parseIdName, parseTimeoutMs } from '../nodes/lib/command-input';
import { checkOutcome, newIdOf } from '../nodes/lib/command-outcome';
import {
  commandCatalogue,
  isKnownCommandType,
  knownCommandTypes,
  STATELESS_COMMAND_TYPES,
  validateCommand,
} from '../nodes/lib/command-schema';
import { CommandFailedError, CommandNotFinishedError, InputError } from '../nodes/lib/errors';
import type { Command } from '../nodes/lib/types';
import { helper, loadFlow, PACKAGE_ROOT, unloadFlow } from './helpers/nodered';

function rejects(fn: () => void, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InputError, `an InputError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
}

const schemaFile = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'nodes/lib/data/command-schema-9.json'), 'utf8')) as {
  discriminator: { mapping: Record<string, string> };
};

describe('command schema 9: validation before sending', () => {
  it('knows every type of the schema\'s discriminator mapping', () => {
    assert.deepEqual(knownCommandTypes(), Object.keys(schemaFile.discriminator.mapping));
    assert.ok(knownCommandTypes().length >= 68);
    assert.ok(isKnownCommandType('heaterShaker/setAndWaitForShakeSpeed'));
    assert.equal(isKnownCommandType('toString'), false, 'no prototype keys');
  });

  it('accepts the robot documentation\'s atomic commands as written', () => {
    const ok: Array<[string, Record<string, unknown>]> = [
      ['loadLabware', { location: { slotName: '6' }, loadName: 'opentrons_96_tiprack_300ul', namespace: 'opentrons', version: 1 }],
      ['loadPipette', { pipetteName: 'p300_single_gen2', mount: 'right' }],
      ['pickUpTip', { pipetteId: 'p', labwareId: 't', wellName: 'A1', wellLocation: { origin: 'top', offset: { x: 0, y: 0, z: 0 } } }],
      ['aspirate', { pipetteId: 'p', labwareId: 'r', wellName: 'A1', volume: 100, flowRate: 50, wellLocation: { origin: 'bottom', offset: { z: 1 } } }],
      ['dispense', { pipetteId: 'p', labwareId: 'r', wellName: 'A2', volume: 100, flowRate: 50 }],
      ['blowout', { pipetteId: 'p', labwareId: 'r', wellName: 'A2', flowRate: 50 }],
      ['dropTip', { pipetteId: 'p', labwareId: 'trash', wellName: 'A1' }],
      ['moveToWell', { pipetteId: 'p', labwareId: 'r', wellName: 'A1', wellLocation: { origin: 'top', offset: { z: 10 } } }],
      ['moveToCoordinates', { pipetteId: 'p', coordinates: { x: 100, y: 100, z: 100 }, minimumZHeight: 50, forceDirect: true }],
      ['moveRelative', { pipetteId: 'p', axis: 'z', distance: 10 }],
      ['moveToAddressableAreaForDropTip', { pipetteId: 'p', addressableAreaName: 'fixedTrash', offset: { x: 0, y: 0, z: 0 } }],
      ['dropTipInPlace', { pipetteId: 'p' }],
      ['loadLabware', { location: { slotName: 'C2' }, loadName: 'x', namespace: 'opentrons', version: 2 }],
      ['moveLabware', { labwareId: 'l', newLocation: { slotName: 'B3' }, strategy: 'usingGripper' }],
      ['configureNozzleLayout', { pipetteId: 'p', configurationParams: { style: 'COLUMN', primaryNozzle: 'A12' } }],
    ];
    for (const [commandType, params] of ok) validateCommand({ commandType, params, intent: 'setup' }, { target: 'run' });
    validateCommand({ commandType: 'home', params: { axes: ['leftZ', 'leftPlunger'] } }, { target: 'robot' });
    validateCommand({ commandType: 'setRailLights', params: { on: true } }, { target: 'robot' });
  });

  it('names the bad param: missing, wrong type, not in the enum, wrong shape', () => {
    rejects(() => validateCommand({ commandType: 'aspirate', params: { pipetteId: 'p', labwareId: 'r', wellName: 'A1', volume: 1 } }, { target: 'run' }), /^aspirate: params\.flowRate is required$/);
    rejects(() => validateCommand({ commandType: 'setRailLights', params: { on: 'yes' } }, { target: 'run' }), /params\.on must be boolean/);
    rejects(() => validateCommand({ commandType: 'loadPipette', params: { pipetteName: 'p300_single_gen9', mount: 'left' } }, { target: 'run' }), /params\.pipetteName must be one of .*"p300_single_gen2"/);
    rejects(() => validateCommand({ commandType: 'home', params: { axes: ['leftZ', 'z'] } }, { target: 'robot' }), /params\.axes\[1\] must be one of/);
    rejects(
      () => validateCommand({ commandType: 'loadLabware', params: { location: { slot: '1' }, loadName: 'x', namespace: 'opentrons', version: 1 } }, { target: 'run' }),
      /params\.location matches none of its allowed forms: \{slotName\} \| \{moduleId\}/,
    );
    rejects(() => validateCommand({ commandType: 'loadLabware', params: { location: { slotName: '13' }, loadName: 'x', namespace: 'o', version: 1 } }, { target: 'run' }), /params\.location/);
    rejects(() => validateCommand({ commandType: 'aspirate', params: { pipetteId: 'p', labwareId: 'r', wellName: 'A1', volume: -1, flowRate: 1 } }, { target: 'run' }), /params\.volume must be >= 0/);
    rejects(() => validateCommand({ commandType: 'home', params: {}, intent: 'later' as 'setup' }, { target: 'run' }), /intent must be one of/);
  });

  it('unknown types: refused with a suggestion, unless the expert option lets the robot decide', () => {
    rejects(() => validateCommand({ commandType: 'Aspirate', params: {} }, { target: 'run' }), /unknown command type "Aspirate".*did you mean "aspirate"/);
    rejects(() => validateCommand({ commandType: 'openLid', params: {} }, { target: 'run' }), /did you mean "thermocycler\/openLid"/);
    validateCommand({ commandType: 'someFutureCommand', params: { anything: 1 } }, { target: 'run', allowUnknownTypes: true });
    validateCommand({ commandType: 'someFutureCommand', params: {} }, { target: 'robot', allowUnknownTypes: true });
  });

  it('the stateless target takes exactly the 19 types POST /commands accepts', () => {
    assert.equal(STATELESS_COMMAND_TYPES.length, 19);
    assert.equal(new Set(STATELESS_COMMAND_TYPES).size, 19);
    for (const t of STATELESS_COMMAND_TYPES) assert.ok(isKnownCommandType(t), `${t} is in the schema`);
    rejects(() => validateCommand({ commandType: 'aspirate', params: {} }, { target: 'robot' }), /stateless POST \/commands accepts only home, setRailLights/);
    rejects(() => validateCommand({ commandType: 'temperatureModule/waitForTemperature', params: { moduleId: 'm' } }, { target: 'robot' }), /stateless/);
    validateCommand({ commandType: 'temperatureModule/setTargetTemperature', params: { moduleId: 'm', celsius: 4 } }, { target: 'robot' });
  });
});

describe('command catalogue for the editor', () => {
  it('groups every type by kind and lists each param with its type and required flag', () => {
    const c = commandCatalogue();
    assert.deepEqual(c.kinds, ['setup', 'liquid handling', 'movement', 'modules', 'Flex gripper', 'other']);
    assert.equal(c.commands.length, knownCommandTypes().length);
    const kind = (t: string) => c.commands.find((e) => e.commandType === t)?.kind;
    assert.equal(kind('loadLabware'), 'setup');
    assert.equal(kind('aspirate'), 'liquid handling');
    assert.equal(kind('moveToWell'), 'movement');
    assert.equal(kind('thermocycler/openLid'), 'modules');
    assert.equal(kind('moveLabware'), 'Flex gripper');
    assert.equal(kind('comment'), 'other');
    const aspirate = c.commands.find((e) => e.commandType === 'aspirate');
    assert.ok(aspirate);
    const volume = aspirate.params.find((p) => p.name === 'volume');
    assert.deepEqual([volume?.type, volume?.required], ['number ≥ 0', true]);
    assert.equal(aspirate.params.find((p) => p.name === 'wellLocation')?.required, false);
    assert.deepEqual(c.commands.filter((e) => e.stateless).map((e) => e.commandType).sort(), [...STATELESS_COMMAND_TYPES].sort());
  });

  it('every type\'s params template passes that type\'s own validation', () => {
    for (const e of commandCatalogue().commands) {
      validateCommand({ commandType: e.commandType, params: e.template }, { target: 'run' });
    }
  });

  it('is served to the editor at GET /opentrons-command/catalogue', async () => {
    await helper.startServer();
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const command = require(join(PACKAGE_ROOT, 'dist/nodes/opentrons-command.js'));
      await loadFlow([{ id: 'c1', type: 'opentrons-command', commandType: 'home', target: 'robot' }], { types: [], extraNodes: [command] });
      const res = await helper.request().get('/opentrons-command/catalogue');
      assert.equal(res.status, 200);
      const body = res.body as { commands: Array<{ commandType: string }> };
      assert.equal(body.commands.length, knownCommandTypes().length);
    } finally {
      await unloadFlow();
      await helper.stopServer();
    }
  });
});

describe('reading the command from msg and editor', () => {
  it('msg.commandType wins; editor params only go with the editor\'s own type', () => {
    assert.deepEqual(commandSource({ commandType: 'home' }, 'aspirate'), { kind: 'single', commandType: 'home', params: {} });
    assert.deepEqual(commandSource({ commandType: 'home' }, 'home'), { kind: 'single', commandType: 'home', params: 'editor-params' });
    assert.deepEqual(commandSource({ commandType: 'home', params: { axes: ['x'] } }, ''), { kind: 'single', commandType: 'home', params: { axes: ['x'] } });
    assert.deepEqual(commandSource({ params: { on: true } }, 'setRailLights'), { kind: 'single', commandType: 'setRailLights', params: { on: true } });
    assert.deepEqual(commandSource({ payload: { commandType: 'x' } }, 'home'), { kind: 'single', commandType: 'home', params: 'editor-params' });
  });

  it('msg.payload: one command or an array, with intent and key', () => {
    assert.deepEqual(commandSource({ payload: { commandType: 'home', params: {}, intent: 'protocol', key: 'k1' } }, ''), {
      kind: 'payload',
      batch: false,
      commands: [{ commandType: 'home', params: {}, intent: 'protocol', key: 'k1' }],
    });
    const batch = commandSource({ payload: [{ commandType: 'home' }, { commandType: 'setRailLights', params: { on: true } }] }, '');
    assert.equal(batch.kind, 'payload');
    assert.equal(batch.kind === 'payload' && batch.batch, true);
  });

  it('refuses what it cannot read, saying what to set', () => {
    rejects(() => commandSource({}, ''), /set msg\.commandType/);
    rejects(() => commandSource({ payload: [] }, ''), /empty array/);
    rejects(() => commandSource({ payload: [{ commandType: 'home' }, 'x'] }, ''), /msg\.payload\[1\] must be a command/);
    rejects(() => commandSource({ payload: { commandType: 'home', params: [] } }, ''), /msg\.payload\.params must be an object/);
    rejects(() => commandSource({ payload: { commandType: 'home', intent: 'later' } }, ''), /intent must be "setup", "protocol" or "fixit"/);
    rejects(() => commandSource({ payload: { id: 'c1', status: 'succeeded', commandType: 'home', params: {} } }, ''), /already ran/);
    rejects(() => commandSource({ commandType: 5 }, ''), /msg\.commandType must be/);
    rejects(() => parseTimeoutMs(0, 'timeout'), /from 1 to 86400000/);
    rejects(() => parseTimeoutMs(2 ** 31, 'timeout'), /from 1 to 86400000/);
    rejects(() => parseTimeoutMs('1.5', 'timeout'), /whole number/);
    assert.equal(parseTimeoutMs('250', 'timeout'), 250);
    rejects(() => parseIdName('__proto__'), /store id as/);
    rejects(() => parseIdName('tip-rack'), /store id as/);
    assert.equal(parseIdName('tiprack_1'), 'tiprack_1');
    assert.equal(parseIdName(''), undefined);
  });
});

describe('reading the robot\'s 201 answer', () => {
  const base = { id: 'c1', key: 'c1', commandType: 'aspirate', createdAt: '2024-10-09T12:00:00.000000+00:00', params: {} };

  it('a failed command becomes CommandFailedError with code = errorType', () => {
    const failed: Command = {
      ...base,
      status: 'failed',
      error: { id: 'e1', createdAt: base.createdAt, errorType: 'TipNotAttachedError', errorCode: '3005', detail: 'no tip' },
    };
    assert.throws(
      () => checkOutcome(failed, { waited: true, timeoutMs: 1000, label: 'aspirate' }),
      (err: unknown) => err instanceof CommandFailedError && err.code === 'TipNotAttachedError' && err.commandId === 'c1' && /no tip/.test(err.message),
    );
  });

  it('still queued or running after a wait is COMMAND_NOT_FINISHED (not ETIMEDOUT); without a wait it is fine', () => {
    const running: Command = { ...base, status: 'running' };
    assert.throws(
      () => checkOutcome(running, { waited: true, timeoutMs: 50, label: 'aspirate' }),
      (err: unknown) => err instanceof CommandNotFinishedError && err.code === 'COMMAND_NOT_FINISHED' && /may still run/.test(err.message),
    );
    checkOutcome(running, { waited: false, timeoutMs: 50, label: 'aspirate' });
    checkOutcome({ ...base, status: 'succeeded' }, { waited: true, timeoutMs: 50, label: 'aspirate' });
  });

  it('finds the new id of load commands only', () => {
    assert.deepEqual(newIdOf({ ...base, commandType: 'loadPipette', status: 'succeeded', result: { pipetteId: 'p1' } }), { property: 'pipetteId', id: 'p1' });
    assert.deepEqual(newIdOf({ ...base, commandType: 'loadModule', status: 'succeeded', result: { moduleId: 'm1' } }), { property: 'moduleId', id: 'm1' });
    assert.equal(newIdOf({ ...base, commandType: 'aspirate', status: 'succeeded', result: { volume: 1 } }), undefined);
    assert.equal(newIdOf({ ...base, commandType: 'loadLabware', status: 'failed' }), undefined);
  });
});
