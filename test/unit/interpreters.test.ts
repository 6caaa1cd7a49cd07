import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { resolveInterpreter } from '../../server/gateway/interpreters';

describe('resolving the interpreter of a spec', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-exec-interpreters-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a native binary on PATH is taken as it is found, without starting it to ask', async () => {
    const bin = path.join(dir, 'native');
    fs.mkdirSync(bin);
    // An ELF header and nothing runnable: starting it to ask would fail and leave the bare name.
    fs.writeFileSync(path.join(bin, 'python3'), Buffer.concat([Buffer.from('\x7fELF', 'latin1'), Buffer.alloc(60)]), { mode: 0o755 });
    assert.deepEqual(await resolveInterpreter('python', ['python3', '-u'], { PATH: bin }), [path.join(bin, 'python3'), '-u']);
  });

  test('a shim script is followed to the interpreter it runs', async () => {
    const bin = path.join(dir, 'shims');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'node'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} "$@"\n`, { mode: 0o755 });
    assert.deepEqual(await resolveInterpreter('node', ['node'], { PATH: bin }), [process.execPath]);
  });
});
