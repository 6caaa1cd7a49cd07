// Errors and value classes: what the codec produces and consumes beside plain data.

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

/** A Python frozenset (ext 9, protocol version 2): a Set that round-trips as one. */
class FrozenSet extends Set {}
/** A Python complex (ext 10, protocol version 2). */
class Complex {
  constructor(re, im) {
    this.re = Number(re);
    this.im = Number(im);
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
