import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import * as rpc from '../../../contract/service';
import type { InputParams } from '../../../contract/service';
import { installed } from '../engines/daemons';
import { CLI, type TerminalRun } from '../cli/cliRun';

/** Someone who may run commands as TARGET with sudo, after typing their password. */
const CALLER = 'remote-exec-pw-caller';
const TARGET = 'remote-exec-pw-target';
const SUDOERS = '/etc/sudoers.d/remote-exec-password-test';
const SPEC = `popen//sudo=${TARGET}//python=/usr/bin/python3`;
const CODE = 'import getpass; print("running as", getpass.getuser())';

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: cannot create the test users and their sudoers rule';
  if (!installed('sudo', 'useradd', 'userdel', 'chpasswd', 'runuser', 'visudo')) return 'sudo or the user tools are missing';
  return undefined;
}

/** The CLI run by CALLER, in a real terminal (node-pty), as that user would type it. */
function callerInTerminal(args = ['exec', '--spec', SPEC, '-c', CODE]): TerminalRun {
  const nodePty = require('node-pty') as typeof import('node-pty');
  const pty = nodePty.spawn('runuser', ['-u', CALLER, '--', process.execPath, CLI, ...args], {
    cwd: '/tmp',
    env: { ...process.env, NO_COLOR: '1' } as Record<string, string>,
  });
  let screen = '';
  pty.onData((d) => (screen += d));
  const exited = new Promise<number>((resolve) => pty.onExit(({ exitCode }) => resolve(exitCode)));
  return {
    pty,
    screen: () => screen,
    exited,
    waitFor: async (pattern, timeoutMs = 20000) => {
      const end = Date.now() + timeoutMs;
      while (!pattern.test(screen)) {
        if (Date.now() > end) {
          pty.kill('SIGKILL');
          throw new Error(`the terminal never showed ${pattern}; it shows:\n${screen}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

describe('sudo= where sudo asks for a password (a real sudoers rule)', () => {
  const skip = skipReason();
  const password = crypto.randomBytes(9).toString('base64url');
  before(() => {
    if (skip) return;
    execFileSync('useradd', ['--create-home', '--shell', '/bin/bash', CALLER]);
    execFileSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', TARGET]);
    execFileSync('chpasswd', { input: `${CALLER}:${password}\n` });
    // No NOPASSWD: sudo asks CALLER for their own password.
    fs.writeFileSync(SUDOERS, `${CALLER} ALL=(${TARGET}) ALL\n`, { mode: 0o440 });
    execFileSync('visudo', ['-c', '-q', '-f', SUDOERS]);
  });
  after(() => {
    if (skip) return;
    fs.rmSync(SUDOERS, { force: true });
    spawnSync('runuser', ['-u', CALLER, '--', 'sudo', '-K']);
    spawnSync('userdel', ['--remove', CALLER]);
    spawnSync('userdel', [TARGET]);
  });

  test('without a terminal nothing can ask: sudo -n fails at once, saying a password is wanted', (t) => {
    if (skip) return t.skip(skip);
    const r = spawnSync('runuser', ['-u', CALLER, '--', process.execPath, CLI, 'exec', '--spec', SPEC, '-c', CODE], {
      cwd: '/tmp',
      encoding: 'utf8',
      input: '',
      timeout: 30000,
    });
    assert.equal(r.status, 2);
    assert.match(r.stderr, new RegExp(`sudo wants a password to run as ${TARGET} and none was given`));
  });

  test("the extension's backend asks for the password with its password box (remoteExec/input)", async (t) => {
    if (skip) return t.skip(skip);
    const server = spawn('runuser', ['-u', CALLER, '--', process.execPath, CLI, 'server', '--stdio'], {
      cwd: '/tmp',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const connection = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
    const asked: InputParams[] = [];
    connection.onRequest(rpc.input, (params: InputParams) => {
      asked.push(params);
      return { line: password };
    });
    connection.listen();
    try {
      const summary = await connection.sendRequest(rpc.openGateway, { spec: SPEC });
      assert.equal(summary.state, 'open', summary.exitReason);
      assert.deepEqual(
        asked.map((p) => [
          p.gatewayId,
          p.password,
          /^\[sudo\] password for remote-exec-pw-caller \(to run as remote-exec-pw-target\)/.test(p.prompt),
        ]),
        [[SPEC, true, true]],
      );
      const owner = execFileSync('ps', ['-o', 'user=', '-p', String(summary.info!.pid)], { encoding: 'utf8' }).trim();
      assert.equal(owner, TARGET);
      await connection.sendRequest(rpc.closeGateway, { gatewayId: summary.id });
    } finally {
      connection.dispose();
      server.stdin!.end();
      await new Promise((resolve) => (server.exitCode !== null ? resolve(null) : server.once('exit', resolve)));
    }
  });

  test('a wrong password typed on the terminal is refused in those words', async (t) => {
    if (skip) return t.skip(skip);
    const run = callerInTerminal();
    await run.waitFor(/\[sudo\] password for remote-exec-pw-caller \(to run as remote-exec-pw-target\): /);
    run.pty.write('not-the-password\r');
    assert.equal(await run.exited, 2);
    assert.match(run.screen(), /sudo did not accept the password/);
    assert.doesNotMatch(run.screen(), /not-the-password/);
  });

  test('on a terminal the CLI asks for the password without echoing it, and the code runs as the sudo user', async (t) => {
    if (skip) return t.skip(skip);
    const run = callerInTerminal();
    await run.waitFor(/\[sudo\] password for remote-exec-pw-caller/);
    run.pty.write(`${password}\r`);
    assert.equal(await run.exited, 0, run.screen());
    assert.match(run.screen(), new RegExp(`running as ${TARGET}`));
    assert.equal(run.screen().includes(password), false, 'the password was echoed');
  });

  test('status asks the same way', async (t) => {
    if (skip) return t.skip(skip);
    const run = callerInTerminal(['status', '--spec', SPEC, '--json']);
    await run.waitFor(/\[sudo\] password for remote-exec-pw-caller/);
    run.pty.write(`${password}\r`);
    assert.equal(await run.exited, 0, run.screen());
    assert.match(run.screen(), /"pid": \d+/);
    assert.equal(run.screen().includes(password), false, 'the password was echoed');
  });
});
