import assert from 'node:assert/strict';
import { inspect as nodeInspect } from 'node:util';
import { describe, test } from 'node:test';
import {
  del,
  delattr,
  delitem,
  eq,
  getattr,
  getitem,
  inspect,
  isProxy,
  kw,
  MessageType,
  RemoteError,
  repr,
  resolve,
  setattr,
  setitem,
} from '../../protocol';
import { awaited, type FakeAgent, openGateway, ref, remoteObject, roundTrip, type SeenRef, takeObjectRequest } from '../helpers/fakeAgent';

const OBJECT = MessageType.OBJECT;
const REPLY_ERROR = MessageType.REPLY_ERROR;
const RELEASE = MessageType.RELEASE;

const seenRef = (v: unknown) => (v as SeenRef).id;
const released = (agent: FakeAgent) => agent.sent(RELEASE).flatMap((m) => m[2] as [number, number][]);

describe('remote object proxies over in-memory streams', () => {
  describe('chains', () => {
    test('a chain a.b.c(1).d is one OBJECT request on a, with its steps in order and the auto return rule', async () => {
      const { agent, gw } = await openGateway();
      const a = await remoteObject(agent, gw, 7);
      const requestsBefore = agent.sent(OBJECT).length;
      const result = awaited(a.b.c(1).d);
      const request = await takeObjectRequest(agent);
      assert.equal(request.target, 7);
      assert.deepEqual(request.steps, [
        ['getattr', 'b'],
        ['getattr', 'c'],
        ['call', [1], {}],
        ['getattr', 'd'],
      ]);
      assert.equal(request.returnType, 'auto');
      agent.reply(request.id, 42);
      assert.equal(await result, 42);
      assert.equal(agent.sent(OBJECT).length, requestsBefore + 1);
    });

    test('a chain is sent only when awaited, and each await sends it again', async () => {
      const { agent, gw } = await openGateway();
      const a = await remoteObject(agent, gw, 7);
      const before = gw.counters.msgsOut;
      const chain = a.counter.next();
      assert.equal(gw.counters.msgsOut, before, 'building a chain sends nothing');
      for (const value of [1, 2]) {
        const answer = awaited(chain);
        const request = await takeObjectRequest(agent);
        agent.reply(request.id, value);
        assert.equal(await answer, value);
      }
    });

    test('a resolved proxy is not thenable: awaiting it gives the proxy itself and sends nothing', async () => {
      const { agent, gw } = await openGateway();
      const a = await remoteObject(agent, gw, 7);
      assert.ok(isProxy(a));
      assert.equal(a.then, undefined);
      const before = gw.counters.msgsOut;
      assert.equal(await a, a);
      assert.equal(gw.counters.msgsOut, before);
    });

    test('kw() as the last argument becomes the keyword arguments of the call', async () => {
      const { agent, gw } = await openGateway();
      const builtins = await remoteObject(agent, gw, 1, 'module');
      const sorted = awaited(builtins.sorted([3, 1, 2], kw({ reverse: true })));
      const request = await takeObjectRequest(agent);
      assert.deepEqual(request.steps, [
        ['getattr', 'sorted'],
        ['call', [[3, 1, 2]], { reverse: true }],
      ]);
      agent.reply(request.id, [3, 2, 1]);
      assert.deepEqual(await sorted, [3, 2, 1]);
    });

    test('a remote error in any step rejects the chain with the RemoteError', async () => {
      const { agent, gw } = await openGateway();
      const a = await remoteObject(agent, gw, 7);
      const result = awaited(a.missing.call());
      const request = await takeObjectRequest(agent);
      agent.send(REPLY_ERROR, request.id, new RemoteError('AttributeError', "no attribute 'missing'", 'Traceback: step 1'));
      await assert.rejects(result, (e: Error) => e instanceof RemoteError && e.remoteType === 'AttributeError');
    });

    test('assigning to a proxy throws a TypeError that names setattr, and sends nothing', async () => {
      const { agent, gw } = await openGateway();
      const a = await remoteObject(agent, gw, 7);
      const before = gw.counters.msgsOut;
      assert.throws(
        () => {
          a.x = 1;
        },
        (e: Error) => e instanceof TypeError && /setattr\(proxy, "x", value\)/.test(e.message),
      );
      assert.equal(gw.counters.msgsOut, before);
    });

    test('delete on a proxy throws a TypeError that names delattr, and sends nothing', async () => {
      const { agent, gw } = await openGateway();
      const a = await remoteObject(agent, gw, 7);
      const before = gw.counters.msgsOut;
      assert.throws(
        () => {
          delete a.x;
        },
        (e: Error) => e instanceof TypeError && /delattr\(proxy, "x"\)/.test(e.message),
      );
      assert.equal(gw.counters.msgsOut, before);
    });

    test('a proxy describes itself without a round trip; an unsent chain says so', async () => {
      const { agent, gw } = await openGateway();
      const a = await remoteObject(agent, gw, 7, 'collections.OrderedDict');
      const before = gw.counters.msgsOut;
      assert.equal(String(a), '<RemoteObject id=7 type=collections.OrderedDict>');
      assert.equal(`${a.keys()}`, '<RemoteObject id=7 type=collections.OrderedDict>.keys(…) (not yet sent)');
      assert.equal(nodeInspect(a), '<RemoteObject id=7 type=collections.OrderedDict>', 'as console.log shows it');
      assert.equal(nodeInspect(a.keys()), '<RemoteObject id=7 type=collections.OrderedDict>.keys(…) (not yet sent)');
      assert.equal(gw.counters.msgsOut, before);
    });
  });

  describe('unsent chains inside a request', () => {
    test('chains used as arguments and keyword values are sent first, each for a reference, and the call carries the references', async () => {
      const { agent, gw } = await openGateway();
      const a = await remoteObject(agent, gw, 1);
      const b = await remoteObject(agent, gw, 2);
      const result = awaited(a.f(b.x, 'plain', kw({ key: b.y })));
      const inner: { steps: unknown[]; ref: number }[] = [];
      for (const nextRef of [20, 21]) {
        const r = await takeObjectRequest(agent);
        assert.equal(r.target, 2);
        assert.equal(r.returnType, 'proxy', 'a chain used as a value is resolved to a reference');
        inner.push({ steps: r.steps, ref: nextRef });
        agent.reply(r.id, ref(nextRef));
      }
      const refOf = (name: string) => inner.find((r) => (r.steps[0] as string[])[1] === name)!.ref;
      const outer = await takeObjectRequest(agent);
      assert.equal(outer.target, 1);
      const [getF, [, args, kwargs]] = outer.steps as [unknown, [string, unknown[], Record<string, unknown>]];
      assert.deepEqual(getF, ['getattr', 'f']);
      assert.deepEqual([seenRef(args[0]), args[1], seenRef(kwargs.key)], [refOf('x'), 'plain', refOf('y')]);
      agent.reply(outer.id, 'done');
      assert.equal(await result, 'done');
    });

    test('argument chains, positional and keyword, all go out before any is answered: one round trip before the call', async () => {
      const { agent, gw } = await openGateway();
      const a = await remoteObject(agent, gw, 1);
      const result = awaited(a.f(a.x, a.y, kw({ k: a.z })));
      const inner = [await takeObjectRequest(agent), await takeObjectRequest(agent), await takeObjectRequest(agent)];
      assert.deepEqual(inner.map((r) => (r.steps[0] as string[])[1]).sort(), ['x', 'y', 'z']);
      inner.forEach((r, i) => agent.reply(r.id, ref(40 + i)));
      const outer = await takeObjectRequest(agent);
      agent.reply(outer.id, 'ok');
      assert.equal(await result, 'ok');
    });

    test('chains used as keys and values of getitem, setitem and eq are resolved to references first', async () => {
      const { agent, gw } = await openGateway();
      const a = await remoteObject(agent, gw, 1);
      const b = await remoteObject(agent, gw, 2);
      const cases: [() => Promise<unknown>, string, number][] = [
        [() => getitem(a, b.key), 'getitem', 1],
        [() => setitem(a, b.key, b.value), 'setitem', 2],
        [() => eq(a, b.other), 'eq', 1],
      ];
      let nextId = 30;
      for (const [call, step, chains] of cases) {
        const result = call();
        const expected: number[] = [];
        for (let i = 0; i < chains; i++) {
          const inner = await takeObjectRequest(agent);
          assert.equal(inner.target, 2);
          assert.equal(inner.returnType, 'proxy');
          expected.push(nextId);
          agent.reply(inner.id, ref(nextId++));
        }
        const outer = await takeObjectRequest(agent);
        assert.equal(outer.target, 1);
        const [[name, ...values]] = outer.steps as [[string, ...unknown[]]];
        assert.equal(name, step);
        assert.deepEqual(values.map(seenRef).sort(), expected);
        agent.reply(outer.id, null);
        await result;
      }
    });

    test('a failing argument chain fails the call, which is never sent', async () => {
      const { agent, gw } = await openGateway();
      const a = await remoteObject(agent, gw, 1);
      const result = awaited(a.f(a.broken));
      const inner = await takeObjectRequest(agent);
      agent.send(REPLY_ERROR, inner.id, new RemoteError('AttributeError', 'broken', ''));
      await assert.rejects(result, RemoteError);
      await roundTrip(agent, gw);
      assert.equal(agent.sent(OBJECT).filter((m) => (m[2] as unknown[])[0] === 1).length, 1, 'only the argument was requested');
    });
  });

  describe('async iteration', () => {
    test('items are fetched in batches, iter then next, and the iterator is released at the end', async () => {
      const { agent, gw } = await openGateway();
      const a = await remoteObject(agent, gw, 1, 'list');
      const items: unknown[] = [];
      const done = (async () => {
        for await (const item of a) items.push(item);
      })();
      const iter = await takeObjectRequest(agent);
      assert.equal(iter.target, 1);
      assert.deepEqual(iter.steps, [['iter', 256]]);
      agent.reply(iter.id, [ref(30, 'list_iterator'), [1, 2], false]);
      const next = await takeObjectRequest(agent);
      assert.equal(next.target, 30);
      assert.deepEqual(next.steps, [['next', 256]]);
      agent.reply(next.id, [[3], true]);
      await done;
      assert.deepEqual(items, [1, 2, 3]);
      await roundTrip(agent, gw);
      assert.deepEqual(released(agent), [[30, 1]], 'released when the loop ended, not when collected');
    });

    test('iterating a chain sends the chain with the iter step; an iteration done at once asks for no more and still releases', async () => {
      const { agent, gw } = await openGateway();
      const d = await remoteObject(agent, gw, 1, 'dict');
      const keys: unknown[] = [];
      const done = (async () => {
        for await (const k of d.keys()) keys.push(k);
      })();
      const iter = await takeObjectRequest(agent);
      assert.deepEqual(iter.steps, [
        ['getattr', 'keys'],
        ['call', [], {}],
        ['iter', 256],
      ]);
      agent.reply(iter.id, [ref(31, 'dict_keyiterator'), ['x', 'y'], true]);
      await done;
      assert.deepEqual(keys, ['x', 'y']);
      await roundTrip(agent, gw);
      assert.deepEqual(released(agent), [[31, 1]]);
      assert.equal(agent.sent(OBJECT).filter((m) => (m[2] as unknown[])[0] === 31).length, 0, 'no next was asked for');
    });

    test('leaving the loop early releases the iterator and asks for no more items', async () => {
      const { agent, gw } = await openGateway();
      const a = await remoteObject(agent, gw, 1, 'generator');
      const done = (async () => {
        for await (const item of a) if (item === 'stop') break;
      })();
      const iter = await takeObjectRequest(agent);
      agent.reply(iter.id, [ref(32), ['stop', 'never seen'], false]);
      await done;
      await roundTrip(agent, gw);
      assert.deepEqual(released(agent), [[32, 1]]);
      assert.equal(agent.sent(OBJECT).filter((m) => (m[2] as unknown[])[0] === 32).length, 0);
    });
  });

  describe('the helper functions', () => {
    const cases: { name: string; call: (a: any) => Promise<unknown>; steps: unknown[]; returnType?: string; reply: unknown }[] = [
      { name: 'getattr', call: (a) => getattr(a, 'name'), steps: [['getattr', 'name']], reply: 'a name' },
      {
        name: 'getattr of a name proxies keep for themselves (then)',
        call: (a) => getattr(a, 'then'),
        steps: [['getattr', 'then']],
        reply: 'an attribute named then',
      },
      {
        name: 'getattr on a chain',
        call: (a) => getattr(a.b, 'c'),
        steps: [
          ['getattr', 'b'],
          ['getattr', 'c'],
        ],
        reply: 3,
      },
      { name: 'setattr', call: (a) => setattr(a, 'x', [1]), steps: [['setattr', 'x', [1]]], reply: null },
      { name: 'getitem', call: (a) => getitem(a, 0), steps: [['getitem', 0]], reply: 'first' },
      { name: 'setitem', call: (a) => setitem(a, 'k', 'v'), steps: [['setitem', 'k', 'v']], reply: null },
      { name: 'delattr', call: (a) => delattr(a, 'x'), steps: [['delattr', 'x']], reply: null },
      { name: 'delitem', call: (a) => delitem(a, 'k'), steps: [['delitem', 'k']], reply: null },
      { name: 'eq', call: (a) => eq(a, 5), steps: [['eq', 5]], reply: true },
      { name: 'repr', call: (a) => repr(a), steps: [['repr']], reply: 'OrderedDict()' },
      { name: 'resolve of a resolved proxy', call: (a) => resolve(a, 'value'), steps: [], returnType: 'value', reply: { by: 'value' } },
      { name: 'resolve of a chain', call: (a) => resolve(a.t, 'proxy'), steps: [['getattr', 't']], returnType: 'proxy', reply: 7 },
      {
        name: 'inspect',
        call: (a) => inspect(a, 10, 5),
        steps: [['inspect', 10, 5]],
        reply: { id: 1, type: 'OrderedDict', repr: 'OrderedDict()', callable: false, attrs: [['keys', 'method', '<bound>']], total: 40 },
      },
    ];
    for (const c of cases) {
      test(`${c.name} sends ${JSON.stringify(c.steps)} with the ${c.returnType ?? 'auto'} rule and returns the reply`, async () => {
        const { agent, gw } = await openGateway();
        const a = await remoteObject(agent, gw, 1);
        const result = c.call(a);
        const request = await takeObjectRequest(agent);
        assert.equal(request.target, 1);
        assert.deepEqual(request.steps, c.steps);
        assert.equal(request.returnType, c.returnType ?? 'auto');
        agent.reply(request.id, c.reply);
        assert.deepEqual(await result, c.reply);
      });
    }

    test('a helper given something that is not a proxy throws a TypeError naming the helper', () => {
      assert.throws(
        () => getattr({}, 'x'),
        (e: Error) => e instanceof TypeError && /^getattr expects a remote object proxy/.test(e.message),
      );
      assert.throws(() => repr(42), /repr expects a remote object proxy/);
      assert.throws(() => del('x'), /del expects a remote object proxy/);
    });

    test('del of an unsent chain throws a TypeError: only a resolved proxy holds a reference', async () => {
      const { agent, gw } = await openGateway();
      const a = await remoteObject(agent, gw, 1);
      assert.throws(
        () => del(a.b),
        (e: Error) => e instanceof TypeError && /resolved proxy/.test(e.message),
      );
    });
  });
});
