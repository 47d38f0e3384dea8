// Whether a robot has what a protocol's analysis loads: its robot type, each pipette on its mount, each
// module model. Interim version written on branch `fleet` against the interface branch `preflight` is
// building (fixtures and the gripper are carried in Requirements but checked only there); when `preflight`
// is merged its fit.ts replaces this file.
import type { RequestOptions, RobotClient } from './client';
import type { Analysis, AttachedModule, DeckConfiguration, JsonObject } from './types';

export interface Requirements {
  robotType: string;
  pipettes: Array<{ mount: string; pipetteName: string }>;
  modules: Array<{ model: string; slotName?: string }>;
  fixtures: Array<{ cutoutId: string; cutoutFixtureIds: string[]; why: string }>;
  gripper: boolean;
}

export interface RobotEquipment {
  model: string;
  instruments: JsonObject[];
  modules: AttachedModule[];
  deckConfiguration?: DeckConfiguration;
}

export interface Check {
  check: string;
  ok: boolean;
  detail: string;
}

/** What the analysis loads, read from its summary lists (pipettes, modules) and its robot type. */
export function requirementsOf(analysis: Analysis): Requirements {
  const pipettes = (analysis.pipettes ?? [])
    .filter((p) => typeof p.mount === 'string' && typeof p.pipetteName === 'string')
    .map((p) => ({ mount: String(p.mount), pipetteName: String(p.pipetteName) }));
  const modules = (analysis.modules ?? [])
    .filter((m) => typeof m.model === 'string')
    .map((m) => {
      const loc = m.location as JsonObject | undefined;
      return { model: String(m.model), slotName: typeof loc?.slotName === 'string' ? loc.slotName : undefined };
    });
  return { robotType: String(analysis.robotType ?? ''), pipettes, modules, fixtures: [], gripper: false };
}

/** The robot's model, instruments and modules (three reads). */
export async function readEquipment(client: RobotClient, _needs: Requirements, opts?: RequestOptions): Promise<RobotEquipment> {
  const [health, instruments, modules] = await Promise.all([client.health(opts), client.getInstruments(opts), client.getModules(opts)]);
  return { model: String(health.robot_model), instruments, modules };
}

/** One check per requirement; a failed one says what the robot has instead. */
export function fitChecks(needs: Requirements, equipment: RobotEquipment): Check[] {
  const checks: Check[] = [];
  const sameType = needs.robotType === '' || needs.robotType === equipment.model;
  checks.push({ check: 'robot type', ok: sameType, detail: sameType ? equipment.model : `the robot is ${equipment.model}, the protocol is for ${needs.robotType}` });
  for (const p of needs.pipettes) {
    const on = equipment.instruments.find((i) => i.mount === p.mount && i.instrumentType !== 'gripper');
    const name = typeof on?.instrumentName === 'string' ? on.instrumentName : undefined;
    const ok = name === p.pipetteName;
    checks.push({
      check: `pipette ${p.mount}`,
      ok,
      detail: ok ? `${p.mount} mount has ${p.pipetteName}` : `${p.mount} mount has ${name ?? 'no pipette'}, the protocol loads ${p.pipetteName}`,
    });
  }
  // A magnetic block is passive: no USB, so the robot never lists it.
  for (const m of needs.modules.filter((x) => !x.model.startsWith('magneticBlock'))) {
    const ok = equipment.modules.some((a) => a.moduleModel === m.model);
    checks.push({ check: `module ${m.model}`, ok, detail: ok ? `${m.model} attached` : `no ${m.model} attached, the protocol loads one${m.slotName ? ` in slot ${m.slotName}` : ''}` });
  }
  return checks;
}
