import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import * as rpc from '../../../contract/service';
import { startServer, type ServerUnderTest } from './serverConnection';

const URI = 'file:///work/cells.py';

/** Debian's Python has matplotlib (scripts/setup-e2e.sh installs it). */
const MATPLOTLIB = (() => {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import matplotlib']);
    return false;
  } catch {
    return "Debian's python3-matplotlib is not installed";
  }
})();

/** Runs of the service as the results view sees them: queued in order, displays, input, tracebacks. */
describe('runs through remote-exec server --stdio', () => {
  let server: ServerUnderTest;
  let gatewayId: string;
  const asked: rpc.InputParams[] = [];
  let answer: (p: rpc.InputParams, cancelled: Promise<void>) => Promise<string | null> = async () => null;

  before(async () => {
    server = startServer();
    server.connection.onRequest(rpc.input, async (params, token) => {
      asked.push(params);
      const cancelled = new Promise<void>((resolve) => token.onCancellationRequested(() => resolve()));
      return { line: await answer(params, cancelled) };
    });
    await server.connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
    gatewayId = (await server.connection.sendRequest(rpc.openGateway, { spec: 'popen' })).id;
  });
  after(() => server.kill());

  const run = (source: string, extra: Partial<rpc.ExecSelectionParams> = {}) =>
    server.connection.sendRequest(rpc.execSelection, { gatewayId, source, startLine: 0, uri: URI, ...extra });
  const phase = (runId: string, p: rpc.RunEvent['phase']) =>
    server.waitNotification('remoteExec/runChanged', (e: rpc.RunEvent) => e.runId === runId && e.phase === p);
  const seen = (runId: string, p: rpc.RunEvent['phase']) =>
    server.notifications.some((n) => n.method === 'remoteExec/runChanged' && n.params.runId === runId && n.params.phase === p);

  test('a second run waits for the first, shown queued; interrupting the first lets it run', async () => {
    const first = run('import time\nwhile True:\n    time.sleep(0.02)\n', { runId: 'q-first' });
    await phase('q-first', 'started');
    const second = run('queued_ran = True\nqueued_ran\n', { runId: 'q-second' });
    const queued = (await phase('q-second', 'queued')) as rpc.RunEvent;
    assert.equal(queued.source, 'queued_ran = True\nqueued_ran\n', 'the queued event carries the code');
    assert.deepEqual(queued.range, [0, 1]);
    await server.waitNotification('remoteExec/gatewayChanged', (s: rpc.GatewaySummary) => s.id === gatewayId && s.counters.queued === 1);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(seen('q-second', 'started'), false, 'the second run has not started while the first runs');

    await server.connection.sendRequest(rpc.interrupt, { gatewayId, runId: 'q-first' });
    const interrupted = await first;
    assert.equal(interrupted.status, 'interrupted');
    assert.equal(interrupted.error?.type, 'KeyboardInterrupt');
    const ran = await second;
    assert.equal(ran.status, 'ok');
    assert.equal(ran.value?.repr, 'True');
  });

  test('Interrupt and clear the queue: the running run is interrupted and the queued ones never run', async () => {
    const running = run('import time\nwhile True:\n    time.sleep(0.02)\n', { runId: 'c-running' });
    await phase('c-running', 'started');
    const queued = [run('never_a = 1\n', { runId: 'c-a' }), run('never_b = 1\n', { runId: 'c-b' })];
    await phase('c-b', 'queued');
    await server.connection.sendRequest(rpc.interrupt, { gatewayId, clearQueue: true });
    assert.equal((await running).status, 'interrupted');
    assert.deepEqual(
      (await Promise.all(queued)).map((r) => r.status),
      ['cancelled', 'cancelled'],
    );
    const check = await run("'never_a' in globals() or 'never_b' in globals()\n");
    assert.equal(check.value?.repr, 'False', 'the cancelled code did not run');
    const finished = (await phase('c-a', 'finished')) as rpc.RunEvent;
    assert.equal(finished.status, 'cancelled');
  });

  test("a run's display arrives after the output printed before it, with its run and the image as base64", async () => {
    const source =
      "print('before the picture')\n" +
      "display({'text/plain': 'a picture', 'image/png': b'\\x89PNG\\r\\n\\x1a\\nbytes'}, raw=True)\n" +
      "print('after the picture')\n";
    const result = await run(source, { runId: 'd-run' });
    assert.equal(result.status, 'ok');
    assert.equal(result.value, undefined, "print()'s None is not a value to show");
    const display = (await server.waitNotification('remoteExec/display', (d: rpc.DisplayEntry) => d.runId === 'd-run')) as rpc.DisplayEntry;
    assert.equal(Buffer.from(display.data['image/png'] as string, 'base64').toString('latin1'), '\x89PNG\r\n\x1a\nbytes');
    assert.equal(display.data['text/plain'], 'a picture');
    await server.waitNotification('remoteExec/logEntries', (b) => JSON.stringify(b).includes('after the picture'));
    // In arrival order: the line printed before the display, the display, the line after it.
    const order = server.notifications
      .flatMap((n) => {
        if (n.method === 'remoteExec/display' && n.params.runId === 'd-run') return ['display'];
        if (n.method !== 'remoteExec/logEntries') return [];
        const batch = (Array.isArray(n.params[0]) ? n.params[0] : n.params) as { run?: string; text: string }[];
        return batch.filter((e) => e.run === 'd-run').map((e) => e.text);
      })
      .filter(Boolean);
    assert.deepEqual(order, ['before the picture', 'display', 'after the picture']);
  });

  test('the rich form of a last value comes as a result display before the run finishes', async () => {
    const result = await run("class Table:\n    def _repr_html_(self):\n        return '<table><tr><td>1</td></tr></table>'\nTable()\n", {
      runId: 'r-run',
    });
    assert.equal(result.status, 'ok');
    const display = (await server.waitNotification('remoteExec/display', (d: rpc.DisplayEntry) => d.runId === 'r-run')) as rpc.DisplayEntry;
    assert.equal(display.result, true);
    assert.match(String(display.data['text/html']), /<table>/);
  });

  test('input() asks the client; the answer is the line the code reads, and Escape (null) is EOFError', async () => {
    answer = async (p) => (p.prompt === 'name? ' ? 'Ada' : null);
    const named = await run("name = input('name? ')\nname.upper()\n", { runId: 'i-name' });
    assert.equal(named.value?.repr, "'ADA'");
    const question = asked.find((a) => a.runId === 'i-name');
    assert.deepEqual(question && { prompt: question.prompt, password: question.password, gatewayId: question.gatewayId }, {
      prompt: 'name? ',
      password: false,
      gatewayId,
    });
    const eof = await run("input('cancel me: ')\n", { runId: 'i-eof' });
    assert.equal(eof.status, 'error');
    assert.equal(eof.error?.type, 'EOFError');
    answer = async () => 'hunter2';
    const secret = await run("import getpass\nlen(getpass.getpass('Password: '))\n", { runId: 'i-pass' });
    assert.equal(secret.value?.repr, '7');
    assert.equal(asked.find((a) => a.runId === 'i-pass')?.password, true);
  });

  test('a question still open when its run is interrupted is withdrawn from the client', async () => {
    let withdrawn!: () => void;
    const wasWithdrawn = new Promise<void>((resolve) => (withdrawn = resolve));
    answer = async (_p, cancelled) => {
      await cancelled;
      withdrawn();
      return null;
    };
    const waiting = run("input('never answered: ')\n", { runId: 'i-withdrawn' });
    await server.waitNotification('remoteExec/runChanged', (e: rpc.RunEvent) => e.runId === 'i-withdrawn' && e.phase === 'started');
    while (!asked.some((a) => a.runId === 'i-withdrawn')) await new Promise((r) => setTimeout(r, 20));
    await server.connection.sendRequest(rpc.interrupt, { gatewayId, runId: 'i-withdrawn' });
    assert.equal((await waiting).status, 'interrupted');
    await wasWithdrawn;
  });

  test("every frame of a traceback is linked, a library's own file and line too", async () => {
    const result = await run("import json\n\njson.loads('{')\n", { runId: 't-lib', startLine: 20 });
    assert.equal(result.status, 'error');
    const stack = result.error!.stack!;
    const user = stack.filter((f) => !f.library);
    assert.deepEqual(
      user.map((f) => [f.uri, f.line]),
      [[URI, 22]],
      'the line of the document the run came from',
    );
    const library = stack.filter((f) => f.library);
    assert.ok(library.length >= 2, `json's own frames: ${JSON.stringify(stack)}`);
    const decoder = library[library.length - 1];
    assert.match(decoder.uri!, /^file:\/\/\/.*json\/decoder\.py$/);
    const lines = fs.readFileSync(new URL(decoder.uri!), 'utf8').split('\n');
    assert.match(lines[decoder.line], /raise JSONDecodeError|obj, end = self.scan_once/, 'the line the frame names');
    const tracebackLines = result.error!.traceback.split('\n');
    assert.match(tracebackLines[decoder.tracebackLine!], /decoder\.py", line \d+/);
    assert.doesNotMatch(result.error!.traceback, /<remote-exec-\d+>/, 'internal run names are never shown');
    assert.doesNotMatch(JSON.stringify(result.error!.stack), /<remote-exec-\d+>/, 'nor in the frames');
    const text = await server.connection.sendRequest(rpc.readFile, { gatewayId, path: new URL(decoder.uri!).pathname });
    assert.equal(text.split('\n')[decoder.line], lines[decoder.line], 'readFile gives the gateway host its own copy');
  });

  test('a run whose channel is closed while it runs ends as its code did, not as done', async () => {
    const running = run("import time\ntime.sleep(0.3)\nchannel.send('too late')\n", { runId: 'x-closed' });
    await phase('x-closed', 'started');
    const channels = await server.connection.sendRequest(rpc.channels, { gatewayId });
    const channel = channels.find((c) => c.runId === 'x-closed' && c.state === 'open')!;
    await server.connection.sendRequest(rpc.closeChannel, { gatewayId, channelId: channel.id });
    const result = await running;
    assert.equal(result.status, 'error', `the send on the closed channel raised: ${JSON.stringify(result)}`);
    assert.match(result.error!.message, /closed/);
  });

  test("a matplotlib figure is drawn for the screen's pixel ratio and sized in CSS pixels", { skip: MATPLOTLIB }, async () => {
    const plotting = (await server.connection.sendRequest(rpc.openGateway, { spec: 'popen//python=/usr/bin/python3' })).id;
    const source = 'import matplotlib.pyplot as plt\nplt.figure(figsize=(4, 3), dpi=100)\nplt.plot([1, 2])\nplt.show()\n';
    const sizes: [number, number, unknown][] = [];
    for (const ratio of [1, 2]) {
      const runId = `px-${ratio}`;
      await server.connection.sendRequest(rpc.execSelection, { gatewayId: plotting, source, startLine: 0, runId, pixelRatio: ratio });
      const shown = (await server.waitNotification('remoteExec/display', (d: rpc.DisplayEntry) => d.runId === runId)) as rpc.DisplayEntry;
      const png = Buffer.from(shown.data['image/png'] as string, 'base64');
      sizes.push([png.readUInt32BE(16), png.readUInt32BE(20), shown.metadata?.['image/png']]);
    }
    const [[w1, h1, css1], [w2, h2, css2]] = sizes;
    assert.ok(Math.abs(w2 - 2 * w1) <= 2 && Math.abs(h2 - 2 * h1) <= 2, `twice the pixels at ratio 2: ${JSON.stringify(sizes)}`);
    const a = css1 as { width: number; height: number };
    const b = css2 as { width: number; height: number };
    assert.ok(
      Math.abs(a.width - b.width) <= 1 && Math.abs(a.height - b.height) <= 1,
      `the same size on the screen: ${JSON.stringify(sizes)}`,
    );
    assert.deepEqual(css1, { width: w1, height: h1 });
    await server.connection.sendRequest(rpc.closeGateway, { gatewayId: plotting });
  });
});
