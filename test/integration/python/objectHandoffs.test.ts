import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeGateway, type Gateway } from '../../../server/api';

// Which OBJECT requests the Python agent hands from its reader to a worker thread (STATUS
// objectHandoffs): waking a worker is most of what a proxy call costs. A read of plain data held by a
// module runs no user code, so the reader answers it itself. Any other request is run by the reader
// that read it, once another reader thread has taken the stream over: a call that blocks or calls back
// into the host then holds up only its own thread. Only when every reader is busy does a request wait
// for a worker.
describe('object requests the Python reader runs itself', () => {
  let gw: Gateway;
  before(async () => {
    gw = await makeGateway('popen');
  });
  after(async () => {
    await gw.exit();
  });

  const handoffs = async () => (await gw.remoteStatus()).objectHandoffs as number;

  test('reads of plain module data, calls and reads that reach objects take no thread hand-off', async () => {
    const sys = await gw.wrap('sys');
    const os = await gw.wrap('os');
    const operator = await gw.wrap('operator');
    const before = await handoffs();
    for (let i = 0; i < 20; i++) assert.equal(await sys.byteorder, 'little');
    assert.equal(await os.path.sep, '/');
    assert.equal(await sys.platform, process.platform);
    for (let i = 0; i < 20; i++) assert.equal(await operator.add(i, 2), i + 2);
    // sys.flags is a structseq (not plain data): exported as an object
    assert.equal(typeof (await sys.flags.optimize), 'number');
    assert.equal(await handoffs(), before);
  });

  test('a call that blocks does not hold up the stream: later requests are answered first', async () => {
    const time = await gw.wrap('time');
    const sys = await gw.wrap('sys');
    let slept = false;
    const sleeping = Promise.resolve(time.sleep(1.5)).then(() => {
      slept = true;
    });
    assert.equal(await sys.byteorder, 'little');
    const ch = gw.remoteExec('channel.send(channel.receive() + 1)');
    ch.send(41);
    assert.equal(await ch.receive(), 42);
    assert.equal(slept, false, 'the sleep answered before the requests sent after it');
    await sleeping;
  });

  test('an interrupt stops a call a reader runs, and the readers read on', async () => {
    const builtins = await gw.wrap('builtins');
    const sys = await gw.wrap('sys');
    // a loop of Python code that never ends (an interrupt breaks Python code; a thread's blocking
    // sleep it breaks only on the main thread, on a reader as on a worker)
    const looping = Promise.resolve(builtins.eval('any(0 for _ in iter(int, 1))'));
    // answered after the loop was read: the loop is running by now
    assert.equal(await sys.byteorder, 'little');
    gw.interrupt();
    await assert.rejects(looping, /KeyboardInterrupt/);
    const operator = await gw.wrap('operator');
    assert.equal(await operator.mul(6, 7), 42);
  });

  test('a call that calls back into the host, run by the reader, gets its callback answered', async () => {
    const functools = await gw.wrap('functools');
    const before = await handoffs();
    const seen: number[] = [];
    const add = (a: number, b: number) => {
      seen.push(b);
      return a + b;
    };
    assert.equal(await functools.reduce(add, [1, 2, 3, 4]), 10);
    assert.deepEqual(seen, [2, 3, 4]);
    assert.equal(await handoffs(), before);
  });

  test('a request that arrives while a call waits for its callback does not hold that call up', async () => {
    const functools = await gw.wrap('functools');
    const time = await gw.wrap('time');
    const order: string[] = [];
    let sleeping: Promise<unknown> = Promise.resolve();
    // the callback sends a long call before its own reply: the reader that waits for the reply reads
    // the long call first, and must leave it to another thread
    const f = (a: number, b: number) => {
      sleeping = Promise.resolve(time.sleep(1)).then(() => order.push('sleep'));
      return a + b;
    };
    assert.equal(await functools.reduce(f, [1, 2]), 3);
    order.push('reduce');
    await sleeping;
    assert.deepEqual(order, ['reduce', 'sleep']);
  });

  test('when every reader runs a call, the next one waits for a worker, and all of them return', async () => {
    const time = await gw.wrap('time');
    const before = await handoffs();
    const sleeps = Array.from({ length: 4 }, () => Promise.resolve(time.sleep(0.5)));
    await Promise.all(sleeps);
    // three reader threads at most (BG_READERS): two run the first two calls while the third reads,
    // so the last two go to workers
    assert.equal(await handoffs(), before + 2);
  });
});
