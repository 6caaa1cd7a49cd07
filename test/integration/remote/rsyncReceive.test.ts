import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RemoteError, makeGateway, type Channel, type Gateway } from '../../../server/api';
import { remoteSource } from '../../../server/agents';
import { waitGone } from '../../helpers/processes';

/**
 * server/agents/remote/rsync_receive.{py,js} alone: sent with remoteExec and driven message by message,
 * as RSync drives it, without RSync in between.
 */
const KINDS = [
  { name: 'Python', language: 'python', spec: 'popen', mtimeToleranceNs: 0n },
  // Node sets times from a double of seconds: exact to the microsecond.
  { name: 'Node', language: 'node', spec: 'popen//node=node', mtimeToleranceNs: 2000n },
] as const;

const MTIME_NS = 1_700_000_000_123_456_789n;

const modeOf = (p: string) => fs.lstatSync(p).mode & 0o7777;
const mtimeNsOf = (p: string) => fs.lstatSync(p, { bigint: true }).mtimeNs;

function assertMtime(p: string, expected: bigint, toleranceNs: bigint): void {
  const diff = mtimeNsOf(p) - expected;
  assert.ok(diff <= toleranceNs && diff >= -toleranceNs, `mtime of ${p} is ${diff} ns off`);
}

/** Every ['tree', entries] until ['tree-end'], as the batches they came in. */
async function receiveTree(channel: Channel): Promise<unknown[][][]> {
  const batches: unknown[][][] = [];
  while (true) {
    const msg = (await channel.receive(10000)) as [string, unknown[][]?];
    if (msg[0] === 'tree-end') return batches;
    assert.equal(msg[0], 'tree');
    batches.push(msg[1]!);
  }
}

for (const kind of KINDS)
  describe(`rsync_receive on a ${kind.name} agent`, () => {
    let scratch: string;
    let gw: Gateway;

    before(async () => {
      scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-exec-rsync-receive-'));
      gw = await makeGateway(kind.spec);
    });

    after(async () => {
      const pid = gw?.info.pid;
      await gw?.exit(1000);
      if (pid) await waitGone(pid);
      fs.rmSync(scratch, { recursive: true, force: true });
    });

    const start = async (dest: string, batch: number) => {
      const channel = gw.remoteExec(remoteSource('rsync_receive', kind.language));
      await channel.send({ dest, batch });
      return channel;
    };

    test('reports the destination tree in batches: files with size, mtime and mode, directories, symlinks', async () => {
      const dest = path.join(scratch, 'tree');
      fs.mkdirSync(path.join(dest, 'sub'), { recursive: true, mode: 0o750 });
      fs.chmodSync(path.join(dest, 'sub'), 0o750);
      fs.writeFileSync(path.join(dest, 'a.txt'), 'hello');
      fs.chmodSync(path.join(dest, 'a.txt'), 0o640);
      fs.writeFileSync(path.join(dest, 'sub/b.bin'), Buffer.alloc(1000, 7));
      fs.symlinkSync('a.txt', path.join(dest, 'link'));
      const channel = await start(dest, 2);
      const batches = await receiveTree(channel);
      assert.deepEqual(
        batches.map((b) => b.length),
        [2, 2],
        'four entries in batches of two',
      );
      const entries = batches
        .flat()
        .map(([rel, k, size, mtime, mode, target]) => [rel, k, Number(size), BigInt(mtime as number), mode, target]);
      assert.deepEqual(entries, [
        ['a.txt', 'f', 5, mtimeNsOf(path.join(dest, 'a.txt')), 0o640, null],
        ['link', 'l', 0, 0n, 0, 'a.txt'],
        ['sub', 'd', 0, 0n, 0o750, null],
        ['sub/b.bin', 'f', 1000, mtimeNsOf(path.join(dest, 'sub/b.bin')), modeOf(path.join(dest, 'sub/b.bin')), null],
      ]);
      await channel.send(['done']);
      assert.deepEqual(await channel.receive(10000), ['ok']);
      await channel.waitClose(10000);
    });

    test('a missing destination is created and reported empty', async () => {
      const dest = path.join(scratch, 'new/deeper');
      const channel = await start(dest, 1000);
      assert.deepEqual(await receiveTree(channel), []);
      assert.ok(fs.statSync(dest).isDirectory());
      await channel.send(['done']);
      assert.deepEqual(await channel.receive(10000), ['ok']);
      await channel.waitClose(10000);
    });

    test('writes files whole and in chunks with their mode and mtime, checksums, makes directories and symlinks, deletes', async () => {
      const dest = path.join(scratch, 'ops');
      fs.mkdirSync(path.join(dest, 'old/inside'), { recursive: true });
      fs.writeFileSync(path.join(dest, 'old/inside/x'), 'x');
      fs.writeFileSync(path.join(dest, 'gone.txt'), 'bye');
      fs.writeFileSync(path.join(dest, 'kept.txt'), 'kept');
      const channel = await start(dest, 1000);
      assert.equal((await receiveTree(channel)).flat().length, 5);

      await channel.send([
        'mkdir',
        [
          ['dir', 0o755],
          ['locked', 0o500],
        ],
      ]);
      await channel.send(['file', 'dir/whole.txt', 0o600, MTIME_NS, Buffer.from('sent whole')]);
      await channel.send(['file', 'dir/chunked.bin', 0o751, MTIME_NS, null]);
      const chunks = [Buffer.alloc(300_000, 1), Buffer.alloc(5, 2), Buffer.alloc(70_000, 3)];
      for (const chunk of chunks) await channel.send(chunk);
      await channel.send(null);
      await channel.send(['link', [['dir/to-kept', '../kept.txt']]]);
      await channel.send(['delete', ['old', 'gone.txt']]);
      await channel.send(['meta', [['kept.txt', 0o604, MTIME_NS]]]);
      await channel.send(['dirmodes', [['locked', 0o500]]]);
      await channel.send(['checksum', ['dir/chunked.bin', 'no-such-file']]);
      const chunked = Buffer.concat(chunks);
      assert.deepEqual(await channel.receive(10000), ['checksums', [createHash('sha1').update(chunked).digest('hex'), null]]);
      await channel.send(['done']);
      assert.deepEqual(await channel.receive(10000), ['ok']);
      await channel.waitClose(10000);

      const at = (rel: string) => path.join(dest, rel);
      assert.equal(fs.readFileSync(at('dir/whole.txt'), 'utf8'), 'sent whole');
      assert.equal(modeOf(at('dir/whole.txt')), 0o600);
      assertMtime(at('dir/whole.txt'), MTIME_NS, kind.mtimeToleranceNs);
      assert.ok(fs.readFileSync(at('dir/chunked.bin')).equals(chunked));
      assert.equal(modeOf(at('dir/chunked.bin')), 0o751);
      assertMtime(at('dir/chunked.bin'), MTIME_NS, kind.mtimeToleranceNs);
      assert.equal(fs.readlinkSync(at('dir/to-kept')), '../kept.txt');
      assert.equal(fs.readFileSync(at('dir/to-kept'), 'utf8'), 'kept');
      assert.equal(modeOf(at('dir')), 0o755);
      assert.equal(modeOf(at('locked')), 0o500, 'made writable by its owner first, given its final mode last');
      assert.equal(modeOf(at('kept.txt')), 0o604);
      assertMtime(at('kept.txt'), MTIME_NS, kind.mtimeToleranceNs);
      assert.ok(!fs.existsSync(at('old')), 'a directory is deleted with its contents');
      assert.ok(!fs.existsSync(at('gone.txt')));
      assert.deepEqual(fs.readdirSync(at('dir')).sort(), ['chunked.bin', 'to-kept', 'whole.txt'], 'no temporary file left');
      fs.chmodSync(at('locked'), 0o700);
    });

    test('a file replaces a directory of the same name, and mkdir replaces a file or a symlink', async () => {
      const dest = path.join(scratch, 'kinds');
      fs.mkdirSync(path.join(dest, 'was-dir/inner'), { recursive: true });
      fs.writeFileSync(path.join(dest, 'was-file'), 'file');
      fs.symlinkSync('/nonexistent', path.join(dest, 'was-link'));
      const channel = await start(dest, 1000);
      await receiveTree(channel);
      await channel.send(['file', 'was-dir', 0o644, MTIME_NS, Buffer.from('now a file')]);
      await channel.send([
        'mkdir',
        [
          ['was-file', 0o755],
          ['was-link', 0o755],
        ],
      ]);
      await channel.send(['done']);
      assert.deepEqual(await channel.receive(10000), ['ok']);
      await channel.waitClose(10000);
      assert.equal(fs.readFileSync(path.join(dest, 'was-dir'), 'utf8'), 'now a file');
      assert.ok(fs.lstatSync(path.join(dest, 'was-file')).isDirectory());
      assert.ok(fs.lstatSync(path.join(dest, 'was-link')).isDirectory());
    });

    test('an unknown operation closes the channel with an error that names it', async () => {
      const channel = await start(path.join(scratch, 'unknown'), 1000);
      await receiveTree(channel);
      await channel.send(['frobnicate']);
      await assert.rejects(
        channel.waitClose(10000),
        (err: unknown) => err instanceof RemoteError && /unknown operation.*frobnicate/.test(err.message),
      );
    });
  });
