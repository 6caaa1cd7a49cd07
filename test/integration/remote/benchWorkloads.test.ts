import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeGateway, type Gateway } from '../../../server/api';
import { workloads } from '../../../server/cli/bench/workloads';
import { waitGone } from '../../helpers/processes';

/**
 * The bench's channel workloads (server/agents/remote/bench_*.{py,js}) alone, each sent with remoteExec
 * and answered as the bench expects it to answer, on both agents.
 */
const KINDS = [
  { name: 'Python', language: 'python', spec: 'popen' },
  { name: 'Node', language: 'node', spec: 'popen//node=node' },
] as const;

for (const kind of KINDS)
  describe(`the bench workloads on a ${kind.name} agent`, () => {
    const w = workloads(kind.language);
    let gw: Gateway;

    before(async () => {
      gw = await makeGateway(kind.spec);
    });

    after(async () => {
      const pid = gw?.info.pid;
      await gw?.exit(1000);
      if (pid) await waitGone(pid);
    });

    test('echo sends back every item, of any kind, until the host closes the channel', async () => {
      const channel = gw.remoteExec(w.echo);
      for (const item of [0, 1, 'two', Buffer.from('three'), [4, 'four'], { five: 5 }]) {
        await channel.send(item);
        assert.deepEqual(await channel.receive(10000), item);
      }
      channel.close();
      await channel.waitClose(10000);
    });

    test('sink counts the items before a null and sends the count', async () => {
      const channel = gw.remoteExec(w.sink);
      for (let i = 0; i < 1000; i++) channel.send(i);
      await channel.send(null);
      assert.equal(await channel.receive(10000), 1000);
      await channel.waitClose(10000);
    });

    test('source sends 0 .. n-1 for a count n, then ends', async () => {
      const channel = gw.remoteExec(w.source);
      await channel.send(500);
      const got: unknown[] = [];
      for await (const item of channel) got.push(item);
      assert.deepEqual(
        got,
        Array.from({ length: 500 }, (_, i) => i),
      );
    });

    test('payload sink adds up the bytes of the payloads before a null', async () => {
      const channel = gw.remoteExec(w.payloadSink);
      const sizes = [1 << 20, 1, 0, 70_000];
      for (const size of sizes) await channel.send(Buffer.alloc(size, 120));
      await channel.send(null);
      assert.equal(
        await channel.receive(10000),
        sizes.reduce((a, b) => a + b),
      );
      await channel.waitClose(10000);
    });

    test('payload source sends count payloads of size bytes, each all "x"', async () => {
      const channel = gw.remoteExec(w.payloadSource);
      await channel.send([1 << 20, 3]);
      const got: Buffer[] = [];
      for await (const item of channel) got.push(item as Buffer);
      assert.equal(got.length, 3);
      for (const payload of got) assert.ok(Buffer.isBuffer(payload) && payload.equals(Buffer.alloc(1 << 20, 'x')));
    });

    test("payload source sends strings of size characters when asked for 'str'", async () => {
      const channel = gw.remoteExec(w.payloadSource);
      await channel.send([64_000, 2, 'str']);
      const got: unknown[] = [];
      for await (const item of channel) got.push(item);
      assert.deepEqual(got, ['x'.repeat(64_000), 'x'.repeat(64_000)]);
    });

    test('payload sink adds up the characters of string payloads', async () => {
      const channel = gw.remoteExec(w.payloadSink);
      await channel.send('x'.repeat(64_000));
      await channel.send(null);
      assert.equal(await channel.receive(10000), 64_000);
      await channel.waitClose(10000);
    });
  });
