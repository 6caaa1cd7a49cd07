import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { AgentStartError, InterpreterNotFoundError, makeGateway, XSpecError, type Gateway } from '../../../server/api';
import { isAlive, waitGone } from '../../helpers/processes';

const SUDO_USER = 'remote-exec-sudo-test';

function have(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('prefix transports, for real', () => {
  test('cmd=env FOO=1 puts a command in front of the interpreter', async () => {
    const gw = await makeGateway('popen//cmd=env FOO=1 BAR="two words"//python=python3');
    try {
      const ch = gw.remoteExec('import os\nchannel.send([os.environ.get("FOO"), os.environ.get("BAR")])');
      assert.deepEqual(await ch.receive(), ['1', 'two words']);
    } finally {
      await gw.exit();
    }
  });

  test('chdir= is applied behind the prefix', async () => {
    const gw = await makeGateway('popen//cmd=env//chdir=/tmp');
    try {
      assert.equal(gw.info.cwd, '/tmp');
    } finally {
      await gw.exit();
    }
  });

  test('a REPL gateway through a prefix: cmd= in front of the REPL', async () => {
    const gw = await makeGateway('popen//cmd=env FROM_PREFIX=yes//repl=bash');
    try {
      const out: string[] = [];
      gw.on('stdout', (chunk: Buffer) => out.push(chunk.toString()));
      await gw.remoteExec('echo "$FROM_PREFIX"').waitClose(20000);
      assert.equal(out.join(''), 'yes\n');
    } finally {
      await gw.exit();
    }
  });

  test('a prefix that fails says why, with its own message', async () => {
    await assert.rejects(
      makeGateway('popen//cmd=sh -c "echo no such sandbox >&2; exit 3"'),
      (err: unknown) => err instanceof AgentStartError && err.exitCode === 3 && /no such sandbox/.test(err.message),
    );
  });

  describe('sudo=user', () => {
    let skip: string | false = false;
    let created = false;
    before(() => {
      if (process.getuid?.() !== 0) skip = 'not root: cannot create a throwaway user for sudo=';
      else if (!have('sudo')) skip = 'sudo is not installed (scripts/setup-test-deps.sh installs it)';
      else if (!have('useradd')) skip = 'useradd is missing';
      else {
        try {
          execFileSync('id', [SUDO_USER], { stdio: 'ignore' });
        } catch {
          execFileSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', SUDO_USER]);
          created = true;
        }
      }
    });
    after(() => {
      if (created) execFileSync('userdel', [SUDO_USER]);
    });

    test('a REPL gateway through sudo= runs the REPL as that user, in chdir=', async (t) => {
      if (skip) return t.skip(skip);
      const gw = await makeGateway(`popen//sudo=${SUDO_USER}//repl=bash//chdir=/tmp`);
      try {
        const out: string[] = [];
        gw.on('stdout', (chunk: Buffer) => out.push(chunk.toString()));
        await gw.remoteExec('id -un; pwd').waitClose(20000);
        assert.equal(out.join(''), `${SUDO_USER}\n/tmp\n`);
      } finally {
        await gw.exit();
      }
    });

    test('runs the agent as that user', async (t) => {
      if (skip) return t.skip(skip);
      const uid = Number(execFileSync('id', ['-u', SUDO_USER], { encoding: 'utf8' }));
      const gw = await makeGateway(`popen//sudo=${SUDO_USER}//python=/usr/bin/python3//chdir=/tmp`);
      try {
        const ch = gw.remoteExec('import os\nchannel.send([os.getuid(), os.getcwd()])');
        assert.deepEqual(await ch.receive(), [uid, '/tmp']);
        const status = await gw.remoteStatus();
        assert.equal(status.pid, gw.info.pid);
      } finally {
        await gw.exit();
      }
      await waitGone(gw.info.pid);
    });
  });
});

describe('via=: a gateway reached through another open gateway', () => {
  let master: Gateway;
  before(async () => {
    master = await makeGateway('popen//id=via-master');
  });
  after(async () => {
    await master.exit();
  });

  test('the new agent is a child of the via gateway and works like any other', async () => {
    const gw = await makeGateway('popen//via=via-master//chdir=/tmp//env:THROUGH=via');
    const ch = gw.remoteExec(
      'import os\nchannel.send([os.getppid(), os.getcwd(), os.environ.get("THROUGH")])\nfor x in channel: channel.send(x + 1)',
    );
    assert.deepEqual(await ch.receive(), [master.info.pid, '/tmp', 'via']);
    for (const x of [1, 2, 3]) {
      await ch.send(x);
      assert.equal(await ch.receive(), x + 1);
    }
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    const echo = gw.remoteExec('channel.send(channel.receive())');
    await echo.send(big);
    assert.deepEqual(Buffer.from((await echo.receive()) as Uint8Array), big);
    const status = await gw.remoteStatus();
    assert.equal(status.pid, gw.info.pid);
    ch.close();
    await gw.exit();
    await waitGone(gw.info.pid);
    assert.ok(isAlive(master.info.pid), 'the via gateway outlives the gateway made through it');
  });

  test('via= a Node gateway relays through the Node agent', async () => {
    const nodeMaster = await makeGateway('popen//node=node//id=via-node-master');
    try {
      const gw = await makeGateway('popen//via=via-node-master//chdir=/tmp');
      const ch = gw.remoteExec('import os\nchannel.send([os.getppid(), os.getcwd()])');
      assert.deepEqual(await ch.receive(), [nodeMaster.info.pid, '/tmp']);
      await gw.exit();
    } finally {
      await nodeMaster.exit();
    }
  });

  test('a missing interpreter on the via host is named', async () => {
    await assert.rejects(
      makeGateway('popen//via=via-master//python=/nonexistent/python3'),
      (err: unknown) => err instanceof InterpreterNotFoundError && /nonexistent\/python3/.test(err.message),
    );
  });

  test('a REPL through via= is refused with a clear error that says what works', async () => {
    await assert.rejects(makeGateway('popen//via=via-master//repl=bash'), /repl= gateways do not start through via= .*use ssh= or popen/);
  });

  test('an unknown via= id names the open gateways', async () => {
    await assert.rejects(
      makeGateway('popen//via=nope'),
      (err: unknown) => err instanceof XSpecError && /via=nope: no open gateway has that id \(open: .*via-master/.test(err.message),
    );
  });
});
