// Frames out (coalesced into one write per tick, big binaries by writev) and frames in.

let peerMaxFrame = DEFAULT_MAX_FRAME;
let msgsIn = 0,
  msgsOut = 0,
  bytesIn = 0,
  bytesOut = 0;
let flushScheduled = false;
let stalled = null; // parts waiting after EAGAIN
const deferred = []; // output produced while a frame was being encoded (getters, inspect hooks)
// The batch of process.stdout/stderr output not yet sent (60-stdio.js); it goes out before any other
// message, so the host sees output, channel data and replies in the order they were written.
let outBatch = null;

/**
 * Encodes one message and queues it. Throws (and queues nothing) when the payload cannot be encoded or
 * the body is larger than the host accepts.
 */
function sendMsg(type, id, payload, mode) {
  if (DEBUG) trace('>', type, id, payload);
  if (outBatch !== null && type !== STDOUT && type !== STDERR && !encoding) sendOutputBatch();
  if (encoding) {
    if (type === STDOUT || type === STDERR || type === LOG) {
      deferred.push([type, id, payload, mode]);
      return;
    }
    throw new Error('cannot send while another message is being encoded (was send() called from a getter?)');
  }
  encoding = true;
  encMode = mode === MODE_REFS ? MODE_REFS : MODE_STRICT;
  frameHasBig = false;
  frameExports.length = 0;
  const b0 = obuf,
    s0 = oseg,
    p0 = opos,
    l0 = oparts.length,
    pb0 = opartsBytes;
  let len;
  try {
    ensure(8);
    const hc = outCoord();
    opos += 4;
    obuf[opos++] = 0x93;
    encUint(type);
    encUint(id);
    if (mode === MODE_BINSTR) {
      if (typeof payload === 'string') encStr(payload, true);
      else encBin(payload);
    } else enc(payload, 0);
    len = outCoord() - hc - 4;
    if (len > peerMaxFrame) throw new EncodeError(`message body of ${len} bytes exceeds the host's maxFrame of ${peerMaxFrame} bytes`);
    locate(hc);
    LB.writeUInt32BE(len, LO);
  } catch (e) {
    obuf = b0;
    oseg = s0;
    opos = p0;
    oparts.length = l0;
    opartsBytes = pb0;
    for (const entry of frameExports) unexport(entry);
    frameExports.length = 0;
    encoding = false;
    if (e instanceof EncodeError && !e.located && mode !== MODE_BINSTR) {
      const where = locateBad(payload, 'value', 0, new Set());
      if (where && where !== 'value') e.message += ` at ${where}`;
      e.located = true;
    }
    throw e;
  }
  encoding = false;
  frameExports.length = 0;
  msgsOut++;
  bytesOut += len;
  if (frameHasBig || outCoord() >= FLUSH_AT) flushNow();
  else if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushTick);
  }
  if (deferred.length) drainDeferred();
  return len;
}

function drainDeferred() {
  while (deferred.length) {
    const [t, i, p, m] = deferred.shift();
    try {
      sendMsg(t, i, p, m);
    } catch (e) {
      internalError(e);
    }
  }
}

function flushTick() {
  flushScheduled = false;
  flushNow();
  if (spinUs > 0 && spinnable && !stalled) spinForInput();
}

// Input polling after a reply (sec. 4, the host HELLO's `spinUs`): the answer to what was just sent usually comes within
// tens of µs, and reading it here saves the event loop's blocking wake-up, which costs more than the
// round trip itself. Only after output went out, so an idle agent never spins.
let spinUs = 50;
let spinnable = false; // the input is a non-blocking pipe or socket of libuv's (startReading)
const spinBuf = Buffer.allocUnsafe(64 * 1024);
const readInputSync = fs.readSync; // before 60-stdio.js makes fd 0 read as empty for user code

function spinForInput() {
  const deadline = performance.now() + spinUs / 1000;
  do {
    let n;
    try {
      n = readInputSync(IN_FD, spinBuf, 0, spinBuf.length, null);
    } catch (e) {
      if (e.code === 'EAGAIN') continue;
      return;
    }
    // 0: the end of input, which the stream reports too.
    if (n > 0) readFrames(Buffer.from(spinBuf.subarray(0, n)));
    return;
  } while (performance.now() < deadline);
}

function flushNow() {
  pushSeg();
  if (oparts.length === 0) return;
  let parts = oparts;
  oparts = [];
  opartsBytes = 0;
  if (stalled) {
    stalled.push(...parts);
    obuf = Buffer.allocUnsafe(INIT_OUT);
    opos = oseg = 0;
    return;
  }
  const rest = writeParts(parts);
  if (rest) {
    stalled = rest;
    obuf = Buffer.allocUnsafe(INIT_OUT);
    setTimeout(retryStalled, 1);
  } else if (obuf.length > 8 * INIT_OUT * 16) {
    obuf = Buffer.allocUnsafe(INIT_OUT);
  }
  opos = oseg = 0;
}

function retryStalled() {
  const parts = stalled;
  stalled = null;
  const rest = writeParts(parts);
  if (rest) {
    stalled = rest;
    setTimeout(retryStalled, 1);
  }
}

/** Writes every part; returns what is left when the descriptor would block, else null. */
function writeParts(parts) {
  let i = 0;
  while (i < parts.length) {
    let n;
    try {
      n = parts.length - i === 1 ? origWriteSync(OUT_FD, parts[i]) : origWritevSync(OUT_FD, i ? parts.slice(i) : parts);
    } catch (e) {
      if (e.code === 'EAGAIN') return parts.slice(i);
      if (e.code === 'EPIPE' || e.code === 'ECONNRESET' || e.code === 'EBADF') process.exit(0); // the host is gone
      throw e;
    }
    while (n > 0) {
      const l = parts[i].length;
      if (n >= l) {
        n -= l;
        i++;
      } else {
        parts[i] = parts[i].subarray(n);
        n = 0;
      }
    }
  }
  return null;
}

/** Writes everything queued, synchronously (exit paths). */
function flushAll() {
  try {
    if (outBatch !== null) sendOutputBatch();
    flushNow();
    waitWritten(0);
  } catch {
    /* the host is gone */
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Blocks until at most `limit` bytes wait for the pipe to the host: a writer of output that floods
 * the host waits for it, as a write to a full pipe would, instead of queueing without bound.
 */
function waitWritten(limit) {
  while (stalled && stalledBytes() > limit) {
    const parts = stalled;
    stalled = null;
    const rest = writeParts(parts);
    if (rest) {
      stalled = rest;
      Atomics.wait(sleepCell, 0, 0, 1);
    }
  }
}

function stalledBytes() {
  let n = 0;
  for (const p of stalled) n += p.length;
  return n;
}

// Frames in

let inChunks = [];
let inLen = 0;
let inNeed = -1;

function readFrames(chunk) {
  if (inLen > 0) {
    inChunks.push(chunk);
    inLen += chunk.length;
    if (inLen < (inNeed < 0 ? 4 : inNeed + 4)) return;
    chunk = inChunks.length === 1 ? inChunks[0] : Buffer.concat(inChunks, inLen);
    inChunks = [];
    inLen = 0;
  }
  let pos = 0;
  const end = chunk.length;
  inNeed = -1;
  while (end - pos >= 4) {
    const len = chunk.readUInt32BE(pos);
    if (len > MAX_FRAME) {
      fatal(`protocol error: frame of ${len} bytes exceeds the agent's maximum of ${MAX_FRAME} bytes`);
      return;
    }
    if (end - pos - 4 < len) {
      inNeed = len;
      break;
    }
    const start = pos + 4;
    pos = start + len;
    msgsIn++;
    bytesIn += len;
    frameLength = len;
    let msg;
    try {
      msg = decodeBody(chunk, start, pos);
    } catch (e) {
      dbuf = null;
      fatal(`protocol error: frame body is not valid msgpack: ${e && e.message}`);
      return;
    }
    try {
      onMessage(msg);
    } catch (e) {
      internalError(e);
    }
  }
  if (pos < end) {
    const rest = pos === 0 ? chunk : chunk.subarray(pos);
    inChunks.push(rest);
    inLen = rest.length;
  }
}

function startReading() {
  let src;
  try {
    src = new net.Socket({ fd: IN_FD, readable: true, writable: false, allowHalfOpen: true });
    spinnable = true;
  } catch {
    src = fs.createReadStream(null, { fd: IN_FD, highWaterMark: 256 * 1024, autoClose: false });
  }
  src.on('data', readFrames);
  src.on('end', () => terminate(0));
  src.on('error', (e) => {
    if (!terminating) {
      writeStderr(`remote-exec agent: input error: ${e.message}\n`);
      terminate(0);
    }
  });
}
