// The msgpack decoder, with the extension types of PROTOCOL.md sec. 6.

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
  // a long ASCII str is copied out as it is, at an eighth of what UTF-8 decoding costs (Node 18.15+)
  if (n >= 256 && isAscii !== undefined && isAscii(dbuf.subarray(s, dpos))) return dbuf.toString('ascii', s, dpos);
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
    case 8:
    case 9: {
      const body = dec();
      if (!Array.isArray(body)) throw new ProtocolError(`bad ${type === 8 ? 'SET' : 'FROZENSET'} ext body`);
      return type === 8 ? new Set(body) : new FrozenSet(body);
    }
    case 10: {
      const body = dec();
      if (!Array.isArray(body) || body.length !== 2) throw new ProtocolError('bad COMPLEX ext body');
      return new Complex(body[0], body[1]);
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
