import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { after, describe, test } from 'node:test';
import { CLI, cli, scratch } from './cliRun';

const files = scratch();
after(() => files.cleanup());

/** A port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A sentence for the user: no Node error code, no stack trace. */
function assertSentence(stderr: string, pattern: RegExp): void {
  assert.match(stderr, pattern);
  assert.doesNotMatch(stderr, /^\s+at .*:\d+:\d+\)?$/m, 'a stack trace');
  assert.doesNotMatch(stderr.split('\n')[0], /\b(ENOENT|EISDIR|ECONNREFUSED|ERR_[A-Z_]+)\b|options\.port/);
}

describe('every error a user can cause is a sentence naming the cause and a fix', () => {
  test('a missing local interpreter is named as such', () => {
    const r = cli(['exec', '--spec', 'popen//python=python-nosuch', '-c', 'pass']);
    assert.equal(r.status, 2);
    assertSentence(
      r.stderr,
      /python-nosuch is not installed on this machine \(not found on PATH\); install it or give its path with python=/,
    );
  });

  test('a chdir folder that is missing and cannot be created is named as such', () => {
    const r = cli(['exec', '--spec', 'popen//chdir=/nonexistent-parent/folder', '-c', 'pass']);
    assert.equal(r.status, 2);
    assertSentence(
      r.stderr,
      /there is no folder \/nonexistent-parent\/folder on this machine and remote-exec cannot create it \(its parent folder does not exist\)/,
    );
  });

  test('"nothing listens on PORT" is not "the host is unreachable"', async () => {
    const port = await closedPort();
    const r = cli(['exec', '--spec', `socket=127.0.0.1:${port}//token=x`, '-c', 'pass']);
    assert.equal(r.status, 2);
    assertSentence(r.stderr, new RegExp(`nothing listens on 127\\.0\\.0\\.1:${port} \\(connection refused\\)`));
    assert.doesNotMatch(r.stderr, /unreachable/);
  });

  test('a port out of range is a spec error, not a Node RangeError', () => {
    const r = cli(['exec', '--spec', 'socket=127.0.0.1:99999//token=x', '-c', 'pass']);
    assert.equal(r.status, 2);
    assertSentence(r.stderr, /port 99999 is not a TCP port \(1 to 65535\)/);
  });

  test('an unknown option names the command whose help to read', () => {
    const r = cli(['exec', '--nosuch']);
    assert.equal(r.status, 2);
    assertSentence(r.stderr, /Unknown option '--nosuch'.*remote-exec help COMMAND/s);
  });
});

describe('remote-exec serve', () => {
  test('bad arguments are refused before anything is written', () => {
    const tmp = `${files.dir}/serve-tmp-bad`;
    fs.mkdirSync(tmp);
    for (const args of [
      ['--listen', '127.0.0.1:99999'],
      ['--python', 'python-nosuch'],
      ['--listen', 'nohostport'],
    ]) {
      const r = cli(['serve', ...args], { env: { TMPDIR: tmp } });
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, /^remote-exec serve: /);
      assert.deepEqual(fs.readdirSync(tmp), [], `${args.join(' ')} left files`);
    }
  });

  test('Ctrl-C stops it and removes the token it made', async () => {
    const tmp = `${files.dir}/serve-tmp`;
    fs.mkdirSync(tmp);
    const child = spawn(process.execPath, [CLI, 'serve', '--listen', '127.0.0.1:0'], { env: { ...process.env, TMPDIR: tmp } });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (b) => {
        out += b;
        if (/listening on/.test(out)) resolve();
      });
      child.once('exit', () => reject(new Error(`serve ended before listening: ${out}`)));
    });
    const spec = /--spec '([^']+)'/.exec(out)![1];
    assert.equal(cli(['exec', '--spec', spec, '-c', 'print("served")']).stdout, 'served\n');
    assert.equal(fs.readdirSync(tmp).length, 1);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
    assert.deepEqual(fs.readdirSync(tmp), []);
  });
});

describe('remote-exec demo', () => {
  for (const spec of ['popen', 'popen//node=node'])
    test(`demo --spec ${spec} shows a channel, a proxy call and a remote traceback, and ends`, () => {
      const r = cli(['demo', '--spec', spec]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /channel\.send\(21\); channel\.receive\(\) -> 42/);
      assert.match(r.stdout, /wrap\("(math|path)"\): a proxy; .* runs remotely -> (1\.414|a\/b)/);
      assert.match(r.stdout, /(ValueError|RangeError): x must not be negative, got -1/);
      assert.match(r.stdout, /gateway exited with code 0/);
    });
});
