import { Complex, FrozenSet, MessageType, RemoteError, Tuple } from '../../../protocol';
import { expectTrue, fail, sameValue, show, type Check, type CheckContext } from '../check';
import { limits, receive, snippetsOf } from './helpers';

/** Sends each value through the echo snippet and expects it back exactly, type included. */
async function roundTrip(ctx: CheckContext, values: unknown[]): Promise<void> {
  const gateway = await ctx.shared();
  const channel = gateway.remoteExec(snippetsOf(ctx).echo);
  try {
    for (const value of values) await channel.send(value);
    for (const value of values) {
      const back = await receive(channel, `the echo of ${show(value)}`);
      if (!sameValue(back, value)) fail(`round trip of ${show(value)}`, `${show(value)} (${kind(value)})`, `${show(back)} (${kind(back)})`);
    }
  } finally {
    channel.close();
  }
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  return Object.getPrototypeOf(v)?.constructor?.name ?? 'object';
}

const valueCheck = (row: string, values: () => unknown[]): Check => ({
  name: `values: ${row} round-trips`,
  needsSnippets: true,
  run: (ctx) => roundTrip(ctx, values()),
});

const big = (s: string) => BigInt(s);

export const valueChecks: Check[] = [
  valueCheck('nil', () => [null]),
  valueCheck('bool', () => [true, false]),
  valueCheck('int (≤ 64 bit, safe)', () => [0, 1, -1, 127, 128, -33, 255, 65536, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53 - 1)]),
  valueCheck('int beyond 2^53 as bigint (int64, uint64)', () => [
    big('9007199254740993'),
    big('-9223372036854775808'),
    big('9223372036854775807'),
    big('18446744073709551615'),
  ]),
  valueCheck('ext 7 BIGINT beyond 64 bits', () => [
    big('18446744073709551616'),
    big('-9223372036854775809'),
    big('1267650600228229401496703205376'),
    -big('1267650600228229401496703205376'),
  ]),
  valueCheck('float 64 incl. NaN and ±Infinity', () => [1.5, -0.25, 1e300, 5e-324, NaN, Infinity, -Infinity]),
  valueCheck('str (UTF-8)', () => ['', 'plain', 'héllo wörld ✓ 𝄞 日本', 'x'.repeat(70000)]),
  valueCheck('bin', () => [Buffer.alloc(0), Buffer.from([0, 1, 2, 254, 255]), Buffer.alloc(100000, 7)]),
  valueCheck('array', () => [[], [1, 'two', [3, [4, null]], true]]),
  valueCheck('ext 5 TUPLE', () => [Tuple.of(), Tuple.of<unknown>(1, 'a'), [Tuple.of<unknown>(Tuple.of(1), [2])]]),
  valueCheck('map with str keys', () => [{}, { a: 1, b: [1, 2], c: { d: null } }]),
  valueCheck('ext 6 MAP with non-str keys', () => [
    new Map<unknown, unknown>([
      [1, 'one'],
      [2, 'two'],
    ]),
    new Map<unknown, unknown>([
      [Tuple.of(1, 2), 'pair'],
      ['s', 3],
      [true, null],
    ]),
  ]),
  valueCheck('ext 8 SET (version 2)', () => [new Set(), new Set<unknown>([1, 'two', Tuple.of(3, 4)]), [new Set([new FrozenSet([1])])]]),
  valueCheck('ext 9 FROZENSET (version 2)', () => [new FrozenSet(), new FrozenSet<unknown>(['a', 2.5, new FrozenSet([3])])]),
  valueCheck('ext 10 COMPLEX (version 2)', () => [
    new Complex(1, -2),
    new Complex(0, 0),
    new Complex(1.5e300, -0.25),
    new Complex(NaN, Infinity),
  ]),
  valueCheck('a map key __proto__ (sent back as ext 6, never a plain map)', () => [
    new Map<unknown, unknown>([
      ['__proto__', 1],
      ['b', 2],
    ]),
  ]),
  {
    name: 'values: ext 4 EXCEPTION round-trips with type, message and traceback',
    needsSnippets: true,
    async run(ctx) {
      const gateway = await ctx.shared();
      const channel = gateway.remoteExec(snippetsOf(ctx).echo);
      await channel.send(new RemoteError('ValueError', 'conformance-exception', 'Traceback: conformance line 1'));
      const back = await receive(channel, 'the echoed exception');
      channel.close();
      expectTrue(back instanceof RemoteError, 'echoed exception', 'a RemoteError (ext 4)', back);
      expectTrue(/ValueError$/.test(back.remoteType), 'its type', "'ValueError' or a qualified form", back.remoteType);
      expectTrue(back.remoteMessage === 'conformance-exception', 'its message', "'conformance-exception'", back.remoteMessage);
      expectTrue(typeof back.remoteTraceback === 'string', 'its traceback', 'a string', back.remoteTraceback);
    },
  },
  {
    name: 'values: a value the agent cannot build fails only its own message (CLOSE_ERROR, REPLY_ERROR)',
    needsSnippets: true,
    async run(ctx) {
      // A list as a map key: a JavaScript agent can build it, a Python one cannot hash it. Either way the
      // gateway goes on; a failure is the channel's or the request's alone.
      const raw = await ctx.raw();
      const from = raw.received.length;
      raw.send(MessageType.EXEC, 1, { source: snippetsOf(ctx).echo });
      raw.send(MessageType.DATA, 1, new Map([[[1, 2], 'list key']]));
      const [type, , payload] = await raw.next(
        (m) => (m[0] === MessageType.DATA || m[0] === MessageType.CLOSE_ERROR) && m[1] === 1,
        limits.stepMs,
        'the echo or a CLOSE_ERROR on channel 1',
        from,
      );
      if (type === MessageType.CLOSE_ERROR)
        expectTrue(
          payload instanceof RemoteError && /build|hash/i.test(payload.remoteMessage),
          'the CLOSE_ERROR',
          'a RemoteException saying why the value could not be built',
          payload,
        );
      raw.send(MessageType.OBJECT, 93, [null, [['eq', new Set([[1]])]], 'auto']);
      const answer = await raw.next(
        (m) => (m[0] === MessageType.REPLY || m[0] === MessageType.REPLY_ERROR) && m[1] === 93,
        limits.stepMs,
        'the answer to request 93',
        from,
      );
      expectTrue(
        answer[0] === MessageType.REPLY || answer[2] instanceof RemoteError,
        'the answer',
        'REPLY, or REPLY_ERROR with a RemoteException',
        answer[2],
      );
      raw.send(MessageType.STATUS, 94, null);
      await raw.reply(94, limits.stepMs, 'the reply to STATUS after the value that could not be built');
    },
  },
];
