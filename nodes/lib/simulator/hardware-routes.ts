/**
 * Robot-level routes: /health, /robot/lights (legacy, unwrapped), /modules (v2 vs v3 shape), /instruments,
 * /pipettes, /system/time, and the Flex door, E-stop and deck configuration routes answering as an unlocked robot.
 */
import { timestamp } from './clock';
import type { RobotModel } from './context';
import { invalidRequest, legacyValidation, notSupportedOnRobotType } from './errors';
import type { Hardware } from './hardware';
import { checkDeckConfiguration } from './deck-configuration';
import { isObject, ok, parseJson, readData, type Route } from './http';

export function hardwareRoutes(hw: Hardware, model: RobotModel, name: () => string): Route[] {
  const flexOnly = (fn: Route['handle']): Route['handle'] => (req) => {
    if (model !== 'Flex') throw notSupportedOnRobotType('OT-2');
    return fn(req);
  };
  return [
    { method: 'GET', path: '/health', legacy: true, handle: () => ok(hw.healthBody(name())) },
    {
      method: 'GET',
      path: '/logs/:log_identifier',
      legacy: true,
      handle: (req) => {
        const known = ['api.log', 'serial.log', 'server.log', 'update_server.log', 'touchscreen.log'];
        if (!known.includes(req.params.log_identifier)) throw legacyValidation(422, "path.log_identifier: value is not a valid enumeration member");
        return { status: 200, raw: `simulated robot ${name()}: no ${req.params.log_identifier} is kept\n`, contentType: 'text/plain; charset=utf-8' };
      },
    },
    { method: 'GET', path: '/robot/lights', legacy: true, handle: () => ok({ on: hw.railLights }) },
    {
      method: 'POST',
      path: '/robot/lights',
      legacy: true,
      handle: (req) => {
        const body = parseJson(req);
        if (!isObject(body) || typeof body.on !== 'boolean') throw legacyValidation(422, 'body.on: field required');
        hw.railLights = body.on;
        return ok({ on: hw.railLights });
      },
    },
    {
      method: 'POST',
      path: '/robot/home',
      legacy: true,
      handle: (req) => {
        const body = parseJson(req);
        if (!isObject(body) || (body.target !== 'robot' && body.target !== 'pipette')) {
          throw legacyValidation(422, "body.target: value is not a valid enumeration member; permitted: 'pipette', 'robot'");
        }
        return ok({ message: body.target === 'robot' ? 'Homing robot.' : `Pipette on ${String(body.mount)} homed successfully` });
      },
    },
    {
      method: 'GET',
      path: '/modules',
      handle: (req) => {
        if (req.version < 3) return ok(hw.modulesV2());
        const list = hw.modulesV3();
        return ok({ data: list, meta: { cursor: 0, totalLength: list.length } });
      },
    },
    {
      method: 'GET',
      path: '/instruments',
      handle: () => {
        const list = hw.instruments();
        return ok({ data: list, meta: { cursor: 0, totalLength: list.length } });
      },
    },
    {
      method: 'GET',
      path: '/pipettes',
      legacy: true,
      handle: () => ok(hw.pipettesLegacy()),
    },
    { method: 'GET', path: '/calibration/status', legacy: true, handle: () => ok(hw.calibrationStatus()) },
    {
      method: 'GET',
      path: '/system/time',
      // answers with the version headers, like the legacy routes (capture 107)
      legacy: true,
      handle: () => ok({ data: { systemTime: timestamp(), id: 'time' }, links: { self: { href: '/system/time', meta: null } } }),
    },
    {
      method: 'GET',
      path: '/robot/door/status',
      // both robots have a door switch; only the Flex requires it closed to run (an opt-in setting on the OT-2, off here)
      handle: () => ok({ data: { status: hw.doorOpen ? 'open' : 'closed', doorRequiredClosedForProtocol: hw.doorSafetySwitch } }),
    },
    {
      method: 'GET',
      path: '/robot/control/estopStatus',
      handle: flexOnly(() => ok({ data: hw.estopStatus() })),
    },
    {
      method: 'PUT',
      path: '/robot/control/acknowledgeEstopDisengage',
      handle: flexOnly(() => {
        if (hw.estop === 'logicallyEngaged') hw.estop = 'disengaged';
        return ok({ data: hw.estopStatus() });
      }),
    },
    {
      method: 'GET',
      path: '/deck_configuration',
      handle: flexOnly(() => {
        const data: Record<string, unknown> = { cutoutFixtures: hw.deckConfiguration.map((c) => ({ ...c })) };
        if (hw.deckConfigurationModifiedAt) data.lastModifiedAt = hw.deckConfigurationModifiedAt;
        return ok({ data });
      }),
    },
    {
      method: 'PUT',
      path: '/deck_configuration',
      handle: flexOnly((req) => {
        const data = readData(req) ?? {};
        if (!Array.isArray(data.cutoutFixtures)) throw invalidRequest('field required', { pointer: '/data/cutoutFixtures' });
        const fixtures = data.cutoutFixtures.map((c, i) => {
          if (!isObject(c) || typeof c.cutoutId !== 'string' || typeof c.cutoutFixtureId !== 'string') {
            throw invalidRequest('field required', { pointer: `/data/cutoutFixtures/${i}` });
          }
          const f: { cutoutId: string; cutoutFixtureId: string; opentronsModuleSerialNumber?: string } = { cutoutFixtureId: c.cutoutFixtureId, cutoutId: c.cutoutId };
          if (typeof c.opentronsModuleSerialNumber === 'string') f.opentronsModuleSerialNumber = c.opentronsModuleSerialNumber;
          return f;
        });
        checkDeckConfiguration(fixtures);
        hw.deckConfiguration = fixtures;
        hw.deckConfigurationModifiedAt = timestamp();
        // robot-server publishes the hint before it answers (capture README, "Behaviour worth knowing" 4)
        hw.onDeckConfigured?.();
        return ok({ data: { cutoutFixtures: hw.deckConfiguration.map((c) => ({ ...c })), lastModifiedAt: hw.deckConfigurationModifiedAt } });
      }),
    },
  ];
}
