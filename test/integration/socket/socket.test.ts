import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encode } from '@msgpack/msgpack';
import { AuthenticationError, HostUnreachableError, makeGateway, startSocketServer, type SocketServer } from '../../../server/api';
import { proof } from '../../../server/socket/auth';
import { frameHeader } from '../../../protocol';
import { waitGone } from '../../helpers/processes';

const ROOT = path.join(__dirname, '..', '..', '..');
const TOKEN = 'a3f1c0ffee-test-token-of-this-run';

function frame(message: unknown): Buffer {
  const body = Buffer.from(encode(message));
  return Buffer.concat([frameHeader(body.length), body]);
}

/** A raw client that answers the challenge with `token` (or garbage) and pipelines code right behind it. */
function rawAttempt(port: number, answer: (serverNonce: string) => string, marker: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let answered = false;
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (!answered && received.includes('\n')) {
        answered = true;
        const challenge = JSON.parse(received.slice(0, received.indexOf('\n')));
        const source = `open(${JSON.stringify(marker)}, "w").write("ran")`;
        socket.write(answer(challenge.nonce) + '\n');
        socket.write(Buffer.concat([frame([0, 0, { protocol: 1, maxFrame: 1 << 20 }]), frame([1, 1, { source }])]));
      }
      // Once the agent has run the code it would report the channel's close; stop there either way.
      if (fs.existsSync(marker)) socket.destroy();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    setTimeout(() => socket.destroy(), 5000).unref();
  });
}

describe('socket gateways: remote-exec serve with a token', () => {
  let server: SocketServer;
  const logged: string[] = [];
  let scratch: string;
  before(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-exec-socket-test-'));
    server = await startSocketServer({
      host: '127.0.0.1',
      port: 0,
      token: TOKEN,
      handshakeTimeoutMs: 1500,
      log: (line) => logged.push(line),
    });
  });
  after(async () => {
    await server.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  test('the right token (from a file) gets a fresh agent: exec, channel, status', async () => {
    const tokenFile = path.join(scratch, 'token');
    fs.writeFileSync(tokenFile, TOKEN + '\n', { mode: 0o600 });
    const gw = await makeGateway(`socket=127.0.0.1:${server.port}//token-file=${tokenFile}//chdir=/tmp//env:VIA_SOCKET=1`);
    try {
      assert.equal(gw.info.cwd, '/tmp');
      const ch = gw.remoteExec('import os\nchannel.send(os.environ.get("VIA_SOCKET"))\nfor x in channel: channel.send(x * 3)');
      assert.equal(await ch.receive(), '1');
      await ch.send(14);
      assert.equal(await ch.receive(), 42);
      assert.equal((await gw.remoteStatus()).pid, gw.info.pid);
      ch.close();
    } finally {
      await gw.exit();
    }
    await waitGone(gw.info.pid);
  });

  test('REMOTE_EXEC_TOKEN works too, and each connection gets its own agent', async () => {
    process.env.REMOTE_EXEC_TOKEN = TOKEN;
    try {
      const [a, b] = await Promise.all([makeGateway(`socket=127.0.0.1:${server.port}`), makeGateway(`socket=127.0.0.1:${server.port}`)]);
      assert.notEqual(a.info.pid, b.info.pid);
      await Promise.all([a.exit(), b.exit()]);
    } finally {
      delete process.env.REMOTE_EXEC_TOKEN;
    }
  });

  test('a wrong token is refused before anything runs', async () => {
    const marker = path.join(scratch, 'wrong-token-ran');
    await assert.rejects(
      makeGateway(`socket=127.0.0.1:${server.port}//token=not-the-token`),
      (err: unknown) => err instanceof AuthenticationError && /wrong or missing token/.test(err.message),
    );
    // A client that ignores the refusal and sends code anyway gets nothing run.
    const reply = await rawAttempt(
      port(),
      (nonce) =>
        JSON.stringify({
          nonce: 'ab'.repeat(16),
          request: '{"language":"python"}',
          proof: proof('guess', 'client', nonce, 'ab'.repeat(16), '{"language":"python"}'),
        }),
      marker,
    );
    assert.match(reply, /"ok":false,"reason":"wrong or missing token"/);
    assert.equal(fs.existsSync(marker), false, 'code sent after a refused handshake ran');
    assert.ok(
      logged.some((l) => /refused 127\.0\.0\.1:\d+: wrong or missing token/.test(l)),
      logged.join('\n'),
    );
  });

  test('a missing token is refused: no proof, or no answer at all', async () => {
    const marker = path.join(scratch, 'no-token-ran');
    const reply = await rawAttempt(port(), () => JSON.stringify({ nonce: 'cd'.repeat(16), request: '{"language":"python"}' }), marker);
    assert.match(reply, /"ok":false/);
    assert.equal(fs.existsSync(marker), false);
    const silent = await new Promise<string>((resolve) => {
      const socket = net.connect(port(), '127.0.0.1');
      let text = '';
      socket.on('data', (c) => (text += c));
      socket.on('close', () => resolve(text));
    });
    assert.match(silent, /"ok":false,"reason":"no authentication answer within 1500 ms"/);
    await assert.rejects(
      makeGateway(`socket=127.0.0.1:${server.port}`),
      (err: unknown) => err instanceof AuthenticationError && /no token/.test(err.message),
    );
  });

  test('the same pipelined attempt with the right token does run (the refusals above are meaningful)', async () => {
    const marker = path.join(scratch, 'right-token-ran');
    const request = '{"language":"python"}';
    const nc = 'ef'.repeat(16);
    await rawAttempt(port(), (nonce) => JSON.stringify({ nonce: nc, request, proof: proof(TOKEN, 'client', nonce, nc, request) }), marker);
    assert.equal(fs.readFileSync(marker, 'utf8'), 'ran');
  });

  test('nothing listening is HostUnreachableError', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const free = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    await assert.rejects(makeGateway(`socket=127.0.0.1:${free}//token=x`), HostUnreachableError);
  });

  function port(): number {
    return server.port;
  }
});

describe('remote-exec serve (the CLI)', () => {
  const children: ChildProcess[] = [];
  after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  function serve(args: string[]): {
    child: ChildProcess;
    output: Promise<{ code: number | null; stdout: string; stderr: string }>;
    firstLine: Promise<string>;
  } {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server/cli.ts'), 'serve', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stdout = '';
    let stderr = '';
    const firstLine = new Promise<string>((resolve) => {
      child.stdout!.on('data', (c) => {
        stdout += c;
        if (stdout.includes('\n')) resolve(stdout.split('\n')[0]);
      });
      child.on('exit', () => resolve(stdout));
    });
    child.stderr!.on('data', (c) => (stderr += c));
    const output = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.on('exit', (code) => resolve({ code, stdout, stderr })),
    );
    return { child, output, firstLine };
  }

  test('refuses to listen beyond loopback without a token', async () => {
    const { output } = serve(['--listen', '0.0.0.0:0']);
    const { code, stderr } = await output;
    assert.equal(code, 2);
    assert.match(stderr, /refusing to listen on 0\.0\.0\.0 without a token/);
  });

  test('serves with a token file it creates (~ expanded), and prints the spec to use', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-exec-serve-home-'));
    const saved = process.env.HOME;
    process.env.HOME = home;
    const { child, firstLine, output } = serve(['--listen', '127.0.0.1:0', '--token-file', '~/.remote-exec-token']);
    process.env.HOME = saved;
    try {
      const line = await firstLine;
      const spec = /--spec '([^']+)'/.exec(line)?.[1];
      assert.ok(spec, line);
      assert.match(spec, new RegExp(`token-file=${home}/\\.remote-exec-token`));
      assert.equal(fs.statSync(path.join(home, '.remote-exec-token')).mode & 0o777, 0o600);
      const gw = await makeGateway(`${spec}//python=python3`);
      const ch = gw.remoteExec('channel.send(1 + 1)');
      assert.equal(await ch.receive(), 2);
      await gw.exit();
    } finally {
      child.kill('SIGTERM');
      assert.equal((await output).code, 0);
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
