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
      if ((v instanceof Set || v instanceof Complex) && protocolVersion >= 2) {
        encV2(v, d);
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
  // A host holds `__proto__` as a key only in a Map: such an object travels as ext 6 (sec. 6).
  if (Object.prototype.hasOwnProperty.call(v, '__proto__')) {
    encMapExt(new Map(Object.entries(v)), d);
    return;
  }
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
/** Version 2's set, frozenset (an array of items) and complex (`[re, im]`, both float 64). */
function encV2(v, d) {
  const b = extBegin();
  if (v instanceof Complex) {
    encArrayHeader(2);
    for (const x of [v.re, v.im]) {
      ensure(9);
      obuf[opos++] = 0xcb;
      obuf.writeDoubleBE(x, opos);
      opos += 8;
    }
    extEnd(10, b);
    return;
  }
  encArrayHeader(v.size);
  for (const x of v) enc(x, d + 1);
  extEnd(v instanceof FrozenSet ? 9 : 8, b);
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
