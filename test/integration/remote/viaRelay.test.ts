import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeGateway, type Channel, type Gateway } from '../../../server/api';
import { remoteSource } from '../../../server/agents';
import { waitGone } from '../../helpers/processes';

/**
 * server/agents/remote/via_relay.{py,js} alone: sent with remoteExec and given a child to start, as
 * via= does with an agent, here a shell whose behaviour the test can see.
 */
const KINDS = [
  { name: 'Python', language: 'python', spec: 'popen' },
  { name: 'Node', language: 'node', spec: 'popen//node=node' },
] as const;

type Status = { exit: number; stderr: string; signal?: string | null };

/** The child's stdout, relayed as bytes items, up to the relay's final `{exit, stderr}`. */
async function untilExit(channel: Channel): Promise<{ stdout: string; status: Status }> {
  const chunks: Buffer[] = [];
  while (true) {
    const item = await channel.receive(10000);
    if (Buffer.isBuffer(item)) chunks.push(item);
    else return { stdout: Buffer.concat(chunks).toString('utf8'), status: item as Status };
  }
}

async function waitFor(file: string): Promise<string> {
  const until = Date.now() + 10000;
  while (!fs.existsSync(file)) {
    if (Date.now() > until) throw new Error(`${file} did not appear`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return fs.readFileSync(file, 'utf8');
}

for (const kind of KINDS)
  describe(`via_relay on a ${kind.name} agent`, () => {
    let scratch: string;
    let gw: Gateway;

    before(async () => {
      scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'remote-exec-via-relay-')));
      gw = await makeGateway(kind.spec);
    });

    after(async () => {
      const pid = gw?.info.pid;
      await gw?.exit(1000);
      if (pid) await waitGone(pid);
      fs.rmSync(scratch, { recursive: true, force: true });
    });

    const relay = async (argv: string[], extra: { cwd?: string | null; env?: Record<string, string>; payload?: Buffer } = {}) => {
      const channel = gw.remoteExec(remoteSource('via_relay', kind.language));
      await channel.send({ argv, cwd: extra.cwd ?? null, env: extra.env ?? {}, payload: extra.payload ?? Buffer.alloc(0) });
      return channel;
    };

    test("starts the child in the given directory and environment, relays bytes both ways, reports its exit code and stderr's tail", async () => {
      const script = 'printf "%s|%s|" "$(pwd)" "$GREETING"; head -c 11; echo "first line" >&2; echo "last words" >&2; exit 3';
      const channel = await relay(['/bin/sh', '-c', script], { cwd: scratch, env: { GREETING: 'hi' }, payload: Buffer.from('hello ') });
      await channel.send(Buffer.from('world'));
      const { stdout, status } = await untilExit(channel);
      assert.equal(stdout, `${scratch}|hi|hello world`, 'the payload first, then what the host sent');
      assert.equal(status.exit, 3);
      assert.equal(status.stderr, 'first line\nlast words\n');
      channel.close();
      await channel.waitClose(10000);
    });

    test('keeps the tail of stderr, at most 4 KiB of it', async () => {
      const channel = await relay(['/bin/sh', '-c', 'i=0; while [ $i -lt 2000 ]; do echo "line $i" >&2; i=$((i+1)); done']);
      const { status } = await untilExit(channel);
      const whole = Array.from({ length: 2000 }, (_, i) => `line ${i}\n`).join('');
      assert.equal(status.exit, 0);
      assert.ok(status.stderr.length <= 4096, `${status.stderr.length} characters of stderr`);
      assert.ok(status.stderr.endsWith('line 1998\nline 1999\n') && whole.endsWith(status.stderr), status.stderr);
      channel.close();
    });

    test("the host closing the channel closes the child's stdin, so the child ends", async () => {
      const marker = path.join(scratch, 'saw-eof');
      const channel = await relay(['/bin/sh', '-c', 'cat; echo eof > "$0"', marker]);
      await channel.send(Buffer.from('echoed'));
      assert.equal(Buffer.from((await channel.receive(10000)) as Buffer).toString(), 'echoed');
      channel.close();
      assert.equal(await waitFor(marker), 'eof\n');
      // The gateway that ran the relay carries on.
      assert.equal(await gw.remoteExec('channel.send(6 * 7)').receive(10000), 42);
    });

    test('a child that cannot start is reported with a failing exit and the reason', async () => {
      const missing = path.join(scratch, 'no-such-interpreter');
      const channel = await relay([missing, '-c', 'pass']);
      const { stdout, status } = await untilExit(channel);
      assert.equal(stdout, '');
      assert.notEqual(status.exit, 0);
      assert.ok(status.stderr.includes(missing), status.stderr);
      channel.close();
    });
  });
