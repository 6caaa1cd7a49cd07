import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeGateway } from '../../server/api';

// requests=N is the bound a user sets: with N calls blocked remotely, the next ones wait on the host,
// the agent sees no more than N, and the others go out as the first ones answer.

describe('requests= bounds the proxy calls in flight', () => {
  for (const [name, spec, define, open, readSeen] of [
    [
      'Python',
      'popen//requests=3',
      'import threading\ngate = threading.Event()\nseen = []\ndef wait(i):\n    seen.append(i)\n    gate.wait()\n    return i\n',
      'gate.set()',
      'channel.send(sorted(seen))',
    ],
    [
      'Node',
      'popen//node=node//requests=3',
      'let open;\nglobalThis.gate = new Promise((r) => (open = r));\nglobalThis.openGate = () => open();\nglobalThis.seen = [];\nglobalThis.wait = async (i) => { seen.push(i); await gate; return i; };\n',
      'openGate();',
      'channel.send([...seen].sort((a, b) => a - b));',
    ],
  ] as const) {
    test(`${name} agent: 3 of 50 blocked calls reach the agent; each of the 50 gets its own answer once the gate opens`, async () => {
      const gw = await makeGateway(spec);
      try {
        await gw.remoteExec(define, { session: true }).waitClose(20000);
        const wait = (await gw.objectRequest(null, [['getattr', 'wait']], 'proxy')) as (i: number) => PromiseLike<number>;
        const before = await gw.remoteStatus();
        const calls = Array.from({ length: 50 }, (_, i) => Promise.resolve(wait(i)));
        await new Promise((sent) => setImmediate(sent));
        const during = await gw.remoteStatus();
        assert.equal(during.msgsIn - before.msgsIn, 3 + 1, 'three calls and the STATUS reached the agent');
        // Read by an EXEC (an OBJECT request would wait behind the 47 parked calls), until the agent's
        // workers have started the three calls it holds.
        let seen: unknown = [];
        for (let tries = 0; tries < 200 && (seen as number[]).length < 3; tries++) {
          seen = await gw.remoteExec(readSeen, { session: true }).receive(20000);
          if ((seen as number[]).length < 3) await new Promise((later) => setTimeout(later, 10));
        }
        assert.deepEqual(seen, [0, 1, 2], 'the first three went out; the later ones wait on the host');
        await gw.remoteExec(open, { session: true }).waitClose(20000);
        assert.deepEqual(await Promise.all(calls), [...Array(50).keys()]);
      } finally {
        await gw.exit();
      }
    });
  }
});
