import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeGateway, type Gateway } from '../../../server/api';

// A burst of small channel items from the Python agent is written to the host in batches (STATUS
// `writes` counts the writes), while an item sent before a long pause still arrives during the pause.
describe('small DATA frames from the Python agent', () => {
  let gw: Gateway;
  before(async () => {
    gw = await makeGateway('popen');
  });
  after(async () => {
    await gw.exit();
  });

  const writes = async () => (await gw.remoteStatus()).writes as number;

  test('a loop of 10,000 sends arrives whole and in order, in far fewer writes than items', async () => {
    const before = await writes();
    const ch = gw.remoteExec('for i in range(10000):\n    channel.send(i)');
    for (let i = 0; i < 10000; i++) assert.equal(await ch.receive(10000), i);
    await ch.waitClose(10000);
    const used = (await writes()) - before;
    assert.ok(used < 1000, `${used} writes for 10,000 items`);
  });

  test('items sent just before the code blocks for a long time arrive while it still blocks', async () => {
    const ch = gw.remoteExec('import time\nchannel.send(1)\nchannel.send(2)\ntime.sleep(30)');
    assert.equal(await ch.receive(10000), 1);
    assert.equal(await ch.receive(10000), 2);
  });
});
