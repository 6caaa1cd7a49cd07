import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { makeGateway, RemoteError, RSync, type Gateway } from '../../../server/api';
import { waitGone } from '../../helpers/processes';

const execFileAsync = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..', '..');
const BIG = 20 * 1024 * 1024;

/** Every entry under `dir`: kind, mode, size, content hash, link target, mtime (ns) and inode. */
function snapshot(
  dir: string,
): Map<string, { kind: string; mode: number; size: number; sha1?: string; target?: string; mtimeNs: bigint; ino: bigint }> {
  const out = new Map();
  const walk = (d: string, prefix: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const abs = path.join(d, name);
      const st = fs.lstatSync(abs, { bigint: true });
      const base = { mode: Number(st.mode & 0o7777n), mtimeNs: st.mtimeNs, ino: st.ino };
      if (st.isSymbolicLink()) out.set(prefix + name, { ...base, kind: 'link', size: 0, target: fs.readlinkSync(abs), mtimeNs: 0n });
      else if (st.isDirectory()) {
        out.set(prefix + name, { ...base, kind: 'dir', size: 0, mtimeNs: 0n });
        walk(abs, prefix + name + '/');
      } else
        out.set(prefix + name, {
          ...base,
          kind: 'file',
          size: Number(st.size),
          sha1: createHash('sha1').update(fs.readFileSync(abs)).digest('hex'),
        });
    }
  };
  walk(dir, '');
  return out;
}

/** What a copy must keep of the source: everything but inodes. */
function content(dir: string) {
  return new Map(
    [...snapshot(dir)].map(([rel, e]) => [
      rel,
      { kind: e.kind, mode: e.mode, size: e.size, sha1: e.sha1, target: e.target, mtimeNs: e.mtimeNs },
    ]),
  );
}

/**
 * `dest` holds the same entries as `src`, byte for byte, with the same modes, link targets and mtimes;
 * mtimes within `mtimeToleranceNs` (a Node agent sets them through a double of seconds, to the µs).
 */
function assertCopy(dest: string, src: string, mtimeToleranceNs: bigint): void {
  const copied = content(dest);
  const source = content(src);
  const strip = (m: ReturnType<typeof content>) => new Map([...m].map(([rel, e]) => [rel, { ...e, mtimeNs: undefined }]));
  assert.deepEqual(strip(copied), strip(source));
  for (const [rel, e] of source) {
    const diff = copied.get(rel)!.mtimeNs - e.mtimeNs;
    assert.ok(diff <= mtimeToleranceNs && diff >= -mtimeToleranceNs, `mtime of ${rel} is ${diff} ns off`);
  }
}

function write(file: string, data: string | Buffer, mode?: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  if (mode !== undefined) fs.chmodSync(file, mode);
}

const KINDS = [
  { name: 'Python', specs: ['popen', 'popen//python=/usr/bin/python3'], mtimeToleranceNs: 0n },
  { name: 'Node', specs: ['popen//node=node', 'popen//node=node'], mtimeToleranceNs: 2000n },
];

for (const kind of KINDS)
  describe(`RSync to ${kind.name} agents`, () => {
    let scratch: string;
    let src: string;
    let gw: Gateway;
    let gw2: Gateway;

    before(async () => {
      scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-exec-rsync-test-'));
      src = path.join(scratch, 'src');
      write(path.join(src, 'README.txt'), 'hello rsync\n', 0o644);
      write(path.join(src, 'bin/run.sh'), '#!/bin/sh\necho run\n', 0o755);
      write(path.join(src, 'secret/key'), 'k'.repeat(100), 0o600);
      write(path.join(src, 'empty'), '');
      write(path.join(src, 'deep/er/still/data.bin'), randomBytes(300_000));
      write(path.join(src, 'big.bin'), randomBytes(BIG));
      write(path.join(src, 'junk.pyc'), 'compiled');
      fs.symlinkSync('README.txt', path.join(src, 'readme-link'));
      fs.symlinkSync('/nonexistent/target', path.join(src, 'dangling'));
      fs.symlinkSync('deep/er', path.join(src, 'dir-link'));
      fs.chmodSync(path.join(src, 'deep/er'), 0o750);
      [gw, gw2] = await Promise.all(kind.specs.map((spec) => makeGateway(spec)));
    });

    after(async () => {
      const pids = [gw, gw2].filter(Boolean).map((g) => g.info.pid);
      await Promise.all([gw?.exit(1000), gw2?.exit(1000)]);
      for (const pid of pids) await waitGone(pid);
      fs.rmSync(scratch, { recursive: true, force: true });
    });

    test('the first send copies bytes, modes, mtimes and symlinks to two targets at once; the big file goes in chunks', async () => {
      const before = gw.counters.msgsOut;
      const rsync = new RSync(src);
      rsync.addTarget(gw, path.join(scratch, 'a')).addTarget(gw2, path.join(scratch, 'b'));
      const result = await rsync.send();
      const expected = content(src);
      assertCopy(path.join(scratch, 'a'), src, kind.mtimeToleranceNs);
      assertCopy(path.join(scratch, 'b'), src, kind.mtimeToleranceNs);
      const files = [...expected.values()].filter((e) => e.kind === 'file');
      const bytes = files.reduce((n, e) => n + e.size, 0);
      for (const target of result.targets) {
        assert.equal(target.filesSent, files.length);
        assert.equal(target.bytesSent, bytes);
        assert.equal(target.filesSkipped, 0);
        assert.equal(target.linksSent, 3);
      }
      assert.equal(result.filesSent, 2 * files.length);
      // 20 MiB in 1 MiB items: at least 20 messages for that file alone, none of them the whole file.
      assert.ok(gw.counters.msgsOut - before >= 20 + files.length, `only ${gw.counters.msgsOut - before} messages went out`);
      assert.throws(() => rsync.addTarget(gw, 'x').addTarget(gw, 'x'), /already a target/);
    });

    test('an unchanged tree sends nothing again and leaves the remote files alone', async () => {
      const dest = path.join(scratch, 'a');
      const beforeSnap = snapshot(dest);
      const bytesBefore = gw.counters.bytesOut;
      const result = await new RSync(src).addTarget(gw, dest).send();
      assert.equal(result.filesSent, 0);
      assert.equal(result.bytesSent, 0);
      assert.equal(result.linksSent, 0);
      assert.equal(result.filesSkipped, [...beforeSnap.values()].filter((e) => e.kind === 'file').length);
      assert.deepEqual(snapshot(dest), beforeSnap, 'same inodes, same mtimes');
      assert.ok(gw.counters.bytesOut - bytesBefore < 64 * 1024, `${gw.counters.bytesOut - bytesBefore} bytes went out for nothing`);
    });

    test('changes: same size new content is sent, a touched file is only checksummed, a chmod only fixes the mode', async () => {
      const dest = path.join(scratch, 'a');
      const key = path.join(src, 'secret/key');
      write(key, 'K'.repeat(100));
      const later = new Date(Date.now() + 5000);
      fs.utimesSync(key, later, later);
      const readme = path.join(src, 'README.txt');
      fs.utimesSync(readme, later, later);
      fs.chmodSync(path.join(src, 'bin/run.sh'), 0o700);
      write(path.join(src, 'empty'), 'not empty any more');
      const inodes = snapshot(dest);
      const result = await new RSync(src).addTarget(gw, dest).send();
      assertCopy(dest, src, kind.mtimeToleranceNs);
      assert.equal(result.filesSent, 2, 'secret/key and empty');
      assert.equal(result.checksummed, 2, 'secret/key and README.txt have the same size but another mtime');
      assert.equal(result.metaUpdated, 2, 'README.txt (mtime) and bin/run.sh (mode)');
      const after = snapshot(dest);
      assert.equal(after.get('README.txt')!.ino, inodes.get('README.txt')!.ino, 'README.txt was not rewritten');
      assert.equal(after.get('bin/run.sh')!.ino, inodes.get('bin/run.sh')!.ino, 'bin/run.sh was not rewritten');
      assert.equal(after.get('big.bin')!.ino, inodes.get('big.bin')!.ino);
    });

    test('delete removes what the source no longer has; without it extra remote files stay', async () => {
      const keep = path.join(scratch, 'b');
      const dest = path.join(scratch, 'a');
      write(path.join(dest, 'remote-only.txt'), 'extra');
      write(path.join(keep, 'remote-only.txt'), 'extra');
      fs.rmSync(path.join(src, 'deep'), { recursive: true });
      fs.rmSync(path.join(src, 'dir-link'));
      const result = await new RSync(src).addTarget(gw, dest, { delete: true }).addTarget(gw2, keep).send();
      const [withDelete, without] = result.targets;
      assertCopy(dest, src, kind.mtimeToleranceNs);
      assert.equal(withDelete.deleted, 6, 'remote-only.txt, dir-link, deep, deep/er, deep/er/still, deep/er/still/data.bin');
      assert.equal(without.deleted, 0);
      assert.ok(fs.existsSync(path.join(keep, 'remote-only.txt')));
      assert.ok(fs.existsSync(path.join(keep, 'deep/er/still/data.bin')));
    });

    test('the filter leaves out matching entries, which delete then protects on the remote side', async () => {
      const dest = path.join(scratch, 'c');
      write(path.join(dest, 'old.pyc'), 'remote compiled');
      const filter = (rel: string) => !rel.endsWith('.pyc') && rel !== 'secret';
      const result = await new RSync(src, { filter }).addTarget(gw, dest, { delete: true }).send();
      assert.equal(result.deleted, 0);
      const copied = content(dest);
      assert.ok(copied.has('old.pyc'));
      assert.ok(!copied.has('junk.pyc'));
      assert.ok(!copied.has('secret'));
      assert.ok(copied.has('big.bin'));
    });

    test('a path that changes kind is replaced: file -> directory, directory -> symlink', async () => {
      const dest = path.join(scratch, 'a');
      fs.rmSync(path.join(src, 'empty'));
      write(path.join(src, 'empty/inside.txt'), 'now a directory');
      fs.rmSync(path.join(src, 'bin'), { recursive: true });
      fs.symlinkSync('README.txt', path.join(src, 'bin'));
      await new RSync(src).addTarget(gw, dest, { delete: true }).send();
      assertCopy(dest, src, kind.mtimeToleranceNs);
    });

    test('a remote failure is reported as the remote error', async () => {
      const file = path.join(scratch, 'not-a-dir');
      write(file, 'x');
      await assert.rejects(
        new RSync(src).addTarget(gw, file).send(),
        (err: unknown) => err instanceof RemoteError && /exists|not a directory/i.test(err.remoteMessage),
      );
      await assert.rejects(new RSync(src).send(), /no targets/);
      // The gateway is still usable.
      const channel = gw.remoteExec('channel.send(6 * 7)');
      assert.equal(await channel.receive(5000), 42);
    });

    test('remote-exec rsync SRC --spec XSPEC DEST prints the statistics', async () => {
      const dest = path.join(scratch, 'cli');
      const run = () =>
        execFileAsync(
          process.execPath,
          ['--import', 'tsx', path.join(ROOT, 'server/cli.ts'), 'rsync', src, '--spec', kind.specs[1], dest, '--delete'],
          { cwd: ROOT, timeout: 60000 },
        );
      const first = await run();
      const files = [...content(src).values()].filter((e) => e.kind === 'file').length;
      assert.match(first.stdout, new RegExp(`${files} files sent \\(20\\.\\d MiB\\), 0 unchanged, 0 deleted`));
      assertCopy(dest, src, kind.mtimeToleranceNs);
      const second = await run();
      assert.match(second.stdout, new RegExp(`0 files sent \\(0 B\\), ${files} unchanged, 0 deleted`));
    });
  });
