import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cli } from './cliRun';

describe('remote-exec status', () => {
  test('prints the agent and its remote status a line each, every name once, matching --json', () => {
    const text = cli(['status']);
    assert.equal(text.status, 0, text.stderr);
    const names = text.stdout
      .trimEnd()
      .split('\n')
      .map((line) => line.split(/\s+/)[0]);
    assert.deepEqual(names, Array.from(new Set(names)), 'no name is printed twice');
    for (const name of ['gateway', 'language', 'pid', 'cwd', 'numexecuting', 'numchannels', 'execqsize'])
      assert.ok(names.includes(name), name);

    const json = cli(['status', '--json']);
    const report = JSON.parse(json.stdout) as { language: string; status: Record<string, unknown> };
    assert.equal(report.language, 'python');
    assert.equal(report.status.numexecuting, 0);
  });
});
