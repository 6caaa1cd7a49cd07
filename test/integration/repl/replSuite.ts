import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeGateway, RemoteError, type Gateway } from '../../../server/api';
import { isAlive, waitGone } from '../../helpers/processes';

/** What one REPL language needs to show the behaviours every repl= gateway shares. */
export interface ReplCases {
  spec: string;
  language: RegExp;
  /** Multi-line code (a loop or a block) and exactly what it prints. */
  multiLine: [code: string, output: string];
  /** Code that fails, and the remote type it fails with. */
  failing: [code: string, remoteType: RegExp];
  /** Code that prints the numbers 0..19999, one a line. */
  count20k: string;
  /** Code that runs until interrupted. */
  forever: string;
  /** Code that shows state persists between runs: defines something in one run, prints it in the next. */
  persists: [define: string, show: string, output: string];
  skip?: string | false;
}

/** Runs `code` on `gw`; resolves with its output once the channel closes, rejects with its RemoteError. */
export async function run(gw: Gateway, code: string, onChunk?: (text: string) => void): Promise<string> {
  let out = '';
  const ch = gw.remoteExec(code);
  const listener = (chunk: Buffer, channel: unknown) => {
    if (channel !== ch) return;
    out += chunk.toString('utf8');
    onChunk?.(chunk.toString('utf8'));
  };
  gw.on('stdout', listener);
  try {
    await ch.waitClose();
    return out;
  } catch (err) {
    if (err instanceof RemoteError) (err as RemoteError & { output?: string }).output = out;
    throw err;
  } finally {
    gw.off('stdout', listener);
  }
}

export function replSuite(name: string, cases: ReplCases): void {
  describe(`repl= gateway: ${name}`, { skip: cases.skip || false }, () => {
    let gw: Gateway;
    before(async () => {
      gw = await makeGateway(cases.spec);
    });
    after(async () => {
      const pid = gw?.info?.pid;
      await gw?.exit();
      if (pid) await waitGone(pid);
    });

    test('the REPL introduces itself like any agent', () => {
      assert.match(gw.info.language, cases.language);
      assert.ok(isAlive(gw.info.pid));
      assert.deepEqual(gw.info.capabilities, ['exec', 'interrupt']);
    });

    test('multi-line code runs whole and streams its output on the channel', async () => {
      assert.equal(await run(gw, cases.multiLine[0]), cases.multiLine[1]);
    });

    test('state persists between runs, as in the REPL', async () => {
      await run(gw, cases.persists[0]);
      assert.equal(await run(gw, cases.persists[1]), cases.persists[2]);
    });

    test('a failing run closes its channel with a RemoteError; the REPL stays usable', async () => {
      await assert.rejects(run(gw, cases.failing[0]), (err: RemoteError) => {
        assert.ok(err instanceof RemoteError);
        assert.match(err.remoteType, cases.failing[1]);
        return true;
      });
      assert.equal(await run(gw, cases.multiLine[0]), cases.multiLine[1]);
    });

    test('20,000 lines of output arrive whole, the last one included', async () => {
      const lines = (await run(gw, cases.count20k)).split('\n');
      assert.equal(lines.pop(), '');
      assert.equal(lines.length, 20000);
      assert.equal(lines[0], '0');
      assert.equal(lines[19999], '19999');
    });

    test('an interrupt stops a long run with KeyboardInterrupt; the next run works', async () => {
      const ch = gw.remoteExec(cases.forever);
      // Interrupt once the run is going: its status says it executes.
      while ((await gw.remoteStatus()).numexecuting === 0) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 300));
      gw.interrupt(ch);
      await assert.rejects(ch.waitClose(), (err: RemoteError) => err instanceof RemoteError && err.remoteType === 'KeyboardInterrupt');
      assert.equal(await run(gw, cases.multiLine[0]), cases.multiLine[1]);
    });

    test('runs sent together are queued and run in order', async () => {
      const outputs = await Promise.all([run(gw, cases.multiLine[0]), run(gw, cases.multiLine[0])]);
      assert.deepEqual(outputs, [cases.multiLine[1], cases.multiLine[1]]);
      const status = await gw.remoteStatus();
      assert.equal(status.numexecuting, 0);
      assert.equal(status.execqsize, 0);
      assert.equal(status.numobjects, 0);
      assert.equal(status.pid, gw.info.pid);
    });
  });
}
