import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeGateway, RemoteError, resizeRepl, type Gateway } from '../../../server/api';
import { waitGone } from '../../helpers/processes';
import { run } from './replSuite';

describe('repl= gateways among the others', () => {
  let gw: Gateway;
  before(async () => {
    gw = await makeGateway('popen//repl=bash//env:GREETING=hello there//chdir=/tmp');
  });
  after(async () => {
    await gw.exit();
    await waitGone(gw.info.pid);
  });

  test('chdir= and env: reach the REPL', async () => {
    assert.equal(gw.info.cwd, '/tmp');
    assert.equal(await run(gw, 'pwd; echo "$GREETING"'), '/tmp\nhello there\n');
  });

  test('objects are refused with a clear error', async () => {
    await assert.rejects(
      gw.wrap('os'),
      (err: RemoteError) => err instanceof RemoteError && /objects are not supported by REPL gateways/.test(err.remoteMessage),
    );
  });

  test('the terminal can be resized; other gateways have no terminal', async () => {
    resizeRepl(gw, 100, 30);
    assert.equal(await run(gw, 'stty size'), '30 100\n');
    assert.throws(() => resizeRepl({ transport: {}, id: 'x', spec: 'popen' } as unknown as Gateway, 80, 24), /not a repl= gateway/);
  });

  test('a REPL that cannot start fails the gateway with what the terminal showed', async () => {
    await assert.rejects(makeGateway('popen//repl=/nonexistent/repl'), /nonexistent|exited|closed/);
  });
});
