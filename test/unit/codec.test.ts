import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Complex, EncodeError, FrozenSet, RemoteError, Tuple, ValueCodec } from '../../protocol';

const codec = new ValueCodec();
const roundTrip = (v: unknown) => codec.decode(codec.encode(v));

describe('value codec (PROTOCOL.md §6)', () => {
  test('scalars round-trip', () => {
    for (const v of [
      null,
      true,
      false,
      0,
      1,
      -1,
      127,
      128,
      -33,
      65535,
      2 ** 31,
      2 ** 32 + 5,
      -(2 ** 40),
      Number.MAX_SAFE_INTEGER,
      1.5,
      -0.25,
      'text',
      'ünïcödé ✓',
      '',
    ]) {
      assert.deepEqual(roundTrip(v), v);
    }
    assert.ok(Number.isNaN(roundTrip(NaN)));
    assert.equal(roundTrip(Infinity), Infinity);
    assert.equal(roundTrip(undefined), null);
  });

  test('long strs come back exact, ASCII or not, as values and as map keys', () => {
    const ascii = Array.from({ length: 5000 }, (_, i) => String.fromCharCode(i % 128)).join('');
    for (const v of [
      ascii,
      'x'.repeat(255),
      'x'.repeat(256),
      'x'.repeat(300) + '\u0080',
      '\u00ff'.repeat(400),
      'é✓😀'.repeat(1000),
      'a'.repeat(70_000) + 'ß',
    ]) {
      assert.ok(roundTrip(v) === v, `a str of ${v.length} characters`);
      assert.deepEqual(roundTrip({ [v]: [v, v] }), { [v]: [v, v] });
    }
  });

  test('64-bit ints beyond 2^53 come back as bigint, safe ones as number', () => {
    assert.equal(roundTrip(BigInt(12)), 12);
    for (const v of [BigInt(2) ** BigInt(53), BigInt(2) ** BigInt(63), BigInt(2) ** BigInt(64) - BigInt(1), -(BigInt(2) ** BigInt(63))])
      assert.equal(roundTrip(v), v);
  });

  test('ints beyond 64 bits travel as ext 7 and come back exact', () => {
    for (const v of [
      BigInt(2) ** BigInt(64),
      BigInt(2) ** BigInt(200) + BigInt(7),
      -(BigInt(2) ** BigInt(64)) - BigInt(1),
      -(BigInt(2) ** BigInt(100)),
    ]) {
      assert.equal(roundTrip(v), v);
    }
  });

  test('bytes come back as a Buffer with the same contents', () => {
    const out = roundTrip(new Uint8Array([0, 1, 255]));
    assert.ok(Buffer.isBuffer(out));
    assert.deepEqual([...(out as Buffer)], [0, 1, 255]);
  });

  test('lists, tuples, str-keyed dicts and non-str-keyed maps keep their kinds, nested', () => {
    const value = {
      list: [1, [2, [3]]],
      tuple: Tuple.of<unknown>(1, 'a', Tuple.of()),
      map: new Map<unknown, unknown>([
        [1, 'one'],
        [Tuple.of(1, 2), { deep: [null] }],
      ]),
    };
    const out = roundTrip(value) as typeof value;
    assert.deepEqual(out.list, [1, [2, [3]]]);
    assert.ok(out.tuple instanceof Tuple);
    assert.ok(out.tuple[2] instanceof Tuple);
    assert.ok(out.map instanceof Map);
    assert.equal(out.map.get(1), 'one');
    const [, second] = [...out.map.entries()];
    assert.ok(second[0] instanceof Tuple);
    assert.deepEqual(second[1], { deep: [null] });
  });

  test('exceptions travel as RemoteError with type, message and traceback', () => {
    const out = roundTrip(new RemoteError('ValueError', 'bad', 'Traceback...\n  line 3')) as RemoteError;
    assert.ok(out instanceof RemoteError);
    assert.equal(out.remoteType, 'ValueError');
    assert.equal(out.remoteMessage, 'bad');
    assert.match(out.remoteTraceback, /line 3/);
  });

  test('a value without encoding is refused with its type and its place', () => {
    assert.throws(
      () => codec.encode({ a: [1, new WeakMap()] }),
      (e: Error) => e instanceof EncodeError && /type WeakMap at value\.a\[1\]/.test(e.message),
    );
    assert.throws(() => codec.encode([new Date()]), /type Date at value\[0\]/);
    assert.throws(() => codec.encode({ f: () => 1 }), /function/);
    class Point {
      x = 1;
    }
    assert.throws(() => codec.encode(new Point()), /type Point/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => codec.encode(cyclic), /cyclic/);
  });

  test('garbage bytes are a decode error, not a crash', () => {
    assert.throws(() => codec.decode(Buffer.from([0xc1])));
    assert.throws(() => codec.decode(Buffer.from([0x93, 0x01])));
  });

  test('sets, frozensets and complex numbers (version 2) keep their kinds, nested', () => {
    const value = {
      s: new Set([1, 'a']),
      f: new FrozenSet([Tuple.of(1, 2)]),
      c: new Complex(1, 0),
      nested: [new Set([new FrozenSet([3])])],
    };
    const back = roundTrip(value) as typeof value;
    assert.ok(back.s instanceof Set && !(back.s instanceof FrozenSet));
    assert.deepEqual([...back.s], [1, 'a']);
    assert.ok(back.f instanceof FrozenSet);
    assert.deepEqual([...back.f][0], Tuple.of(1, 2));
    assert.ok(back.c instanceof Complex);
    assert.deepEqual([back.c.re, back.c.im], [1, 0]);
    // Both parts are float 64 on the wire, even when integral: [0x92, 0xcb, 8 bytes, 0xcb, 8 bytes].
    const body = Buffer.from(codec.encode(new Complex(1, 0)));
    assert.equal(body.length, 3 + 19);
    assert.deepEqual([body[3], body[4], body[13]], [0x92, 0xcb, 0xcb]);
  });

  test('a peer that speaks version 1 is sent no set, and a peer that hashes keys no unhashable key', () => {
    const v1 = new ValueCodec({ peerVersion: () => 1 });
    assert.throws(
      () => v1.encode([new Set([1])]),
      (e: Error) => e instanceof EncodeError && /Set.*version 2.* at value\[0\]/.test(e.message),
    );
    const python = new ValueCodec({ hashedKeys: () => true });
    assert.throws(
      () => python.encode({ m: new Map([[[1, 2], 'list key']]) }),
      (e: Error) => e instanceof EncodeError && /unhashable key at value\.m\.keys\(\)\[0\]: an Array/.test(e.message),
    );
    assert.throws(() => python.encode(new Set([{ a: 1 }])), EncodeError);
    assert.ok(python.encode(new Map([[Tuple.of(1, 2), 'tuple key']])));
    assert.ok(codec.encode(new Map([[[1, 2], 'fine for a Node peer']])));
  });
});
