import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { makeGateway, RemoteError, type Gateway } from '../../../server/api';

// The agent does not import logging or traceback before something needs them; what they serve still
// works the moment it is needed.
const LAZY = ['logging', 'traceback'];

describe('the Python agent imports logging and traceback only when they are used', () => {
  let gw: Gateway;
  before(async () => {
    gw = await makeGateway('popen');
  });
  after(async () => {
    await gw.exit();
  });

  test('a started agent has none of them loaded beyond what the bare interpreter loads', async () => {
    const probe = `import sys; print(' '.join(m for m in ${JSON.stringify(LAZY)} if m in sys.modules))`;
    const bare = execFileSync(gw.info.executable, ['-c', probe], { encoding: 'utf8' }).trim().split(' ').filter(Boolean);
    const loaded = (await gw
      .remoteExec(`import sys\nchannel.send([m for m in ${JSON.stringify(LAZY)} if m in sys.modules])`)
      .receive()) as string[];
    assert.deepEqual(
      loaded.filter((m) => !bare.includes(m)),
      [],
    );
  });

  test("a session run's traceback shows the lines of code run before traceback was imported", async () => {
    await gw.remoteExec("def explode():\n    raise ValueError('from the session')\n", { session: true }).waitClose(10000);
    const err = await gw
      .remoteExec('explode()', { session: true })
      .waitClose(10000)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(err instanceof RemoteError);
    assert.match(err.remoteTraceback, /raise ValueError\('from the session'\)/);
  });

  test('a record logged by code that imports logging itself reaches the host', async () => {
    const seen = new Promise<string>((resolve) => gw.on('log', (r: { message: string }) => resolve(r.message)));
    await gw.remoteExec("import logging\nlogging.getLogger('lazy').warning('logged after import')").waitClose(10000);
    assert.equal(await seen, 'logged after import');
  });
});
