// LOADER: node -e 'const f=require("fs"),r=(b,o,n)=>{for(;;)try{return f.readSync(0,b,o,n)}catch(e){if(e.code!=="EAGAIN")throw e;Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,2)}};let h="",c=Buffer.alloc(1);while(r(c,0,1)&&c[0]!==10)h+=String.fromCharCode(c[0]);const n=+h,s=Buffer.allocUnsafe(n);for(let o=0,k;o<n;o+=k)if(!(k=r(s,o,n-o)))process.exit(3);require("vm").runInThisContext(require("module").wrap(s.toString()),{filename:"remote-exec-agent"})(exports,require,module,__filename,__dirname)'
/*
 * Remote Exec agent for Node.js (>= 18): one self-contained CommonJS file, no dependencies.
 * Speaks protocol/PROTOCOL.md, version 1.
 *
 * Bootstrap: the host runs the LOADER above (one line, no single quotes, so it can be passed through a
 * shell between single quotes) and writes "<decimal length>\n<source>" on stdin. The loader reads exactly
 * that many bytes synchronously from fd 0 and runs this file as a CommonJS module body.
 *
 * Stream takeover (sec. 1), and where Node forces a deviation: Node has no dup()/dup2(), and a Node host's
 * child_process 'pipe' stdio are socketpairs, which cannot be re-opened through /dev/fd either. So the
 * protocol stays on fds 0 and 1 and the agent instead closes every Node-level door to them before user
 * code runs:
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
 *
 * JS adaptations of the protocol (see the report / README):
 *   - INTERRUPT rejects a pending channel.receive() of the task with an InterruptError; a task that is not
 *     waiting in receive gets its channel closed with CLOSE_ERROR InterruptError at once (its code keeps
 *     running in the background but can no longer use the channel; `channel.interrupted` turns true).
 *     A busy synchronous loop cannot be interrupted: the INTERRUPT is only read once it yields.
 *   - kwargs of a "call" step, when not empty, are passed as one trailing options object.
 *   - Sessions run in the agent's own realm (vm.Script.runInThisContext): var, function, let, const and
 *     class declarations all persist between runs. A cell that uses top-level await runs as an async
 *     function: its declarations stay local (plain assignments still persist) and its value is the one it
 *     returns. An undefined completion value sends no DATA.
 */
'use strict';

const fs = require('fs');
const vm = require('vm');
const os = require('os');
const net = require('net');
const path = require('path');
const util = require('util');
const stream = require('stream');
const NodeModule = require('module');
const { AsyncLocalStorage, AsyncResource } = require('async_hooks');

const PROTOCOL = 1;
const DEFAULT_MAX_FRAME = 256 * 1024 * 1024;
const MAX_FRAME = Number(process.env.REMOTE_EXEC_MAX_FRAME) > 0 ? Number(process.env.REMOTE_EXEC_MAX_FRAME) : DEFAULT_MAX_FRAME;
const CAPABILITIES = ['exec', 'objects', 'callbacks', 'interrupt', 'logs', 'session'];
const IN_FD = 0;
const OUT_FD = 1;
const startedAt = process.hrtime();

const HELLO = 0,
  EXEC = 1,
  DATA = 2,
  CLOSE = 3,
  CLOSE_ERROR = 4,
  LAST_MESSAGE = 5,
  STATUS = 6,
  TERMINATE = 7,
  INTERRUPT = 8,
  STDOUT = 9,
  STDERR = 10,
  LOG = 11,
  ERROR = 12,
  OBJECT = 20,
  REPLY = 21,
  REPLY_ERROR = 22,
  RELEASE = 23,
  CALLBACK = 24;

// Originals, captured before any patching.
const origWriteSync = fs.writeSync;
const origWritevSync = fs.writevSync;
const origReadSync = fs.readSync;
const origCloseSync = fs.closeSync;
const origOpenSync = fs.openSync;
const origUnlinkSync = fs.unlinkSync;
const origReadFileSync = fs.readFileSync;
const origFstatSync = fs.fstatSync;

// ---------------------------------------------------------------------------------------------------
// Errors and value classes

class RemoteError extends Error {
  constructor(remoteType, remoteMessage, remoteTraceback) {
    super(remoteTraceback ? `${remoteType}: ${remoteMessage}\n${remoteTraceback}` : `${remoteType}: ${remoteMessage}`);
    this.remoteType = String(remoteType);
    this.remoteMessage = String(remoteMessage);
    this.remoteTraceback = String(remoteTraceback || '');
  }
}
class TimeoutError extends Error {}
class ChannelClosedError extends Error {}
class InterruptError extends Error {}
class EncodeError extends TypeError {}
class ProtocolError extends Error {}
for (const C of [RemoteError, TimeoutError, ChannelClosedError, InterruptError, EncodeError, ProtocolError]) {
  Object.defineProperty(C.prototype, 'name', { value: C.name, writable: true, configurable: true });
}

/** A msgpack ext 5 TUPLE: an Array subclass so it round-trips. map/filter/slice give plain arrays. */
class Tuple extends Array {
  static get [Symbol.species]() {
    return Array;
  }
  static of(...items) {
    const t = new Tuple();
    for (const x of items) t.push(x);
    return t;
  }
}

/** Forces a value to travel as an ext 1 OBJECT reference (exported in the object table). */
class RefMarker {
  constructor(obj, receiver) {
    this.obj = obj;
    this.receiver = receiver;
  }
}
/** An OBJECT reply that was already shaped by the return rule (iter/next/inspect/list/namespace). */
class Formatted {
  constructor(value) {
    this.value = value;
  }
}
/** A method read from an object: calling it keeps `this` (like a Python bound method). */
class Bound {
  constructor(fn, self) {
    this.fn = fn;
    this.self = self;
    this._f = null;
  }
  asFunction() {
    return this._f || (this._f = this.fn.bind(this.self));
  }
}
/** An ext 1 reference whose id is not (or no longer) in the table. */
class UnknownRef {
  constructor(id, typeName) {
    this.id = id;
    this.typeName = typeName;
  }
}
/** An ext type this agent does not know. */
class ExtValue {
  constructor(type, data) {
    this.type = type;
    this.data = data;
  }
}

const HOSTFN = Symbol('remote-exec.hostFunctionId');

// ---------------------------------------------------------------------------------------------------
// msgpack encoder: one growing output buffer shared by all frames of a tick. Large binaries are not
// copied: they are kept as separate parts and written with writev.

const INIT_OUT = 64 * 1024;
const BIG_BIN = 64 * 1024;
const FLUSH_AT = 1024 * 1024;
const MODE_STRICT = 0,
  MODE_REFS = 1,
  MODE_BINSTR = 2;

let obuf = Buffer.allocUnsafe(INIT_OUT);
let opos = 0; // write position in obuf
let oseg = 0; // start of the part of obuf not yet moved to oparts
let oparts = []; // buffers queued for the next write, in order
let opartsBytes = 0;
let encMode = MODE_STRICT;
let encoding = false;
let frameHasBig = false;
const frameExports = [];
let LB = null,
  LO = 0; // result of locate()

const hasUtf8Write = typeof Buffer.prototype.utf8Write === 'function';
const hasUtf8Slice = typeof Buffer.prototype.utf8Slice === 'function';

function grow(n) {
  const used = opos - oseg;
  let size = INIT_OUT;
  while (size < used + n) size *= 2;
  const nb = Buffer.allocUnsafe(size);
  obuf.copy(nb, 0, oseg, opos);
  obuf = nb;
  opos = used;
  oseg = 0;
}
function ensure(n) {
  if (opos + n > obuf.length) grow(n);
}
function outCoord() {
  return opartsBytes + opos - oseg;
}
function pushSeg() {
  if (opos > oseg) {
    oparts.push(obuf.subarray(oseg, opos));
    opartsBytes += opos - oseg;
    oseg = opos;
  }
}
/** Finds the buffer and offset holding output coordinate `c` (sets LB, LO). */
function locate(c) {
  if (c >= opartsBytes) {
    LB = obuf;
    LO = oseg + c - opartsBytes;
    return;
  }
  let base = opartsBytes;
  for (let i = oparts.length - 1; i >= 0; i--) {
    base -= oparts[i].length;
    if (c >= base) {
      LB = oparts[i];
      LO = c - base;
      return;
    }
  }
  throw new Error('internal: lost frame header');
}

function encUint(v) {
  // small non-negative integers (types, ids)
  if (v < 128) {
    ensure(1);
    obuf[opos++] = v;
  } else encNum(v);
}

function encNum(v) {
  ensure(9);
  if (Number.isInteger(v)) {
    if (v >= 0) {
      if (v < 128) {
        obuf[opos++] = v;
        return;
      }
      if (v < 256) {
        obuf[opos++] = 0xcc;
        obuf[opos++] = v;
        return;
      }
      if (v < 65536) {
        obuf[opos++] = 0xcd;
        obuf[opos++] = v >>> 8;
        obuf[opos++] = v & 0xff;
        return;
      }
      if (v < 4294967296) {
        obuf[opos++] = 0xce;
        obuf.writeUInt32BE(v, opos);
        opos += 4;
        return;
      }
      if (v <= Number.MAX_SAFE_INTEGER) {
        obuf[opos++] = 0xcf;
        obuf.writeUInt32BE(Math.floor(v / 4294967296), opos);
        obuf.writeUInt32BE(v >>> 0, opos + 4);
        opos += 8;
        return;
      }
    } else {
      if (v >= -32) {
        obuf[opos++] = v & 0xff;
        return;
      }
      if (v >= -128) {
        obuf[opos++] = 0xd0;
        obuf[opos++] = v & 0xff;
        return;
      }
      if (v >= -32768) {
        obuf[opos++] = 0xd1;
        obuf.writeInt16BE(v, opos);
        opos += 2;
        return;
      }
      if (v >= -2147483648) {
        obuf[opos++] = 0xd2;
        obuf.writeInt32BE(v, opos);
        opos += 4;
        return;
      }
      if (v >= Number.MIN_SAFE_INTEGER) {
        obuf[opos++] = 0xd3;
        obuf.writeBigInt64BE(BigInt(v), opos);
        opos += 8;
        return;
      }
    }
  }
  obuf[opos++] = 0xcb;
  obuf.writeDoubleBE(v, opos);
  opos += 8;
}

const TWO64 = 1n << 64n,
  TWO63 = 1n << 63n;
function encBigInt(v) {
  if (v >= -TWO63 && v < TWO64) {
    if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return encNum(Number(v));
    ensure(9);
    if (v >= 0n) {
      obuf[opos++] = 0xcf;
      obuf.writeBigUInt64BE(v, opos);
    } else {
      obuf[opos++] = 0xd3;
      obuf.writeBigInt64BE(v, opos);
    }
    opos += 8;
    return;
  }
  const bytes = bigToBytes(v);
  writeExtHeader(7, bytes.length);
  ensure(bytes.length);
  bytes.copy(obuf, opos);
  opos += bytes.length;
}
function bigToBytes(n) {
  const neg = n < 0n;
  let hex = (neg ? ~n : n).toString(16);
  if (hex.length & 1) hex = '0' + hex;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  if (neg) for (let i = 0; i < bytes.length; i++) bytes[i] = ~bytes[i] & 0xff;
  return bytes;
}
function bytesToBig(b) {
  if (b.length === 0) return 0n;
  let v = BigInt('0x' + b.toString('hex'));
  if (b[0] & 0x80) v -= 1n << BigInt(b.length * 8);
  return v;
}

function writeExtHeader(type, len) {
  ensure(6);
  if (len === 1) obuf[opos++] = 0xd4;
  else if (len === 2) obuf[opos++] = 0xd5;
  else if (len === 4) obuf[opos++] = 0xd6;
  else if (len === 8) obuf[opos++] = 0xd7;
  else if (len === 16) obuf[opos++] = 0xd8;
  else if (len < 256) {
    obuf[opos++] = 0xc7;
    obuf[opos++] = len;
  } else if (len < 65536) {
    obuf[opos++] = 0xc8;
    obuf[opos++] = len >>> 8;
    obuf[opos++] = len & 0xff;
  } else {
    obuf[opos++] = 0xc9;
    obuf.writeUInt32BE(len, opos);
    opos += 4;
  }
  obuf[opos++] = type;
}

/** Starts an ext whose body length is not known yet; returns the coordinate of the body. */
function extBegin() {
  ensure(6);
  opos += 6;
  return outCoord();
}
function extEnd(type, bodyStart) {
  const len = outCoord() - bodyStart;
  if (bodyStart - 6 >= opartsBytes) {
    // header and body still in obuf: write the minimal header
    const h = oseg + bodyStart - 6 - opartsBytes;
    const save = opos;
    opos = h;
    writeExtHeader(type, len);
    const hs = opos - h;
    if (hs < 6) obuf.copyWithin(h + hs, h + 6, save);
    opos = save - (6 - hs);
  } else {
    locate(bodyStart - 6);
    LB[LO] = 0xc9;
    LB.writeUInt32BE(len, LO + 1);
    LB[LO + 5] = type;
  }
}

function strHeader(n, bin) {
  if (bin) {
    if (n < 256) {
      obuf[opos++] = 0xc4;
      obuf[opos++] = n;
    } else if (n < 65536) {
      obuf[opos++] = 0xc5;
      obuf[opos++] = n >>> 8;
      obuf[opos++] = n & 0xff;
    } else {
      obuf[opos++] = 0xc6;
      obuf.writeUInt32BE(n, opos);
      opos += 4;
    }
  } else if (n < 32) obuf[opos++] = 0xa0 | n;
  else if (n < 256) {
    obuf[opos++] = 0xd9;
    obuf[opos++] = n;
  } else if (n < 65536) {
    obuf[opos++] = 0xda;
    obuf[opos++] = n >>> 8;
    obuf[opos++] = n & 0xff;
  } else {
    obuf[opos++] = 0xdb;
    obuf.writeUInt32BE(n, opos);
    opos += 4;
  }
}
function hdrSize(n, bin) {
  return bin ? (n < 256 ? 2 : n < 65536 ? 3 : 5) : n < 32 ? 1 : n < 256 ? 2 : n < 65536 ? 3 : 5;
}

function utf8Write(s, at, max) {
  return hasUtf8Write ? obuf.utf8Write(s, at, max) : obuf.write(s, at, max, 'utf8');
}

function encStr(s, bin) {
  const len = s.length;
  if (len < 32 && !bin) {
    ensure(1 + len * 3);
    let p = opos + 1,
      i = 0;
    for (; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      obuf[p++] = c;
    }
    if (i === len) {
      obuf[opos] = 0xa0 | len;
      opos = p;
      return;
    }
  }
  if (len > 4096) {
    const n = Buffer.byteLength(s, 'utf8');
    ensure(5 + n);
    strHeader(n, bin);
    opos += utf8Write(s, opos, n);
    return;
  }
  const max = len * 3;
  ensure(5 + max);
  const hs = hdrSize(max, bin);
  const n = utf8Write(s, opos + hs, max);
  const need = hdrSize(n, bin);
  if (need < hs) obuf.copyWithin(opos + need, opos + hs, opos + hs + n);
  strHeader(n, bin);
  opos += n;
}

function encBin(u8) {
  const n = u8.length;
  ensure(5 + (n < BIG_BIN ? n : 0));
  strHeader(n, true);
  if (n >= BIG_BIN) {
    pushSeg();
    oparts.push(u8);
    opartsBytes += n;
    frameHasBig = true;
  } else if (n > 0) {
    if (n < 16) for (let i = 0; i < n; i++) obuf[opos + i] = u8[i];
    else obuf.set(u8, opos);
    opos += n;
  }
}

function encArrayHeader(n) {
  ensure(5);
  if (n < 16) obuf[opos++] = 0x90 | n;
  else if (n < 65536) {
    obuf[opos++] = 0xdc;
    obuf[opos++] = n >>> 8;
    obuf[opos++] = n & 0xff;
  } else {
    obuf[opos++] = 0xdd;
    obuf.writeUInt32BE(n, opos);
    opos += 4;
  }
}
function encMapHeader(n) {
  ensure(5);
  if (n < 16) obuf[opos++] = 0x80 | n;
  else if (n < 65536) {
    obuf[opos++] = 0xde;
    obuf[opos++] = n >>> 8;
    obuf[opos++] = n & 0xff;
  } else {
    obuf[opos++] = 0xdf;
    obuf.writeUInt32BE(n, opos);
    opos += 4;
  }
}

function isPlainProto(p) {
  if (p === Object.prototype || p === null) return true;
  // Plain objects of another realm (vm contexts).
  return (
    Object.getPrototypeOf(p) === null &&
    Object.prototype.hasOwnProperty.call(p, 'hasOwnProperty') &&
    typeof p.constructor === 'function' &&
    p.constructor.name === 'Object'
  );
}

function enc(v, d) {
  switch (typeof v) {
    case 'string':
      encStr(v, false);
      return;
    case 'number':
      encNum(v);
      return;
    case 'boolean':
      ensure(1);
      obuf[opos++] = v ? 0xc3 : 0xc2;
      return;
    case 'undefined':
      ensure(1);
      obuf[opos++] = 0xc0;
      return;
    case 'bigint':
      encBigInt(v);
      return;
    case 'object': {
      if (v === null) {
        ensure(1);
        obuf[opos++] = 0xc0;
        return;
      }
      if (d > 512) throw new EncodeError('value nested too deeply (a cycle?)');
      if (Array.isArray(v)) {
        if (v instanceof Tuple) {
          const b = extBegin();
          encArray(v, d);
          extEnd(5, b);
          return;
        }
        encArray(v, d);
        return;
      }
      if (v instanceof Uint8Array) {
        encBin(v);
        return;
      }
      const p = Object.getPrototypeOf(v);
      if (p === Object.prototype || p === null) {
        encObject(v, d);
        return;
      }
      if (v instanceof Channel) {
        const b = extBegin();
        encNum(v.id);
        extEnd(3, b);
        return;
      }
      if (v instanceof RefMarker) {
        encRef(v.obj, v.receiver);
        return;
      }
      if (v instanceof Map) {
        encMapExt(v, d);
        return;
      }
      if (v instanceof Error) {
        encException(v);
        return;
      }
      if (ArrayBuffer.isView(v)) {
        encBin(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
        return;
      }
      if (v instanceof ArrayBuffer) {
        encBin(new Uint8Array(v));
        return;
      }
      if (v instanceof Formatted) {
        enc(v.value, d);
        return;
      }
      if (util.types.isMap(v)) {
        encMapExt(v, d);
        return;
      }
      if (util.types.isNativeError(v)) {
        encException(v);
        return;
      }
      if (util.types.isArrayBuffer(v)) {
        encBin(new Uint8Array(v));
        return;
      }
      if (isPlainProto(p)) {
        encObject(v, d);
        return;
      }
      if (v instanceof Bound) {
        encRef(v, undefined);
        return;
      }
      break;
    }
    case 'function':
      if (v[HOSTFN] !== undefined) {
        const b = extBegin();
        encArrayHeader(1);
        encNum(v[HOSTFN]);
        extEnd(2, b);
        return;
      }
      break;
  }
  if (encMode === MODE_REFS) {
    encRef(v, undefined);
    return;
  }
  throw new EncodeError(`cannot encode ${describeType(v)}`);
}

function encArray(v, d) {
  const n = v.length;
  encArrayHeader(n);
  for (let i = 0; i < n; i++) enc(v[i], d + 1);
}
function encObject(v, d) {
  const keys = Object.keys(v);
  const n = keys.length;
  encMapHeader(n);
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    encStr(k, false);
    enc(v[k], d + 1);
  }
}
function encMapExt(m, d) {
  const b = extBegin();
  encArrayHeader(m.size);
  for (const [k, val] of m) {
    ensure(1);
    obuf[opos++] = 0x92;
    enc(k, d + 1);
    enc(val, d + 1);
  }
  extEnd(6, b);
}
function encException(e) {
  const [type, message, tb] = exceptionTriple(e);
  const b = extBegin();
  encArrayHeader(3);
  encStr(type, false);
  encStr(message, false);
  encStr(tb, false);
  extEnd(4, b);
}
function encRef(obj, receiver) {
  const entry = exportObject(obj, receiver);
  frameExports.push(entry);
  const b = extBegin();
  encArrayHeader(3);
  encNum(entry.id);
  encStr(entry.typeName, false);
  ensure(1);
  obuf[opos++] = entry.callable ? 0xc3 : 0xc2;
  extEnd(1, b);
}

function describeType(v) {
  if (v === null) return 'null';
  if (typeof v === 'function') return `a function (${v.name || 'anonymous'})`;
  if (typeof v !== 'object') return `a ${typeof v}`;
  return `a ${typeNameOf(v)}`;
}

/** Finds where in `v` the first value that cannot be encoded sits, e.g. `value[2].when`. */
function locateBad(v, where, d, seen) {
  if (d > 512) return `${where} (nested too deeply: a cycle?)`;
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'function' && v[HOSTFN] === undefined) return where;
    if (typeof v === 'symbol') return where;
    return null;
  }
  if (seen.has(v)) return `${where} (a cycle)`;
  if (
    v instanceof Uint8Array ||
    v instanceof Channel ||
    v instanceof RefMarker ||
    util.types.isNativeError(v) ||
    ArrayBuffer.isView(v) ||
    util.types.isArrayBuffer(v)
  )
    return null;
  seen.add(v);
  try {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const r = locateBad(v[i], `${where}[${i}]`, d + 1, seen);
        if (r) return r;
      }
      return null;
    }
    if (util.types.isMap(v)) {
      let i = 0;
      for (const [k, x] of v) {
        const r = locateBad(k, `${where} key #${i}`, d + 1, seen) || locateBad(x, `${where}.get(${util.inspect(k)})`, d + 1, seen);
        if (r) return r;
        i++;
      }
      return null;
    }
    if (isPlainProto(Object.getPrototypeOf(v))) {
      for (const k of Object.keys(v)) {
        const r = locateBad(v[k], /^[A-Za-z_$][\w$]*$/.test(k) ? `${where}.${k}` : `${where}[${JSON.stringify(k)}]`, d + 1, seen);
        if (r) return r;
      }
      return null;
    }
    return where;
  } finally {
    seen.delete(v);
  }
}

// ---------------------------------------------------------------------------------------------------
// Frames out

let peerMaxFrame = DEFAULT_MAX_FRAME;
let msgsIn = 0,
  msgsOut = 0,
  bytesIn = 0,
  bytesOut = 0;
let flushScheduled = false;
let stalled = null; // parts waiting after EAGAIN
const deferred = []; // output produced while a frame was being encoded (getters, inspect hooks)

/**
 * Encodes one message and queues it. Throws (and queues nothing) when the payload cannot be encoded or
 * the body is larger than the host accepts.
 */
function sendMsg(type, id, payload, mode) {
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
    flushNow();
    while (stalled) {
      const parts = stalled;
      stalled = null;
      const rest = writeParts(parts);
      if (rest) {
        stalled = rest;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      }
    }
  } catch {
    /* the host is gone */
  }
}

// ---------------------------------------------------------------------------------------------------
// msgpack decoder

let dbuf = null,
  dpos = 0,
  dend = 0;

function need(n) {
  if (dpos + n > dend) throw new ProtocolError('truncated msgpack body');
}
function u8() {
  need(1);
  return dbuf[dpos++];
}
function u16() {
  need(2);
  const v = (dbuf[dpos] << 8) | dbuf[dpos + 1];
  dpos += 2;
  return v;
}
function u32() {
  need(4);
  const v = dbuf.readUInt32BE(dpos);
  dpos += 4;
  return v;
}

function dec() {
  if (dpos >= dend) throw new ProtocolError('truncated msgpack body');
  const b = dbuf[dpos++];
  if (b < 0x80) return b;
  if (b >= 0xe0) return b - 0x100;
  if (b < 0x90) return decMap(b & 0x0f);
  if (b < 0xa0) return decArray(b & 0x0f);
  if (b < 0xc0) return decStr(b & 0x1f);
  switch (b) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xc4:
      return decBin(u8());
    case 0xc5:
      return decBin(u16());
    case 0xc6:
      return decBin(u32());
    case 0xc7:
      return decExt(u8());
    case 0xc8:
      return decExt(u16());
    case 0xc9:
      return decExt(u32());
    case 0xca: {
      need(4);
      const v = dbuf.readFloatBE(dpos);
      dpos += 4;
      return v;
    }
    case 0xcb: {
      need(8);
      const v = dbuf.readDoubleBE(dpos);
      dpos += 8;
      return v;
    }
    case 0xcc:
      return u8();
    case 0xcd:
      return u16();
    case 0xce:
      return u32();
    case 0xcf: {
      need(8);
      const hi = dbuf.readUInt32BE(dpos),
        lo = dbuf.readUInt32BE(dpos + 4);
      if (hi < 0x200000) {
        dpos += 8;
        return hi * 4294967296 + lo;
      }
      const v = dbuf.readBigUInt64BE(dpos);
      dpos += 8;
      return v;
    }
    case 0xd0: {
      need(1);
      return dbuf.readInt8(dpos++);
    }
    case 0xd1: {
      need(2);
      const v = dbuf.readInt16BE(dpos);
      dpos += 2;
      return v;
    }
    case 0xd2: {
      need(4);
      const v = dbuf.readInt32BE(dpos);
      dpos += 4;
      return v;
    }
    case 0xd3: {
      need(8);
      const hi = dbuf.readInt32BE(dpos),
        lo = dbuf.readUInt32BE(dpos + 4);
      if (hi >= -0x1fffff && hi < 0x200000) {
        dpos += 8;
        return hi * 4294967296 + lo;
      }
      const v = dbuf.readBigInt64BE(dpos);
      dpos += 8;
      return v;
    }
    case 0xd4:
      return decExt(1);
    case 0xd5:
      return decExt(2);
    case 0xd6:
      return decExt(4);
    case 0xd7:
      return decExt(8);
    case 0xd8:
      return decExt(16);
    case 0xd9:
      return decStr(u8());
    case 0xda:
      return decStr(u16());
    case 0xdb:
      return decStr(u32());
    case 0xdc:
      return decArray(u16());
    case 0xdd:
      return decArray(u32());
    case 0xde:
      return decMap(u16());
    case 0xdf:
      return decMap(u32());
  }
  throw new ProtocolError(`invalid msgpack byte 0x${b.toString(16)}`);
}

function decStr(n) {
  need(n);
  const s = dpos;
  dpos += n;
  if (n < 16) {
    let r = '';
    for (let i = s; i < dpos; i++) {
      const c = dbuf[i];
      if (c >= 0x80) return hasUtf8Slice ? dbuf.utf8Slice(s, dpos) : dbuf.toString('utf8', s, dpos);
      r += String.fromCharCode(c);
    }
    return r;
  }
  return hasUtf8Slice ? dbuf.utf8Slice(s, dpos) : dbuf.toString('utf8', s, dpos);
}
function decBin(n) {
  need(n);
  const s = dpos;
  dpos += n;
  // Small binaries are copied so they do not pin the whole read chunk in memory.
  return n < 1024 ? Buffer.from(dbuf.subarray(s, dpos)) : dbuf.subarray(s, dpos);
}
function decArray(n) {
  if (n > dend - dpos) throw new ProtocolError(`msgpack array of ${n} items in ${dend - dpos} bytes`);
  const a = new Array(n);
  for (let i = 0; i < n; i++) a[i] = dec();
  return a;
}
function decMap(n) {
  if (n * 2 > dend - dpos) throw new ProtocolError(`msgpack map of ${n} entries in ${dend - dpos} bytes`);
  let o = {};
  for (let i = 0; i < n; i++) {
    const k = dec();
    const v = dec();
    if (typeof k === 'string') {
      if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      else o[k] = v;
    } else {
      // Not a conforming map (keys must be str); keep it as a Map rather than fail.
      const m = new Map(Object.entries(o));
      m.set(k, v);
      for (i++; i < n; i++) {
        const k2 = dec();
        m.set(k2, dec());
      }
      return m;
    }
  }
  return o;
}
function decExt(len) {
  need(1 + len);
  const type = dbuf.readInt8(dpos++);
  const end = dpos + len;
  const saveEnd = dend;
  dend = end;
  let value;
  try {
    value = decExtBody(type, end);
  } finally {
    dend = saveEnd;
  }
  if (dpos !== end) throw new ProtocolError(`ext ${type} body length mismatch`);
  return value;
}

function decExtBody(type, end) {
  switch (type) {
    case 1: {
      // OBJECT [id, typeName, callable]
      const body = dec();
      if (!Array.isArray(body)) throw new ProtocolError('bad OBJECT ext body');
      const entry = exported.get(body[0]);
      if (!entry) return new UnknownRef(body[0], body[1]);
      return entry.obj instanceof Bound ? entry.obj.asFunction() : entry.obj;
    }
    case 2: {
      const body = dec();
      return hostFunction(Array.isArray(body) ? body[0] : body);
    }
    case 3:
      return channelFor(dec());
    case 4: {
      const body = dec();
      if (Array.isArray(body)) return new RemoteError(body[0], body[1], body[2]);
      return new RemoteError('Error', String(body), '');
    }
    case 5: {
      const body = dec();
      const t = new Tuple();
      for (let i = 0; i < body.length; i++) t.push(body[i]);
      return t;
    }
    case 6: {
      const body = dec();
      const m = new Map();
      for (const pair of body) m.set(pair[0], pair[1]);
      return m;
    }
    case 7: {
      const b = dbuf.subarray(dpos, end);
      dpos = end;
      return bytesToBig(b);
    }
    default: {
      const b = Buffer.from(dbuf.subarray(dpos, end));
      dpos = end;
      return new ExtValue(type, b);
    }
  }
}

function decodeBody(buf, start, end) {
  dbuf = buf;
  dpos = start;
  dend = end;
  const v = dec();
  if (dpos !== end) throw new ProtocolError(`${end - dpos} trailing bytes after the msgpack value`);
  dbuf = null;
  return v;
}

// ---------------------------------------------------------------------------------------------------
// Channels

const channels = new Map(); // open channels by id
const closedIds = new Set(); // recently closed ids: late messages for them are dropped
let nextChannelId = 0; // agent channels are even
const als = new AsyncLocalStorage();
const tasks = new Map(); // channel id -> task

function rememberClosed(id) {
  closedIds.add(id);
  if (closedIds.size > 4096) closedIds.delete(closedIds.values().next().value);
}

class Channel {
  constructor(id) {
    this.id = id;
    this._items = [];
    this._head = 0;
    this._waiters = [];
    this._closed = false; // no more sending: we closed, or the remote closed
    this._recvDone = false; // no more items will arrive
    this._error = null; // the remote error, after CLOSE_ERROR
    this._callback = null;
    this._hasEndmarker = false;
    this._endmarker = undefined;
    this._closeWaiters = [];
    this.interrupted = false;
  }
  get gateway() {
    return gateway;
  }
  toString() {
    return `<Channel id=${this.id}${this._closed ? ' closed' : ''}>`;
  }
  [util.inspect.custom]() {
    return this.toString();
  }

  /** Sends one item; throws if the channel is closed or the item cannot be encoded. */
  send(item) {
    if (this._closed) throw new ChannelClosedError(`cannot send to closed channel ${this.id}`);
    sendMsg(DATA, this.id, item);
  }

  /** The next item; rejects with TimeoutError, the remote error, or ChannelClosedError at the end. */
  receive(timeoutMs) {
    if (this._head < this._items.length) return Promise.resolve(this._take());
    if (this._recvDone) return Promise.reject(this._endError());
    if (this._callback) return Promise.reject(new Error(`channel ${this.id} has a callback; receive() is not available`));
    return new Promise((resolve, reject) => {
      const w = { resolve, reject, timer: null };
      if (timeoutMs != null && timeoutMs !== Infinity) {
        w.timer = setTimeout(() => {
          const i = this._waiters.indexOf(w);
          if (i >= 0) this._waiters.splice(i, 1);
          reject(new TimeoutError(`no item on channel ${this.id} within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this._waiters.push(w);
    });
  }

  _take() {
    const v = this._items[this._head];
    this._items[this._head++] = undefined;
    if (this._head === this._items.length) {
      this._items.length = 0;
      this._head = 0;
    } else if (this._head > 1024 && this._head * 2 > this._items.length) {
      this._items = this._items.slice(this._head);
      this._head = 0;
    }
    return v;
  }

  _endError() {
    if (this._error) return this._error;
    return new ChannelClosedError(`channel ${this.id} is closed`);
  }

  /** Closes the channel: CLOSE, or CLOSE_ERROR when `error` is given (an Error or a string). */
  close(error) {
    if (this._closed) return;
    if (error === undefined || error === null) sendMsg(CLOSE, this.id, null);
    else sendMsg(CLOSE_ERROR, this.id, typeof error === 'string' ? error : toException(error));
    this._localClosed();
  }
  isClosed() {
    return this._closed;
  }

  /** Calls fn(item) for every item (queued ones first); fn(endmarker) at the end if one was given. */
  setCallback(fn, endmarker) {
    if (typeof fn !== 'function') throw new TypeError('setCallback needs a function');
    if (this._waiters.length) throw new Error(`channel ${this.id} has a pending receive()`);
    const bound = AsyncResource.bind(fn);
    this._callback = bound;
    this._hasEndmarker = arguments.length >= 2;
    this._endmarker = endmarker;
    while (this._head < this._items.length) this._runCallback(this._take());
    if (this._recvDone) this._callEnd();
  }

  /** Resolves when the channel is closed (either side); rejects with the remote error, or on timeout. */
  waitClose(timeoutMs) {
    if (this._closed || (this._recvDone && this._error)) return this._error ? Promise.reject(this._error) : Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = { resolve, reject, timer: null };
      if (timeoutMs != null && timeoutMs !== Infinity) {
        w.timer = setTimeout(() => {
          const i = this._closeWaiters.indexOf(w);
          if (i >= 0) this._closeWaiters.splice(i, 1);
          reject(new TimeoutError(`channel ${this.id} not closed within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this._closeWaiters.push(w);
    });
  }

  async *[Symbol.asyncIterator]() {
    for (;;) {
      let v;
      try {
        v = await this.receive();
      } catch (e) {
        if (e instanceof ChannelClosedError) return;
        throw e;
      }
      yield v;
    }
  }

  _runCallback(item) {
    try {
      this._callback(item);
    } catch (e) {
      logException(e, `callback of channel ${this.id} raised`);
    }
  }
  _callEnd() {
    if (this._callback && this._hasEndmarker) {
      this._hasEndmarker = false;
      this._runCallback(this._endmarker);
    }
  }

  _deliver(item) {
    if (this._recvDone) return;
    if (this._callback) {
      this._runCallback(item);
      return;
    }
    if (this._waiters.length) {
      const w = this._waiters.shift();
      if (w.timer) clearTimeout(w.timer);
      w.resolve(item);
      return;
    }
    this._items.push(item);
  }
  _endReceiving() {
    if (this._recvDone) return;
    this._recvDone = true;
    const ws = this._waiters;
    this._waiters = [];
    for (const w of ws) {
      if (w.timer) clearTimeout(w.timer);
      w.reject(this._endError());
    }
    this._callEnd();
  }
  _settleClose() {
    const ws = this._closeWaiters;
    this._closeWaiters = [];
    for (const w of ws) {
      if (w.timer) clearTimeout(w.timer);
      if (this._error) w.reject(this._error);
      else w.resolve();
    }
    if (channels.get(this.id) === this) {
      channels.delete(this.id);
      rememberClosed(this.id);
    }
  }
  _remoteClosed(error) {
    if (error != null) this._error = error instanceof Error ? error : new RemoteError('Error', String(error), '');
    this._closed = true;
    this._endReceiving();
    this._settleClose();
  }
  _localClosed() {
    this._closed = true;
    this._endReceiving();
    this._settleClose();
  }
  _interrupt() {
    this.interrupted = true;
    if (this._waiters.length) {
      const ws = this._waiters;
      this._waiters = [];
      for (const w of ws) {
        if (w.timer) clearTimeout(w.timer);
        w.reject(new InterruptError(`task on channel ${this.id} interrupted`));
      }
      return;
    }
    if (!this._closed) {
      try {
        this.close(new InterruptError(`task on channel ${this.id} interrupted`));
      } catch (e) {
        internalError(e);
      }
    }
  }
}

function channelFor(id, mustBeNew) {
  let ch = channels.get(id);
  if (ch) return ch;
  ch = new Channel(id);
  if (closedIds.has(id) && !mustBeNew) {
    ch._closed = true;
    ch._recvDone = true;
    return ch;
  }
  channels.set(id, ch);
  return ch;
}

function newChannel() {
  nextChannelId += 2;
  return channelFor(nextChannelId, true);
}

// ---------------------------------------------------------------------------------------------------
// Output redirection (see the header comment)

function currentChannelId() {
  const t = als.getStore();
  return t ? t.ch.id : 0;
}

function emitOutput(kind, chunk, encoding) {
  if (typeof chunk === 'string') {
    if (chunk.length === 0) return;
    if (encoding && encoding !== 'utf8' && encoding !== 'utf-8' && encoding !== 'buffer') chunk = Buffer.from(chunk, encoding);
  } else if (!(chunk instanceof Uint8Array)) {
    if (ArrayBuffer.isView(chunk)) chunk = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else chunk = Buffer.from(String(chunk));
  }
  if (chunk.length === 0) return;
  try {
    sendMsg(kind, currentChannelId(), chunk, MODE_BINSTR);
  } catch (e) {
    internalError(e);
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
          try {
            sendMsg(kind, id, d, MODE_BINSTR);
          } catch (e) {
            internalError(e);
          }
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

// ---------------------------------------------------------------------------------------------------
// Logs

let logLevel = 30;
const LEVEL_NAMES = { 10: 'DEBUG', 20: 'INFO', 30: 'WARNING', 40: 'ERROR', 50: 'CRITICAL' };

function sendLog(level, message, extra) {
  if (level < logLevel) return;
  const t = als.getStore();
  const rec = {
    time: Date.now() / 1000,
    level,
    levelname: LEVEL_NAMES[level] || `Level ${level}`,
    logger: (extra && extra.logger) || 'node',
    thread: t ? `channel-${t.ch.id}` : 'main',
    message: String(message),
  };
  if (extra && extra.exc_text) rec.exc_text = extra.exc_text;
  rec.kind = (extra && extra.kind) || 'log';
  try {
    sendMsg(LOG, 0, rec);
  } catch (e) {
    writeStderr(`remote-exec agent: cannot send log record: ${e && e.message}\n${message}\n`);
  }
}

function logException(e, what) {
  const [type, message, tb] = exceptionTriple(e);
  sendLog(40, `${what}: ${type}: ${message}`, { kind: 'exception', exc_text: tb });
}

function writeStderr(s) {
  try {
    origWriteSync(2, s);
  } catch {
    /* ignore */
  }
}

function internalError(e) {
  writeStderr(`remote-exec agent internal error: ${(e && e.stack) || e}\n`);
}

// ---------------------------------------------------------------------------------------------------
// Exceptions

function cleanStack(stack) {
  if (typeof stack !== 'string') return '';
  return stack
    .split('\n')
    .filter((l) => !l.includes('remote-exec-agent') && !l.includes('node:async_hooks') && !/\(node:internal\/process\/task_queues/.test(l))
    .join('\n');
}

function exceptionTriple(e) {
  if (e instanceof RemoteError) return [e.remoteType, e.remoteMessage, e.remoteTraceback];
  if (e && (typeof e === 'object' || typeof e === 'function') && typeof e.message === 'string') {
    let type = 'Error';
    try {
      type = (typeof e.name === 'string' && e.name) || (e.constructor && e.constructor.name) || 'Error';
    } catch {
      /* ignore */
    }
    let stack = '';
    try {
      stack = cleanStack(e.stack);
    } catch {
      /* ignore */
    }
    return [type, e.message, stack];
  }
  return ['Error', `thrown value: ${safeInspect(e, 500)}`, ''];
}

/** A RemoteException value (ext 4) for `e`, whatever was thrown. */
function toException(e) {
  if (e instanceof Error) return e;
  const [type, message, tb] = exceptionTriple(e);
  return new RemoteError(type, message, tb);
}

// ---------------------------------------------------------------------------------------------------
// Exported objects (sec. 7.4)

const exported = new Map(); // id -> entry
const exportedBy = new Map(); // object -> entry
let nextObjectId = 1;
const modules = new WeakSet();
const boundCache = new WeakMap(); // receiver -> Map(fn -> Bound)

function exportObject(obj, receiver) {
  if (
    typeof obj === 'function' &&
    receiver !== undefined &&
    receiver !== null &&
    receiver !== globalThis &&
    !modules.has(receiver) &&
    !isClass(obj)
  ) {
    obj = boundFor(obj, receiver);
  }
  let entry = exportedBy.get(obj);
  if (entry) {
    entry.count++;
    return entry;
  }
  entry = {
    id: nextObjectId++,
    obj,
    count: 1,
    typeName: obj instanceof Bound ? 'method' : typeNameOf(obj),
    callable: typeof obj === 'function' || obj instanceof Bound,
  };
  exported.set(entry.id, entry);
  exportedBy.set(obj, entry);
  return entry;
}
function unexport(entry, n = 1) {
  entry.count -= n;
  if (entry.count <= 0 && exported.get(entry.id) === entry) {
    exported.delete(entry.id);
    exportedBy.delete(entry.obj);
  }
}
function boundFor(fn, self) {
  if (typeof self !== 'object' && typeof self !== 'function') return new Bound(fn, self);
  let m = boundCache.get(self);
  if (!m) {
    m = new Map();
    boundCache.set(self, m);
  }
  let b = m.get(fn);
  if (!b) {
    b = new Bound(fn, self);
    m.set(fn, b);
  }
  return b;
}

function isClass(f) {
  try {
    return typeof f === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(f));
  } catch {
    return false;
  }
}

function typeNameOf(v) {
  if (v === null) return 'null';
  const t = typeof v;
  if (t === 'function') {
    if (v instanceof Bound) return 'method';
    if (isClass(v)) return 'class';
    try {
      return (v.constructor && v.constructor.name) || 'Function';
    } catch {
      return 'Function';
    }
  }
  if (t !== 'object') return t;
  if (v instanceof Bound) return 'method';
  if (modules.has(v)) return 'module';
  if (Array.isArray(v)) return v instanceof Tuple ? 'Tuple' : 'Array';
  try {
    const p = Object.getPrototypeOf(v);
    if (p === null) return 'Object';
    const c = p.constructor;
    if (typeof c === 'function' && c.name) return c.name;
  } catch {
    /* ignore */
  }
  return Object.prototype.toString.call(v).slice(8, -1);
}

function isPlainData(v, d) {
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return true;
    case 'object': {
      if (v === null) return true;
      if (d > 100) return false;
      const p = Object.getPrototypeOf(v);
      if (p === Array.prototype || p === Tuple.prototype) {
        for (let i = 0; i < v.length; i++) if (!isPlainData(v[i], d + 1)) return false;
        return true;
      }
      if (p === Buffer.prototype || p === Uint8Array.prototype) return true;
      if (p === Object.prototype || p === null) {
        for (const k of Object.keys(v)) if (!isPlainData(v[k], d + 1)) return false;
        return true;
      }
      if (p === Map.prototype) {
        for (const [k, x] of v) if (!isPlainData(k, d + 1) || !isPlainData(x, d + 1)) return false;
        return true;
      }
      return false;
    }
    default:
      return false;
  }
}

function safeInspect(v, max, depth = 2) {
  let s;
  try {
    if (v instanceof Bound) v = v.fn;
    s = util.inspect(v, { depth, maxArrayLength: 100, maxStringLength: 1000, breakLength: Infinity, compact: 3, customInspect: true });
  } catch (e) {
    s = `<${typeNameOf(v)} (inspect failed: ${e && e.message})>`;
  }
  return s.length > max ? s.slice(0, max - 3) + '...' : s;
}

// ---------------------------------------------------------------------------------------------------
// OBJECT requests (sec. 7)

const ROOT = Symbol('root');
let userRequire = null;
function getUserRequire() {
  if (!userRequire) userRequire = NodeModule.createRequire(path.join(process.cwd(), '__remote_exec__.js'));
  return userRequire;
}

function isThenable(v) {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function';
}

function unwrap(v) {
  return v instanceof Bound ? v.fn : v;
}

function autoRule(v, receiver) {
  return isPlainData(v, 0) ? v : new RefMarker(v, receiver);
}

async function handleObject(reqId, payload) {
  let value,
    fallback,
    mode = MODE_STRICT;
  try {
    if (!Array.isArray(payload) || payload.length < 2 || !Array.isArray(payload[1]))
      throw new TypeError('an OBJECT request is [target, steps, returnType]');
    const [target, steps, rt = 'auto'] = payload;
    let cur, receiver;
    let root = false;
    if (target === null || target === undefined) {
      root = true;
      cur = ROOT;
    } else {
      const entry = exported.get(target);
      if (!entry) throw new ReferenceError(`no exported object with id ${target} (released?)`);
      cur = entry.obj;
      if (cur instanceof Bound) {
        receiver = undefined;
      }
    }
    let formatted = null;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if (!Array.isArray(step) || typeof step[0] !== 'string') throw new TypeError(`step ${i} is not [name, ...args]`);
      const op = step[0];
      const last = i === steps.length - 1;
      if (cur instanceof UnknownRef) throw new ReferenceError(`no exported object with id ${cur.id} (released?)`);
      if (root && cur === ROOT) {
        if (op === 'import') {
          cur = getUserRequire()(String(step[1]));
          if (cur && (typeof cur === 'object' || typeof cur === 'function')) modules.add(cur);
          continue;
        }
        if (op === 'getattr') {
          const name = step[1];
          if (!(name in globalThis)) throw new ReferenceError(`${String(name)} is not defined`);
          cur = globalThis[name];
          receiver = undefined;
          continue;
        }
        if (op === 'list') {
          const r = listObjects();
          cur = r;
          if (last) formatted = r;
          continue;
        }
        if (op === 'namespace') {
          const r = sessionNamespace();
          cur = r;
          if (last) formatted = r;
          continue;
        }
        if (op === 'statement_at') {
          cur = statementAt(String(step[1]), Number(step[2]));
          continue;
        }
        throw new TypeError(
          `step "${op}" needs a target object (only import, getattr, list, namespace and statement_at apply to the root)`,
        );
      }
      switch (op) {
        case 'import':
          cur = getUserRequire()(String(step[1]));
          if (cur && (typeof cur === 'object' || typeof cur === 'function')) modules.add(cur);
          receiver = undefined;
          break;
        case 'getattr': {
          const o = unwrap(cur);
          receiver = o;
          cur = o[step[1]];
          break;
        }
        case 'setattr':
          unwrap(cur)[step[1]] = step[2];
          cur = null;
          receiver = undefined;
          break;
        case 'delattr':
          delete unwrap(cur)[step[1]];
          cur = null;
          receiver = undefined;
          break;
        case 'getitem': {
          const o = unwrap(cur);
          receiver = o;
          cur = getItem(o, step[1]);
          break;
        }
        case 'setitem':
          setItem(unwrap(cur), step[1], step[2]);
          cur = null;
          receiver = undefined;
          break;
        case 'delitem':
          delItem(unwrap(cur), step[1]);
          cur = null;
          receiver = undefined;
          break;
        case 'call': {
          let r = callStep(cur, receiver, step[1], step[2]);
          if (isThenable(r)) r = await r;
          cur = r;
          receiver = undefined;
          break;
        }
        case 'eq':
          cur = equals(cur, step[1]);
          receiver = undefined;
          break;
        case 'repr':
          cur = safeInspect(cur, 10000);
          receiver = undefined;
          break;
        case 'iter': {
          const it = getIterator(unwrap(cur));
          const [items, done] = await pull(it, Math.max(0, Number(step[1]) || 0));
          if (last) formatted = [new RefMarker(it), items.map((x) => autoRule(x)), done];
          cur = [it, items, done];
          receiver = undefined;
          break;
        }
        case 'next': {
          const it = unwrap(cur);
          if (!it || typeof it.next !== 'function') throw new TypeError(`${typeNameOf(it)} is not an iterator`);
          const [items, done] = await pull(it, Math.max(1, Number(step[1]) || 1));
          if (last) formatted = [items.map((x) => autoRule(x)), done];
          cur = [items, done];
          receiver = undefined;
          break;
        }
        case 'inspect': {
          const r = inspectObject(cur, Number(step[1]) || 0, step[2] == null ? 100 : Number(step[2]));
          cur = r;
          if (last) formatted = r;
          receiver = undefined;
          break;
        }
        default:
          throw new TypeError(`unknown OBJECT step "${op}"`);
      }
    }
    if (formatted) value = new Formatted(formatted);
    else if (rt === 'proxy') value = new RefMarker(cur, receiver);
    else if (rt === 'value') {
      value = cur;
      mode = MODE_REFS;
      if (typeof cur === 'function' && receiver !== undefined) value = new RefMarker(cur, receiver);
      // §7.3: a value that cannot be sent by value (a cycle, too deep) comes back as a reference instead.
      fallback = new RefMarker(cur, receiver);
    } else value = autoRule(cur, receiver);
  } catch (e) {
    replyError(reqId, e);
    return;
  }
  try {
    sendMsg(REPLY, reqId, value, mode);
  } catch (e) {
    let err = e;
    if (fallback) {
      try {
        sendMsg(REPLY, reqId, fallback);
        return;
      } catch (e2) {
        err = e2;
      }
    }
    replyError(reqId, err);
  }
}

function replyError(reqId, e) {
  try {
    sendMsg(REPLY_ERROR, reqId, toException(e));
  } catch (e2) {
    try {
      sendMsg(REPLY_ERROR, reqId, new RemoteError('Error', String(e2 && e2.message), ''));
    } catch (e3) {
      internalError(e3);
    }
  }
}

function getItem(o, key) {
  if (o instanceof Map || util.types.isMap(o)) return o.get(key);
  if (typeof key === 'number' && key < 0 && Number.isInteger(key) && (Array.isArray(o) || typeof o === 'string' || ArrayBuffer.isView(o)))
    return o.at(key);
  if (o !== null && typeof o === 'object' && typeof o.get === 'function' && !(key in Object(o))) {
    const p = Object.getPrototypeOf(o);
    if (p && (p.constructor === WeakMap || p.constructor === globalThis.URLSearchParams || p.constructor === globalThis.Headers))
      return o.get(key);
  }
  return o[key];
}
function setItem(o, key, value) {
  if (o instanceof Map || util.types.isMap(o) || o instanceof WeakMap) {
    o.set(key, value);
    return;
  }
  o[key] = value;
}
function delItem(o, key) {
  if (o instanceof Map || util.types.isMap(o) || o instanceof WeakMap || o instanceof Set) {
    o.delete(key);
    return;
  }
  if (Array.isArray(o) && typeof key === 'number' && Number.isInteger(key)) {
    o.splice(key < 0 ? o.length + key : key, 1);
    return;
  }
  delete o[key];
}

function callStep(cur, receiver, args, kwargs) {
  args = Array.isArray(args) ? args.slice() : [];
  if (kwargs && typeof kwargs === 'object' && Object.keys(kwargs).length) args.push(kwargs);
  let fn = cur,
    self = receiver;
  if (cur instanceof Bound) {
    fn = cur.fn;
    self = cur.self;
  }
  if (typeof fn !== 'function') throw new TypeError(`${typeNameOf(fn)} is not callable`);
  if (isClass(fn)) return Reflect.construct(fn, args);
  try {
    return Reflect.apply(fn, self, args);
  } catch (e) {
    if (e instanceof TypeError && /requires 'new'|without 'new'|is not a constructor call/.test(e.message))
      return Reflect.construct(fn, args);
    throw e;
  }
}

function equals(a, b) {
  a = unwrap(a);
  b = unwrap(b);
  if (a === b || Object.is(a, b)) return true;
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    try {
      return BigInt(a) === BigInt(b);
    } catch {
      return false;
    }
  }
  if (isPlainData(a, 0) && isPlainData(b, 0)) return util.isDeepStrictEqual(a, b);
  return false;
}

function getIterator(o) {
  if (o != null) {
    if (typeof o[Symbol.asyncIterator] === 'function') return o[Symbol.asyncIterator]();
    if (typeof o[Symbol.iterator] === 'function') return o[Symbol.iterator]();
    if (typeof o.next === 'function') return o;
  }
  throw new TypeError(`${typeNameOf(o)} is not iterable`);
}

async function pull(it, n) {
  const items = [];
  let done = false;
  while (items.length < n) {
    let r = it.next();
    if (isThenable(r)) r = await r;
    if (!r || r.done) {
      done = true;
      break;
    }
    items.push(r.value);
  }
  return [items, done];
}

function attrNames(o) {
  const names = new Set();
  let p = o;
  let depth = 0;
  while (p !== null && p !== undefined && depth++ < 50) {
    if (p === Object.prototype || p === Function.prototype) break;
    let own;
    try {
      own = Object.getOwnPropertyNames(p);
    } catch {
      break;
    }
    for (const n of own) {
      if (typeof o === 'function' && (n === 'arguments' || n === 'caller')) continue;
      names.add(n);
    }
    try {
      p = Object.getPrototypeOf(p);
    } catch {
      break;
    }
  }
  const pub = [],
    priv = [];
  for (const n of names) (n.startsWith('_') ? priv : pub).push(n);
  pub.sort();
  priv.sort();
  return pub.concat(priv);
}

function inspectObject(o, offset, limit) {
  const target = unwrap(o);
  const entry = exportedBy.get(o);
  const boxed = target !== null && target !== undefined ? Object(target) : target;
  const names = boxed === null || boxed === undefined ? [] : attrNames(boxed);
  const attrs = [];
  for (const n of names.slice(Math.max(0, offset), Math.max(0, offset) + Math.max(0, limit))) {
    let tn, r;
    try {
      const v = boxed[n];
      tn = typeNameOf(v);
      r = safeInspect(v, 80, 0);
    } catch (e) {
      tn = 'error';
      r = `<${e && e.message}>`;
    }
    attrs.push([n, tn, r]);
  }
  const res = { id: entry ? entry.id : null, type: typeNameOf(o), repr: safeInspect(o, 200, 1) };
  let len;
  try {
    if (typeof target === 'string' || Array.isArray(target) || ArrayBuffer.isView(target)) len = target.length;
    else if (target instanceof Map || target instanceof Set || util.types.isMap(target) || util.types.isSet(target)) len = target.size;
    else if (target && typeof target === 'object' && typeof target.length === 'number') len = target.length;
  } catch {
    /* ignore */
  }
  if (len !== undefined) res.len = len;
  res.callable = typeof target === 'function';
  res.attrs = attrs;
  res.total = names.length;
  return res;
}

function listObjects() {
  const out = [];
  for (const e of exported.values()) out.push([e.id, e.typeName, safeInspect(e.obj, 200, 0)]);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// statement_at: [start, end] of the top-level statement holding a 1-based line (best effort, no parser:
// V8 checks candidate line ranges for syntax).

const AsyncFunction = async function () {}.constructor;
function parses(src) {
  try {
    new AsyncFunction(src);
    return true;
  } catch (e) {
    return !(e instanceof SyntaxError);
  }
}
function statementAt(source, line) {
  const lines = source.split(/\r\n|\n|\r/);
  const n = lines.length;
  line = Math.min(Math.max(1, Math.trunc(line) || 1), n);
  const blank = (i) => /^\s*(\/\/.*)?$/.test(lines[i - 1]);
  if (blank(line)) return [line, line];
  const chunk = (a, b) => lines.slice(a - 1, b).join('\n');
  const lo = Math.max(1, line - 400),
    hi = Math.min(n, line + 400);
  for (let s = line; s >= lo; s--) {
    if (blank(s)) continue;
    if (s > 1 && !parses(chunk(1, s - 1))) continue;
    for (let e = line; e <= hi; e++) {
      if (parses(chunk(s, e))) {
        while (e > line && blank(e)) e--;
        return [s, e];
      }
    }
  }
  return [line, line];
}

// ---------------------------------------------------------------------------------------------------
// EXEC

const EXEC_PARAMS = ['channel', 'gateway', 'require', 'console', 'module', 'exports', '__filename', '__dirname', '__name__', 'Tuple'];
const EXEC_PREFIX = `(async function (${EXEC_PARAMS.join(', ')}) {`;
const dynamicImport = vm.constants && vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER;

function compileOptions(filename, extra) {
  const o = { filename, ...extra };
  if (dynamicImport) o.importModuleDynamically = dynamicImport;
  return o;
}

let sessionGlobalsBaseline = null;
const sessionLexicals = new Set();

function startExec(id, payload) {
  const ch = channelFor(id, true);
  if (tasks.has(id)) {
    try {
      ch.close(new Error(`channel ${id} is already running a task`));
    } catch (e) {
      internalError(e);
    }
    return;
  }
  const task = { ch, start: Date.now() };
  tasks.set(id, task);
  als.run(task, () => runTask(task, payload));
}

async function runTask(task, payload) {
  const ch = task.ch;
  try {
    if (!payload || typeof payload !== 'object' || typeof payload.source !== 'string')
      throw new TypeError('EXEC payload must be {source: str, name?: str}');
    const filename = typeof payload.name === 'string' && payload.name ? payload.name : `remote-exec:${ch.id}`;
    if (payload.session) {
      const r = await runSession(payload.source, filename, ch);
      if (r !== undefined && !ch._closed) ch.send({ value: autoRule(r) });
    } else {
      const script = new vm.Script(`${EXEC_PREFIX}${payload.source}\n})`, compileOptions(filename, { columnOffset: -EXEC_PREFIX.length }));
      const fn = script.runInThisContext();
      const mod = { exports: {}, id: '__channelexec__', filename };
      await fn(ch, gateway, getUserRequire(), console, mod, mod.exports, filename, process.cwd(), '__channelexec__', Tuple);
    }
    if (!ch._closed) ch.close();
  } catch (e) {
    if (!ch._closed) {
      try {
        ch.close(e);
      } catch (e2) {
        try {
          ch.close(String((e && e.stack) || e));
        } catch (e3) {
          internalError(e3);
        }
      }
    } else if (!ch.interrupted) {
      logException(e, `task on channel ${ch.id} raised after its channel was closed`);
    }
  } finally {
    tasks.delete(ch.id);
  }
}

async function runSession(source, filename, ch) {
  if (!sessionGlobalsBaseline) sessionGlobalsBaseline = new Set(Object.getOwnPropertyNames(globalThis));
  globalThis.require = getUserRequire();
  globalThis.gateway = gateway;
  globalThis.Tuple = Tuple;
  globalThis.channel = ch;
  for (const m of source.matchAll(/(?:^|[;}])\s*(?:let|const|class)\s+([A-Za-z_$][\w$]*)/gm)) sessionLexicals.add(m[1]);
  let script,
    wrapped = false;
  try {
    script = new vm.Script(source, compileOptions(filename));
  } catch (e) {
    if (!(e instanceof SyntaxError) || !/await/.test(e.message)) throw e;
    script = new vm.Script(`(async () => {\n${source}\n})()`, compileOptions(filename, { lineOffset: -1 }));
    wrapped = true;
  }
  const v = script.runInThisContext({ displayErrors: true });
  return wrapped ? await v : v;
}

function sessionNamespace() {
  const ns = {};
  const base = sessionGlobalsBaseline || new Set(Object.getOwnPropertyNames(globalThis));
  const skip = new Set(['require', 'gateway', 'Tuple', 'channel']);
  for (const k of Object.getOwnPropertyNames(globalThis)) {
    if (base.has(k) || skip.has(k)) continue;
    let v;
    try {
      v = globalThis[k];
    } catch {
      continue;
    }
    ns[k] = autoRule(v);
  }
  for (const k of sessionLexicals) {
    if (k in ns) continue;
    try {
      ns[k] = autoRule(vm.runInThisContext(k));
    } catch {
      /* not (yet) defined */
    }
  }
  return ns;
}

// ---------------------------------------------------------------------------------------------------
// Host functions (ext 2) and CALLBACK

let nextRequestId = 0;
const pendingCallbacks = new Map();
const hostFns = new Map();

function hostFunction(id) {
  let f = hostFns.get(id);
  if (f) return f;
  f = function hostFunction(...args) {
    const req = ++nextRequestId;
    return new Promise((resolve, reject) => {
      pendingCallbacks.set(req, { resolve, reject });
      try {
        sendMsg(CALLBACK, req, [id, args, {}], MODE_REFS);
      } catch (e) {
        pendingCallbacks.delete(req);
        reject(e);
      }
    });
  };
  Object.defineProperty(f, 'name', { value: `hostFunction${id}` });
  f[HOSTFN] = id;
  hostFns.set(id, f);
  return f;
}

// ---------------------------------------------------------------------------------------------------
// The gateway object user code sees

const gateway = Object.freeze({
  newChannel,
  /** Wraps a value so it is sent as a reference (ext 1 OBJECT) rather than by value. */
  proxy: (obj) => new RefMarker(obj),
  /** Sends a LOG record (kind 'log') to the host. */
  log: (message, level = 20, logger = 'remote') => sendLog(level, message, { logger }),
  status: () => statusMap(),
  Tuple,
  RemoteError,
  TimeoutError,
  ChannelClosedError,
  InterruptError,
});

// ---------------------------------------------------------------------------------------------------
// Message dispatch

let helloReceived = false;
const preHello = [];
let terminating = false;

function statusMap() {
  const [s, ns] = process.hrtime(startedAt);
  return {
    numexecuting: tasks.size,
    numchannels: channels.size,
    execqsize: 0,
    numobjects: exported.size,
    nextid: nextObjectId,
    pid: process.pid,
    uptime: s + ns / 1e9,
    msgsIn,
    msgsOut,
    bytesIn,
    bytesOut,
    language: 'node',
    version: process.versions.node,
    memory: process.memoryUsage().rss,
    pendingCallbacks: pendingCallbacks.size,
  };
}

function fatal(message) {
  try {
    sendMsg(ERROR, 0, message);
  } catch {
    /* ignore */
  }
  flushAll();
  writeStderr(`remote-exec agent: ${message}\n`);
  process.exit(1);
}

function onMessage(msg) {
  if (!Array.isArray(msg) || msg.length !== 3 || !Number.isInteger(msg[0]) || msg[0] < 0 || !Number.isInteger(msg[1]) || msg[1] < 0) {
    fatal(`protocol error: a message is [type: uint, id: uint, payload], got ${safeInspect(msg, 200)}`);
    return;
  }
  const type = msg[0],
    id = msg[1],
    payload = msg[2];
  if (!helloReceived) {
    if (type === HELLO) {
      if (payload && payload.protocol !== PROTOCOL)
        fatal(`protocol version mismatch: the agent speaks ${PROTOCOL}, the host speaks ${payload.protocol}`);
      helloReceived = true;
      if (payload && Number(payload.maxFrame) > 0) peerMaxFrame = Number(payload.maxFrame);
      if (payload && Number.isInteger(payload.logLevel)) logLevel = payload.logLevel;
      for (const m of preHello.splice(0)) dispatch(m[0], m[1], m[2]);
    } else preHello.push(msg);
    return;
  }
  dispatch(type, id, payload);
}

function dispatch(type, id, payload) {
  if (terminating) return;
  switch (type) {
    case DATA: {
      const ch = channels.get(id) || (closedIds.has(id) ? null : channelFor(id));
      if (ch) ch._deliver(payload);
      return;
    }
    case EXEC:
      startExec(id, payload);
      return;
    case CLOSE:
    case CLOSE_ERROR: {
      const ch = channels.get(id);
      if (ch && !ch._closed)
        ch._remoteClosed(
          type === CLOSE_ERROR ? (payload instanceof Error ? payload : new RemoteError('Error', String(payload), '')) : null,
        );
      return;
    }
    case LAST_MESSAGE: {
      const ch = channels.get(id);
      if (ch) ch._endReceiving();
      return;
    }
    case STATUS:
      sendMsg(REPLY, id, statusMap());
      return;
    case OBJECT:
      handleObject(id, payload);
      return;
    case REPLY:
    case REPLY_ERROR: {
      const p = pendingCallbacks.get(id);
      if (!p) {
        sendMsg(ERROR, 0, `reply to unknown request ${id}`);
        return;
      }
      pendingCallbacks.delete(id);
      if (type === REPLY) p.resolve(payload);
      else p.reject(payload instanceof Error ? payload : new RemoteError('Error', String(payload), ''));
      return;
    }
    case RELEASE: {
      if (!Array.isArray(payload)) return;
      for (const pair of payload) {
        if (!Array.isArray(pair)) continue;
        const entry = exported.get(pair[0]);
        if (entry) unexport(entry, Number(pair[1]) || 0);
      }
      return;
    }
    case INTERRUPT: {
      if (id === 0) for (const t of tasks.values()) t.ch._interrupt();
      else {
        const t = tasks.get(id);
        if (t) t.ch._interrupt();
      }
      return;
    }
    case TERMINATE:
      terminate(0);
      return;
    case ERROR:
      writeStderr(`remote-exec agent: the host reported a protocol error: ${payload}\n`);
      return;
    case HELLO:
      sendMsg(ERROR, 0, 'unexpected second HELLO');
      return;
    default:
      sendMsg(ERROR, 0, `unknown message type ${type}`);
  }
}

function terminate(code) {
  if (terminating) return;
  terminating = true;
  for (const ch of [...channels.values()]) {
    try {
      if (!ch._closed) ch.close();
    } catch {
      /* ignore */
    }
  }
  flushAll();
  process.exit(code);
}

// Frames in

let inChunks = [];
let inLen = 0;
let inNeed = -1;

function onData(chunk) {
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
  } catch {
    src = fs.createReadStream(null, { fd: IN_FD, highWaterMark: 256 * 1024, autoClose: false });
  }
  src.on('data', onData);
  src.on('end', () => terminate(0));
  src.on('error', (e) => {
    if (!terminating) {
      writeStderr(`remote-exec agent: input error: ${e.message}\n`);
      terminate(0);
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// Start

function main() {
  takeOverStreams();
  process.on('uncaughtException', (e) => logException(e, 'uncaught exception'));
  process.on('unhandledRejection', (e) => logException(e, 'unhandled promise rejection'));
  process.removeAllListeners('warning');
  process.on('warning', (w) => sendLog(30, `${w && w.name}: ${w && w.message}`, { kind: 'warning', exc_text: cleanStack(w && w.stack) }));
  process.on('SIGINT', () => {
    for (const t of tasks.values()) t.ch._interrupt();
  });
  process.on('exit', () => {
    try {
      flushAll();
    } catch {
      /* ignore */
    }
  });
  sendMsg(HELLO, 0, {
    protocol: PROTOCOL,
    language: 'node',
    version: process.versions.node,
    implementation: process.release && process.release.name === 'node' ? 'Node.js' : String(process.release && process.release.name),
    pid: process.pid,
    cwd: process.cwd(),
    executable: process.execPath,
    platform: process.platform,
    capabilities: CAPABILITIES,
    maxFrame: MAX_FRAME,
  });
  flushNow();
  startReading();
}

main();
