import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeGateway } from '../../../server/api';

// The namespace listing (OBJECT ["namespace"]) is what a variables view refreshes: small plain values
// come by value, and a big one as a reference to be paged on demand, not copied whole on every refresh.
const AGENTS = [
  {
    name: 'Python',
    spec: 'popen',
    setup: "big = list(range(3_000_000))\nsmall = [1, 2, 3]\ntext = 'x' * 100_000\nword = 'hi'",
  },
  {
    name: 'Node',
    spec: 'popen//node=node',
    setup: "big = Array.from({ length: 3_000_000 }, (_, i) => i);\nsmall = [1, 2, 3];\ntext = 'x'.repeat(100_000);\nword = 'hi';",
  },
];

for (const agent of AGENTS)
  describe(`${agent.name} agent's namespace listing`, () => {
    test('small plain values come by value; a 3,000,000-item list and a 100 KB string as references', async () => {
      const gw = await makeGateway(agent.spec);
      try {
        await gw.remoteExec(agent.setup, { session: true }).waitClose(60000);
        const ns = (await gw.objectRequest(null, [['namespace']])) as Record<string, unknown>;
        assert.deepEqual(ns.small, [1, 2, 3]);
        assert.equal(ns.word, 'hi');
        for (const name of ['big', 'text']) {
          assert.ok(ns[name] !== null && typeof ns[name] !== 'string' && !Array.isArray(ns[name]), `${name} came by value`);
          // The reference is live: its length is read from the agent when asked for.
          assert.equal(await gw.objectRequest(null, [['getattr', name], ['len']]), name === 'big' ? 3_000_000 : 100_000);
        }
        const bytesOut = ((await gw.remoteStatus()).bytesOut as number) ?? 0;
        assert.ok(bytesOut < 1 << 20, `the agent sent ${bytesOut} bytes in all`);
      } finally {
        await gw.exit();
      }
    });
  });
