import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeGateway } from '../../../server/api';

// The Python agent is compiled once per interpreter and agent version and kept on the host
// (server/agents/compiledCache.ts); a start then loads bytecode instead of compiling 160 KB of source.
const FROM_CACHE = "import __main__\nchannel.send(getattr(__main__, '_agent_from_cache', False))";

async function startAndAsk(): Promise<unknown> {
  const gw = await makeGateway('popen');
  try {
    return await gw.remoteExec(FROM_CACHE).receive();
  } finally {
    await gw.exit();
  }
}

async function entries(dir: string): Promise<string[]> {
  for (let i = 0; i < 500; i++) {
    const found = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => !f.endsWith('.tmp')) : [];
    if (found.length) return found;
    await sleep(20);
  }
  throw new Error(`no compiled agent appeared in ${dir}`);
}

describe('the compiled Python agent', () => {
  let dir: string;
  let saved: string | undefined;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-exec-cache-'));
    saved = process.env.REMOTE_EXEC_CACHE_DIR;
    process.env.REMOTE_EXEC_CACHE_DIR = dir;
  });
  after(() => {
    if (saved === undefined) delete process.env.REMOTE_EXEC_CACHE_DIR;
    else process.env.REMOTE_EXEC_CACHE_DIR = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the first start compiles the source; later ones run the compiled agent kept for that interpreter', async () => {
    assert.equal(await startAndAsk(), false);
    const [entry] = await entries(dir);
    assert.match(entry, /^python-agent-[0-9a-f]{32}$/);
    assert.equal(await startAndAsk(), true);
  });

  test('an entry compiled by another Python is never run: that agent compiles its source and works', async () => {
    const [entry] = await entries(dir);
    // Another interpreter's bytecode magic in front of bytes that would crash this one if loaded.
    fs.writeFileSync(path.join(dir, entry), Buffer.concat([Buffer.from([0, 0, 0x0d, 0x0a]), Buffer.alloc(64, 0xff)]));
    assert.equal(await startAndAsk(), false);
  });
});
