import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeGateway, type Gateway } from '../../../server/api';
import { rssOf } from '../../helpers/processes';

const TOTAL = Number(process.env.REMOTE_EXEC_LIFETIME_PROXIES || 1_000_000);
const BATCH = 2000;

async function settle(gw: Gateway, baseline: number): Promise<number> {
  // Collect until the finalizers have run and their batched releases have reached the agent.
  let numobjects = -1;
  for (let i = 0; i < 50 && numobjects !== baseline; i++) {
    global.gc!();
    await new Promise((r) => setTimeout(r, 40));
    numobjects = (await gw.remoteStatus()).numobjects;
  }
  return numobjects;
}

/** The Python objects the agent's allocator holds, after a collection: what a leak would add to. */
async function allocatedBlocks(gw: Gateway): Promise<number> {
  return (await gw.remoteExec('import gc, sys\ngc.collect()\nchannel.send(sys.getallocatedblocks())').receive()) as number;
}

/** Each call returns a fresh remote object: a new exported id and a new proxy, unreachable on return. */
async function makeAndDrop(builtins: any): Promise<number> {
  const batch = await Promise.all(Array.from({ length: BATCH }, () => builtins.object()));
  return batch.length;
}

describe('proxy lifetimes', () => {
  let gw: Gateway;
  before(async () => {
    gw = await makeGateway('popen');
  });
  after(async () => {
    await gw.exit();
  });

  test(
    `${TOTAL.toLocaleString('en-US')} proxies created and dropped: exported count back to baseline, memory flat`,
    { skip: typeof global.gc !== 'function' && 'needs node --expose-gc', timeout: 15 * 60 * 1000 },
    async () => {
      const builtins = await gw.wrap('builtins');
      const baseline = (await gw.remoteStatus()).numobjects;
      const samples: { made: number; host: number; agent: number; blocks: number }[] = [];
      for (let made = 0; made < TOTAL; made += BATCH) {
        assert.equal(await makeAndDrop(builtins), BATCH);
        if (made % (TOTAL / 10) === 0) {
          assert.equal(await settle(gw, baseline), baseline, `exported objects back to ${baseline} after ${made}`);
          samples.push({ made, host: process.memoryUsage().heapUsed, agent: rssOf(gw.info.pid), blocks: await allocatedBlocks(gw) });
        }
      }
      assert.equal(await settle(gw, baseline), baseline);
      const status = await gw.remoteStatus();
      assert.ok(status.nextid >= TOTAL, `ids are never reused: nextid ${status.nextid}`);
      samples.push({ made: TOTAL, host: process.memoryUsage().heapUsed, agent: rssOf(gw.info.pid), blocks: await allocatedBlocks(gw) });
      // Flat: after warm-up (the second sample on), neither side grows by more than a bounded amount,
      // where a leak of even 100 bytes per proxy would add 100 MB. The agent's Python objects are
      // counted exactly (a leak of one per proxy would add a million); its RSS also holds what the C
      // allocator keeps after freeing, one arena per thread that ran requests, so it gets more room.
      const warm = samples[1];
      const last = samples[samples.length - 1];
      const mb = (b: number) => (b / 2 ** 20).toFixed(1);
      assert.ok(last.host - warm.host < 32 * 2 ** 20, `host heap grew from ${mb(warm.host)} to ${mb(last.host)} MiB`);
      assert.ok(last.blocks - warm.blocks < 10_000, `the agent's allocated blocks grew from ${warm.blocks} to ${last.blocks}`);
      assert.ok(last.agent - warm.agent < 64 * 2 ** 20, `agent RSS grew from ${mb(warm.agent)} to ${mb(last.agent)} MiB`);
    },
  );
});
