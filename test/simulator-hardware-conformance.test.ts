// Conformance BY VALUE of the simulated robot's hardware routes with robot-server 8.1.0: captures 98–116 (OT-2)
// and 165–172 (Flex) replayed in order, each answer compared with the recorded one value for value — status,
// version headers, every key and value — after mapping what differs by design: ids and serial numbers the
// robot generated (learnt from the first answer that shows them), timestamps, and the order of the 422
// deck-configuration errors (which changed between the recording's own trial runs).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SimulatedRobot, type SimulatorOptions } from '../nodes/lib/simulator';
import { CAPTURE_DIR, type Capture } from './conformance/replay';

const OT2_RANGE: [number, number] = [98, 116];
const FLEX_RANGE: [number, number] = [165, 172];

function captures([from, to]: [number, number]): Capture[] {
  return fs.readdirSync(CAPTURE_DIR)
    .filter((f) => /^\d+-.*\.json$/.test(f))
    .map((f) => ({ n: Number(f.split('-')[0]), f }))
    .filter(({ n }) => n >= from && n <= to)
    .sort((a, b) => a.n - b.n)
    .map(({ f }) => ({ file: f, ...(JSON.parse(fs.readFileSync(path.join(CAPTURE_DIR, f), 'utf8')) as Omit<Capture, 'file'>) }));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00$/;
/** Keys whose string values the robot generated: learnt from the first answer, mapped after. */
const ID_KEYS = new Set(['id', 'serialNumber', 'moduleId']);

class ValueMap {
  readonly map = new Map<string, string>();
  learn(expected: unknown, actual: unknown, key = ''): void {
    if (typeof expected === 'string' && typeof actual === 'string') {
      if ((ID_KEYS.has(key) || UUID.test(expected)) && !this.map.has(expected)) this.map.set(expected, actual);
    } else if (Array.isArray(expected) && Array.isArray(actual)) {
      expected.forEach((e, i) => this.learn(e, actual[i], key));
    } else if (expected && actual && typeof expected === 'object' && typeof actual === 'object') {
      for (const [k, v] of Object.entries(expected)) this.learn(v, (actual as Record<string, unknown>)[k], k);
    }
  }
  apply(text: string): string {
    let out = text;
    for (const [from, to] of this.map) out = out.split(from).join(to);
    return out;
  }
}

/** Timestamps and fresh UUIDs compare as placeholders; 422 error lists as sets. */
function normal(v: unknown): unknown {
  if (typeof v === 'string') return TIME.test(v) ? '<time>' : UUID.test(v) ? '<uuid>' : v;
  if (Array.isArray(v)) return v.map(normal);
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = normal(x);
    if (Array.isArray(o.errors)) o.errors = [...(o.errors as unknown[])].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    return o;
  }
  return v;
}

async function replayByValue(list: Capture[], opts: SimulatorOptions, setUp: (r: SimulatedRobot) => void = () => undefined): Promise<string[]> {
  const robot = await SimulatedRobot.start({ host: '127.0.0.1', port: 0, ...opts });
  setUp(robot);
  const ids = new ValueMap();
  const problems: string[] = [];
  try {
    for (const c of list) {
      const body = c.request.body === undefined ? undefined : ids.apply(JSON.stringify(c.request.body));
      const res = await fetch(robot.url + ids.apply(c.request.path), { method: c.request.method, headers: c.request.headers, body });
      const text = await res.text();
      const got: unknown = text ? JSON.parse(text) : undefined;
      if (res.status !== c.response.status) problems.push(`${c.file}: status ${res.status}, recorded ${c.response.status}`);
      for (const h of ['opentrons-version', 'opentrons-min-version']) {
        if ((res.headers.get(h) ?? undefined) !== c.response.headers[h]) problems.push(`${c.file}: header ${h} ${res.headers.get(h)}, recorded ${c.response.headers[h]}`);
      }
      ids.learn(c.response.body, got);
      const want = JSON.stringify(normal(JSON.parse(ids.apply(JSON.stringify(c.response.body)))));
      const have = JSON.stringify(normal(got));
      if (want !== have) problems.push(`${c.file}:\n  recorded  ${want.slice(0, 1500)}\n  simulated ${have.slice(0, 1500)}`);
    }
  } finally {
    await robot.stop();
  }
  return problems;
}

describe('simulator hardware conformance by value (captures 98–116, 165–172)', function () {
  this.timeout(30_000);

  it('has the captures', () => {
    assert.equal(captures(OT2_RANGE).length, 19);
    assert.equal(captures(FLEX_RANGE).length, 8);
  });

  it('OT-2: instruments, pipettes, modules, lights, door, calibration, health, system time, module commands (98–116)', async () => {
    // speed: the recording's simulation reaches a temperature at once (capture 110); a fast clock does too
    assert.deepEqual(await replayByValue(captures(OT2_RANGE), { model: 'OT-2', name: 'opentrons-dev', speed: 1e6, commandMs: 1 }), []);
  });

  it('Flex: instruments with the gripper, Heater-Shaker, door, E-stop, deck configuration get/put/invalid (165–172)', async () => {
    // the recording's Flex had other pipettes and a gripper: attached through the fault-injection API
    const problems = await replayByValue(captures(FLEX_RANGE), { model: 'Flex', speed: 1e6, commandMs: 1 }, (r) => {
      r.attachPipette({ mount: 'left', instrumentName: 'p1000_single_flex', instrumentModel: 'p1000_single_v3.4', serialNumber: 'P1KSV3420230101A01', channels: 1, minVolume: 5, maxVolume: 1000 });
      r.attachPipette({ mount: 'right', instrumentName: 'p50_multi_flex', instrumentModel: 'p50_multi_v3.4', serialNumber: 'P50MV3420230101A01', channels: 8, minVolume: 5, maxVolume: 50 });
      r.setGripper({ instrumentModel: 'gripperV1', serialNumber: 'GRPV1120230101A01' });
    });
    assert.deepEqual(problems, []);
  });
});
