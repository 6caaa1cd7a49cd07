/**
 * The receiving side of RSync, sent with remoteExec to the target gateway, one version per agent language.
 *
 * Conversation on the channel (host → remote unless marked):
 *   {dest, batch}                      the destination directory (created if missing)
 *   ← ['tree', entries] ... ['tree-end'] the destination's tree: [rel, kind, size, mtimeNs, mode, linkTarget]
 *                                      with kind 'f' file, 'd' directory, 'l' symlink, 'o' anything else
 *   ['checksum', rels] → ['checksums', sha1 hex or null per rel]
 *   ['delete', rels]                   remove these (directories with their contents)
 *   ['mkdir', [[rel, mode]...]]        make sure these are directories and writable by their owner
 *   ['link', [[rel, target]...]]       (re)create symlinks
 *   ['file', rel, mode, mtimeNs, data] a whole file; with data null, byte chunks follow until a null item
 *   ['meta', [[rel, mode, mtimeNs]...]] fix mode and mtime of files whose content is already right
 *   ['dirmodes', [[rel, mode]...]]     final directory modes, applied last so read-only ones stay writable until then
 *   ['done'] → ['ok']
 * Files are written to a temporary name beside the target and renamed over it, so a reader never sees half a file.
 */

export const RSYNC_REMOTE_PYTHON = String.raw`
import hashlib as _hashlib, os as _os, shutil as _shutil, stat as _stat

def _rsync_receive(channel):
    opts = channel.receive()
    dest = _os.path.abspath(_os.path.expanduser(opts['dest']))
    batch_size = opts.get('batch') or 1000
    _os.makedirs(dest, exist_ok=True)
    if not _os.path.isdir(dest):
        raise NotADirectoryError('rsync destination is not a directory: %s' % dest)

    def full(rel):
        return _os.path.join(dest, *rel.split('/'))

    def remove(path):
        if _os.path.isdir(path) and not _os.path.islink(path):
            _shutil.rmtree(path)
        elif _os.path.lexists(path):
            _os.unlink(path)

    batch = []
    def walk(dirpath, prefix):
        with _os.scandir(dirpath) as it:
            entries = sorted(it, key=lambda e: e.name)
        for e in entries:
            rel = prefix + e.name
            st = e.stat(follow_symlinks=False)
            m = st.st_mode
            if _stat.S_ISLNK(m):
                batch.append([rel, 'l', 0, 0, 0, _os.readlink(e.path)])
            elif _stat.S_ISDIR(m):
                batch.append([rel, 'd', 0, 0, _stat.S_IMODE(m), None])
                walk(e.path, rel + '/')
            elif _stat.S_ISREG(m):
                batch.append([rel, 'f', st.st_size, st.st_mtime_ns, _stat.S_IMODE(m), None])
            else:
                batch.append([rel, 'o', 0, 0, 0, None])
            if len(batch) >= batch_size:
                channel.send(['tree', list(batch)])
                del batch[:]
    walk(dest, '')
    if batch:
        channel.send(['tree', batch])
    channel.send(['tree-end'])

    while True:
        msg = channel.receive()
        op = msg[0]
        if op == 'checksum':
            sums = []
            for rel in msg[1]:
                h = _hashlib.sha1()
                try:
                    with open(full(rel), 'rb') as f:
                        for block in iter(lambda: f.read(1 << 20), b''):
                            h.update(block)
                    sums.append(h.hexdigest())
                except OSError:
                    sums.append(None)
            channel.send(['checksums', sums])
        elif op == 'delete':
            for rel in msg[1]:
                remove(full(rel))
        elif op == 'mkdir':
            for rel, mode in msg[1]:
                path = full(rel)
                if _os.path.islink(path) or (_os.path.lexists(path) and not _os.path.isdir(path)):
                    remove(path)
                if not _os.path.isdir(path):
                    _os.mkdir(path, mode | 0o700)
                elif _stat.S_IMODE(_os.stat(path).st_mode) & 0o700 != 0o700:
                    _os.chmod(path, _stat.S_IMODE(_os.stat(path).st_mode) | 0o700)
        elif op == 'link':
            for rel, target in msg[1]:
                path = full(rel)
                remove(path)
                _os.symlink(target, path)
        elif op == 'file':
            rel, mode, mtime, data = msg[1], msg[2], msg[3], msg[4]
            path = full(rel)
            tmp = _os.path.join(_os.path.dirname(path), '.%s.rsync-tmp' % _os.path.basename(path))
            with open(tmp, 'wb') as f:
                if data is not None:
                    f.write(data)
                else:
                    while True:
                        chunk = channel.receive()
                        if chunk is None:
                            break
                        f.write(chunk)
            _os.chmod(tmp, mode)
            _os.utime(tmp, ns=(mtime, mtime))
            if _os.path.isdir(path) and not _os.path.islink(path):
                _shutil.rmtree(path)
            _os.replace(tmp, path)
        elif op == 'meta':
            for rel, mode, mtime in msg[1]:
                _os.chmod(full(rel), mode)
                _os.utime(full(rel), ns=(mtime, mtime))
        elif op == 'dirmodes':
            for rel, mode in msg[1]:
                _os.chmod(full(rel), mode)
        elif op == 'done':
            channel.send(['ok'])
            return
        else:
            raise ValueError('rsync: unknown operation %r' % (op,))

_rsync_receive(channel)
`;

/**
 * The same for the Node agent. It runs as the body of an async function with `channel` and `require` in
 * scope; `await channel.receive()` gives the next item.
 */
export const RSYNC_REMOTE_NODE = String.raw`
const fs = require('fs');
const path = require('path');
const os = require('os');
const crypto = require('crypto');
const opts = await channel.receive();
let dest = String(opts.dest);
if (dest === '~' || dest.startsWith('~/')) dest = path.join(os.homedir(), dest.slice(1));
dest = path.resolve(dest);
const batchSize = opts.batch || 1000;
fs.mkdirSync(dest, { recursive: true });
if (!fs.statSync(dest).isDirectory()) throw new Error('rsync destination is not a directory: ' + dest);
const full = (rel) => path.join(dest, ...String(rel).split('/'));
const lexists = (p) => { try { fs.lstatSync(p); return true; } catch { return false; } };
const remove = (p) => { if (lexists(p)) fs.rmSync(p, { recursive: true, force: true }); };
const setMtime = (p, ns) => { const s = Number(BigInt(ns)) / 1e9; fs.utimesSync(p, s, s); };
let batch = [];
const walk = async (dir, prefix) => {
  const names = fs.readdirSync(dir).sort();
  for (const name of names) {
    const rel = prefix + name;
    const p = path.join(dir, name);
    const st = fs.lstatSync(p, { bigint: true });
    const mode = Number(st.mode & 0o7777n);
    if (st.isSymbolicLink()) batch.push([rel, 'l', 0, 0, 0, fs.readlinkSync(p)]);
    else if (st.isDirectory()) { batch.push([rel, 'd', 0, 0, mode, null]); await walk(p, rel + '/'); }
    else if (st.isFile()) batch.push([rel, 'f', Number(st.size), st.mtimeNs, mode, null]);
    else batch.push([rel, 'o', 0, 0, 0, null]);
    if (batch.length >= batchSize) { await channel.send(['tree', batch]); batch = []; }
  }
};
await walk(dest, '');
if (batch.length) await channel.send(['tree', batch]);
await channel.send(['tree-end']);
while (true) {
  const msg = await channel.receive();
  const op = msg[0];
  if (op === 'checksum') {
    const block = Buffer.allocUnsafe(1 << 20);
    const sums = msg[1].map((rel) => {
      let fd;
      try {
        fd = fs.openSync(full(rel), 'r');
        const hash = crypto.createHash('sha1');
        for (let k; (k = fs.readSync(fd, block, 0, block.length, null)) > 0; ) hash.update(block.subarray(0, k));
        return hash.digest('hex');
      } catch { return null; } finally { if (fd !== undefined) fs.closeSync(fd); }
    });
    await channel.send(['checksums', sums]);
  } else if (op === 'delete') {
    for (const rel of msg[1]) remove(full(rel));
  } else if (op === 'mkdir') {
    for (const [rel, mode] of msg[1]) {
      const p = full(rel);
      let st; try { st = fs.lstatSync(p); } catch { st = undefined; }
      if (st && !st.isDirectory()) { remove(p); st = undefined; }
      if (!st) fs.mkdirSync(p, { mode: Number(mode) | 0o700 });
      else if ((st.mode & 0o700) !== 0o700) fs.chmodSync(p, (st.mode & 0o7777) | 0o700);
    }
  } else if (op === 'link') {
    for (const [rel, target] of msg[1]) { const p = full(rel); remove(p); fs.symlinkSync(target, p); }
  } else if (op === 'file') {
    const [, rel, mode, mtime, data] = msg;
    const p = full(rel);
    const tmp = path.join(path.dirname(p), '.' + path.basename(p) + '.rsync-tmp');
    const fd = fs.openSync(tmp, 'w');
    try {
      if (data !== null && data !== undefined) fs.writeSync(fd, data);
      else {
        while (true) {
          const chunk = await channel.receive();
          if (chunk === null || chunk === undefined) break;
          fs.writeSync(fd, chunk);
        }
      }
    } finally { fs.closeSync(fd); }
    fs.chmodSync(tmp, Number(mode));
    setMtime(tmp, mtime);
    let st; try { st = fs.lstatSync(p); } catch { st = undefined; }
    if (st && st.isDirectory()) fs.rmSync(p, { recursive: true, force: true });
    fs.renameSync(tmp, p);
  } else if (op === 'meta') {
    for (const [rel, mode, mtime] of msg[1]) { fs.chmodSync(full(rel), Number(mode)); setMtime(full(rel), mtime); }
  } else if (op === 'dirmodes') {
    for (const [rel, mode] of msg[1]) fs.chmodSync(full(rel), Number(mode));
  } else if (op === 'done') {
    await channel.send(['ok']);
    break;
  } else throw new Error('rsync: unknown operation ' + op);
}
`;
