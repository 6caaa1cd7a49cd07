import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeGateway } from '../../server/api';

// requests=N is the bound a user sets: with N calls blocked remotely, the next ones wait on the host,
// the agent sees no more than N, and the others go out as the first ones answer.

describe('requests= bounds the proxy calls in flight', () => {
  for (const [name, spec, define, open] of [
    [
      'Python',
      'popen//requests=3',
      'import threading\ngate = threading.Event()\ndef wait(i):\n    gate.wait()\n    return i\n',
      'gate.set()',
    ],
    [
      'Node',
      'popen//node=node//requests=3',
      'let open;\nglobalThis.gate = new Promise((r) => (open = r));\nglobalThis.openGate = () => open();\nglobalThis.wait = async (i) => { await gate; return i; };\n',
      'openGate();',
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
        await gw.remoteExec(open, { session: true }).waitClose(20000);
        assert.deepEqual(await Promise.all(calls), [...Array(50).keys()]);
        // The three in flight may finish in any order; the waiting ones were sent, and answered, after them.
        assert.deepEqual(
          order.slice(3),
          [...Array(50).keys()].slice(3).filter((i) => !order.slice(0, 3).includes(i)),
        );
      } finally {
        await gw.exit();
      }
    });
  }
});
