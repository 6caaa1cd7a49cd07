import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chunks, endPrefix, parseEnd, partialSuffix, startMarker } from '../../server/transports/repl/markers';
import { pickProfile } from '../../server/transports/repl/profiles';

describe('repl profiles', () => {
  test('the profile follows the basename of the program', () => {
    const kinds = (argv: string[]) => [pickProfile(argv).kind, pickProfile(argv).language];
    assert.deepEqual(kinds(['/usr/bin/python3.11', '-q']), ['python', 'python-repl']);
    assert.deepEqual(kinds(['node']), ['node', 'node-repl']);
    assert.deepEqual(kinds(['/bin/zsh']), ['shell', 'zsh']);
    assert.deepEqual(kinds(['sh']), ['shell', 'sh']);
    assert.deepEqual(kinds(['R', '--vanilla']), ['R', 'R']);
    assert.deepEqual(kinds(['irb']), ['generic', 'irb']);
  });

  test('code reaches every known REPL as short lines, whatever its size and content', () => {
    const code = 'print("é\\n\'quotes\' and \\"more\\"")\n'.repeat(300);
    for (const argv of [['python3'], ['node'], ['bash'], ['R']]) {
      const lines = pickProfile(argv).run(code, 'abc123');
      for (const line of lines) {
        assert.ok(line.length < 1024, `${argv[0]}: a line of ${line.length} characters`);
        assert.ok(!/[\r\n]/.test(line), `${argv[0]}: a line holds a line break`);
      }
      // The typed lines never contain the markers themselves, so the REPL's echo cannot end a run early.
      assert.ok(!lines.join('\n').includes(startMarker('abc123')));
      assert.ok(!lines.join('\n').includes(endPrefix('abc123')));
    }
  });

  test('an end marker carries the status and the exception', () => {
    const hex = (s: string) => Buffer.from(s).toString('hex');
    assert.deepEqual(parseEnd('ok:'), { status: 'ok' });
    assert.deepEqual(parseEnd('1:'), { status: '1' });
    assert.deepEqual(parseEnd(`error:${hex('ValueError')}.${hex('bad é')}.${hex('Traceback\n  line 1')}`), {
      status: 'error',
      error: ['ValueError', 'bad é', 'Traceback\n  line 1'],
    });
  });

  test('a marker split across chunks is held back, not streamed', () => {
    const prefix = endPrefix('tok');
    assert.equal(partialSuffix('output<<RE:to', prefix), 7);
    assert.equal(partialSuffix('output<', prefix), 1);
    assert.equal(partialSuffix('output', prefix), 0);
    assert.deepEqual(chunks('abcdefg', 3), ['abc', 'def', 'g']);
  });
});
