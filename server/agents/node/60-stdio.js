/*
 * Output redirection. Stream takeover (sec. 1), and where Node forces a deviation: Node has no
 * dup()/dup2(), and a Node host's child_process 'pipe' stdio are socketpairs, which cannot be re-opened
 * through /dev/fd either. So the protocol stays on fds 0 and 1 and the agent instead closes every
 * Node-level door to them before user code runs:
 *   - process.stdout / process.stderr are replaced by writable streams that send STDOUT / STDERR
 *     messages tagged with the channel of the task that wrote (AsyncLocalStorage); the global console
 *     writes through them. process.stdin is an empty stream (as if fd 0 were /dev/null).
 *   - fs.writeSync / fs.write / fs.writeFileSync / fs.appendFileSync on fd 1 or 2 are forwarded the same
 *     way; reads of fd 0 see end-of-file; closing fd 0 or 1 is ignored.
 *   - child_process: spawn, fork, spawnSync, execSync and execFileSync get 'inherit' (or fds 0/1/2,
 *     or process.std*) rewritten: stdin becomes 'ignore' (/dev/null); stdout/stderr become pipes (async)
 *     or temporary files (sync) whose bytes are forwarded as STDOUT/STDERR of the calling task.
 *     exec / execFile always use pipes and need nothing.
 *   Not covered (documented limitation): native addons that write to fd 1 themselves, and code that
 *   opens /dev/stdout or /proc/self/fd/1 by path when fd 1 is a real pipe.
 */

// Originals, captured before any patching.
const origWriteSync = fs.writeSync;
const origWritevSync = fs.writevSync;
const origReadSync = fs.readSync;
const origCloseSync = fs.closeSync;
const origOpenSync = fs.openSync;
const origUnlinkSync = fs.unlinkSync;
const origReadFileSync = fs.readFileSync;
const origFstatSync = fs.fstatSync;

function currentChannelId() {
  const t = als.getStore();
  return t ? t.ch.id : 0;
}

// Output is batched, as a Jupyter kernel does: a million console.log() calls are a hundred frames, not a
// million. A batch (one stream of one task) is sent when it reaches OUT_BATCH bytes, when the other
// stream or another task writes, before any other message (30-frames.js), and at the latest
// OUT_FLUSH_MS after its first write. Any write is sent in frames of at most OUT_CHUNK bytes, and the
// writer waits while more than OUT_STALL_MAX bytes wait for the pipe to the host, so output of any size
// arrives whole in bounded memory.
const OUT_BATCH = 64 * 1024;
const OUT_FLUSH_MS = 10;
const OUT_CHUNK = 1 << 20;
const OUT_STALL_MAX = 8 * 1024 * 1024;
let outBatchTimer = null;

function emitOutput(kind, chunk, encoding) {
  if (typeof chunk === 'string') {
    if (chunk.length === 0) return;
    if (encoding && encoding !== 'utf8' && encoding !== 'utf-8' && encoding !== 'buffer') chunk = Buffer.from(chunk, encoding);
  } else if (!(chunk instanceof Uint8Array)) {
    if (ArrayBuffer.isView(chunk)) chunk = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else chunk = Buffer.from(String(chunk));
  }
  if (chunk.length === 0) return;
  const id = currentChannelId();
  if (outBatch !== null && (outBatch.kind !== kind || outBatch.id !== id)) sendOutputBatch();
  if (chunk.length >= OUT_BATCH) {
    sendOutputBatch();
    sendOutput(kind, id, chunk);
    return;
  }
  if (outBatch === null) {
    outBatch = { kind, id, parts: [], size: 0 };
    if (outBatchTimer === null) outBatchTimer = setTimeout(onOutputTimer, OUT_FLUSH_MS);
  }
  outBatch.parts.push(chunk);
  // A string's length is a lower bound of its UTF-8 size: enough to bound a batch.
  outBatch.size += chunk.length;
  if (outBatch.size >= OUT_BATCH) sendOutputBatch();
}

function onOutputTimer() {
  outBatchTimer = null;
  sendOutputBatch();
}

function sendOutputBatch() {
  const batch = outBatch;
  if (batch === null) return;
  outBatch = null;
  const { parts } = batch;
  const joined = parts.every((p) => typeof p === 'string')
    ? parts.join('')
    : Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
  sendOutput(batch.kind, batch.id, joined);
}

/** Sends a str or bytes in frames the host accepts; a string is encoded one slice at a time. */
function sendOutput(kind, id, data) {
  const limit = Math.max(1, Math.min(OUT_CHUNK, peerMaxFrame - 64));
  const step = typeof data === 'string' ? Math.max(1, Math.floor(limit / 3)) : limit;
  try {
    for (let i = 0; i < data.length; i += step) {
      const end = Math.min(data.length, i + step);
      // Never split a surrogate pair between two frames.
      const cut = typeof data === 'string' && end < data.length && isHighSurrogate(data.charCodeAt(end - 1)) ? end - 1 : end;
      sendMsg(kind, id, data.length <= step ? data : data.slice(i, cut), MODE_BINSTR);
      if (cut !== end) i--;
      waitWritten(OUT_STALL_MAX);
    }
  } catch (e) {
    internalError(e);
  }
}

function isHighSurrogate(c) {
  return c >= 0xd800 && c <= 0xdbff;
}

/**
 * console.log and its kin cost about 5 µs a call in Node's own Console (formatting, an error listener
 * added and removed per write), ten times our batched write. Calls whose arguments are strings and
 * numbers only, with no format directive and no console.group indentation, are formatted here as
 * util.format would; any other call goes to Node's method unchanged.
 */
function speedUpConsole() {
  let grouped = false;
  for (const name of ['group', 'groupCollapsed']) {
    const orig = console[name];
    if (typeof orig === 'function')
      console[name] = function (...args) {
        grouped = true;
        return orig.apply(this, args);
      };
  }
  /** Writes the line of a plain call and returns true; false for a call Node's method must format. */
  const writePlain = (kind, args) => {
    if (grouped) return false;
    let big = false;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (typeof a === 'string') {
        if (i === 0 && a.includes('%')) return false;
        if (a.length >= OUT_BATCH) big = true;
      } else if (typeof a !== 'number' || Object.is(a, -0)) return false;
    }
    // A big string is written as it is, not copied into a line with its separators.
    if (big) for (let i = 0; i < args.length; i++) emitOutput(kind, i === 0 ? String(args[i]) : ' ' + args[i]);
    else emitOutput(kind, args.join(' '));
    emitOutput(kind, '\n');
    return true;
  };
  for (const [name, kind] of [
    ['log', STDOUT],
    ['info', STDOUT],
    ['debug', STDOUT],
    ['error', STDERR],
    ['warn', STDERR],
  ]) {
    const orig = console[name];
    if (typeof orig !== 'function') continue;
    console[name] = function (...args) {
      if (!writePlain(kind, args)) return orig.apply(this, args);
    };
  }
}

function makeOutStream(kind, fd) {
  const s = new stream.Writable({
    decodeStrings: false,
    write(chunk, enc, cb) {
      emitOutput(kind, chunk, enc);
      cb();
    },
  });
  s.write = function write(chunk, encoding, cb) {
    if (typeof encoding === 'function') {
      cb = encoding;
      encoding = undefined;
    }
    emitOutput(kind, chunk, encoding);
    if (typeof cb === 'function') process.nextTick(cb);
    return true;
  };
  s.fd = fd;
  s.isTTY = false;
  s._isStdio = true;
  s.destroySoon = () => {};
  s._destroy = (err, cb) => cb(err);
  s.getColorDepth = () => 1;
  s.hasColors = () => false;
  return s;
}

const fakeStdout = makeOutStream(STDOUT, 1);
const fakeStderr = makeOutStream(STDERR, 2);
const fakeStdin = new stream.Readable({
  read() {
    this.push(null);
  },
});
fakeStdin.fd = 0;
fakeStdin.isTTY = false;
fakeStdin.setRawMode = () => fakeStdin;

function takeOverStreams() {
  for (const [name, s] of [
    ['stdout', fakeStdout],
    ['stderr', fakeStderr],
    ['stdin', fakeStdin],
  ]) {
    Object.defineProperty(process, name, { configurable: true, enumerable: true, get: () => s });
  }
  // The global console binds process.stdout/stderr lazily; make sure it binds ours.
  try {
    if (console._stdout !== fakeStdout) console._stdout = fakeStdout;
    if (console._stderr !== fakeStderr) console._stderr = fakeStderr;
  } catch {
    /* ignore */
  }
  speedUpConsole();

  const isOut = (fd) => fd === 1 || fd === 2;
  const kindOf = (fd) => (fd === 1 ? STDOUT : STDERR);
  const bytesOf = (buffer, a, b) => {
    if (typeof buffer === 'string') return Buffer.from(buffer, typeof b === 'string' ? b : 'utf8');
    const u = ArrayBuffer.isView(buffer) ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : Buffer.from(buffer);
    let offset = 0,
      length;
    if (a && typeof a === 'object') {
      offset = a.offset || 0;
      length = a.length;
    } else {
      offset = a || 0;
      length = b;
    }
    return u.subarray(offset, length == null ? u.length : offset + length);
  };
  fs.writeSync = function writeSync(fd, buffer, a, b, _c) {
    if (isOut(fd)) {
      const u = bytesOf(buffer, a, b);
      emitOutput(kindOf(fd), u);
      return u.length;
    }
    return origWriteSync.apply(this, arguments);
  };
  const origWrite = fs.write;
  fs.write = function write(fd, buffer, ...rest) {
    if (isOut(fd)) {
      const cb = rest.pop();
      const u = bytesOf(buffer, rest[0], rest[1]);
      emitOutput(kindOf(fd), u);
      process.nextTick(cb, null, u.length, buffer);
      return;
    }
    return origWrite.apply(this, arguments);
  };
  const isOutPath = (p) => isOut(p) || p === '/dev/stdout' || p === '/dev/stderr';
  const outKindOfPath = (p) => (p === 1 || p === '/dev/stdout' ? STDOUT : STDERR);
  for (const name of ['writeFileSync', 'appendFileSync']) {
    const orig = fs[name];
    fs[name] = function (file, data, options) {
      if (isOutPath(file)) {
        emitOutput(
          outKindOfPath(file),
          typeof data === 'string'
            ? Buffer.from(data, (typeof options === 'string' ? options : options && options.encoding) || 'utf8')
            : data,
        );
        return;
      }
      return orig.apply(this, arguments);
    };
  }
  fs.readSync = function readSync(fd) {
    if (fd === IN_FD) return 0;
    return origReadSync.apply(this, arguments);
  };
  const origRead = fs.read;
  fs.read = function read(fd, ...rest) {
    if (fd === IN_FD) {
      const cb = rest.pop();
      process.nextTick(cb, null, 0, rest[0]);
      return;
    }
    return origRead.apply(this, arguments);
  };
  fs.readFileSync = function readFileSync(file, options) {
    if (file === IN_FD || file === '/dev/stdin') {
      const enc = typeof options === 'string' ? options : options && options.encoding;
      return enc ? '' : Buffer.alloc(0);
    }
    return origReadFileSync.apply(this, arguments);
  };
  fs.closeSync = function closeSync(fd) {
    if (fd === IN_FD || fd === OUT_FD) return;
    return origCloseSync.apply(this, arguments);
  };
  const origClose = fs.close;
  fs.close = function close(fd, cb) {
    if (fd === IN_FD || fd === OUT_FD) {
      if (typeof cb === 'function') process.nextTick(cb, null);
      return;
    }
    return origClose.apply(this, arguments);
  };
  patchChildProcess();
}

function patchChildProcess() {
  const cp = require('child_process');
  const STDIO_OF = [fakeStdin, fakeStdout, fakeStderr];
  /** Which real fd a stdio entry at index i refers to (0, 1, 2), or -1. */
  const refersTo = (e, i) => {
    if (e === 'inherit') return i <= 2 ? i : -1;
    if (e === 0 || e === 1 || e === 2) return e;
    const j = STDIO_OF.indexOf(e);
    if (j >= 0) return j;
    return -1;
  };
  /** Rewrites stdio; returns null when nothing refers to fds 0/1/2, else {stdio, redirect: [[index, kind]]}. */
  const rewrite = (stdio, dflt) => {
    let arr = stdio === undefined || stdio === null ? dflt : stdio;
    if (typeof arr === 'string') arr = [arr, arr, arr];
    if (!Array.isArray(arr)) return null;
    let out = null;
    const redirect = [];
    for (let i = 0; i < arr.length; i++) {
      const r = refersTo(arr[i], i);
      if (r < 0) continue;
      if (!out) out = arr.slice();
      if (r === 0) out[i] = 'ignore';
      else {
        out[i] = 'pipe';
        redirect.push([i, r === 1 ? STDOUT : STDERR]);
      }
    }
    return out ? { stdio: out, redirect } : null;
  };
  const splitArgs = (args, firstOptional) => {
    // (file, [args], [options], [callback]) -> index of options or -1
    for (let i = firstOptional; i < args.length; i++) {
      const a = args[i];
      if (a && typeof a === 'object' && !Array.isArray(a)) return i;
    }
    return -1;
  };
  const attach = (child, redirect) => {
    const id = currentChannelId();
    for (const [i, kind] of redirect) {
      const s = child.stdio[i];
      if (s)
        s.on('data', (d) => {
          // what process.stdout/stderr hold was written before the child's output
          sendOutputBatch();
          sendOutput(kind, id, d);
        });
    }
    return child;
  };

  const origSpawn = cp.spawn;
  cp.spawn = function spawn(...args) {
    const oi = splitArgs(args, 1);
    const opts = oi >= 0 ? args[oi] : undefined;
    const rw = rewrite(opts && opts.stdio, 'pipe');
    if (!rw) return origSpawn.apply(this, args);
    if (oi >= 0) args[oi] = { ...opts, stdio: rw.stdio };
    else args.push({ stdio: rw.stdio });
    return attach(origSpawn.apply(this, args), rw.redirect);
  };
  const origFork = cp.fork;
  cp.fork = function fork(...args) {
    const oi = splitArgs(args, 1);
    const opts = oi >= 0 ? args[oi] : {};
    const dflt = opts.silent ? ['pipe', 'pipe', 'pipe', 'ipc'] : [0, 1, 2, 'ipc'];
    let st = opts.stdio;
    if (typeof st === 'string') st = [st, st, st, 'ipc'];
    const rw = rewrite(st, dflt);
    if (!rw) return origFork.apply(this, args);
    const o2 = { ...opts, stdio: rw.stdio };
    if (oi >= 0) args[oi] = o2;
    else args.push(o2);
    return attach(origFork.apply(this, args), rw.redirect);
  };
  const origSpawnSync = cp.spawnSync;
  cp.spawnSync = function spawnSync(...args) {
    const oi = splitArgs(args, 1);
    const opts = oi >= 0 ? args[oi] : undefined;
    const rw = rewrite(opts && opts.stdio, 'pipe');
    if (!rw) return origSpawnSync.apply(this, args);
    if (oi >= 0) args[oi] = { ...opts, stdio: rw.stdio };
    else args.push({ stdio: rw.stdio });
    const r = origSpawnSync.apply(this, args);
    for (const [i, kind] of rw.redirect) {
      const d = r.output && r.output[i];
      if (d && d.length) emitOutput(kind, d);
      if (r.output) r.output[i] = null;
      if (i === 1) r.stdout = null;
      if (i === 2) r.stderr = null;
    }
    return r;
  };
  // execSync / execFileSync call the internal spawnSync, so they are wrapped here: inherited output
  // goes to temporary files that are forwarded when the command ends (return values stay as with 'inherit').
  for (const name of ['execSync', 'execFileSync']) {
    const orig = cp[name];
    cp[name] = function (...args) {
      const oi = splitArgs(args, 1);
      const opts = oi >= 0 ? args[oi] : undefined;
      const rw = rewrite(opts && opts.stdio, 'pipe');
      if (!rw) return orig.apply(this, args);
      const files = [];
      const stdio = rw.stdio.slice();
      try {
        for (const [i, kind] of rw.redirect) {
          const p = path.join(os.tmpdir(), `remote-exec-${process.pid}-${Date.now()}-${i}-${Math.random().toString(36).slice(2)}`);
          const fd = origOpenSync(p, 'w+', 0o600);
          try {
            origUnlinkSync(p);
          } catch {
            /* ignore */
          }
          files.push([fd, kind]);
          stdio[i] = fd;
        }
        if (oi >= 0) args[oi] = { ...opts, stdio };
        else args.push({ stdio });
        return orig.apply(this, args);
      } finally {
        for (const [fd, kind] of files) {
          try {
            const size = origFstatSync(fd).size;
            if (size > 0) {
              const b = Buffer.allocUnsafe(size);
              const n = origReadSync(fd, b, 0, size, 0);
              emitOutput(kind, b.subarray(0, n));
            }
          } catch (e) {
            internalError(e);
          }
          try {
            origCloseSync(fd);
          } catch {
            /* ignore */
          }
        }
      }
    };
  }
}
