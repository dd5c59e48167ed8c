import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../src/config/load.js';
import { parseYaml } from '../../../src/config/yaml.js';

function messageOf(text: string): string {
  const result = parseYaml(text);
  assert.equal(result.ok, false, 'expected the YAML to be rejected');
  return result.ok ? '' : result.message;
}

describe('YAML files', () => {
  it('reads one document as plain values, aliases resolved', () => {
    const result = parseYaml('a: &shared {b: 1}\nc: *shared\nlist: [x, 2]\n');
    assert.deepEqual(result, { ok: true, value: { a: { b: 1 }, c: { b: 1 }, list: ['x', 2] } });
  });

  it("uses YAML 1.2's core schema: yes, dates and merge keys stay as written", () => {
    const result = parseYaml('flag: yes\nday: 2026-01-01\n<<: {a: 1}\noctal: 0o17\n');
    assert.deepEqual(result, { ok: true, value: { flag: 'yes', day: '2026-01-01', '<<': { a: 1 }, octal: 15 } });
  });

  it('reads an empty file, or one of comments only, as no value', () => {
    assert.deepEqual(parseYaml(''), { ok: true, value: undefined });
    assert.deepEqual(parseYaml('# nothing here yet\n'), { ok: true, value: undefined });
  });

  it('refuses a repeated key, saying where', () => {
    assert.equal(messageOf('a: 1\nb: 2\na: 3\n'), 'YAML: duplicated mapping key at line 3, column 1');
  });

  it('refuses broken syntax, saying where', () => {
    assert.match(messageOf('clusters: [\n'), /^YAML: .+ at line 2, column 1$/);
  });

  it('refuses more than one document', () => {
    assert.equal(messageOf('a: 1\n---\nb: 2\n'), 'YAML: the file holds 2 documents; one is expected');
  });
});

describe('an empty configuration file', () => {
  it('is reported by what it lacks, not as a YAML error', () => {
    const result = parseConfig('# to be written\n', '/etc/guardian', {});
    assert.equal(result.ok, false);
    const paths = result.ok ? [] : result.issues.map((issue) => issue.path);
    assert.ok(paths.includes('clusters'), JSON.stringify(paths));
  });
});
