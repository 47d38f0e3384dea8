// The conformance harness's judgement (test/conformance/judge.ts): a listed capture may differ only in its listed
// fields, so a new difference anywhere else in it fails; wildcards and the `!` (this field only) form.
import * as assert from 'node:assert/strict';
import { DIFFERENCES } from './conformance/differences';
import { fieldMatches, judge, type Allowance } from './conformance/judge';

const TABLE: Allowance[] = [
  { replay: 'sessions', captures: [23], fields: ['$.data[*].commands', '$.data[*].labware'], why: 'stand-in analysis' },
  { replay: 'sessions', captures: [33], fields: ['$.data!', '$.data[*].key'], why: 'stand-in page' },
];

describe('conformance harness: judging differences field by field', function () {
  it('matches a field and its subtree, `*` one key or index, `**` anything, `!` the field alone', function () {
    assert.ok(fieldMatches('$.data[*].commands', '$.data[0].commands'));
    assert.ok(fieldMatches('$.data[*].commands', '$.data[0].commands[3].result.position.x'));
    assert.ok(!fieldMatches('$.data[*].commands', '$.data[0].commandsX'));
    assert.ok(!fieldMatches('$.data[*].commands', '$.data[0].status'));
    assert.ok(!fieldMatches('$.data[*].commands', '$.data.x[0].commands'), '* is one key or index');
    assert.ok(fieldMatches('$.data**.commands', '$.data.x[0].commands'));
    assert.ok(fieldMatches('$.data!', '$.data'));
    assert.ok(!fieldMatches('$.data!', '$.data[0].status'), '! allows the array itself, not its elements');
    assert.ok(fieldMatches('$.data[*](json).key', '$.data[2](json).key'));
    assert.ok(fieldMatches('status', 'status'));
  });

  it('fails a difference in an unlisted field of a listed capture, and in an unlisted capture', function () {
    const v = judge('sessions', [
      { file: '23-protocols-analyses.json', problems: [{ path: '$.data[0].commands[1].key', detail: 'x' }, { path: '$.data[0].result', detail: 'expected "ok", got "not-ok"' }] },
      { file: '33-runs-commands-page.json', problems: [{ path: '$.data', detail: 'expected 3 element(s), got 2' }, { path: '$.data[0].status', detail: 'expected "succeeded"' }] },
      { file: '40-runs-delete.json', problems: [{ path: 'status', detail: 'expected 200, got 404' }] },
    ], TABLE);
    assert.deepEqual(v.unexplained, [
      '23-protocols-analyses.json: $.data[0].result: expected "ok", got "not-ok"',
      '33-runs-commands-page.json: $.data[0].status: expected "succeeded"',
      '40-runs-delete.json: status: expected 200, got 404',
    ]);
    assert.deepEqual(v.equal, []);
    assert.deepEqual(v.unused, ['23-protocols-analyses.json: $.data[*].labware', '33-runs-commands-page.json: $.data[*].key']);
  });

  it('reports a listed capture that now matches as stale, and judges each replay by its own entries', function () {
    const v = judge('sessions', [{ file: '23-protocols-analyses.json', problems: [] }], TABLE);
    assert.deepEqual(v.equal, ['23-protocols-analyses.json']);
    assert.deepEqual(v.stale, ['23-protocols-analyses.json: stand-in analysis']);
    const other = judge('records', [{ file: '23-protocols-analyses.json', problems: [{ path: '$.data[0].commands', detail: 'x' }] }], TABLE);
    assert.equal(other.unexplained.length, 1, 'a sessions entry does not excuse the records replay');
  });

  it('the project table names fields and a reason for every entry', function () {
    assert.ok(DIFFERENCES.length > 0);
    for (const d of DIFFERENCES) {
      assert.ok(d.fields.length > 0 && d.captures.length > 0, JSON.stringify(d));
      assert.ok(d.why.length > 20, `a reason for ${d.captures.join(',')}`);
      for (const f of d.fields) assert.match(f, /^(\$|status$|header\.|errors\.ids$)/, `field path ${f}`);
    }
  });
});
