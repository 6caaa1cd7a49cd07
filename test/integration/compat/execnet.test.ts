// execnet's documented behaviour, ported: the remote code is written as execnet's documentation writes
// it, indented triple-quoted strings (here template literals) that the gateway dedents.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  Complex,
  EncodeError,
  FrozenSet,
  GatewayClosedError,
  Group,
  makeGateway,
  RemoteError,
  RSync,
  TimeoutError,
  Tuple,
  type Gateway,
  type RSyncFileEvent,
} from '../../../server/api';
import { isAlive, waitGone } from '../../helpers/processes';
import { startSshd } from '../../helpers/sshd';

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

  test('a channel the remote code drops (garbage-collected) is closed on the host, as in execnet', async () => {
    const mine = gw.newChannel();
    const channel = gw.remoteExec(`
        c = channel.receive()
        c.send(1)
        del c
    `);
    await channel.send(mine);
    assert.equal(await mine.receive(), 1);
    await mine.waitClose(5000);
    assert.equal(mine.isClosed(), true);
    await channel.waitClose(5000);
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

describe('execnet compatibility: values', () => {
  let gw: Gateway;
  let nodeGw: Gateway;
  before(async () => {
    [gw, nodeGw] = await Promise.all([makeGateway('popen'), makeGateway('popen//node=node')]);
  });
  after(async () => {
    await Promise.all([gw.exit(), nodeGw.exit()]);
  });

  test('set, frozenset and complex round-trip with their kinds, and remote code makes them', async () => {
    const channel = gw.remoteExec(`
        for x in channel:
            channel.send([x, type(x).__name__])
        channel.send([{1, 2}, frozenset(["a"]), 3 - 4j])
    `);
    const cases: [unknown, string][] = [
      [new Set([1, 2]), 'set'],
      [new FrozenSet([Tuple.of<unknown>(1, 'x')]), 'frozenset'],
      [new Complex(1.5, -2), 'complex'],
    ];
    for (const [value, remoteType] of cases) {
      await channel.send(value);
      assert.deepEqual(await channel.receive(), [value, remoteType]);
    }
    channel.close();
    const [s, f, c] = (await gw.remoteExec('channel.send([{1, 2}, frozenset(["a"]), 3 - 4j])').receive()) as [
      Set<number>,
      FrozenSet,
      Complex,
    ];
    assert.ok(s instanceof Set && !(s instanceof FrozenSet) && s.has(1) && s.has(2));
    assert.ok(f instanceof FrozenSet && f.has('a'));
    assert.ok(c instanceof Complex && c.re === 3 && c.im === -4);
    const js = nodeGw.remoteExec('for await (const x of channel) channel.send([x, x.constructor.name]);');
    await js.send(new FrozenSet([1]));
    assert.deepEqual(await js.receive(), [new FrozenSet([1]), 'FrozenSet']);
    js.close();
  });

  test("a dict key '__proto__' arrives, as a Map, instead of killing the gateway", async () => {
    const item = await gw.remoteExec('channel.send({"__proto__": 1, "x": 2})').receive();
    assert.deepEqual(
      item,
      new Map<string, number>([
        ['__proto__', 1],
        ['x', 2],
      ]),
    );
    const fromNode = await nodeGw.remoteExec('channel.send(JSON.parse(\'{"__proto__": 1}\'))').receive();
    assert.deepEqual(fromNode, new Map([['__proto__', 1]]));
    assert.equal(await gw.remoteExec('channel.send("still up")').receive(), 'still up');
  });

  test('a Map key Python cannot hash is refused at the sender with its place; the channel goes on', async () => {
    const channel = gw.remoteExec(`
        for x in channel:
            channel.send(x)
    `);
    assert.throws(
      () => channel.send({ lookup: new Map([[[1, 2], 'list key']]) }),
      (e: Error) => e instanceof EncodeError && /value\.lookup\.keys\(\)\[0\].*Array/.test(e.message),
    );
    await channel.send(new Map([[Tuple.of(1, 2), 'tuple key']]));
    assert.deepEqual(await channel.receive(), new Map([[Tuple.of(1, 2), 'tuple key']]));
    channel.close();
  });
});

describe('execnet compatibility: xspec', () => {
  let scratch: string;
  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-exec-compat-'));
  });
  after(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  test("makeGateway('') is the default gateway (a local python3)", async () => {
    const gw = await makeGateway('');
    try {
      assert.equal(gw.info.language, 'python');
      assert.equal(await gw.remoteExec('channel.send(1)').receive(), 1);
    } finally {
      await gw.exit();
    }
  });

  test('dont_write_bytecode: the remote interpreter writes no .pyc, as execnet sets it', async () => {
    fs.writeFileSync(path.join(scratch, 'compat_mod.py'), 'X = 1\n');
    // Without the key (and whatever this environment says) Python would write __pycache__/compat_mod.*.pyc.
    const gw = await makeGateway(`popen//dont_write_bytecode//chdir=${scratch}//env:PYTHONDONTWRITEBYTECODE=`);
    try {
      const channel = gw.remoteExec(`
          import sys
          sys.path.insert(0, ".")
          import compat_mod
          channel.send([sys.dont_write_bytecode, compat_mod.X])
      `);
      assert.deepEqual(await channel.receive(), [true, 1]);
      assert.equal(fs.existsSync(path.join(scratch, '__pycache__')), false);
    } finally {
      await gw.exit();
    }
  });

  test('chdir= creates a missing folder, and says which folder when it cannot', async () => {
    const fresh = path.join(scratch, 'made-by-chdir');
    for (const spec of [`popen//chdir=${fresh}`, `popen//node=node//chdir=${fresh}-node`]) {
      const gw = await makeGateway(spec);
      try {
        assert.equal(gw.info.cwd, fs.realpathSync(spec.includes('node=') ? `${fresh}-node` : fresh));
      } finally {
        await gw.exit();
      }
    }
    const impossible = path.join(scratch, 'no', 'such', 'parent');
    await assert.rejects(
      makeGateway(`popen//chdir=${impossible}`),
      (e: Error) => e.message.includes(impossible) && /cannot create/.test(e.message),
    );
  });

  test("REMOTE_EXEC_DEBUG=2 puts the agent's trace on the host's stderr, beside the host's own lines", () => {
    const script = `
      const { makeGateway } = require(${JSON.stringify(path.resolve(__dirname, '../../../server/api'))});
      (async () => {
        const gw = await makeGateway('popen');
        await gw.remoteExec('channel.send(1)').receive();
        await gw.exit();
      })();
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      env: { ...process.env, REMOTE_EXEC_DEBUG: '2' },
      encoding: 'utf8',
      timeout: 30000,
    });
    const lines = run.stderr.split('\n');
    assert.ok(
      lines.some((l) => l.includes('[host ') && l.includes('EXEC')),
      'the host traces',
    );
    assert.ok(
      lines.some((l) => !l.includes('[host ') && / < \d+ EXEC /.test(l)),
      `the agent traces too:\n${run.stderr.slice(0, 2000)}`,
    );
  });
});

describe('execnet compatibility: execution models', () => {
  test('execmodel=main_thread_only runs remote_exec code on the main thread: signal handlers work there', async () => {
    const gw = await makeGateway('popen//execmodel=main_thread_only');
    try {
      const channel = gw.remoteExec(`
          import signal, threading
          signal.signal(signal.SIGUSR1, lambda *args: None)
          channel.send(threading.current_thread() is threading.main_thread())
      `);
      assert.equal(await channel.receive(), true);
      await channel.waitClose(5000);
    } finally {
      await gw.exit();
    }
    const threaded = await makeGateway('popen//execmodel=thread');
    try {
      assert.equal(
        await threaded.remoteExec('import threading\nchannel.send(threading.current_thread() is threading.main_thread())').receive(),
        false,
      );
    } finally {
      await threaded.exit();
    }
  });

  test('session code runs on the main thread, where an interrupt breaks a blocking sleep or socket read', async () => {
    const gw = await makeGateway('popen');
    try {
      for (const blocking of ['time.sleep(3600)', 'a, b = socket.socketpair()\na.recv(1)']) {
        const channel = gw.remoteExec(
          `import socket, threading, time\nchannel.send(threading.current_thread() is threading.main_thread())\n${blocking}`,
          {
            session: true,
          },
        );
        assert.equal(await channel.receive(), true);
        gw.interrupt(channel);
        // Without a real SIGINT the call never returns: the guard below would fire, not the interrupt.
        const err = (await channel.waitClose(20000).catch((e: unknown) => e)) as RemoteError;
        assert.ok(err instanceof RemoteError, `interrupted ${blocking}: ${String(err)}`);
        assert.equal(err.remoteType, 'KeyboardInterrupt');
      }
      const after = gw.remoteExec('x = 41\nx + 1', { session: true });
      assert.deepEqual(await after.receive(), { value: 42 }, 'the session goes on');
    } finally {
      await gw.exit();
    }
  });
});

describe('execnet compatibility: rsync', () => {
  let scratch: string;
  let gw: Gateway;
  before(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-exec-compat-rsync-'));
    gw = await makeGateway('popen');
  });
  after(async () => {
    await gw.exit();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  test('each file is reported as execnet reports it (verbose by default, and a per-file callback)', async () => {
    const src = path.join(scratch, 'verbose-src');
    fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(src, 'a.txt'), 'a');
    fs.writeFileSync(path.join(src, 'sub', 'b.txt'), 'b');
    const lines: string[] = [];
    const events: RSyncFileEvent[] = [];
    const dest = path.join(scratch, 'verbose-dest');
    await new RSync(src, { log: (line) => lines.push(line), onFile: (e) => events.push(e) }).addTarget(gw, dest).send();
    assert.deepEqual(lines, [`${gw.id}:${dest} <= a.txt`, `${gw.id}:${dest} <= sub/b.txt`]);
    assert.deepEqual(
      events.map((e) => [e.action, e.path, e.gateway]),
      [
        ['send', 'a.txt', gw.id],
        ['send', 'sub/b.txt', gw.id],
      ],
    );
    const quiet: string[] = [];
    fs.writeFileSync(path.join(src, 'a.txt'), 'changed');
    await new RSync(src, { verbose: false, log: (line) => quiet.push(line) }).addTarget(gw, dest).send();
    assert.deepEqual(quiet, []);
  });

  test('an absolute symlink into the source tree points into the target tree', async () => {
    const src = path.join(scratch, 'links-src');
    fs.mkdirSync(path.join(src, 'data'), { recursive: true });
    fs.writeFileSync(path.join(src, 'data', 'value.txt'), 'inside');
    fs.symlinkSync(path.join(src, 'data', 'value.txt'), path.join(src, 'abs-link'));
    fs.symlinkSync('/etc/hostname', path.join(src, 'outside-link'));
    const dest = path.join(scratch, 'links-dest');
    await new RSync(src, { verbose: false }).addTarget(gw, dest).send();
    assert.equal(fs.readFileSync(path.join(dest, 'abs-link'), 'utf8'), 'inside');
    assert.equal(fs.realpathSync(path.join(dest, 'abs-link')), fs.realpathSync(path.join(dest, 'data', 'value.txt')));
    assert.equal(fs.readlinkSync(path.join(dest, 'outside-link')), '/etc/hostname', 'a link out of the tree is kept as is');
  });

  test('a file that vanishes while the tree is read is skipped, and the rest is sent', async () => {
    const src = path.join(scratch, 'vanish-src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'gone.txt'), 'soon gone');
    fs.writeFileSync(path.join(src, 'kept.txt'), 'kept');
    const dest = path.join(scratch, 'vanish-dest');
    // The filter runs as the scan meets each entry: removing the file there is a removal mid-scan.
    const filter = (rel: string) => {
      if (rel === 'gone.txt') fs.rmSync(path.join(src, rel), { force: true });
      return true;
    };
    const result = await new RSync(src, { verbose: false, filter }).addTarget(gw, dest).send();
    assert.equal(result.filesSent, 1);
    assert.equal(fs.readFileSync(path.join(dest, 'kept.txt'), 'utf8'), 'kept');
    assert.equal(fs.existsSync(path.join(dest, 'gone.txt')), false);
  });
});

describe('robustness: the agents and the REPL gateway', () => {
  test('the Node agent reads REMOTE_EXEC_MAXFRAME and removes its variables before user code runs', async () => {
    const gw = await makeGateway('popen//node=node//env:REMOTE_EXEC_MAXFRAME=100000//env:REMOTE_EXEC_EXECMODEL=thread');
    try {
      assert.equal(gw.info.maxFrame, 100000);
      const seen = await gw.remoteExec("channel.send(Object.keys(process.env).filter((k) => k.startsWith('REMOTE_EXEC_')))").receive();
      assert.deepEqual(seen, []);
    } finally {
      await gw.exit();
    }
  });

  test('a Symbol is an EncodeError naming its place; nothing is sent and the channel goes on', async () => {
    const gw = await makeGateway('popen');
    try {
      const channel = gw.remoteExec(`
          for x in channel:
              channel.send(x)
      `);
      assert.throws(
        () => channel.send({ tags: [Symbol('t')] }),
        (e: Error) => e instanceof EncodeError && /symbol \(Symbol\(t\)\) at value\.tags\[0\]/.test(e.message),
      );
      await channel.send('after');
      assert.equal(await channel.receive(), 'after');
      channel.close();
    } finally {
      await gw.exit();
    }
  });

  test("functions on a channel follow one rule in both agents: the host's are callable there, an agent's own are refused", async () => {
    for (const [spec, source] of [
      [
        'popen',
        `
          fn = channel.receive()
          channel.send(fn(20, 1))
          try:
              channel.send(len)
          except TypeError as e:
              channel.send("refused: " + str(e))
      `,
      ],
      [
        'popen//node=node',
        `
          const fn = await channel.receive();
          channel.send(await fn(20, 1));
          try {
            channel.send(Math.max);
          } catch (e) {
            channel.send('refused: ' + e.message);
          }
      `,
      ],
    ]) {
      const gw = await makeGateway(spec);
      try {
        const channel = gw.remoteExec(source);
        await channel.send((a: number, b: number) => a + b + 21);
        assert.equal(await channel.receive(), 42, spec);
        assert.match(String(await channel.receive()), /^refused: .*(function|encode)/i, spec);
      } finally {
        await gw.exit();
      }
    }
  });

  test('a repl= gateway whose REPL dies rejects what waits on it with GatewayClosedError', async () => {
    const gw = await makeGateway('popen//repl=bash');
    try {
      const channel = gw.remoteExec('kill -9 $$');
      await assert.rejects(channel.waitClose(), GatewayClosedError);
      await assert.rejects(gw.remoteStatus(), GatewayClosedError);
    } finally {
      await gw.exit();
    }
  });
});

describe('robustness: an agent outlives no host', () => {
  test('a Node agent whose code spins in a loop exits when its host dies', async () => {
    const marker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'remote-exec-spin-')), 'spinning');
    // The agent writes the marker itself just before it spins: then it is surely in the loop.
    const spin = `require('fs').writeFileSync(${JSON.stringify(marker)}, String(process.pid)); while (true) {}`;
    const script = `
      const { makeGateway } = require(${JSON.stringify(path.resolve(__dirname, '../../../server/api'))});
      makeGateway('popen//node=node').then((gw) => gw.remoteExec(${JSON.stringify(spin)}));
    `;
    const host = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: 'ignore' });
    let agentPid: number | undefined;
    try {
      for (let i = 0; i < 600 && agentPid === undefined; i++) {
        if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') !== '') agentPid = Number(fs.readFileSync(marker, 'utf8'));
        else await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(agentPid, 'the agent started spinning');
      host.kill('SIGKILL');
      await waitGone(agentPid, 10000);
    } finally {
      host.kill('SIGKILL');
      if (agentPid) {
        try {
          process.kill(agentPid, 'SIGKILL');
        } catch {
          // Gone, as it should be.
        }
      }
      fs.rmSync(path.dirname(marker), { recursive: true, force: true });
    }
  });
});

describe('execnet compatibility: via', () => {
  test('exit() of a via= gateway resolves after the nested agent has exited, with its real exit code', async () => {
    for (const base of ['popen', 'popen//node=node']) {
      const via = await makeGateway(base);
      try {
        for (const inner of [`popen//via=${via.id}`, `popen//node=node//via=${via.id}`]) {
          const gw = await makeGateway(inner);
          const pid = gw.info.pid;
          const exit = await gw.exit();
          assert.equal(exit.code, 0, `${inner} through ${base}: ${JSON.stringify(exit)}`);
          assert.equal(isAlive(pid), false, 'the nested agent is gone when exit() resolves');
        }
      } finally {
        await via.exit();
      }
    }
  });
});

describe('robustness: ssh', () => {
  test('exit() of a stopped (SIGSTOP) agent over ssh ends the remote agent too, not only the local ssh', async (t) => {
    const sshd = await startSshd();
    if (typeof sshd === 'string') {
      // Without OpenSSH here there is nothing to test; the ssh suite says why.
      t.diagnostic(`no sshd: ${sshd}`);
      return;
    }
    try {
      const gw = await makeGateway(`ssh=${sshd.address}`);
      const pid = gw.info.pid;
      process.kill(pid, 'SIGSTOP'); // the sshd runs on this machine: the remote agent is a local process
      try {
        await gw.exit(500);
        await waitGone(pid, 10000);
      } finally {
        if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      }
    } finally {
      await sshd.stop();
    }
  });
});

describe('execnet compatibility: channels, as its documentation shows them', () => {
  let gw: Gateway;
  before(async () => {
    gw = await makeGateway('popen');
  });
  after(async () => {
    await gw.exit();
  });

  test('remote_exec with a receive loop, then close: the remote iteration ends', async () => {
    const channel = gw.remoteExec(`
        total = 0
        for item in channel:
            total += item
        # the host closed its end: iteration stopped, the channel can still not be used to send
        import sys
        sys.stdout.write("total=%d\\n" % total)
    `);
    const out: string[] = [];
    gw.on('stdout', (chunk: Buffer) => out.push(chunk.toString()));
    for (const n of [1, 2, 3]) await channel.send(n);
    channel.close();
    // Closed here, waitClose returns at once (as execnet's); the remote code's own end comes after.
    await channel.waitClose(5000);
    assert.equal(await channel.whenRemoteEnds(), undefined, 'the remote code ended cleanly');
    assert.ok(out.join('').includes('total=6'), out.join(''));
  });

  test('channel.close(error) on the remote side raises RemoteError here, with the text given', async () => {
    const channel = gw.remoteExec(`
        channel.close("no such file")
    `);
    await assert.rejects(channel.receive(), (e: Error) => e instanceof RemoteError && /no such file/.test(e.message));
  });

  test('receive(timeout) raises channel.TimeoutError remotely and TimeoutError here', async () => {
    const channel = gw.remoteExec(`
        try:
            channel.receive(timeout=0.05)
        except channel.TimeoutError:
            channel.send("timed out")
    `);
    assert.equal(await channel.receive(), 'timed out');
    const idle = gw.remoteExec('channel.receive()');
    await assert.rejects(idle.receive(50), TimeoutError);
    idle.close();
  });

  test('setcallback with an endmarker, and channels sent inside messages, both ways', async () => {
    const channel = gw.remoteExec(`
        import threading
        seen = []
        done = threading.Event()
        def callback(item):
            if item is None:
                done.set()
            else:
                seen.append(item)
        other = channel.receive()
        other.setcallback(callback, endmarker=None)
        done.wait(10)
        back = channel.gateway.newchannel()
        channel.send(back)
        back.send(sum(seen))
    `);
    const other = gw.newChannel();
    await channel.send(other);
    for (const n of [10, 20, 12]) await other.send(n);
    other.close();
    const back = (await channel.receive()) as typeof other;
    assert.equal(await back.receive(), 42);
    await channel.waitClose(5000);
  });

  test('makefile: remote code writes to a channel as to a file', async () => {
    const channel = gw.remoteExec(`
        f = channel.makefile("w")
        f.write("hello ")
        f.write("world")
        f.close()
    `);
    const parts: string[] = [];
    for await (const item of channel) parts.push(Buffer.isBuffer(item) ? item.toString() : String(item));
    assert.equal(parts.join(''), 'hello world');
  });

  test("remote_status reports execnet's counts", async () => {
    const status = await gw.remoteStatus();
    for (const key of ['numexecuting', 'numchannels', 'execqsize'])
      assert.equal(typeof (status as unknown as Record<string, unknown>)[key], 'number', key);
  });
});

describe('execnet compatibility: groups, as its documentation shows them', () => {
  test('a group of two: remote_exec on each, receive each, a receive queue with an endmarker, terminate', async () => {
    const group = await Group.create(['popen', 'popen']);
    try {
      assert.equal(group.length, 2);
      const mch = await group.remoteExec(`
          import os
          channel.send(os.getpid())
      `);
      const pids = (await mch.receiveEach()) as number[];
      assert.deepEqual(new Set(pids), new Set(Array.from(group).map((g) => g.info.pid)));
      const mch2 = await group.remoteExec(`
          channel.send(channel.receive() * 2)
      `);
      const queue = mch2.makeReceiveQueue('END');
      await mch2.sendEach(21);
      const items: unknown[] = [];
      while (items.filter((x) => x === 'END').length < 2) items.push((await queue.get(10000))[1]);
      assert.deepEqual(
        items.filter((x) => x !== 'END'),
        [42, 42],
      );
      const failing = await group.remoteExec('raise ValueError("in every member")');
      await assert.rejects(failing.waitClose(10000), (e: Error) => e instanceof RemoteError && e.remoteType === 'ValueError');
    } finally {
      await group.terminate();
    }
    assert.ok(Array.from(group).every((g) => g.isClosed()));
  });
});
