import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { cli } from './cliRun';

function entries(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^cli-v\d+\.\d+\.\d+-\w+-\d+-\d+\.v8cache$/.test(f)) : [];
}

test("the CLI keeps V8's code cache for itself in the cache folder; a corrupt or missing one only costs a compile", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-exec-cache-'));
  const env = { REMOTE_EXEC_CACHE_DIR: dir };
  try {
    fs.writeFileSync(path.join(dir, 'cli-v0.0.1-x64-1-1.v8cache'), 'the entry of another version');
    const first = cli(['exec', '-c', 'print(6 * 7)'], { env });
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stdout, '42\n');
    const [entry] = entries(dir);
    assert.ok(entry, `a cache entry was written: ${fs.readdirSync(dir).join(', ')}`);
    assert.deepEqual(entries(dir), [entry], "another version's entry is removed");
    const written = fs.statSync(path.join(dir, entry)).mtimeMs;

    const second = cli(['exec', '-c', 'print(6 * 7)'], { env });
    assert.equal(second.stdout, '42\n');
    assert.equal(fs.statSync(path.join(dir, entry)).mtimeMs, written, 'an accepted cache is not rewritten');

    fs.writeFileSync(path.join(dir, entry), 'not a code cache');
    const third = cli(['exec', '-c', 'print(6 * 7)'], { env });
    assert.equal(third.status, 0, third.stderr);
    assert.equal(third.stdout, '42\n');
    assert.notEqual(fs.readFileSync(path.join(dir, entry), 'utf8'), 'not a code cache', 'a rejected cache is replaced');

    const none = cli(['exec', '-c', 'print(6 * 7)'], { env: { REMOTE_EXEC_CACHE_DIR: '' } });
    assert.equal(none.stdout, '42\n', 'an empty REMOTE_EXEC_CACHE_DIR runs without a cache');
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
      'no temporary file is left',
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
