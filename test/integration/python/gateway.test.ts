import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ChannelClosedError, GatewayClosedError, makeGateway, RemoteError, TimeoutError, Tuple, type Gateway } from '../../../server/api';
import { isAlive, waitGone } from '../../helpers/processes';

describe('popen Python gateway', () => {
  let gw: Gateway;
  before(async () => {
    gw = await makeGateway('popen');
  });
  after(async () => {
    await gw.exit();
  });

  test('the agent introduces itself: language, version, pid, cwd, executable', () => {
    assert.equal(gw.info.language, 'python');
    assert.match(gw.info.version, /^3\.\d+\.\d+/);
    assert.ok(isAlive(gw.info.pid));
    assert.equal(gw.info.cwd, process.cwd());
    assert.ok(path.isAbsolute(gw.info.executable));
    assert.match(gw.id, /^gw\d+$/);
  });

  test('remote code sends its pid, then doubles every item sent to it', async () => {
    const ch = gw.remoteExec('import os\nchannel.send(os.getpid())\nfor x in channel: channel.send(x * 2)');
    assert.equal(await ch.receive(), gw.info.pid);
    await ch.send(21);
    assert.equal(await ch.receive(), 42);
    ch.close();
  });

  test('code sees execnet names: __channelexec__, channel.gateway, isclosed', async () => {
    const ch = gw.remoteExec('channel.send([__name__, channel.isclosed(), type(channel.gateway).__name__ != "NoneType"])');
    assert.deepEqual(await ch.receive(), ['__channelexec__', false, true]);
    await ch.waitClose(5000);
  });

  test('values keep their kinds across the wire and back', async () => {
    const ch = gw.remoteExec('for x in channel: channel.send([x, type(x).__name__])');
    const cases: [unknown, string][] = [
      [null, 'NoneType'],
      [true, 'bool'],
      [7, 'int'],
      [2n ** 70n, 'int'],
      [1.5, 'float'],
      ['s', 'str'],
      [Buffer.from('b'), 'bytes'],
      [[1, 2], 'list'],
      [Tuple.of(1, 2), 'tuple'],
      [{ a: 1 }, 'dict'],
      [new Map([[1, 2]]), 'dict'],
    ];
    for (const [value, typeName] of cases) {
      await ch.send(value);
      const [back, remoteType] = (await ch.receive()) as [unknown, string];
      assert.equal(remoteType, typeName, `remote type of ${String(value)}`);
      assert.deepEqual(back, value);
    }
    ch.close();
  });

  test('10k-message ping-pong preserves order', async () => {
    const ch = gw.remoteExec('for x in channel: channel.send(x)');
    for (let i = 0; i < 10000; i++) {
      await ch.send(i);
      assert.equal(await ch.receive(), i);
    }
    ch.close();
  });

  test('a one-way flood of 50k items arrives complete and in order', async () => {
    const ch = gw.remoteExec('for i in range(50000): channel.send(i)');
    let expected = 0;
    for await (const item of ch) assert.equal(item, expected++);
    assert.equal(expected, 50000);
  });

  test('16 MiB of bytes both ways arrive intact', async () => {
    const payload = Buffer.alloc(16 * 1024 * 1024);
    for (let i = 0; i < payload.length; i += 4096) payload.writeUInt32LE(i, i);
    const ch = gw.remoteExec(
      'import hashlib\ndata = channel.receive()\nchannel.send(hashlib.sha256(data).hexdigest())\nchannel.send(data[::-1])',
    );
    await ch.send(payload);
    const digest = (await ch.receive()) as string;
    assert.equal(digest, (await import('node:crypto')).createHash('sha256').update(payload).digest('hex'));
    const back = (await ch.receive()) as Buffer;
    assert.equal(back.length, payload.length);
    assert.ok(Buffer.from(payload).reverse().equals(back));
  });

  test("a remote exception's traceback names the remote line", async () => {
    const ch = gw.remoteExec('x = 1\ny = 2\nraise ValueError("bad value %d" % (x + y))\n');
    await assert.rejects(ch.receive(), (err: Error) => {
      assert.ok(err instanceof RemoteError);
      assert.equal(err.remoteType, 'ValueError');
      assert.equal(err.remoteMessage, 'bad value 3');
      assert.match(err.remoteTraceback, /line 3/);
      assert.match(err.remoteTraceback, /raise ValueError/);
      return true;
    });
    await assert.rejects(ch.waitClose(), RemoteError);
  });

  test('print, sys.stderr and child processes reach the host as events, never corrupting the stream', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const onOut = (c: Buffer) => out.push(c.toString());
    const onErr = (c: Buffer) => err.push(c.toString());
    gw.on('stdout', onOut);
    gw.on('stderr', onErr);
    try {
      const ch = gw.remoteExec(
        'import os, sys\nprint("from print")\nsys.stderr.write("from stderr\\n")\nos.system("echo from child; echo child err >&2")\nchannel.send("done")',
      );
      assert.equal(await ch.receive(), 'done');
      await ch.waitClose(5000);
      const deadline = Date.now() + 5000;
      while (!(out.join('').includes('from child') && err.join('').includes('child err')) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      assert.match(out.join(''), /from print/);
      assert.match(out.join(''), /from child/);
      assert.match(err.join(''), /from stderr/);
      assert.match(err.join(''), /child err/);
      // The stream is still healthy after all that output.
      const again = gw.remoteExec('channel.send(1 + 1)');
      assert.equal(await again.receive(), 2);
    } finally {
      gw.off('stdout', onOut);
      gw.off('stderr', onErr);
    }
  });

  test('many remote_exec tasks run concurrently', async () => {
    const channels = Array.from({ length: 20 }, () => gw.remoteExec('x = channel.receive()\nchannel.send(x + 1)'));
    // All tasks wait at once; none can finish before every one has been started.
    await Promise.all(channels.map((ch, i) => ch.send(i)));
    assert.deepEqual(
      await Promise.all(channels.map((ch) => ch.receive())),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  test('channels travel inside messages, both ways', async () => {
    const ch = gw.remoteExec(
      'c = channel.gateway.newchannel()\nchannel.send(c)\nc.send("over the new channel")\nmine = channel.receive()\nmine.send("back on the host channel")',
    );
    const remoteOpened = (await ch.receive()) as { receive(): Promise<unknown>; id: number };
    assert.equal(remoteOpened.id % 2, 0);
    assert.equal(await remoteOpened.receive(), 'over the new channel');
    const hostOpened = gw.newChannel();
    await ch.send(hostOpened);
    assert.equal(await hostOpened.receive(), 'back on the host channel');
  });

  test('remote setcallback with an endmarker, makefile, and host setCallback behave as in execnet', async () => {
    const ch = gw.remoteExec(`
import threading
got, done = [], threading.Event()
def cb(item):
    if item is None: done.set()
    else: got.append(item)
c = channel.gateway.newchannel()
c.setcallback(cb, endmarker=None)
channel.send(c)
done.wait(5)
channel.send(got)
`);
    const c = (await ch.receive()) as { send(x: unknown): Promise<void>; close(): void };
    await c.send(1);
    await c.send(2);
    c.close();
    assert.deepEqual(await ch.receive(), [1, 2]);
    const received: unknown[] = [];
    const file = gw.remoteExec('f = channel.makefile("w")\nf.write("text through a file")\nf.close()');
    file.setCallback((item) => received.push(item), 'END');
    await file.waitClose(5000);
    assert.deepEqual(received, ['text through a file', 'END']);
  });

  test('receive with a timeout rejects with TimeoutError; after close it reports the end', async () => {
    const ch = gw.remoteExec('channel.receive()');
    await assert.rejects(ch.receive(50), TimeoutError);
    await ch.send('go');
    await ch.waitClose(5000);
    await assert.rejects(ch.receive(), ChannelClosedError);
  });

  test('remote receive with a timeout raises channel.TimeoutError', async () => {
    const ch = gw.remoteExec('try:\n    channel.receive(timeout=0.05)\nexcept channel.TimeoutError:\n    channel.send("timed out")');
    assert.equal(await ch.receive(), 'timed out');
  });

  test('remoteStatus has execnet counts, pid, uptime and counters', async () => {
    const blocker = gw.remoteExec('channel.receive()');
    await new Promise((r) => setTimeout(r, 50));
    const status = await gw.remoteStatus();
    for (const key of [
      'numexecuting',
      'numchannels',
      'execqsize',
      'numobjects',
      'pid',
      'uptime',
      'msgsIn',
      'msgsOut',
      'bytesIn',
      'bytesOut',
    ]) {
      assert.equal(typeof status[key], 'number', key);
    }
    assert.equal(status.pid, gw.info.pid);
    assert.ok(status.numexecuting >= 1);
    assert.ok(status.numchannels >= 1);
    assert.ok(status.msgsIn > 0 && status.bytesOut > 0);
    blocker.close();
  });

  test('interrupt stops a running task with KeyboardInterrupt and the gateway keeps working', async () => {
    const ch = gw.remoteExec('import time\nchannel.send("started")\nwhile True: time.sleep(0.01)');
    assert.equal(await ch.receive(), 'started');
    gw.interrupt(ch);
    await assert.rejects(ch.waitClose(5000), (e: Error) => e instanceof RemoteError && e.remoteType.endsWith('KeyboardInterrupt'));
    assert.equal(await gw.remoteExec('channel.send(3)').receive(), 3);
  });

  test('an interrupt sent before its task has started stops it as it starts: its code never runs', async () => {
    // session runs take the main thread one at a time: the second waits behind the first
    const first = gw.remoteExec('import time\nchannel.send("first")\ntime.sleep(0.5)\nchannel.send("first done")', { session: true });
    assert.equal(await first.receive(), 'first');
    const second = gw.remoteExec('ran_second = True', { session: true });
    gw.interrupt(second);
    assert.equal(await first.receive(), 'first done');
    await assert.rejects(second.waitClose(5000), (e: Error) => e instanceof RemoteError && e.remoteType.endsWith('KeyboardInterrupt'));
    const check = gw.remoteExec("channel.send('ran_second' in globals())", { session: true });
    assert.equal(await check.receive(), false);
  });

  test('an unencodable value is refused at the sender, nothing sent', async () => {
    const ch = gw.remoteExec('for x in channel: channel.send(x)');
    assert.throws(() => ch.send({ when: new Date() }), /Date at value\.when/);
    await ch.send('still fine');
    assert.equal(await ch.receive(), 'still fine');
    ch.close();
  });
});

describe('popen gateway lifecycle', () => {
  test('spec keys python=, chdir=, env: and id= take effect', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rx-chdir-'));
    const gw = await makeGateway(`popen//python=/usr/bin/python3//chdir=${dir}//env:GREETING=hi there//id=worker`);
    try {
      assert.equal(gw.id, 'worker');
      assert.equal(fs.realpathSync(gw.info.cwd), fs.realpathSync(dir));
      assert.equal(gw.info.executable, '/usr/bin/python3');
      const ch = gw.remoteExec('import os\nchannel.send(os.environ["GREETING"])');
      assert.equal(await ch.receive(), 'hi there');
    } finally {
      await gw.exit();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('exit() ends the agent gracefully and leaves no process', async () => {
    const gw = await makeGateway('popen');
    const pid = gw.info.pid;
    const exit = await gw.exit();
    assert.equal(exit.code, 0);
    await waitGone(pid);
    assert.ok(gw.isClosed());
  });

  test('a stuck agent is killed after the exit timeout', async () => {
    const gw = await makeGateway('popen');
    const pid = gw.info.pid;
    gw.remoteExec('import os, signal\nos.kill(os.getpid(), signal.SIGSTOP)');
    await new Promise((r) => setTimeout(r, 100));
    const exit = await gw.exit(300);
    assert.equal(exit.signal, 'SIGKILL');
    await waitGone(pid);
  });

  test('SIGKILL during a pending receive rejects it, and status and exec, with GatewayClosedError', async () => {
    const gw = await makeGateway('popen');
    const ch = gw.remoteExec('import sys\nsys.stderr.write("last words\\n")\nchannel.send("ready")\nchannel.receive()');
    assert.equal(await ch.receive(), 'ready');
    const pending = ch.receive();
    const other = gw.remoteExec('channel.receive()').receive();
    process.kill(gw.info.pid, 'SIGKILL');
    const status = gw.remoteStatus();
    await assert.rejects(pending, (e: Error) => {
      assert.ok(e instanceof GatewayClosedError);
      assert.equal(e.signal, 'SIGKILL');
      assert.match(e.stderrTail, /last words/);
      return true;
    });
    await assert.rejects(status, GatewayClosedError);
    await assert.rejects(other, GatewayClosedError);
    assert.throws(() => gw.remoteExec('1'), GatewayClosedError);
    await waitGone(gw.info.pid);
  });

  test('the agent exits when its input closes (no orphan when the host goes away)', async () => {
    const gw = await makeGateway('popen');
    gw.transport.output.end();
    await waitGone(gw.info.pid);
    await gw.closed;
  });

  test('a missing interpreter is a clear error', async () => {
    await assert.rejects(makeGateway('popen//python=/nonexistent/python3'), /nonexistent\/python3/);
  });
});
