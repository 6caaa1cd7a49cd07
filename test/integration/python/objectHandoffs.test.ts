import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeGateway, type Gateway } from '../../../server/api';

// Which OBJECT requests the Python agent hands from its reader to a worker thread (STATUS
// objectHandoffs): the hand-off is most of what a proxy read costs, and a read of plain data held by a
// module runs no user code, so it can neither block the reader nor call back into the host.
describe('object requests the Python reader answers itself', () => {
  let gw: Gateway;
  before(async () => {
    gw = await makeGateway('popen');
  });
  after(async () => {
    await gw.exit();
  });

  const handoffs = async () => (await gw.remoteStatus()).objectHandoffs as number;

  test('reads of plain module data, even through a submodule, take no thread hand-off', async () => {
    const sys = await gw.wrap('sys');
    const os = await gw.wrap('os');
    const before = await handoffs();
    for (let i = 0; i < 20; i++) assert.equal(await sys.byteorder, 'little');
    assert.equal(await os.path.sep, '/');
    assert.equal(await sys.platform, process.platform);
    assert.equal(await handoffs(), before);
  });

  test('a call, or a read that reaches an object or runs code, still runs on a worker', async () => {
    const operator = await gw.wrap('operator');
    const sys = await gw.wrap('sys');
    const before = await handoffs();
    assert.equal(await operator.add(1, 2), 3);
    // sys.flags is a structseq (not plain data): exported as an object, from a worker.
    await sys.flags;
    assert.equal(await handoffs(), before + 2);
  });
});
