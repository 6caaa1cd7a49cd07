// pyacq's documented proxy behaviour (and saranwrap's), ported: return by value or by proxy, calls in
// flight at once, callbacks into the host, remote logging, remote iteration.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { del, EncodeError, inspect, isProxy, kw, Kw, makeGateway, RemoteError, resolve, type Gateway } from '../../../server/api';

/** Runs `source` in the gateway's session namespace and returns a proxy to the name it defines. */
async function defined(gw: Gateway, source: string, name: string): Promise<any> {
  await gw.remoteExec(source, { session: true }).waitClose(10000);
  return gw.objectRequest(null, [['getattr', name]], 'proxy');
}

describe('pyacq compatibility: proxies (Python agent)', () => {
  let gw: Gateway;
  before(async () => {
    gw = await makeGateway('popen');
  });
  after(async () => {
    await gw.exit();
  });

  test('return rules: plain data by value, other objects by proxy, and either on request', async () => {
    const builtins = await gw.wrap('builtins');
    assert.deepEqual(await builtins.list([1, 2]), [1, 2]);
    const obj = await builtins.object();
    assert.ok(isProxy(obj));
    const asProxy = await resolve(builtins.list([1, 2]), 'proxy');
    assert.ok(isProxy(asProxy));
    assert.deepEqual(await resolve(asProxy, 'value'), [1, 2]);
  });

  test('calls are asynchronous: many in flight at once, each settling with its own result', async () => {
    const time = await gw.wrap('time');
    const math = await gw.wrap('math');
    const slow = time.sleep(0.3);
    const quick = Promise.all([1, 4, 9].map((n) => math.sqrt(n)));
    assert.deepEqual(await quick, [1, 2, 3], 'quick calls are answered while a slow one runs');
    assert.equal(await slow, null);
  });

  test('callbacks: a host function passed to remote code is called back with its arguments', async () => {
    const each = await defined(
      gw,
      `
        def each(items, fn):
            return [fn(x, scale=10) for x in items]
    `,
      'each',
    );
    const seen: unknown[] = [];
    // Keyword arguments of a callback arrive as one trailing Kw.
    const result = await each([1, 2], (x: number, options: Kw) => {
      seen.push(x);
      return x * (options.kwargs.scale as number);
    });
    assert.deepEqual(result, [10, 20]);
    assert.deepEqual(seen, [1, 2]);
  });

  test('logging: remote log records and uncaught thread exceptions reach the host', async () => {
    const records: { message: string; levelname: string; kind?: string }[] = [];
    gw.on('log', (r) => records.push(r));
    await gw
      .remoteExec(
        `
        import logging, threading
        logging.getLogger("acq").warning("device %s lost", "A")
        t = threading.Thread(target=lambda: 1 / 0)
        t.start()
        t.join()
    `,
      )
      .waitClose(5000);
    await gw.remoteStatus();
    const deadline = Date.now() + 5000;
    while (records.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(
      records.some((r) => r.message === 'device A lost' && r.levelname === 'WARNING'),
      JSON.stringify(records),
    );
    assert.ok(
      records.some((r) => r.kind === 'exception'),
      JSON.stringify(records),
    );
  });

  test('iteration delivers every item produced before the iterator raised, then the error', async () => {
    const produce = await defined(
      gw,
      `
        def produce(n):
            for i in range(n):
                yield i
            raise ValueError("broke after %d" % n)
    `,
      'produce',
    );
    const got: number[] = [];
    const err = await (async () => {
      for await (const x of (await resolve(produce(300), 'proxy')) as AsyncIterable<unknown>) got.push(x as number);
    })().catch((e: unknown) => e);
    assert.equal(got.length, 300);
    assert.deepEqual(got.slice(-2), [298, 299]);
    assert.ok(err instanceof RemoteError && err.remoteType === 'ValueError', String(err));
    assert.match(err.remoteMessage, /broke after 300/);
  });

  test('an unsendable proxy is named readably; a proxy of another gateway is refused as such', async () => {
    const math = await gw.wrap('math');
    const channel = gw.remoteExec('channel.receive()');
    assert.throws(
      () => channel.send([1, [math.pi.name]]),
      (e: Error) =>
        e instanceof EncodeError &&
        /proxy chain not yet sent \(<RemoteObject id=\d+ type=module>\.pi\.name\): await it first at value\[1\]\[0\]$/.test(e.message),
    );
    channel.close();
    const other = await makeGateway('popen');
    try {
      const builtins = await other.wrap('builtins');
      await assert.rejects(
        resolve(builtins.len(math)),
        (e: Error) => e instanceof EncodeError && /a proxy of another gateway .* on gw\d+\).*args\[0\] of a call/.test(e.message),
      );
      assert.equal(await builtins.len([1, 2]), 2, 'the other gateway goes on');
    } finally {
      await other.exit();
    }
  });

  test('await del(proxy) resolves once the agent has let go: the next objects() and remoteStatus() no longer count it', async () => {
    // A gateway of its own: proxies of earlier tests, collected at any moment, would change the count.
    const own = await makeGateway('popen');
    try {
      const builtins = await own.wrap('builtins');
      const obj = await builtins.object();
      const before = await own.remoteStatus();
      const { id } = await inspect(obj);
      assert.ok((await own.objects()).some(([i]) => i === id));
      await del(obj);
      assert.equal((await own.remoteStatus()).numobjects, before.numobjects - 1);
      assert.ok(!(await own.objects()).some(([i]) => i === id), 'no longer exported');
      assert.equal(await builtins.len([1, 2]), 2, 'the proxies still held stay live');
    } finally {
      await own.exit();
    }
  });

  test('keyword arguments reach remote functions as keywords', async () => {
    const builtins = await gw.wrap('builtins');
    assert.deepEqual(await builtins.sorted([3, 1, 2], kw({ reverse: true })), [3, 2, 1]);
  });
});

describe('pyacq compatibility: proxies (Node agent)', () => {
  let gw: Gateway;
  before(async () => {
    gw = await makeGateway('popen//node=node');
  });
  after(async () => {
    await gw.exit();
  });

  test('iteration delivers every item produced before the iterator threw, then the error', async () => {
    const produce = await defined(
      gw,
      `
        globalThis.produce = function* (n) {
          for (let i = 0; i < n; i++) yield i;
          throw new RangeError('broke after ' + n);
        };
    `,
      'produce',
    );
    const got: number[] = [];
    const err = await (async () => {
      for await (const x of (await resolve(produce(300), 'proxy')) as AsyncIterable<unknown>) got.push(x as number);
    })().catch((e: unknown) => e);
    assert.equal(got.length, 300);
    assert.ok(err instanceof RemoteError && err.remoteType === 'RangeError', String(err));
  });
});
