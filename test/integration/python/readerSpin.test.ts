import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeGateway } from '../../../server/api';

// The agent's reader polls for input for `spin=` µs after traffic before it blocks (PROTOCOL.md §4).
// Measured as the agent's own CPU time across an idle second: a reader that kept spinning would use
// the whole second, one that honours the bound uses at most the bound, one with spin=0 next to nothing.
async function cpuOverIdleSecond(spec: string): Promise<number> {
  const gw = await makeGateway(spec);
  try {
    const ch = gw.remoteExec('import time\nfor _ in channel:\n    channel.send(time.process_time())');
    await ch.send(0);
    const before = (await ch.receive()) as number;
    await sleep(1000);
    await ch.send(0);
    const after = (await ch.receive()) as number;
    ch.close();
    return after - before;
  } finally {
    await gw.exit();
  }
}

describe('the Python reader spins after traffic, bounded by spin=, and never when idle', () => {
  test('spin=0: an idle agent uses no CPU', async () => {
    const cpu = await cpuOverIdleSecond('popen//spin=0');
    assert.ok(cpu < 0.1, `${cpu} s of CPU in an idle second`);
  });

  test('spin=300000: the reader spins after traffic for the bound, then blocks for the rest of the idle second', async () => {
    const cpu = await cpuOverIdleSecond('popen//spin=300000');
    assert.ok(cpu > 0.05, `${cpu} s of CPU: spin= was not honoured`);
    assert.ok(cpu < 0.6, `${cpu} s of CPU in an idle second: the spin is not bounded`);
  });
});
