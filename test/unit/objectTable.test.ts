import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { del, EncodeError, type Gateway, GatewayClosedError, isProxy, Kw, MessageType, RemoteError } from '../../protocol';
import {
  awaited,
  type FakeAgent,
  openGateway,
  ref,
  remoteObject,
  roundTrip,
  type SeenHostFunction,
  type SeenRef,
  takeObjectRequest,
  tick,
} from '../helpers/fakeAgent';

const RELEASE = MessageType.RELEASE;
const STATUS = MessageType.STATUS;
const CALLBACK = MessageType.CALLBACK;
const REPLY = MessageType.REPLY;
const REPLY_ERROR = MessageType.REPLY_ERROR;
const DATA = MessageType.DATA;

const releases = (agent: FakeAgent) => agent.sent(RELEASE).flatMap((m) => m[2] as [number, number][]);

describe('object table: lifetimes of remote objects', () => {
  describe('references and releases', () => {
    test('the same remote id gives the same proxy while it lives; del releases every reference received', async () => {
      const { agent, gw } = await openGateway();
      const first = await remoteObject(agent, gw, 5);
      const again = await remoteObject(agent, gw, 5);
      const other = await remoteObject(agent, gw, 6);
      assert.equal(first, again);
      assert.notEqual(first, other);
      await del(first);
      assert.deepEqual((await agent.take(RELEASE))[2], [[5, 2]]);
    });

    test('a reference inside a reply counts too, wherever it sits', async () => {
      const { agent, gw } = await openGateway();
      const p = await remoteObject(agent, gw, 5);
      const reply = awaited(p.children());
      const { id } = await takeObjectRequest(agent, 5);
      agent.reply(id, { self: ref(5), list: [ref(5), ref(9)] });
      const value = (await reply) as { self: unknown; list: unknown[] };
      assert.equal(value.self, p);
      assert.equal(value.list[0], p);
      assert.ok(isProxy(value.list[1]));
      await Promise.all([del(p), del(value.list[1])]);
      assert.deepEqual((await agent.take(RELEASE))[2], [
        [5, 3],
        [9, 1],
      ]);
    });

    test('del releases once: a second del sends nothing, and the released proxy refuses requests', async () => {
      const { agent, gw } = await openGateway();
      const p = await remoteObject(agent, gw, 5);
      await del(p);
      await agent.take(RELEASE);
      await del(p);
      await assert.rejects(awaited(p.attr), /remote object 5 \(object\) was released/);
      await roundTrip(agent, gw);
      assert.deepEqual(releases(agent), [[5, 1]]);
    });

    test('a proxy that was released cannot be sent as an argument', async () => {
      const { agent, gw } = await openGateway();
      const target = await remoteObject(agent, gw, 1);
      const gone = await remoteObject(agent, gw, 2);
      await del(gone);
      await assert.rejects(awaited(target.f(gone)), /remote object 2 \(object\) was released; it cannot be sent/);
    });

    test('the id received again after a release makes a fresh, usable proxy', async () => {
      const { agent, gw } = await openGateway();
      const old = await remoteObject(agent, gw, 5);
      await del(old);
      const fresh = await remoteObject(agent, gw, 5);
      assert.notEqual(fresh, old);
      const answer = awaited(fresh.name);
      const { id } = await takeObjectRequest(agent, 5);
      agent.reply(id, 'alive');
      assert.equal(await answer, 'alive');
      await del(fresh);
      await roundTrip(agent, gw);
      assert.deepEqual(releases(agent), [
        [5, 1],
        [5, 1],
      ]);
    });

    test('a proxy passed back to the agent travels as its reference', async () => {
      const { agent, gw } = await openGateway();
      const target = await remoteObject(agent, gw, 1);
      const arg = await remoteObject(agent, gw, 2, 'Point');
      const answer = awaited(target.f(arg));
      const { id, steps } = await takeObjectRequest(agent, 1);
      const [, [, args]] = steps as [unknown, [string, SeenRef[]]];
      assert.deepEqual({ ...args[0] }, { id: 2, typeName: 'Point', callable: false });
      agent.reply(id, null);
      await answer;
    });
  });

  describe('releases wait for requests in flight', () => {
    test('a release waits for the requests in flight on the object, then goes out', async () => {
      const { agent, gw } = await openGateway();
      const p = await remoteObject(agent, gw, 5);
      const call = awaited(p.work());
      const { id } = await takeObjectRequest(agent, 5);
      let released = false;
      const releasing = del(p).then(() => (released = true));
      await roundTrip(agent, gw);
      assert.deepEqual(releases(agent), [], 'nothing released while the call is in flight');
      assert.equal(released, false);
      agent.reply(id, 'worked');
      assert.equal(await call, 'worked');
      await releasing;
      assert.deepEqual((await agent.take(RELEASE))[2], [[5, 1]]);
    });

    test('a call still resolving its argument chains counts as in flight', async () => {
      const { agent, gw } = await openGateway();
      const p = await remoteObject(agent, gw, 5);
      const other = await remoteObject(agent, gw, 6);
      const call = awaited(p.f(other.g));
      const inner = await takeObjectRequest(agent, 6);
      const releasing = del(p);
      await roundTrip(agent, gw);
      assert.deepEqual(releases(agent), []);
      agent.reply(inner.id, 'argument');
      const outer = await takeObjectRequest(agent, 5);
      assert.deepEqual(releases(agent), [], 'the call went out before the release');
      agent.reply(outer.id, 'done');
      assert.equal(await call, 'done');
      await releasing;
      assert.deepEqual((await agent.take(RELEASE))[2], [[5, 1]]);
    });

    test('a failed request in flight lets the release go too', async () => {
      const { agent, gw } = await openGateway();
      const p = await remoteObject(agent, gw, 5);
      const call = awaited(p.fail());
      const { id } = await takeObjectRequest(agent, 5);
      const releasing = del(p);
      agent.send(REPLY_ERROR, id, new RemoteError('RuntimeError', 'no', ''));
      await assert.rejects(call, RemoteError);
      await releasing;
      assert.deepEqual((await agent.take(RELEASE))[2], [[5, 1]]);
    });
  });

  describe('garbage collection', { skip: typeof global.gc !== 'function' && 'needs node --expose-gc' }, () => {
    /** Collects garbage until `done()` holds, running finalizers between rounds; at most `rounds` times. */
    async function collect(done: () => boolean = () => false, rounds = 20): Promise<void> {
      for (let i = 0; i < rounds && !done(); i++) {
        global.gc!();
        await tick();
      }
    }

    /** The RELEASE the host sends once garbage collection has run enough for it. */
    async function releaseAfterCollection(agent: FakeAgent): Promise<[number, number][]> {
      const release = agent.take(RELEASE);
      let released = false;
      void release.then(
        () => (released = true),
        () => (released = true),
      );
      await collect(() => released, 100);
      return (await release)[2] as [number, number][];
    }

    test('a proxy nothing references any more is released once collected', async () => {
      const { agent, gw } = await openGateway();
      await (async () => {
        const dropped = await remoteObject(agent, gw, 77);
        assert.ok(isProxy(dropped));
      })();
      assert.deepEqual(await releaseAfterCollection(agent), [[77, 1]]);
    });

    test('an unsent chain keeps its object alive: calling it after the proxy itself was dropped still works', async () => {
      const { agent, gw } = await openGateway();
      // Wrapped, because a chain returned from an async function would be awaited, that is sent.
      let { method } = await (async () => ({ method: (await remoteObject(agent, gw, 5)).method }))();
      await collect();
      const answer = awaited(method('x'));
      const { id } = await takeObjectRequest(agent, 5);
      agent.reply(id, 'called');
      assert.equal(await answer, 'called');
      await roundTrip(agent, gw);
      assert.deepEqual(releases(agent), []);
      method = undefined;
      assert.deepEqual(await releaseAfterCollection(agent), [[5, 1]], 'once the chain is dropped too, the object is released');
    });

    test('a proxy dropped while a call on it resolves its arguments is released only after that call', async () => {
      const { agent, gw } = await openGateway();
      const other = await remoteObject(agent, gw, 6);
      const call = await (async () => {
        const p = await remoteObject(agent, gw, 5);
        return { result: awaited(p.f(other.g)) };
      })();
      const inner = await takeObjectRequest(agent, 6);
      await collect();
      // Something else goes out meanwhile: a release queued by now would ride in this write.
      await roundTrip(agent, gw);
      agent.reply(inner.id, 'argument');
      const outer = await takeObjectRequest(agent, 5);
      assert.deepEqual(releases(agent), [], 'no release of the object went out before the call on it');
      agent.reply(outer.id, 'done');
      assert.equal(await call.result, 'done');
      assert.deepEqual(await releaseAfterCollection(agent), [[5, 1]]);
    });
  });

  describe('batching', () => {
    test('the releases of one turn ride in the next outgoing write, batched into one RELEASE and acknowledged by one STATUS', async () => {
      const { agent, gw } = await openGateway();
      const a = await remoteObject(agent, gw, 1);
      const b = await remoteObject(agent, gw, 2);
      const ch = gw.newChannel();
      void del(a);
      void del(b);
      await ch.send('next message');
      const [, , pairs] = await agent.take(RELEASE);
      assert.deepEqual(pairs, [
        [1, 1],
        [2, 1],
      ]);
      const write = agent.writes.find((w) => w.some((m) => m[0] === RELEASE))!;
      assert.deepEqual(
        write.map((m) => [m[0], m[2]]),
        [
          [DATA, 'next message'],
          [RELEASE, pairs],
          [STATUS, null],
        ],
        'the RELEASE went out in the same write as the DATA, and the STATUS whose answer resolves del after it',
      );
    });

    test('with nothing else to send, an explicit release goes out at once, followed by its acknowledging STATUS', async () => {
      const { agent, gw } = await openGateway();
      const a = await remoteObject(agent, gw, 1);
      await del(a);
      const release = await agent.take(RELEASE);
      assert.deepEqual(release[2], [[1, 1]]);
      assert.deepEqual(
        agent.writes.at(-1)!.map((m) => m[0]),
        [RELEASE, STATUS],
      );
    });
  });

  describe('when the gateway closes', () => {
    test('pending calls reject with GatewayClosedError and no RELEASE is sent, not even for releases waiting on them', async () => {
      const { agent, gw } = await openGateway();
      const busy = await remoteObject(agent, gw, 1);
      const idle = await remoteObject(agent, gw, 2);
      const call = awaited(busy.work());
      await takeObjectRequest(agent, 1);
      // The release of a proxy with a call in flight waits for the call, which the close ends.
      const waitingRelease = del(busy);
      agent.exit({ code: null, signal: 'SIGKILL', stderrTail: '' });
      await assert.rejects(call, GatewayClosedError);
      await waitingRelease;
      await del(idle);
      await agent.hostEnded;
      assert.deepEqual(agent.sent(RELEASE), []);
    });

    test('a proxy dropped after the close sends nothing and its del resolves', async () => {
      const { agent, gw } = await openGateway();
      const p = await remoteObject(agent, gw, 1);
      agent.exit({ code: 0, signal: null, stderrTail: '' });
      await gw.closed;
      await assert.rejects(awaited(p.attr), GatewayClosedError);
      await del(p);
      await agent.hostEnded;
      assert.deepEqual(agent.sent(RELEASE), []);
    });
  });

  describe('host functions', () => {
    test('a host function is exported once: the same function has the same id each time it is sent, another one its own', async () => {
      const { agent, gw } = await openGateway();
      const p = await remoteObject(agent, gw, 1);
      const onEvent = () => 'event';
      const onOther = () => 'other';
      const calls = [awaited(p.on('a', onEvent)), awaited(p.on('b', onEvent)), awaited(p.on('c', onOther))];
      const ids: number[] = [];
      for (const call of calls) {
        const { id, steps } = await takeObjectRequest(agent, 1);
        const [, [, args]] = steps as [unknown, [string, [string, SeenHostFunction]]];
        ids.push(args[1].hostFunctionId);
        agent.reply(id, null);
        await call;
      }
      assert.equal(ids[0], ids[1]);
      assert.notEqual(ids[0], ids[2]);
    });

    /** Sends `fn` to the agent and returns the id it was exported under. */
    async function exported(agent: FakeAgent, gw: Gateway, fn: (...args: any[]) => unknown): Promise<number> {
      const p = await remoteObject(agent, gw, 1);
      const call = awaited(p.register(fn));
      const { id, steps } = await takeObjectRequest(agent, 1);
      agent.reply(id, null);
      await call;
      return ((steps as [unknown, [string, [SeenHostFunction]]])[1][1][0] as SeenHostFunction).hostFunctionId;
    }

    test('CALLBACK calls the host function with its arguments, keyword arguments as a trailing Kw, and the value goes back as REPLY', async () => {
      const { agent, gw } = await openGateway();
      const seen: unknown[][] = [];
      const fnId = await exported(agent, gw, (...args: unknown[]) => {
        seen.push(args);
        return (args[0] as number) + (args[1] as number);
      });
      agent.send(CALLBACK, 900, [fnId, [2, 3], {}]);
      assert.deepEqual((await agent.take(REPLY, (m) => m[1] === 900))[2], 5);
      agent.send(CALLBACK, 901, [fnId, [4, 5], { scale: 10 }]);
      assert.deepEqual((await agent.take(REPLY, (m) => m[1] === 901))[2], 9);
      assert.deepEqual(seen[0], [2, 3]);
      assert.deepEqual(seen[1].slice(0, 2), [4, 5]);
      assert.ok(seen[1][2] instanceof Kw);
      assert.deepEqual((seen[1][2] as Kw).kwargs, { scale: 10 });
    });

    test('an async host function is awaited before the REPLY', async () => {
      const { agent, gw } = await openGateway();
      const fnId = await exported(agent, gw, async (x: number) => {
        await tick();
        return x * 2;
      });
      agent.send(CALLBACK, 902, [fnId, [21], {}]);
      assert.equal((await agent.take(REPLY, (m) => m[1] === 902))[2], 42);
    });

    test('a host function that throws or rejects answers REPLY_ERROR with its error', async () => {
      const { agent, gw } = await openGateway();
      const throwing = await exported(agent, gw, () => {
        throw new RangeError('out of range');
      });
      agent.send(CALLBACK, 903, [throwing, [], {}]);
      const [, , error] = await agent.take(REPLY_ERROR, (m) => m[1] === 903);
      assert.ok(error instanceof RemoteError);
      assert.equal(error.remoteType, 'RangeError');
      assert.equal(error.remoteMessage, 'out of range');
      const rejecting = await exported(agent, gw, () => Promise.reject(new Error('async failure')));
      agent.send(CALLBACK, 904, [rejecting, [], {}]);
      assert.equal(((await agent.take(REPLY_ERROR, (m) => m[1] === 904))[2] as RemoteError).remoteMessage, 'async failure');
    });

    test('a CALLBACK for an unknown host function answers REPLY_ERROR naming the id', async () => {
      const { agent } = await openGateway();
      agent.send(CALLBACK, 905, [12345, [], {}]);
      const [, , error] = await agent.take(REPLY_ERROR, (m) => m[1] === 905);
      assert.match((error as RemoteError).remoteMessage, /no host function with id 12345/);
    });

    test('a host function whose value cannot be sent answers REPLY_ERROR, and the gateway carries on', async () => {
      const { agent, gw } = await openGateway();
      const fnId = await exported(agent, gw, () => new Set([1]));
      agent.send(CALLBACK, 906, [fnId, [], {}]);
      const [, , error] = await agent.take(REPLY_ERROR, (m) => m[1] === 906);
      assert.equal((error as RemoteError).remoteType, new EncodeError('').name);
      assert.match((error as RemoteError).remoteMessage, /type Set/);
      await roundTrip(agent, gw);
    });
  });
});
