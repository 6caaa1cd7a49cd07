import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  del,
  eq,
  getattr,
  getitem,
  inspect,
  isProxy,
  kw,
  makeGateway,
  RemoteError,
  repr,
  resolve,
  setattr,
  setitem,
  type Gateway,
} from '../../../server/api';

describe('remote object proxies (Python agent)', () => {
  let gw: Gateway;
  before(async () => {
    gw = await makeGateway('popen');
  });
  after(async () => {
    await gw.exit();
  });

  test('wrapped modules: calls, pipelined attributes, items, keyword arguments and iteration; a released proxy refuses use', async () => {
    const time = await gw.wrap('time');
    assert.ok(isProxy(time));
    const t = await time.gmtime(0);
    assert.ok(isProxy(t));
    assert.equal(await t.tm_sec, 0);
    assert.equal(await time.gmtime(0).tm_year, 1970);
    const col = await gw.wrap('collections');
    const d = await col.OrderedDict();
    await setitem(d, 'x', 1);
    assert.equal(await getitem(d, 'x'), 1);
    const builtins = await gw.wrap('builtins');
    assert.deepEqual(await builtins.sorted([3, 1, 2], kw({ reverse: true })), [3, 2, 1]);
    await setitem(d, 'y', 2);
    const keys: unknown[] = [];
    for await (const k of d.keys()) keys.push(k);
    assert.deepEqual(keys, ['x', 'y']);
    await del(d);
    await assert.rejects(getitem(d, 'x'), /released/);
  });

  test('a pipelined chain costs one request, counted by the agent', async () => {
    const time = await gw.wrap('time');
    const before = await gw.remoteStatus();
    assert.equal(await time.gmtime(0).tm_year, 1970);
    const after = await gw.remoteStatus();
    // msgsIn counts the chain's single OBJECT request and the second STATUS request.
    assert.equal(after.msgsIn - before.msgsIn, 2);
  });

  test('saranwrap commands: getattr, setattr, eq, repr, call; plain assignment is refused', async () => {
    const types = await gw.wrap('types');
    const ns = await types.SimpleNamespace(kw({ a: 1 }));
    await setattr(ns, 'b', [1, 2]);
    assert.deepEqual(await getattr(ns, 'b'), [1, 2]);
    assert.equal(await ns.a, 1);
    assert.match(await repr(ns), /namespace\(a=1, b=\[1, 2\]\)/);
    assert.equal(await eq(ns, ns), true);
    assert.throws(() => {
      ns.c = 3;
    }, /use await setattr\(proxy, "c", value\)/);
  });

  test('return rule: plain data by value, the rest by proxy, overridable per call', async () => {
    const builtins = await gw.wrap('builtins');
    assert.deepEqual(await builtins.dict(kw({ a: [1, 2] })), { a: [1, 2] });
    const collections = await gw.wrap('collections');
    const od = await collections.OrderedDict([['k', 1]]);
    assert.ok(isProxy(od), 'a dict subclass is not plain data');
    assert.deepEqual(await resolve(collections.OrderedDict([['k', 1]]), 'value'), { k: 1 });
    const asProxy: any = await resolve(builtins.list([1, 2]), 'proxy');
    assert.ok(isProxy(asProxy));
    assert.equal(await asProxy.__len__(), 2);
    // A value that cannot be serialized comes back as a proxy even when 'value' is asked for.
    const lock = await resolve((await gw.wrap('threading')).Lock(), 'value');
    assert.ok(isProxy(lock));
  });

  test('proxies passed as arguments resolve to the remote object itself', async () => {
    const builtins = await gw.wrap('builtins');
    const lst: any = await resolve(builtins.list([3, 1, 2]), 'proxy');
    assert.deepEqual(await builtins.sorted(lst), [1, 2, 3]);
    assert.equal(await builtins.len(lst), 3);
    // An unsent chain as an argument, a keyword value or a key is resolved first.
    assert.equal(await builtins.len(builtins.range(7)), 7);
    assert.deepEqual(await builtins.sorted([3, 1, 2], kw({ key: builtins.abs, reverse: builtins.bool(1) })), [3, 2, 1]);
    const d: any = await resolve(builtins.dict(), 'proxy');
    await setitem(d, builtins.str(5), 'five');
    assert.equal(await getitem(d, '5'), 'five');
  });

  test('host functions passed as arguments are called back from the remote side', async () => {
    const builtins = await gw.wrap('builtins');
    const seen: unknown[] = [];
    const mapped = await builtins.list(
      builtins.map(
        (x: number) => {
          seen.push(x);
          return x * 10;
        },
        [1, 2, 3],
      ),
    );
    assert.deepEqual(mapped, [10, 20, 30]);
    assert.deepEqual(seen, [1, 2, 3]);
    const functools = await gw.wrap('functools');
    assert.equal(await functools.reduce(async (a: number, b: number) => a + b, [1, 2, 3, 4]), 10);
  });

  test('exceptions raised by remote methods reject with RemoteError and a traceback', async () => {
    const builtins = await gw.wrap('builtins');
    await assert.rejects(
      async () => await builtins.int('not a number'),
      (e: Error) => {
        assert.ok(e instanceof RemoteError);
        assert.equal(e.remoteType, 'ValueError');
        assert.match(e.remoteMessage, /invalid literal/);
        return true;
      },
    );
    const json = await gw.wrap('json');
    await assert.rejects(
      async () => await json.loads('{broken'),
      (e: Error) => {
        assert.ok(e instanceof RemoteError);
        assert.match(e.remoteType, /JSONDecodeError$/);
        assert.match(e.remoteTraceback, /json[/\\]decoder\.py", line \d+/);
        return true;
      },
    );
    await assert.rejects(
      async () => await builtins.no_such_function(),
      (e: Error) => e instanceof RemoteError && e.remoteType === 'AttributeError',
    );
  });

  test('1,000 concurrent calls resolve correctly', async () => {
    const operator = await gw.wrap('operator');
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => operator.mul(i, 3)));
    assert.deepEqual(
      results,
      Array.from({ length: 1000 }, (_, i) => i * 3),
    );
  });

  test('the same object returned twice has one id and one proxy', async () => {
    const sys = await gw.wrap('sys');
    const a = await sys.modules;
    const b = await sys.modules;
    assert.equal(a, b);
  });

  test('inspect and objects() describe exported objects', async () => {
    const collections = await gw.wrap('collections');
    const d = await collections.OrderedDict([['alpha', 1]]);
    const info = await inspect(d);
    assert.match(info.type, /OrderedDict$/);
    assert.equal(info.len, 1);
    assert.match(info.repr, /alpha/);
    assert.ok(info.attrs.some(([name]) => name === 'keys'));
    const listed = await gw.objects();
    assert.ok(listed.some(([id, typeName]) => id === info.id && /OrderedDict$/.test(typeName)));
  });

  test('await using releases at the end of the scope; a release never drops a call in flight', async () => {
    // Ids, not the object count: proxies other tests dropped are released whenever the collector runs.
    const builtins = await gw.wrap('builtins');
    let scopedId: number;
    {
      await using scoped = await builtins.object();
      assert.match(await repr(scoped), /object object/);
      scopedId = (await inspect(scoped)).id;
    }
    let objId: number;
    {
      const obj = await builtins.object();
      objId = (await inspect(obj)).id;
      const pending = repr(obj);
      const released = del(obj);
      assert.match(await pending, /object object/);
      await released;
    }
    await new Promise((r) => setTimeout(r, 50));
    const live = new Set((await gw.objects()).map(([id]) => id));
    assert.ok(!live.has(scopedId), 'the scoped proxy was released');
    assert.ok(!live.has(objId), 'the deleted proxy was released after its call');
    await del(builtins);
  });

  test('when the gateway closes, every pending call rejects', async () => {
    const other = await makeGateway('popen');
    const time = await other.wrap('time');
    const pending = resolve(time.sleep(30));
    await new Promise((r) => setTimeout(r, 50));
    process.kill(other.info.pid, 'SIGKILL');
    await assert.rejects(pending, /closed/);
  });
});
