import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import {
  AuthenticationError,
  HostKeyError,
  HostUnreachableError,
  InterpreterNotFoundError,
  makeGateway,
  RemoteError,
  type Gateway,
} from '../../../server/api';
import { SSH_OPTIONS_ENV } from '../../../server/transports/ssh';
import { freePort } from '../../helpers/ports';
import { startSshd, type Sshd } from '../../helpers/sshd';

const execFileAsync = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..', '..');

/** Runs `fn` with REMOTE_EXEC_SSH_OPTIONS set to `options` (no connection sharing: each try really logs in). */
async function withSshOptions<T>(options: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env[SSH_OPTIONS_ENV];
  process.env[SSH_OPTIONS_ENV] = `-o ControlMaster=no -o ControlPath=none ${options}`;
  try {
    return await fn();
  } finally {
    process.env[SSH_OPTIONS_ENV] = saved;
  }
}

describe('ssh gateways against a real OpenSSH server on 127.0.0.1', () => {
  let sshd: Sshd | undefined;
  let skip: string | false = false;
  let gw: Gateway;
  let scratch: string;

  before(async () => {
    const started = await startSshd();
    if (typeof started === 'string') {
      skip = started;
      return;
    }
    sshd = started;
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-exec-ssh-test-'));
    gw = await makeGateway(`ssh=${sshd.address}`);
  });
  after(async () => {
    await gw?.exit();
    await sshd?.stop();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  test('exec runs as the remote user and streams its output', async (t) => {
    if (skip) return t.skip(skip);
    const uid = Number(execFileSync('id', ['-u', sshd!.user], { encoding: 'utf8' }));
    const printed: string[] = [];
    gw.on('stdout', (chunk: Buffer) => printed.push(chunk.toString()));
    const ch = gw.remoteExec('import os\nprint("hello over ssh", flush=True)\nchannel.send([os.getuid(), os.getcwd()])');
    assert.deepEqual(await ch.receive(), [uid, `/home/${sshd!.user}`]);
    await ch.waitClose(5000);
    assert.match(printed.join(''), /hello over ssh/);
    assert.notEqual(gw.info.pid, process.pid);
  });

  test('a channel exchange and remoteStatus', async (t) => {
    if (skip) return t.skip(skip);
    const ch = gw.remoteExec('for x in channel: channel.send(x * 2)');
    for (const x of [1, 21, 'ab']) {
      await ch.send(x);
      assert.deepEqual(await ch.receive(), typeof x === 'number' ? x * 2 : 'abab');
    }
    const status = await gw.remoteStatus();
    assert.equal(status.pid, gw.info.pid);
    assert.equal(status.numexecuting, 1);
    ch.close();
  });

  test('chdir=, env: and nice= reach the remote command', async (t) => {
    if (skip) return t.skip(skip);
    const g = await makeGateway(`ssh=${sshd!.address}//python=python3//chdir=/tmp//env:GREETING=hi there//nice=3`);
    try {
      assert.equal(g.info.cwd, '/tmp');
      const ch = g.remoteExec('import os\nchannel.send([os.environ.get("GREETING"), os.nice(0)])');
      assert.deepEqual(await ch.receive(), ['hi there', 3]);
    } finally {
      await g.exit();
    }
  });

  test('a second gateway to the same host rides the shared connection', async (t) => {
    if (skip) return t.skip(skip);
    const check = await sshd!.control('check');
    assert.equal(check.code, 0, check.output);
    assert.match(check.output, /Master running/);
    const logins = () => (sshd!.log().match(/Accepted publickey/g) ?? []).length;
    const before = logins();
    const second = await makeGateway(`ssh=${sshd!.address}`);
    try {
      const ch = second.remoteExec('channel.send(1)');
      assert.equal(await ch.receive(), 1);
      assert.notEqual(second.info.pid, gw.info.pid);
      // sshd logs every authentication; a session multiplexed over the master needs none.
      assert.equal(logins(), before, 'the second gateway logged in again instead of reusing the master connection');
    } finally {
      await second.exit();
    }
  });

  test('a Node agent over ssh', async (t) => {
    if (skip) return t.skip(skip);
    try {
      await execFileAsync('ssh', [...sshArgs(sshd!), 'command -v node']);
    } catch {
      return t.skip(`no node on the PATH of ${sshd!.user}`);
    }
    const g = await makeGateway(`ssh=${sshd!.address}//node=node`);
    try {
      assert.equal(g.info.language, 'node');
      const status = await g.remoteStatus();
      assert.equal(status.pid, g.info.pid);
    } finally {
      await g.exit();
    }
  });

  test('a REPL gateway over ssh runs code in a remote pty and reports failures', async (t) => {
    if (skip) return t.skip(skip);
    const g = await makeGateway(`ssh=${sshd!.address}//repl=bash`);
    try {
      const out: string[] = [];
      g.on('stdout', (chunk: Buffer) => out.push(chunk.toString()));
      await g.remoteExec('whoami\nfor i in 1 2 3; do echo line $i; done').waitClose(30000);
      assert.match(out.join(''), new RegExp(`${sshd!.user}[\\s\\S]*line 1[\\s\\S]*line 3`));
      await assert.rejects(g.remoteExec('false').waitClose(30000), (e: Error) => e instanceof RemoteError && e.remoteType === 'ExitStatus');
    } finally {
      await g.exit();
    }
  });

  test('prefixes run on the remote side: cmd=env ...', async (t) => {
    if (skip) return t.skip(skip);
    const g = await makeGateway(`ssh=${sshd!.address}//cmd=env FROM_PREFIX=yes`);
    try {
      const ch = g.remoteExec('import os\nchannel.send([os.environ.get("FROM_PREFIX"), os.getcwd()])');
      assert.deepEqual(await ch.receive(), ['yes', `/home/${sshd!.user}`]);
    } finally {
      await g.exit();
    }
  });

  test('a REPL behind a prefix over ssh: the prefix and chdir= apply on the remote side', async (t) => {
    if (skip) return t.skip(skip);
    const g = await makeGateway(`ssh=${sshd!.address}//cmd=env FROM_PREFIX=yes//repl=bash//chdir=/tmp`);
    try {
      const out: string[] = [];
      g.on('stdout', (chunk: Buffer) => out.push(chunk.toString()));
      await g.remoteExec('echo "$FROM_PREFIX"; pwd; id -un').waitClose(20000);
      assert.equal(out.join(''), `yes\n/tmp\n${sshd!.user}\n`);
    } finally {
      await g.exit();
    }
  });

  test('via= an ssh gateway starts the new agent on the remote host', async (t) => {
    if (skip) return t.skip(skip);
    const master = await makeGateway(`ssh=${sshd!.address}//id=ssh-master`);
    try {
      const g = await makeGateway('popen//via=ssh-master//chdir=/tmp');
      const ch = g.remoteExec('import os\nchannel.send([os.getppid(), os.getuid(), os.getcwd()])');
      const [ppid, uid, cwd] = (await ch.receive()) as number[];
      assert.equal(ppid, master.info.pid);
      assert.equal(uid, Number(execFileSync('id', ['-u', sshd!.user], { encoding: 'utf8' })));
      assert.equal(cwd, '/tmp');
      await g.exit();
    } finally {
      await master.exit();
    }
  });

  test('ssh=user@[::1]:PORT reaches the sshd over IPv6', async (t) => {
    if (skip) return t.skip(skip);
    if (!sshd!.ipv6) return t.skip('no IPv6 loopback on this machine');
    const g = await makeGateway(`ssh=${sshd!.user}@[::1]:${sshd!.port}`);
    try {
      const ch = g.remoteExec('import os\nchannel.send(os.environ["SSH_CONNECTION"].split()[2])');
      assert.equal(await ch.receive(), '::1');
    } finally {
      await g.exit();
    }
  });

  test('ssh=[::1] with user and port from the ssh options', async (t) => {
    if (skip) return t.skip(skip);
    if (!sshd!.ipv6) return t.skip('no IPv6 loopback on this machine');
    const g = await withSshOptions(`${sshd!.options} -p ${sshd!.port} -l ${sshd!.user}`, () => makeGateway('ssh=[::1]'));
    try {
      const ch = g.remoteExec('import os, getpass\nchannel.send([os.environ["SSH_CONNECTION"].split()[2], getpass.getuser()])');
      assert.deepEqual(await ch.receive(), ['::1', sshd!.user]);
    } finally {
      await g.exit();
    }
  });

  test('the CLI runs code over ssh', async (t) => {
    if (skip) return t.skip(skip);
    const { stdout } = await execFileAsync(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(ROOT, 'server/cli.ts'),
        'exec',
        '--spec',
        `ssh=${sshd!.address}//chdir=/tmp`,
        '-c',
        'import os; print(os.getcwd())',
      ],
      {
        cwd: ROOT,
        env: process.env,
      },
    );
    assert.equal(stdout.trim(), '/tmp');
  });

  describe('diagnostics, each provoked for real', () => {
    test("a closed port is HostUnreachableError with ssh's own words", async (t) => {
      if (skip) return t.skip(skip);
      const port = await freePort();
      await assert.rejects(
        withSshOptions(sshd!.options, () => makeGateway(`ssh=${sshd!.user}@127.0.0.1:${port}`)),
        (err: unknown) => err instanceof HostUnreachableError && err.exitCode === 255 && /Connection refused/.test(err.stderrTail),
      );
    });

    test('a key the server does not know is AuthenticationError', async (t) => {
      if (skip) return t.skip(skip);
      const wrongKey = path.join(scratch, 'wrong_key');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrongKey]);
      await assert.rejects(
        withSshOptions(`-i ${wrongKey} -o IdentitiesOnly=yes -o UserKnownHostsFile=${sshd!.knownHosts}`, () =>
          makeGateway(`ssh=${sshd!.address}`),
        ),
        (err: unknown) => err instanceof AuthenticationError && err.exitCode === 255 && /Permission denied/.test(err.stderrTail),
      );
    });

    test('a changed host key is HostKeyError', async (t) => {
      if (skip) return t.skip(skip);
      const otherHostKey = path.join(scratch, 'other_host_key');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherHostKey]);
      const knownHosts = path.join(scratch, 'known_hosts_changed');
      fs.writeFileSync(knownHosts, `[127.0.0.1]:${sshd!.port} ${fs.readFileSync(otherHostKey + '.pub', 'utf8')}`);
      await assert.rejects(
        withSshOptions(`-i ${sshd!.key} -o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes`, () =>
          makeGateway(`ssh=${sshd!.address}`),
        ),
        (err: unknown) =>
          err instanceof HostKeyError &&
          /differs from the one on record/.test(err.message) &&
          /Host key verification failed/.test(err.stderrTail),
      );
    });

    test('a missing remote interpreter is InterpreterNotFoundError', async (t) => {
      if (skip) return t.skip(skip);
      await assert.rejects(
        makeGateway(`ssh=${sshd!.address}//python=/nonexistent/python3`),
        (err: unknown) => err instanceof InterpreterNotFoundError && err.exitCode === 127 && /nonexistent\/python3/.test(err.stderrTail),
      );
    });
  });
});

function sshArgs(sshd: Sshd): string[] {
  return [...sshd.options.split(' '), '-p', String(sshd.port), '-o', 'BatchMode=yes', `${sshd.user}@127.0.0.1`];
}
