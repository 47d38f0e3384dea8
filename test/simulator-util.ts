// Small HTTP helpers for the simulator tests: real requests over loopback with undici.
import { request } from 'undici';
import type { SimulatedRobot } from '../nodes/lib/simulator';

/** Parsed JSON read loosely: any property path type-checks; leaves are compared with assert. */
export interface Loose {
  [key: string]: Loose;
}

/** A Loose value that is a JSON array. */
export function arr(v: Loose | undefined): Loose[] {
  return Array.isArray(v) ? (v as unknown as Loose[]) : [];
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Loose;
  text: string;
}

export async function call(
  robot: SimulatedRobot,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = { 'opentrons-version': '3' },
): Promise<Reply> {
  const h: Record<string, string> = { ...headers };
  let payload: string | undefined;
  if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    h['content-type'] = 'application/json';
  }
  const res = await request(robot.url + path, { method: method as 'GET', headers: h, body: payload });
  const text = await res.body.text();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') out[k] = v;
  let json = {} as Loose;
  try {
    json = (text ? JSON.parse(text) : {}) as Loose;
  } catch {
    json = {} as Loose;
  }
  return { status: res.statusCode, headers: out, body: json, text };
}

export async function waitUntil<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms; last value ${JSON.stringify(v).slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function runStatus(robot: SimulatedRobot, runId: string): Promise<string> {
  return String((await call(robot, 'GET', `/runs/${runId}`)).body.data.status);
}

export async function waitStatus(robot: SimulatedRobot, runId: string, status: string, ms = 3000): Promise<void> {
  await waitUntil(() => runStatus(robot, runId), (s) => s === status, ms);
}

/** A protocol-less run with a tip rack (slot 1), a plate (slot 2) and a p300 on the right, all loaded as setup. */
export async function liveRunWithLabware(robot: SimulatedRobot): Promise<{ runId: string; tiprack: string; plate: string; pipette: string }> {
  const run = await call(robot, 'POST', '/runs', { data: {} });
  const runId = String(run.body.data.id);
  const cmd = async (commandType: string, params: Record<string, unknown>): Promise<Reply> =>
    call(robot, 'POST', `/runs/${runId}/commands?waitUntilComplete=true`, { data: { commandType, params, intent: 'setup' } });
  const flex = robot.model === 'Flex';
  const tiprack = String((await cmd('loadLabware', { location: { slotName: flex ? 'D1' : '1' }, loadName: flex ? 'opentrons_flex_96_tiprack_1000ul' : 'opentrons_96_tiprack_300ul', namespace: 'opentrons', version: 1 })).body.data.result.labwareId);
  const plate = String((await cmd('loadLabware', { location: { slotName: flex ? 'D2' : '2' }, loadName: 'corning_96_wellplate_360ul_flat', namespace: 'opentrons', version: 2 })).body.data.result.labwareId);
  const pipette = String((await cmd('loadPipette', { pipetteName: flex ? 'p1000_single_flex' : 'p300_single_gen2', mount: 'right' })).body.data.result.pipetteId);
  return { runId, tiprack, plate, pipette };
}
