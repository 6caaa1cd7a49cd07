import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { replSuite } from './replSuite';

replSuite('bash', {
  spec: 'popen//repl=bash',
  language: /^bash$/,
  multiLine: ['total=0\nfor i in 0 1 2; do\n  total=$((total + i))\n  echo $i\ndone\necho total $total', '0\n1\n2\ntotal 3\n'],
  failing: ['echo before\nfalse', /^ExitStatus$/],
  count20k: 'seq 0 19999',
  forever: 'sleep 600',
  persists: ['x=21', 'echo $((x * 2))', '42\n'],
});

describe('remote-exec exec on a repl= gateway', () => {
  const cli = (code: string) =>
    spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, '../../../server/cli.ts'), 'exec', '--spec', 'popen//repl=bash', '-c', code],
      { encoding: 'utf8', timeout: 60000 },
    );

  test('prints the output and exits 0; exits 1 when the code fails', () => {
    const ok = cli('uname -s');
    assert.equal(ok.stdout, 'Linux\n');
    assert.equal(ok.status, 0);
    const failed = cli('false');
    assert.equal(failed.status, 1);
    assert.match(failed.stderr, /exit status 1/);
  });
});
