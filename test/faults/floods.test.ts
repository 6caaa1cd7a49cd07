import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_WINDOW } from '../../protocol';
import { makeGateway } from '../../server/api';
import { peakRss } from '../helpers/processes';

// Floods of tiny channel items with nobody reading, each way: the sender is held to the channel's window,
// so neither side's memory follows the flood. Peak RSS (VmHWM) is read from /proc and held to the bound
// SECURITY.md and the README state: 256 MiB above what the process used before the flood.

const MiB = 1024 * 1024;
const BOUND = 256 * MiB;
const ITEMS = 10_000_000;

/** Polls until two readings of `value` agree (the flood has stopped); the deadline only turns a hang into a failure. */
async function whenStable(what: string, value: () => Promise<number>): Promise<number> {
  const end = Date.now() + 60000;
  let last = -1;
  for (;;) {
    const now = await value();
    if (now > 0 && now === last) return now;
    if (Date.now() > end) throw new Error(`${what} still changing after 60 s (${now})`);
    last = now;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const AGENTS = [
  {
    name: 'Python',
    spec: 'popen',
    flood: `import builtins\nbuiltins.sent = 0\nfor i in range(${ITEMS}):\n    channel.send(i)\n    builtins.sent += 1`,
    sent: 'import builtins\nchannel.send(getattr(builtins, "sent", 0))',
    hold: 'import builtins\nbuiltins.held = channel.receive()\nchannel.send("holding")\nimport time\nwhile True: time.sleep(1)',
  },
  {
    name: 'Node',
    spec: 'popen//node=node',
    flood: `globalThis.sent = 0;\nfor (let i = 0; i < ${ITEMS}; i++) {\n  await channel.send(i);\n  globalThis.sent++;\n}`,
    sent: 'channel.send(globalThis.sent || 0);',
    hold: 'globalThis.held = await channel.receive();\nawait channel.send("holding");\nawait new Promise(() => {});',
  },
];

for (const agent of AGENTS) {
  describe(`floods with nobody reading, ${agent.name} agent`, () => {
    test(`${ITEMS.toLocaleString('en-US')} tiny items from the agent: it stops at its window, both sides stay within the bound`, async () => {
      const gw = await makeGateway(agent.spec);
      try {
        const host = peakRss('self');
        const remote = peakRss(gw.info.pid);
        gw.remoteExec(agent.flood);
        const sent = await whenStable('the agent flood', async () => (await gw.remoteExec(agent.sent).receive(20000)) as number);
        assert.ok(sent <= DEFAULT_WINDOW.items, `the agent stopped at ${sent} items, within its window`);
        assert.ok(peakRss(gw.info.pid) - remote < BOUND, `agent peak RSS grew by ${(peakRss(gw.info.pid) - remote) / MiB} MiB`);
        assert.ok(peakRss('self') - host < BOUND, `host peak RSS grew by ${(peakRss('self') - host) / MiB} MiB`);
      } finally {
        await gw.exit();
      }
    });

    test(`${ITEMS.toLocaleString('en-US')} tiny items to remote code that does not receive: the host's sends wait, the agent stays within the bound`, async () => {
      const gw = await makeGateway(agent.spec);
      try {
        const remote = peakRss(gw.info.pid);
        const holder = gw.remoteExec(agent.hold);
        const data = gw.newChannel();
        await holder.send(data);
        assert.equal(await holder.receive(20000), 'holding');
        let sent = 0;
        const flooding = (async () => {
          for (; sent < ITEMS; sent++) await data.send(sent);
        })();
        flooding.catch(() => undefined); // it ends with the gateway below, whichever error comes first
        const stopped = await whenStable('the host flood', async () => sent);
        assert.ok(stopped <= DEFAULT_WINDOW.items, `the host's sends wait after ${stopped} items, within the window`);
        await gw.remoteStatus(); // the agent still answers while the channel's window is spent
        assert.ok(peakRss(gw.info.pid) - remote < BOUND, `agent peak RSS grew by ${(peakRss(gw.info.pid) - remote) / MiB} MiB`);
        await gw.exit();
        await assert.rejects(flooding);
      } finally {
        await gw.exit();
      }
    });
  });
}

describe('a flood of log records', () => {
  test('1,000,000 log records from the Python agent: each one arrives or is counted as dropped, both sides within the bound', async () => {
    const gw = await makeGateway('popen//loglevel=20');
    try {
      const host = peakRss('self');
      const remote = peakRss(gw.info.pid);
      let received = 0;
      let dropped = 0;
      let last = -1;
      gw.on('log', (record: { message: string }) => {
        const m = /^record (\d+)$/.exec(record.message);
        if (m) {
          received++;
          last = Number(m[1]);
        }
        const d = /^(\d+) log records dropped$/.exec(record.message);
        if (d) dropped += Number(d[1]);
      });
      const ch = gw.remoteExec("import logging\nlog = logging.getLogger('flood')\nfor i in range(1000000):\n    log.info('record %d', i)");
      await ch.waitClose(120000);
      const end = Date.now() + 60000;
      while (received + dropped < 1000000 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      assert.equal(received + dropped, 1000000, `received ${received}, dropped ${dropped}, last ${last}`);
      assert.ok(peakRss(gw.info.pid) - remote < BOUND, `agent peak RSS grew by ${(peakRss(gw.info.pid) - remote) / MiB} MiB`);
      assert.ok(peakRss('self') - host < BOUND, `host peak RSS grew by ${(peakRss('self') - host) / MiB} MiB`);
    } finally {
      await gw.exit();
    }
  });
});
