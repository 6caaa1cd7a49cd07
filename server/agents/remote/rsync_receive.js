// The receiving side of RSync on a Node agent: the same conversation as rsync_receive.py, which
// describes it. Sent with remoteExec, this file runs as the body of an async function with `channel`
// in scope; required as a module, it only exports main.
const fs = require('fs');
const path = require('path');
const os = require('os');
const crypto = require('crypto');

async function main(channel) {
  const opts = await channel.receive();
  let dest = String(opts.dest);
  if (dest === '~' || dest.startsWith('~/')) dest = path.join(os.homedir(), dest.slice(1));
  dest = path.resolve(dest);
  const batchSize = opts.batch || 1000;
  fs.mkdirSync(dest, { recursive: true });
  if (!fs.statSync(dest).isDirectory()) throw new Error('rsync destination is not a directory: ' + dest);
  const full = (rel) => path.join(dest, ...String(rel).split('/'));
  const lexists = (p) => {
    try {
      fs.lstatSync(p);
      return true;
    } catch {
      return false;
    }
  };
  const remove = (p) => {
    if (lexists(p)) fs.rmSync(p, { recursive: true, force: true });
  };
  // Node sets times from a double of seconds: exact to the microsecond, not to the nanosecond.
  const setMtime = (p, ns) => {
    const s = Number(BigInt(ns)) / 1e9;
    fs.utimesSync(p, s, s);
  };
  let batch = [];
  const walk = async (dir, prefix) => {
    const names = fs.readdirSync(dir).sort();
    for (const name of names) {
      const rel = prefix + name;
      const p = path.join(dir, name);
      const st = fs.lstatSync(p, { bigint: true });
      const mode = Number(st.mode & 0o7777n);
      if (st.isSymbolicLink()) batch.push([rel, 'l', 0, 0, 0, fs.readlinkSync(p)]);
      else if (st.isDirectory()) {
        batch.push([rel, 'd', 0, 0, mode, null]);
        await walk(p, rel + '/');
      } else if (st.isFile()) batch.push([rel, 'f', Number(st.size), st.mtimeNs, mode, null]);
      else batch.push([rel, 'o', 0, 0, 0, null]);
      if (batch.length >= batchSize) {
        await channel.send(['tree', batch]);
        batch = [];
      }
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
          for (let k; (k = fs.readSync(fd, block, 0, block.length, null)) > 0;) hash.update(block.subarray(0, k));
          return hash.digest('hex');
        } catch {
          return null;
        } finally {
          if (fd !== undefined) fs.closeSync(fd);
        }
      });
      await channel.send(['checksums', sums]);
    } else if (op === 'delete') {
      for (const rel of msg[1]) remove(full(rel));
    } else if (op === 'mkdir') {
      for (const [rel, mode] of msg[1]) {
        const p = full(rel);
        let st;
        try {
          st = fs.lstatSync(p);
        } catch {
          st = undefined;
        }
        if (st && !st.isDirectory()) {
          remove(p);
          st = undefined;
        }
        if (!st) fs.mkdirSync(p, { mode: Number(mode) | 0o700 });
        else if ((st.mode & 0o700) !== 0o700) fs.chmodSync(p, (st.mode & 0o7777) | 0o700);
      }
    } else if (op === 'link') {
      for (const [rel, target] of msg[1]) {
        const p = full(rel);
        remove(p);
        fs.symlinkSync(target, p);
      }
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
      } finally {
        fs.closeSync(fd);
      }
      fs.chmodSync(tmp, Number(mode));
      setMtime(tmp, mtime);
      let st;
      try {
        st = fs.lstatSync(p);
      } catch {
        st = undefined;
      }
      if (st && st.isDirectory()) fs.rmSync(p, { recursive: true, force: true });
      fs.renameSync(tmp, p);
    } else if (op === 'meta') {
      for (const [rel, mode, mtime] of msg[1]) {
        fs.chmodSync(full(rel), Number(mode));
        setMtime(full(rel), mtime);
      }
    } else if (op === 'dirmodes') {
      for (const [rel, mode] of msg[1]) fs.chmodSync(full(rel), Number(mode));
    } else if (op === 'done') {
      await channel.send(['ok']);
      break;
    } else throw new Error('rsync: unknown operation ' + op);
  }
}

// As execnet's `if __name__ == '__channelexec__'`: the agent runs remote code as module `__channelexec__`.
if (module.id === '__channelexec__') return main(channel);
module.exports = { main };
