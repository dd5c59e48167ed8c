import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommandLine } from '../../../src/cli/args.js';

describe('command line', () => {
  it('parses serve with its overrides', () => {
    assert.deepEqual(
      parseCommandLine(['serve', '--config', 'c.yaml', '--listen', '0.0.0.0:1', '--log-level', 'debug']),
      {
        ok: true,
        command: { kind: 'serve', config: 'c.yaml', listen: '0.0.0.0:1', logLevel: 'debug', startEmpty: false },
      },
    );
    assert.deepEqual(parseCommandLine(['serve', '-c', 'c.yaml', '--start-empty']), {
      ok: true,
      command: { kind: 'serve', config: 'c.yaml', startEmpty: true },
    });
  });

  it('parses check-config', () => {
    assert.deepEqual(parseCommandLine(['check-config', '--config', 'c.yaml']), {
      ok: true,
      command: { kind: 'check-config', config: 'c.yaml' },
    });
  });

  const errors: Array<[string[], RegExp]> = [
    [[], /a command is needed/],
    [['run'], /unknown command "run"/],
    [['serve'], /serve needs --config FILE/],
    [['serve', '--config', 'c', '--log-level', 'loud'], /--log-level must be one of/],
    [['serve', '--config', 'c', '--frobnicate'], /frobnicate/],
    [['serve', '--config', 'c', 'extra'], /unexpected argument "extra"/],
  ];
  for (const [argv, message] of errors) {
    it(`rejects ${JSON.stringify(argv)}`, () => {
      const parsed = parseCommandLine(argv);
      assert.equal(parsed.ok, false);
      assert.match(parsed.ok ? '' : parsed.error, message);
    });
  }
});
