import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { makeGateway, type Gateway } from '../../../server/api';

// What remote code writes to its standard streams, as a user watching it sees it: whole, in order, and
// cheap enough that a loop of a million prints is a loop of a million prints, not a million frames.
type Agent = {
  name: string;
  spec: string;
  /** Prints the numbers 0 to 999999, one a line. */
  millionPrints: string;
  /** Prints 300 MiB of 'x' and a newline in one call, then sends the agent's peak resident memory in bytes. */
  hugePrint: string;
  /** Writes out1, sends 1 on the channel, writes err1 to stderr, writes out2, runs a child that writes child. */
  interleaved: string;
};

const AGENTS: Agent[] = [
  {
    name: 'Python',
    spec: 'popen',
    millionPrints: 'for i in range(1000000):\n    print(i)',
    hugePrint: "import resource\nprint('x' * (300 << 20))\nchannel.send(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)",
    interleaved:
      "import os, sys\nprint('out1')\nchannel.send(1)\nprint('err1', file=sys.stderr)\nprint('out2')\nos.system('echo child')\nchannel.send(2)",
  },
  {
    name: 'Node',
    spec: 'popen//node=node',
    millionPrints: 'for (let i = 0; i < 1000000; i++) console.log(i);',
    hugePrint: "console.log('x'.repeat(300 << 20));\nchannel.send(process.resourceUsage().maxRSS * 1024);",
    interleaved:
      "console.log('out1');\nchannel.send(1);\nconsole.error('err1');\nconsole.log('out2');\nrequire('child_process').execSync('echo child', { stdio: 'inherit' });\nchannel.send(2);",
  },
];

type Event = { kind: 'stdout' | 'stderr' | 'data'; text: string };

for (const agent of AGENTS) {
  describe(`${agent.name} agent output`, () => {
    let gw: Gateway;
    before(async () => {
      gw = await makeGateway(agent.spec);
    });
    after(async () => {
      await gw.exit();
    });

    test('a million print() calls arrive whole, in order, batched into few frames', async () => {
      const chunks: Buffer[] = [];
      const onOut = (c: Buffer) => chunks.push(c);
      gw.on('stdout', onOut);
      try {
        await gw.remoteExec(agent.millionPrints).waitClose(120000);
        await gw.remoteStatus();
      } finally {
        gw.off('stdout', onOut);
      }
      const lines = Buffer.concat(chunks).toString().split('\n');
      assert.equal(lines.pop(), '');
      assert.equal(lines.length, 1000000);
      assert.ok(
        lines.every((line, i) => line === String(i)),
        'every line arrives once, in order',
      );
      // One frame per print would be a million events, each a host wake-up: the cost users waited for.
      assert.ok(chunks.length < 2000, `${chunks.length} stdout messages for a million prints`);
    });

    test('one 300 MiB print arrives whole, in frames under the limit, with the agent holding no copy of it', async () => {
      let bytes = 0;
      let others = 0;
      let newlines = 0;
      let largest = 0;
      const onOut = (c: Buffer) => {
        bytes += c.length;
        largest = Math.max(largest, c.length);
        for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) newlines++;
        // Everything but the newline is 'x' (0x78): count what is not, without copying the chunk.
        for (let i = 0; i < c.length; i += 4096) {
          const end = Math.min(c.length, i + 4096);
          for (let j = i; j < end; j++) if (c[j] !== 0x78 && c[j] !== 10) others++;
        }
      };
      // A fresh agent: its peak memory is then this print's, not an earlier test's.
      const fresh = await makeGateway(agent.spec);
      fresh.on('stdout', onOut);
      let peak: number;
      try {
        const ch = fresh.remoteExec(agent.hugePrint);
        peak = (await ch.receive(120000)) as number;
        await ch.waitClose(120000);
        await fresh.remoteStatus();
      } finally {
        await fresh.exit();
      }
      assert.equal(bytes, (300 << 20) + 1);
      assert.equal(newlines, 1);
      assert.equal(others, 0);
      assert.ok(largest <= 1 << 20, `a frame of ${largest} bytes`);
      // The string itself is 300 MiB; encoding it whole would hold 300 MiB more.
      assert.ok(peak < (300 << 20) + (150 << 20), `the agent peaked at ${Math.round(peak / 2 ** 20)} MiB`);
    });

    test('stdout, stderr and channel data arrive in the order they were written, child output after what came before it', async () => {
      const events: Event[] = [];
      const onOut = (c: Buffer) => events.push({ kind: 'stdout', text: c.toString() });
      const onErr = (c: Buffer) => events.push({ kind: 'stderr', text: c.toString() });
      gw.on('stdout', onOut);
      gw.on('stderr', onErr);
      try {
        const ch = gw.remoteExec(agent.interleaved);
        ch.setCallback((item) => events.push({ kind: 'data', text: String(item) }));
        await ch.waitClose(10000);
        // A child's output is read from its pipe by the agent on its own time: it may come after DATA
        // the task sent later, but after everything the task wrote before starting the child.
        for (let i = 0; i < 500 && !events.some((e) => e.text.includes('child')); i++) await new Promise((r) => setTimeout(r, 20));
      } finally {
        gw.off('stdout', onOut);
        gw.off('stderr', onErr);
      }
      const seen = events.flatMap((e) =>
        e.text
          .split('\n')
          .filter(Boolean)
          .map((t) => `${e.kind}:${t}`),
      );
      assert.deepEqual(
        seen.filter((s) => s !== 'stdout:child'),
        ['stdout:out1', 'data:1', 'stderr:err1', 'stdout:out2', 'data:2'],
      );
      assert.ok(seen.indexOf('stdout:child') > seen.indexOf('stdout:out2'), seen.join(', '));
    });
  });
}

describe('Node agent console', () => {
  test('console.log, error and their kin print exactly what Node itself prints, directives and groups included', async () => {
    const code = [
      'console.log("a", 1, -0, "%s!", "x");',
      'console.log("%d items", 3);',
      'console.log({ a: 1 }, [1, "two"]);',
      'console.log(1.5, NaN, Infinity, 1e21, "", 0);',
      'console.info("info"); console.debug("debug");',
      'console.group("g"); console.log("in"); console.groupEnd(); console.log("out");',
    ].join('\n');
    const expected = execFileSync(process.execPath, ['-e', code], { encoding: 'utf8' });
    const gw = await makeGateway('popen//node=node');
    const chunks: Buffer[] = [];
    gw.on('stdout', (c: Buffer) => chunks.push(c));
    try {
      await gw.remoteExec(code).waitClose(10000);
      await gw.remoteStatus();
    } finally {
      await gw.exit();
    }
    assert.equal(Buffer.concat(chunks).toString(), expected);
  });
});
