// execnet's documented behaviour, ported: the remote code is written as execnet's documentation writes
// it, indented triple-quoted strings (here template literals) that the gateway dedents.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GatewayClosedError, Group, makeGateway, RemoteError, type Gateway } from '../../../server/api';

describe('execnet compatibility: remote_exec', () => {
  let gw: Gateway;
  let nodeGw: Gateway;
  before(async () => {
    [gw, nodeGw] = await Promise.all([makeGateway('popen'), makeGateway('popen//node=node')]);
  });
  after(async () => {
    await Promise.all([gw.exit(), nodeGw.exit()]);
  });

  test('indented source runs as execnet runs it, and its traceback keeps the lines as written', async () => {
    const channel = gw.remoteExec(`
        import os
        channel.send(os.getpid())
        if channel.receive():
            raise ValueError("asked to fail")
    `);
    assert.equal(await channel.receive(), gw.info.pid);
    await channel.send(true);
    const err = (await channel.waitClose().catch((e: unknown) => e)) as RemoteError;
    assert.ok(err instanceof RemoteError, String(err));
    assert.equal(err.remoteType, 'ValueError');
    // Line 1 of the string is the blank one after the backtick: the raise is on its fifth line.
    assert.match(err.remoteTraceback, /File "<remote-exec>", line 5, in <module>\n\s+raise ValueError\("asked to fail"\)/);
  });

  test('Group.remoteExec dedents too', async () => {
    const group = await Group.create(['popen']);
    try {
      const mch = await group.remoteExec(`
          channel.send(6 * 7)
      `);
      assert.deepEqual(await mch.receiveEach(), [42]);
    } finally {
      await group.terminate();
    }
  });

  test('a remote traceback starts with its header, also for a syntax error, naming no agent file', async () => {
    const err = (await gw
      .remoteExec(
        `
          def broken(:
              pass
      `,
      )
      .waitClose()
      .catch((e: unknown) => e)) as RemoteError;
    assert.equal(err.remoteType, 'SyntaxError');
    assert.match(err.remoteTraceback, /^Traceback \(most recent call last\):\n {2}File "<remote-exec>", line 2\n/);
    assert.doesNotMatch(err.remoteTraceback + err.remoteMessage, /remote-exec-agent/);
    const jsErr = (await nodeGw
      .remoteExec('function broken(: {}')
      .waitClose()
      .catch((e: unknown) => e)) as RemoteError;
    assert.equal(jsErr.remoteType, 'SyntaxError');
    assert.match(jsErr.remoteTraceback, /^remote-exec:\d+:1\nfunction broken\(: \{\}\n {16}\^/);
    assert.doesNotMatch(jsErr.remoteTraceback, /async function|new Script/);
  });

  test('call: a named function of the source runs with the channel and keyword arguments (remote_exec(func, **kwargs))', async () => {
    const channel = gw.remoteExec(
      `
        def multiply(channel, factor, offset=0):
            for x in channel:
                channel.send(x * factor + offset)
    `,
      { call: 'multiply', kwargs: { factor: 3, offset: 1 } },
    );
    await channel.send(2);
    assert.equal(await channel.receive(), 7);
    channel.close();
    const js = nodeGw.remoteExec('async function scale(channel, { factor }) { channel.send((await channel.receive()) * factor); }', {
      call: 'scale',
      kwargs: { factor: 5 },
    });
    await js.send(4);
    assert.equal(await js.receive(), 20);
    await js.waitClose(5000);
    const missing = (await gw
      .remoteExec('x = 1', { call: 'nothere' })
      .waitClose()
      .catch((e: unknown) => e)) as RemoteError;
    assert.equal(missing.remoteType, 'NameError');
    assert.match(missing.remoteMessage, /nothere/);
  });

  test('name: tracebacks show the file the source came from', async () => {
    const err = (await gw
      .remoteExec('\n\ndef f():\n    return 1 / 0\nf()\n', { name: 'script.py' })
      .waitClose()
      .catch((e: unknown) => e)) as RemoteError;
    assert.match(err.remoteTraceback, /File "script.py", line 4, in f\n\s+return 1 \/ 0/);
  });

  test('a source that is not a string is a TypeError at once, not a hang', async () => {
    for (const bad of [123, null, Buffer.from('channel.send(1)'), undefined]) {
      assert.throws(() => gw.remoteExec(bad as unknown as string), TypeError);
    }
    await assert.rejects(new Group([]).remoteExec(5 as unknown as string), TypeError);
    // The gateway is untouched by it.
    assert.equal(await gw.remoteExec('channel.send(1)').receive(), 1);
  });
});

describe('execnet compatibility: interrupts', () => {
  let gw: Gateway;
  before(async () => {
    gw = await makeGateway('popen');
  });
  after(async () => {
    await gw.exit();
  });

  test('one interrupt raises one KeyboardInterrupt, and code that catches it carries on using its channel', async () => {
    const channel = gw.remoteExec(`
        import time
        caught = 0
        while caught < 2:
            try:
                channel.send("sleeping")
                while True:
                    time.sleep(0.01)
            except KeyboardInterrupt:
                caught += 1
                channel.send(caught)
        channel.send("done")
    `);
    for (const n of [1, 2]) {
      assert.equal(await channel.receive(), 'sleeping');
      gw.interrupt(channel);
      assert.equal(await channel.receive(), n);
    }
    assert.equal(await channel.receive(), 'done');
    await channel.waitClose(5000);
  });
});

describe('execnet compatibility: a gateway that dies', () => {
  test('waitClose and receive reject with GatewayClosedError whenever they are called after the death', async () => {
    const gw = await makeGateway('popen');
    const running = gw.remoteExec(`
        import os
        channel.receive()
        os._exit(3)
    `);
    const closedHere = gw.remoteExec(`
        import time
        time.sleep(60)
    `);
    closedHere.close();
    const done = gw.remoteExec('channel.send("bye")');
    assert.equal(await done.receive(), 'bye');
    await done.waitClose(5000);
    await running.send('die');
    const exit = await gw.closed;
    assert.equal(exit.code, 3);
    for (const channel of [running, closedHere]) {
      await assert.rejects(channel.waitClose(), GatewayClosedError, `waitClose of ${channel}`);
      await assert.rejects(channel.receive(), GatewayClosedError, `receive of ${channel}`);
      await assert.rejects(channel.waitClose(100), GatewayClosedError, 'and again, later');
    }
    // A channel whose code had ended cleanly before the death keeps that outcome.
    await done.waitClose();
  });
});

describe('robustness: a throwing listener', () => {
  test('a listener that throws does not close the gateway; its error is reported as an error event', async () => {
    const gw = await makeGateway('popen');
    try {
      const errors: unknown[] = [];
      gw.on('error', (err) => errors.push(err));
      gw.on('stdout', () => {
        throw new Error('listener bug');
      });
      const channel = gw.remoteExec(`
          print("hello")
          channel.send(channel.receive() + 1)
      `);
      await channel.send(41);
      assert.equal(await channel.receive(), 42);
      await channel.waitClose(5000);
      assert.equal(gw.isClosed(), false);
      assert.ok(
        errors.some((e) => e instanceof Error && e.message === 'listener bug'),
        String(errors),
      );
      assert.equal(await gw.remoteExec('channel.send(1)').receive(), 1);
    } finally {
      await gw.exit();
    }
  });
});
