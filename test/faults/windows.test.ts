import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeGateway, type Channel, type Gateway } from '../../server/api';

/** Remote code per agent language for the same scenario. */
interface Agent {
  name: string;
  spec: string;
  /** Sends `count` items of `size` bytes on its channel, counting them in a process-wide `sent`. */
  flood(count: number, size: number): string;
  /** Sends the process-wide `sent` once. */
  readSent: string;
  /** Waits for a channel reference and a go, then counts what arrives on that channel until None/null. */
  gatedSink: string;
  echo: string;
  /** Receives a count n, then sends 0 .. n-1 without waiting for credit (Node: not awaiting its sends). */
  source: string;
  /** Counts what arrives until None/null, and sends the count. */
  sink: string;
}

const AGENTS: Agent[] = [
  {
    name: 'Python',
    spec: 'popen',
    flood: (count, size) =>
      `import builtins\nbuiltins.sent = 0\nfor i in range(${count}):\n    channel.send([i, bytes(${size})])\n    builtins.sent += 1`,
    readSent: 'import builtins\nchannel.send(builtins.sent)',
    gatedSink:
      'data = channel.receive()\nchannel.receive()\nn = 0\nfor x in data:\n    if x is None:\n        break\n    n += 1\nchannel.send(n)',
    echo: 'for x in channel:\n    channel.send(x)',
    source: 'n = channel.receive()\nfor i in range(n):\n    channel.send(i)',
    sink: 'n = 0\nfor x in channel:\n    if x is None:\n        break\n    n += 1\nchannel.send(n)',
  },
  {
    name: 'Node',
    spec: 'popen//node=node',
    flood: (count, size) =>
      `globalThis.sent = 0;\nfor (let i = 0; i < ${count}; i++) {\n  await channel.send([i, Buffer.alloc(${size})]);\n  globalThis.sent++;\n}`,
    readSent: 'channel.send(globalThis.sent);',
    gatedSink:
      'const data = await channel.receive();\nawait channel.receive();\nlet n = 0;\nfor await (const x of data) {\n  if (x === null) break;\n  n++;\n}\nawait channel.send(n);',
    echo: 'for await (const x of channel) await channel.send(x);',
    source: 'const n = await channel.receive();\nfor (let i = 0; i < n; i++) channel.send(i);',
    sink: 'let n = 0;\nfor await (const x of channel) {\n  if (x === null) break;\n  n++;\n}\nchannel.send(n);',
  },
];

/** Polls (no timing asserted) until `ready` holds; the deadline only turns a hang into a failure. */
async function until(what: string, ready: () => Promise<boolean> | boolean, deadlineMs = 30000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await ready())) {
    if (Date.now() > end) throw new Error(`still waiting for ${what} after ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function sentSoFar(gw: Gateway, agent: Agent): Promise<number> {
  return (await gw.remoteExec(agent.readSent).receive(20000)) as number;
}

async function receiveAll(ch: Channel, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const [index] = (await ch.receive(20000)) as [number, Uint8Array];
    assert.equal(index, i, 'items arrive whole and in order');
  }
}

for (const agent of AGENTS) {
  describe(`per-channel windows, ${agent.name} agent`, () => {
    test('a channel nobody reads (80 × 1 MiB) stalls neither another channel nor STATUS, and loses nothing', async () => {
      const gw = await makeGateway(agent.spec);
      try {
        const flood = gw.remoteExec(agent.flood(80, 1 << 20));
        // The flood stops where its window (64 MiB by default) is spent; without windows the host would
        // have stopped reading all of the agent's output there instead.
        let last = -1;
        await until('the flood to stop', async () => {
          const now = await sentSoFar(gw, agent);
          const stopped = now > 0 && now === last;
          last = now;
          return stopped;
        });
        assert.ok(last < 80, `the flood stopped at its window (${last} items sent)`);
        const live = gw.remoteExec(agent.echo);
        await live.send('ping');
        assert.equal(await live.receive(20000), 'ping');
        assert.equal(typeof (await gw.remoteStatus()).pid, 'number');
        await receiveAll(flood, 80);
        await flood.waitClose(20000);
        live.close();
      } finally {
        await gw.exit();
      }
    });

    test("the agent's send waits while the host's window is spent, and resumes as the host consumes", async () => {
      const gw = await makeGateway(`${agent.spec}//window=16:1M`);
      try {
        const flood = gw.remoteExec(agent.flood(1000, 10));
        let sent = 0;
        await until('the window to be spent', async () => (sent = await sentSoFar(gw, agent)) >= 16);
        assert.equal(sent, 16, 'the agent stops at the window, 16 items');
        await gw.remoteStatus();
        assert.equal(await sentSoFar(gw, agent), 16, 'and stays there while nobody reads');
        await receiveAll(flood, 1000);
        await flood.waitClose(20000);
        assert.equal(await sentSoFar(gw, agent), 1000);
      } finally {
        await gw.exit();
      }
    });

    test("the host's send waits for credit while remote code does not receive, without holding back other traffic", async () => {
      const gw = await makeGateway(`${agent.spec}//window=16:1M`);
      try {
        const control = gw.remoteExec(agent.gatedSink);
        const data = gw.newChannel();
        await control.send(data);
        for (let i = 0; i < 16; i++) await data.send(i);
        let settled = false;
        const blocked = data.send(16).then(() => (settled = true));
        const echo = gw.remoteExec(agent.echo);
        await echo.send('still answering');
        assert.equal(await echo.receive(20000), 'still answering');
        await gw.remoteStatus();
        assert.equal(settled, false, 'the 17th send waits for the agent to consume');
        await control.send('go');
        await blocked;
        for (let i = 17; i < 1000; i++) await data.send(i);
        await data.send(null);
        assert.equal(await control.receive(20000), 1000, 'every item arrives');
        echo.close();
      } finally {
        await gw.exit();
      }
    });

    // A million sends queued at once, fifteen times the default window: what waits for credit is released
    // in order and in linear time (a queue that copies itself on every release never finishes).
    test('a million items sent without waiting, each way, are held for credit and all arrive, in order', { timeout: 300000 }, async () => {
      const gw = await makeGateway(agent.spec);
      try {
        const count = 1_000_000;
        const sink = gw.remoteExec(agent.sink);
        for (let i = 0; i < count; i++) void sink.send(i);
        void sink.send(null);
        assert.equal(await sink.receive(120000), count);
        const source = gw.remoteExec(agent.source);
        await source.send(count);
        for (let i = 0; i < count; i++) if ((await source.receive(120000)) !== i) assert.fail(`item ${i} out of order`);
      } finally {
        await gw.exit();
      }
    });

    test('a host announcing protocol version 1 gets a version-1 agent, without windows: a flood runs past any window, and loses nothing', async () => {
      const gw = await makeGateway(`${agent.spec}//window=16:1M`, { protocol: 1 });
      try {
        assert.equal(gw.protocolVersion, 1);
        const flood = gw.remoteExec(agent.flood(200, 1024));
        await until('the whole flood is sent unread', async () => (await sentSoFar(gw, agent)) === 200);
        await receiveAll(flood, 200);
        await flood.waitClose(20000);
      } finally {
        await gw.exit();
      }
    });
  });
}

describe('Node agent: sends held for credit', () => {
  test('when the host closes the channel, the sends still held reject with ChannelClosedError, and one log record counts them', async () => {
    const gw = await makeGateway('popen//node=node//window=4:1M');
    try {
      const records: { message: string }[] = [];
      gw.on('log', (r: { message: string }) => records.push(r));
      const flood = gw.remoteExec(
        'const sends = [];\nfor (let i = 0; i < 10; i++) sends.push(channel.send(i));\n' +
          "globalThis.outcomes = Promise.all([sends[0], sends[9]].map((p) => p.then(() => 'sent', (e) => e.name)));",
      );
      // Nothing is received, so the window of 4 stays spent: 4 items went, 6 are held.
      assert.equal(await gw.remoteExec('channel.send(globalThis.outcomes !== undefined);').receive(20000), true, 'the sends were made');
      flood.close();
      const outcomes = await gw.remoteExec('channel.send(await globalThis.outcomes);').receive(20000);
      assert.deepEqual(outcomes, ['sent', 'ChannelClosedError']);
      await until('the drop is logged', () => records.some((r) => /with 6 sent item\(s\) still held for credit: dropped/.test(r.message)));
      assert.equal(records.filter((r) => /held for credit/.test(r.message)).length, 1, 'one record, not one per item');
    } finally {
      await gw.exit();
    }
  });
});
