"""The receiving side of RSync, sent with remote_exec to the target gateway (rsync_receive.js is the
same for the Node agent).

Conversation on the channel (host -> remote unless marked):
  {dest, batch}                         the destination directory (created if missing)
  <- ['tree', entries] ... ['tree-end'] the destination's tree: [rel, kind, size, mtimeNs, mode, linkTarget]
                                        with kind 'f' file, 'd' directory, 'l' symlink, 'o' anything else
  ['checksum', rels] -> ['checksums', sha1 hex or None per rel]
  ['delete', rels]                      remove these (directories with their contents)
  ['mkdir', [[rel, mode]...]]           make sure these are directories and writable by their owner
  ['link', [[rel, target]...]]          (re)create symlinks
  ['file', rel, mode, mtimeNs, data]    a whole file; with data None, byte chunks follow until a None item
  ['meta', [[rel, mode, mtimeNs]...]]   fix mode and mtime of files whose content is already right
  ['dirmodes', [[rel, mode]...]]        final directory modes, applied last so read-only ones stay writable until then
  ['done'] -> ['ok']
Files are written to a temporary name beside the target and renamed over it, so a reader never sees half a file.
"""
import hashlib
import os
import shutil
import stat


def main(channel):
    opts = channel.receive()
    dest = os.path.abspath(os.path.expanduser(opts['dest']))
    batch_size = opts.get('batch') or 1000
    os.makedirs(dest, exist_ok=True)
    if not os.path.isdir(dest):
        raise NotADirectoryError('rsync destination is not a directory: %s' % dest)

    def full(rel):
        return os.path.join(dest, *rel.split('/'))

    def remove(path):
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        elif os.path.lexists(path):
            os.unlink(path)

    batch = []

    def walk(dirpath, prefix):
        with os.scandir(dirpath) as it:
            entries = sorted(it, key=lambda e: e.name)
        for e in entries:
            rel = prefix + e.name
            st = e.stat(follow_symlinks=False)
            m = st.st_mode
            if stat.S_ISLNK(m):
                batch.append([rel, 'l', 0, 0, 0, os.readlink(e.path)])
            elif stat.S_ISDIR(m):
                batch.append([rel, 'd', 0, 0, stat.S_IMODE(m), None])
                walk(e.path, rel + '/')
            elif stat.S_ISREG(m):
                batch.append([rel, 'f', st.st_size, st.st_mtime_ns, stat.S_IMODE(m), None])
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
                h = hashlib.sha1()
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
                if os.path.islink(path) or (os.path.lexists(path) and not os.path.isdir(path)):
                    remove(path)
                if not os.path.isdir(path):
                    os.mkdir(path, mode | 0o700)
                elif stat.S_IMODE(os.stat(path).st_mode) & 0o700 != 0o700:
                    os.chmod(path, stat.S_IMODE(os.stat(path).st_mode) | 0o700)
        elif op == 'link':
            for rel, target in msg[1]:
                path = full(rel)
                remove(path)
                os.symlink(target, path)
        elif op == 'file':
            rel, mode, mtime, data = msg[1], msg[2], msg[3], msg[4]
            path = full(rel)
            tmp = os.path.join(os.path.dirname(path), '.%s.rsync-tmp' % os.path.basename(path))
            with open(tmp, 'wb') as f:
                if data is not None:
                    f.write(data)
                else:
                    while True:
                        chunk = channel.receive()
                        if chunk is None:
                            break
                        f.write(chunk)
            os.chmod(tmp, mode)
            os.utime(tmp, ns=(mtime, mtime))
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            os.replace(tmp, path)
        elif op == 'meta':
            for rel, mode, mtime in msg[1]:
                os.chmod(full(rel), mode)
                os.utime(full(rel), ns=(mtime, mtime))
        elif op == 'dirmodes':
            for rel, mode in msg[1]:
                os.chmod(full(rel), mode)
        elif op == 'done':
            channel.send(['ok'])
            return
        else:
            raise ValueError('rsync: unknown operation %r' % (op,))


if __name__ == '__channelexec__':
    main(channel)  # noqa: F821 (remote_exec puts the channel in the module's globals)
