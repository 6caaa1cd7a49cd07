import { DecodeError, Decoder, Encoder, ExtData, ExtensionCodec } from '@msgpack/msgpack';
import { isAscii } from 'buffer';
import { EncodeError, RemoteError } from './errors';

/** Extension type codes of PROTOCOL.md §6. */
export const enum Ext {
  OBJECT = 1,
  HOSTFN = 2,
  CHANNEL = 3,
  EXCEPTION = 4,
  TUPLE = 5,
  MAP = 6,
  BIGINT = 7,
  SET = 8,
  FROZENSET = 9,
  COMPLEX = 10,
}

/** A Python tuple on the TypeScript side: an Array that encodes as a tuple again. */
export class Tuple<T = unknown> extends Array<T> {
  static override of<T>(...items: T[]): Tuple<T> {
    const t = new Tuple<T>();
    t.push(...items);
    return t;
  }
  static override from<T>(items: Iterable<T> | ArrayLike<T>): Tuple<T> {
    const t = new Tuple<T>();
    for (const item of Array.from(items)) t.push(item);
    return t;
  }
}

/** A Python frozenset on the TypeScript side (ext 9): a Set that encodes as a frozenset again. */
export class FrozenSet<T = unknown> extends Set<T> {}

/** A Python complex on the TypeScript side (ext 10). */
export class Complex {
  constructor(
    readonly re: number,
    readonly im: number,
  ) {}

  toString(): string {
    return `(${this.re}${this.im < 0 || Object.is(this.im, -0) ? '-' : '+'}${Math.abs(this.im)}j)`;
  }
}

/** The ext 10 body: `[real, imag]`, both always float 64 (an integral part would otherwise encode as an int). */
function complexBody(c: Complex): Uint8Array {
  const body = Buffer.alloc(19);
  body[0] = 0x92;
  body[1] = 0xcb;
  body.writeDoubleBE(c.re, 2);
  body[10] = 0xcb;
  body.writeDoubleBE(c.im, 11);
  return body;
}

/** A remote object reference as it travels on the wire (ext 1). */
export interface ObjectRef {
  id: number;
  typeName: string;
  callable: boolean;
}

/**
 * How the codec meets the gateway it serves: channels, proxies and host functions are identities that
 * only the gateway can resolve. Every method is optional, so a bare codec handles plain values.
 */
export interface ValueContext {
  /** The wire id of a Channel, or undefined when `value` is not one of this gateway's channels. */
  channelId?(value: object): number | undefined;
  /** The Channel for a wire id, created when it is new. */
  channelFromId?(id: number): unknown;
  /** The remote reference behind a proxy, or undefined when `value` is not a proxy of this gateway. */
  objectRef?(value: object): ObjectRef | undefined;
  /** A proxy for a remote reference. */
  objectFromRef?(ref: ObjectRef): unknown;
  /** The id under which a host function is exported to the agent (ext 2); undefined when not allowed. */
  hostFunctionId?(fn: (...args: any[]) => unknown): number | undefined;
  /** The host function for an ext 2 id sent back by the agent. */
  hostFunctionFromId?(id: number): unknown;
  /** The negotiated protocol version (§4): value types of a later version are refused. Unknown: the latest. */
  peerVersion?(): number;
  /** Why `value` (a proxy of another gateway, a chain not yet sent) cannot be sent, in words; else undefined. */
  unsendable?(value: unknown): string | undefined;
  /** Whether the peer builds Map keys and Set items as hash keys (Python): then they must be hashable. */
  hashedKeys?(): boolean;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const U64_MAX = (BigInt(1) << BigInt(64)) - BigInt(1);
const I64_MIN = -(BigInt(1) << BigInt(63));

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Two's-complement big-endian bytes of minimal length (ext 7). */
export function bigintToBytes(n: bigint): Uint8Array {
  let hex = (n < BigInt(0) ? (BigInt(1) << BigInt(bitLength(n))) + n : n).toString(16);
  if (hex.length % 2) hex = '0' + hex;
  let bytes = Buffer.from(hex, 'hex');
  const negative = n < BigInt(0);
  const topBitSet = bytes.length > 0 && (bytes[0] & 0x80) !== 0;
  if (negative !== topBitSet) bytes = Buffer.concat([Buffer.from([negative ? 0xff : 0x00]), bytes]);
  return bytes;
}

function bitLength(n: bigint): number {
  // Width (a multiple of 8) that holds n in two's complement.
  let bits = 8;
  while (n < -(BigInt(1) << BigInt(bits - 1))) bits += 8;
  return bits;
}

export function bytesToBigint(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return BigInt(0);
  let n = BigInt('0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex'));
  if (bytes[0] & 0x80) n -= BigInt(1) << BigInt(bytes.length * 8);
  return n;
}

function narrow(value: bigint): number | bigint {
  return value <= MAX_SAFE && value >= MIN_SAFE ? Number(value) : value;
}

/** Decodes 64-bit ints as numbers when they are safe, as bigints when not (PROTOCOL.md §6). */
class ValueDecoder extends Decoder<ValueContext> {
  constructor(readonly options: ConstructorParameters<typeof Decoder<ValueContext>>[0]) {
    super(options);
  }
}
const decoderProto = ValueDecoder.prototype as any;
// The library's clone() (used when decoding re-enters) builds a plain Decoder; keep ours.
decoderProto.clone = function (this: ValueDecoder) {
  return new ValueDecoder(this.options);
};
const baseReadU64 = decoderProto.readU64AsBigInt;
const baseReadI64 = decoderProto.readI64AsBigInt;
decoderProto.readU64AsBigInt = function (this: unknown) {
  return narrow(baseReadU64.call(this));
};
decoderProto.readI64AsBigInt = function (this: unknown) {
  return narrow(baseReadI64.call(this));
};
// The library allocates an array of the announced length before it reads the items, so a lying header
// could cost gigabytes; every item takes at least one byte (a map's pair two), so a count beyond the bytes
// left is refused before anything is allocated.
const basePushArray = decoderProto.pushArrayState;
const basePushMap = decoderProto.pushMapState;
decoderProto.pushArrayState = function (this: any, size: number) {
  const left = this.bytes.byteLength - this.pos;
  if (size > left) throw new DecodeError(`array of ${size} items in ${left} bytes`);
  basePushArray.call(this, size);
};
decoderProto.pushMapState = function (this: any, size: number) {
  const left = this.bytes.byteLength - this.pos;
  if (2 * size > left) throw new DecodeError(`map of ${size} entries in ${left} bytes`);
  basePushMap.call(this, size);
};
// A long ASCII str is copied out as it is: checking that it is ASCII and copying it costs an eighth of
// what UTF-8 decoding it does here (about 170 against 1300 µs a megabyte). Anything else, and map keys
// (which the library caches), take the library's path.
const ASCII_COPY_MIN = 256;
const baseDecodeUtf8 = decoderProto.decodeUtf8String;
decoderProto.decodeUtf8String = function (this: any, byteLength: number, headerOffset: number) {
  const bytes: Uint8Array = this.bytes;
  const offset: number = this.pos + headerOffset;
  if (byteLength >= ASCII_COPY_MIN && byteLength <= this.maxStrLength && offset + byteLength <= bytes.byteLength && !this.stateIsMapKey()) {
    const view = Buffer.from(bytes.buffer, bytes.byteOffset + offset, byteLength);
    if (isAscii(view)) {
      this.pos += headerOffset + byteLength;
      return view.toString('ascii');
    }
  }
  return baseDecodeUtf8.call(this, byteLength, headerOffset);
};
decoderProto.decodeBinary = function (this: any, byteLength: number, headOffset: number) {
  const view: Uint8Array = (Decoder.prototype as any).decodeBinary.call(this, byteLength, headOffset);
  // Binary data surfaces as a Node Buffer over the frame's memory, without a copy.
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
};

/** Encodes bigints beyond 64 bits as ext 7, and refuses values that have no encoding. */
class ValueEncoder extends Encoder<ValueContext> {
  constructor(readonly options: ConstructorParameters<typeof Encoder<ValueContext>>[0]) {
    super(options);
  }
}
const encoderProto = ValueEncoder.prototype as any;
encoderProto.clone = function (this: ValueEncoder) {
  return new ValueEncoder(this.options);
};
const baseEncodeBigInt = encoderProto.encodeBigInt64;
encoderProto.encodeBigInt64 = function (this: any, value: bigint) {
  if (value >= MIN_SAFE && value <= MAX_SAFE) this.encodeNumber(Number(value));
  else if (value >= I64_MIN && value <= U64_MAX) baseEncodeBigInt.call(this, value);
  else this.encodeExtension(new ExtData(Ext.BIGINT, bigintToBytes(value)));
};

/**
 * The value codec of one gateway: msgpack with the extension types of PROTOCOL.md §6, bound to the
 * gateway's ValueContext for channels, proxies and host functions.
 */
export class ValueCodec {
  private readonly extensions = new ExtensionCodec<ValueContext>();
  private readonly encoder: ValueEncoder;
  private readonly decoder: ValueDecoder;

  constructor(readonly context: ValueContext = {}) {
    const ext = this.extensions;
    // Slot 0 never produces data: it runs first for every object and rejects what has no encoding,
    // because msgpack's default would silently turn a Date or a Set into a map of its own keys.
    ext.register({ type: 0, encode: (v, ctx) => this.guard(v, ctx), decode: () => undefined });
    // msgpack's timestamp extension would turn a Date into a value no agent is required to read.
    ext.register({ type: -1, encode: (v, ctx) => this.guard(v, ctx), decode: (data) => new ExtData(-1, data) });
    ext.register({
      type: Ext.OBJECT,
      encode: (v, ctx) => {
        const ref = ctx.objectRef?.(v as object);
        return ref ? this.encodeInner([ref.id, ref.typeName, ref.callable]) : null;
      },
      decode: (data, _t, ctx) => {
        const [id, typeName, callable] = this.decodeInner(data) as [number, string, boolean];
        const ref = { id, typeName, callable };
        return ctx.objectFromRef ? ctx.objectFromRef(ref) : ref;
      },
    });
    ext.register({
      type: Ext.HOSTFN,
      encode: (v, ctx) => {
        if (typeof v !== 'function') return null;
        const id = ctx.hostFunctionId?.(v as (...args: any[]) => unknown);
        return id === undefined ? null : this.encodeInner([id]);
      },
      decode: (data, _t, ctx) => {
        const [id] = this.decodeInner(data) as [number];
        return ctx.hostFunctionFromId ? ctx.hostFunctionFromId(id) : { hostFunctionId: id };
      },
    });
    ext.register({
      type: Ext.CHANNEL,
      encode: (v, ctx) => {
        const id = typeof v === 'object' && v !== null ? ctx.channelId?.(v) : undefined;
        return id === undefined ? null : this.encodeInner(id);
      },
      decode: (data, _t, ctx) => {
        const id = this.decodeInner(data) as number;
        return ctx.channelFromId ? ctx.channelFromId(id) : { channelId: id };
      },
    });
    ext.register({
      type: Ext.EXCEPTION,
      encode: (v) => {
        if (v instanceof RemoteError) return this.encodeInner([v.remoteType, v.remoteMessage, v.remoteTraceback]);
        if (v instanceof Error) return this.encodeInner([v.name, v.message, v.stack ?? '']);
        return null;
      },
      decode: (data) => {
        const [type, message, traceback] = this.decodeInner(data) as [string, string, string];
        return new RemoteError(String(type), String(message ?? ''), String(traceback ?? ''));
      },
    });
    ext.register({
      type: Ext.TUPLE,
      encode: (v) => (v instanceof Tuple ? this.encodeInner(Array.from(v)) : null),
      decode: (data) => Tuple.from(this.decodeInner(data) as unknown[]),
    });
    ext.register({
      type: Ext.MAP,
      encode: (v, ctx) => {
        if (!(v instanceof Map)) return null;
        checkHashable(v.keys(), ctx);
        return this.encodeInner(Array.from(v.entries()));
      },
      decode: (data) => new Map(this.decodeInner(data) as [unknown, unknown][]),
    });
    ext.register({
      type: Ext.BIGINT,
      encode: () => null,
      decode: (data) => bytesToBigint(data),
    });
    ext.register({
      type: Ext.FROZENSET,
      encode: (v, ctx) => {
        if (!(v instanceof FrozenSet)) return null;
        checkHashable(v, ctx);
        return this.encodeInner(Array.from(v));
      },
      decode: (data) => new FrozenSet(this.decodeInner(data) as unknown[]),
    });
    ext.register({
      type: Ext.SET,
      encode: (v, ctx) => {
        if (!(v instanceof Set) || v instanceof FrozenSet) return null;
        checkHashable(v, ctx);
        return this.encodeInner(Array.from(v));
      },
      decode: (data) => new Set(this.decodeInner(data) as unknown[]),
    });
    ext.register({
      type: Ext.COMPLEX,
      encode: (v) => (v instanceof Complex ? complexBody(v) : null),
      decode: (data) => {
        const [re, im] = this.decodeInner(data) as [number, number];
        return new Complex(Number(re), Number(im));
      },
    });
    const options = { extensionCodec: ext, context: this.context, useBigInt64: true };
    this.encoder = new ValueEncoder({ ...options, initialBufferSize: 64 * 1024 });
    this.decoder = new ValueDecoder(options);
  }

  /** Encodes one value; throws EncodeError naming the value's type and where it sits. */
  encode(value: unknown): Uint8Array {
    try {
      return this.encoder.encode(value);
    } catch (err) {
      const why = describeUnencodable(value, this.context);
      if (why) throw new EncodeError(why);
      throw err;
    }
  }

  /** Why `value` has no encoding, naming the offending part's type and place; undefined if it has one. */
  explain(value: unknown): string | undefined {
    return describeUnencodable(value, this.context);
  }

  decode(body: Uint8Array): unknown {
    return this.decoder.decode(body);
  }

  private encodeInner(value: unknown): Uint8Array {
    return (this.encoder as any).clone().encode(value);
  }

  private decodeInner(data: Uint8Array): unknown {
    return (this.decoder as any).clone().decode(data);
  }

  private guard(value: unknown, ctx: ValueContext): null {
    if (!isEncodable(value, ctx)) throw new EncodeError(`cannot send ${what(value, ctx)}`);
    return null;
  }
}

/**
 * Why `key` cannot be a Python dict key or set item (an Array is a list, an object or Map a dict, a Set a
 * set: none hashable), or undefined when it can.
 */
function unhashable(key: unknown): string | undefined {
  if (typeof key !== 'object' || key === null || ArrayBuffer.isView(key) || key instanceof Complex) return undefined;
  if (key instanceof Tuple || key instanceof FrozenSet) {
    for (const item of key) {
      const inner = unhashable(item);
      if (inner) return `a ${key.constructor.name} holding ${inner}`;
    }
    return undefined;
  }
  if (Array.isArray(key)) return 'an Array (a Python list; use a Tuple)';
  if (key instanceof Set) return 'a Set (a Python set; use a FrozenSet)';
  if (key instanceof Map || isPlainObject(key)) return 'a map (a Python dict)';
  return undefined;
}

/** Throws EncodeError when the peer hashes keys (Python) and one of `keys` cannot be hashed. */
function checkHashable(keys: Iterable<unknown>, ctx: ValueContext): void {
  if (!ctx.hashedKeys?.()) return;
  for (const key of keys) {
    const why = unhashable(key);
    if (why) throw new EncodeError(`cannot send an unhashable key or set item: ${why}`);
  }
}

function isEncodable(value: unknown, ctx: ValueContext): boolean {
  if (typeof value === 'symbol') return false;
  if (typeof value === 'function') {
    return ctx.objectRef?.(value) !== undefined || ctx.hostFunctionId?.(value as (...a: any[]) => unknown) !== undefined;
  }
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return true;
  if (value instanceof Date) return false;
  if (value instanceof Map || value instanceof Error) return true;
  if (value instanceof Set || value instanceof Complex) return (ctx.peerVersion?.() ?? 2) >= 2;
  if (ctx.objectRef?.(value) !== undefined || ctx.channelId?.(value) !== undefined) return true;
  return isPlainObject(value);
}

/** What an unencodable value is, as an error names it. */
function what(value: unknown, ctx: ValueContext): string {
  return ctx.unsendable?.(value) ?? `a value of type ${typeName(value)}`;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return `function ${(value as { name?: string }).name || '(anonymous)'}`;
  if (typeof value === 'symbol') return `symbol (${String(value)})`;
  if (typeof value !== 'object') return typeof value;
  if (value instanceof Set || value instanceof Complex) return `${value.constructor.name} (protocol version 2; this peer speaks 1)`;
  const ctor = Object.getPrototypeOf(value)?.constructor;
  return ctor?.name || 'object';
}

/** Finds the first value that has no encoding, for an error message that says where it is. */
function describeUnencodable(root: unknown, ctx: ValueContext): string | undefined {
  const seen = new Set<unknown>();
  const walk = (value: unknown, path: string): string | undefined => {
    if (!isEncodable(value, ctx)) return `cannot send ${what(value, ctx)} at ${path}`;
    if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return undefined;
    if (ctx.objectRef?.(value) !== undefined || ctx.channelId?.(value) !== undefined) return undefined;
    if (seen.has(value)) return `cannot send a cyclic structure (${path} refers back to a value that contains it)`;
    if ((value instanceof Map || value instanceof Set) && ctx.hashedKeys?.()) {
      let i = 0;
      for (const key of value.keys()) {
        const why = unhashable(key);
        if (why)
          return `cannot send an unhashable ${value instanceof Map ? 'key' : 'set item'} at ${path}.keys()[${i}]: ${why}; the agent hashes it`;
        i++;
      }
    }
    seen.add(value);
    const entries: [string, unknown][] = Array.isArray(value)
      ? value.map((v, i) => [`${path}[${i}]`, v])
      : value instanceof Map
        ? Array.from(value.entries()).flatMap(
            ([k, v], i) =>
              [
                [`${path}.keys()[${i}]`, k],
                [`${path}.get(${String(k)})`, v],
              ] as [string, unknown][],
          )
        : value instanceof Error || value instanceof Complex
          ? []
          : value instanceof Set
            ? Array.from(value).map((v, i) => [`${path}.values()[${i}]`, v] as [string, unknown])
            : Object.entries(value).map(([k, v]) => [`${path}.${k}`, v]);
    for (const [p, v] of entries) {
      const found = walk(v, p);
      if (found) return found;
    }
    seen.delete(value);
    return undefined;
  };
  return walk(root, 'value');
}
