import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { del, getitem, isProxy, kw, makeGateway, RemoteError, setitem, type Gateway } from '../../../server/api';
import { waitGone } from '../../helpers/processes';

describe('Node.js agent (popen//node=node)', () => {
  let gw: Gateway;
  before(async () => {
    gw = await makeGateway('popen//node=node');
  });
  after(async () => {
    await gw.exit();
  });

  test('the agent introduces itself as node with its own pid', () => {
    assert.equal(gw.info.language, 'node');
    assert.equal(gw.info.version, process.versions.node);
    assert.notEqual(gw.info.pid, process.pid);
  });

  test('remote code sends process.pid, and doubles every item it reads with for await', async () => {
    assert.equal(await gw.remoteExec('channel.send(process.pid)').receive(), gw.info.pid);
    const ch = gw.remoteExec('for await (const x of channel) channel.send(x * 2)');
    for (const x of [1, 21, 500]) {
      await ch.send(x);
      assert.equal(await ch.receive(), x * 2);
    }
    ch.close();
  });

  test('long strs reach the agent exact, ASCII or not: it reports the length and a checksum of the code points', async () => {
    const ch = gw.remoteExec(
      'for await (const s of channel) channel.send([s.length, [...s].reduce((a, c) => (a * 31 + c.codePointAt(0)) % 1000003, 7)])',
    );
    const sum = (s: string) => [...s].reduce((a, c) => (a * 31 + c.codePointAt(0)!) % 1000003, 7);
    for (const s of ['x'.repeat(256), 'y'.repeat(300) + '\u0080', '\u00ff'.repeat(400), 'é✓😀'.repeat(1000), 'z'.repeat(1 << 20)]) {
      await ch.send(s);
      assert.deepEqual(await ch.receive(), [s.length, sum(s)]);
    }
    ch.close();
  });

  test('concurrent tasks, and channels opened by the agent travel inside messages', async () => {
    const tasks = Array.from({ length: 10 }, (_, i) => gw.remoteExec(`const x = await channel.receive(); channel.send(x + ${i});`));
    await Promise.all(tasks.map((ch) => ch.send(100)));
    assert.deepEqual(
      await Promise.all(tasks.map((ch) => ch.receive())),
      Array.from({ length: 10 }, (_, i) => 100 + i),
    );
    const ch = gw.remoteExec('const c = channel.gateway.newChannel(); channel.send(c); c.send("on the new channel");');
    const opened = (await ch.receive()) as { id: number; receive(): Promise<unknown> };
    assert.equal(opened.id % 2, 0);
    assert.equal(await opened.receive(), 'on the new channel');
  });

  test('an uncaught error closes the channel with a RemoteError whose stack names the line', async () => {
    const ch = gw.remoteExec('const a = 1;\nconst b = 2;\nthrow new TypeError("bad " + (a + b));');
    await assert.rejects(ch.receive(), (e: Error) => {
      assert.ok(e instanceof RemoteError);
      assert.equal(e.remoteType, 'TypeError');
      assert.equal(e.remoteMessage, 'bad 3');
      assert.match(e.remoteTraceback, /:3:/);
      return true;
    });
  });

  test('console output and child processes arrive as stdout events; the protocol stays intact', async () => {
    const out: string[] = [];
    const onOut = (c: Buffer) => out.push(c.toString());
    gw.on('stdout', onOut);
    try {
      const ch = gw.remoteExec(
        'console.log("from console"); require("child_process").execSync("echo from child", { stdio: "inherit" }); channel.send("done");',
      );
      assert.equal(await ch.receive(), 'done');
      await ch.waitClose(5000);
      const deadline = Date.now() + 5000;
      while (!out.join('').includes('from child') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.match(out.join(''), /from console/);
      assert.match(out.join(''), /from child/);
      assert.equal(await gw.remoteExec('channel.send(1 + 1)').receive(), 2);
    } finally {
      gw.off('stdout', onOut);
    }
  });

  test('proxies work the same against a Node agent: wrap is require', async () => {
    const nodeFs = await gw.wrap('fs');
    assert.ok(isProxy(nodeFs));
    assert.deepEqual(((await nodeFs.readdirSync('/tmp')) as string[]).sort(), fs.readdirSync('/tmp').sort());
    const path = await gw.wrap('path');
    assert.equal(await path.join('a', 'b', kw({})), 'a/b');
    assert.equal(await path.posix.basename('/x/y.txt'), 'y.txt');
  });

  test('remote objects: plain Maps by value, arrays by proxy with methods keeping their this, callbacks into the host', async () => {
    const globals = await gw.objectRequest(null, [['getattr', 'globalThis']], 'proxy');
    // A Map of plain data is plain data in JavaScript (PROTOCOL.md §7.3): it comes back by value.
    const map = await (globals as any).Map([[1, 'one']]);
    assert.ok(map instanceof Map);
    assert.equal(map.get(1), 'one');
    const util = await gw.wrap('util');
    assert.equal(await util.format('%s-%d', 'x', 7), 'x-7');
    const arr = await gw.objectRequest(
      null,
      [
        ['getattr', 'Array'],
        ['call', [], {}],
      ],
      'proxy',
    );
    await (arr as any).push(3, 1, 2);
    // Host functions are asynchronous on the agent's side (each call is a CALLBACK round trip), so the
    // agent sees them as functions returning promises: forEach calls them in order.
    const seen: unknown[] = [];
    await (arr as any).forEach((x: number) => {
      seen.push(x);
    });
    const deadline = Date.now() + 5000;
    while (seen.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(seen, [3, 1, 2]);
    await setitem(arr, 0, 9);
    assert.equal(await getitem(arr, 0), 9);
    await del(arr);
  });

  test('status counts tasks, channels and objects', async () => {
    const status = await gw.remoteStatus();
    for (const key of ['numexecuting', 'numchannels', 'execqsize', 'numobjects', 'pid', 'uptime', 'msgsIn', 'msgsOut'])
      assert.equal(typeof status[key], 'number', key);
    assert.equal(status.pid, gw.info.pid);
  });

  test('exit() ends the Node agent and leaves no process', async () => {
    const other = await makeGateway('popen//node=node');
    const pid = other.info.pid;
    const exit = await other.exit();
    assert.equal(exit.code, 0);
    await waitGone(pid);
  });
});
