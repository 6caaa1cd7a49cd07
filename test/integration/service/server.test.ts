import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LogEntry } from '../../../contract/logs';
import * as rpc from '../../../contract/service';
import { isAlive, waitGone } from '../../helpers/processes';
import { logBatch, startServer, type ServerUnderTest } from './serverConnection';

const URI = 'file:///work/demo.py';

describe('remote-exec server --stdio over JSON-RPC', () => {
  let server: ServerUnderTest;
  let gatewayId: string;
  let agentPid: number;

  before(() => {
    server = startServer();
  });
  after(() => server.kill());

  test('answers initialize as a language server would', async () => {
    const result: any = await server.connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
    assert.deepEqual(result.capabilities, {});
    assert.equal(result.serverInfo.name, 'remote-exec');
    await server.connection.sendNotification('initialized', {});
  });

  test('a bad spec is refused with the part that is wrong', async () => {
    const checked = await server.connection.sendRequest(rpc.validateSpec, { spec: 'popen//pyhton=python3' });
    assert.equal(checked.ok, false);
    assert.match(checked.error!, /unknown key "pyhton" in part 2/);
    await assert.rejects(server.connection.sendRequest(rpc.openGateway, { spec: 'popen//pyhton=python3' }), /unknown key "pyhton"/);
    assert.deepEqual(await server.connection.sendRequest(rpc.validateSpec, { spec: 'popen//node=node' }), {
      ok: true,
      transport: 'popen',
      interpreter: 'node',
      local: true,
      namesInterpreter: true,
      setsChdir: false,
    });
    const inContainer = await server.connection.sendRequest(rpc.validateSpec, { spec: 'popen//docker=box//chdir=/w' });
    assert.equal(inContainer.local, false, "a container's files are not this machine's");
    assert.equal(inContainer.setsChdir, true);
    assert.equal(inContainer.namesInterpreter, false);
  });

  test('opens a local Python gateway and announces it', async () => {
    const summary = await server.connection.sendRequest(rpc.openGateway, { spec: 'popen', name: 'local' });
    gatewayId = summary.id;
    agentPid = summary.info!.pid;
    assert.equal(summary.state, 'open');
    assert.equal(summary.info!.language, 'python');
    assert.ok(isAlive(agentPid));
    const announced = await server.waitNotification('remoteExec/gatewayChanged', (s) => s.id === gatewayId && s.state === 'open');
    assert.equal(announced.name, 'local');
    assert.deepEqual(
      (await server.connection.sendRequest(rpc.listGateways)).map((g) => g.id),
      [gatewayId],
    );
  });

  test('variables persist between runs and the last expression comes back as a value', async () => {
    const first = await server.connection.sendRequest(rpc.execSelection, {
      gatewayId,
      source: 'x = 21\nname = "remote"\n',
      uri: URI,
      startLine: 0,
    });
    assert.equal(first.status, 'ok');
    assert.equal(first.value, undefined);
    const second = await server.connection.sendRequest(rpc.execSelection, { gatewayId, source: 'x * 2', uri: URI, startLine: 2 });
    assert.equal(second.status, 'ok');
    assert.deepEqual(second.value, { type: 'int', repr: '42', expandable: false });
    const text = await server.connection.sendRequest(rpc.execSelection, {
      gatewayId,
      source: 'name.upper(), [1, (2,)]',
      uri: URI,
      startLine: 3,
    });
    assert.equal(text.value!.repr, "('REMOTE', [1, (2,)])");
  });

  test('output streams once, as log entries attributed to the run', async () => {
    const result = await server.connection.sendRequest(rpc.execSelection, {
      gatewayId,
      source: 'import sys\nprint("hello from", x)\nprint("warn", file=sys.stderr)',
      runId: 'run-out',
    });
    assert.equal(result.runId, 'run-out');
    const isOurs = (e: LogEntry) => e.run === 'run-out';
    await server.waitNotification('remoteExec/logEntries', (params) => logBatch(params).some((e) => isOurs(e) && e.stream === 'stderr'));
    const lines = server.logLines().filter(isOurs);
    assert.deepEqual(
      lines.map((e) => [e.gateway, e.stream, e.text]),
      [
        [gatewayId, 'stdout', 'hello from 21'],
        [gatewayId, 'stderr', 'warn'],
      ],
      'each line arrives exactly once',
    );
    const elsewhere = server.notifications.filter(
      (n) => n.method !== 'remoteExec/logEntries' && JSON.stringify(n.params).includes('hello from 21'),
    );
    assert.deepEqual(elsewhere, [], 'no other notification carries the output');
  });

  test('an exception comes back with its traceback mapped to the document lines', async () => {
    const defined = await server.connection.sendRequest(rpc.execSelection, {
      gatewayId,
      source: 'def fail(n):\n    return 10 / n\n',
      uri: URI,
      startLine: 20,
    });
    assert.equal(defined.status, 'ok');
    const result = await server.connection.sendRequest(rpc.execSelection, {
      gatewayId,
      source: 'y = 1\nfail(y - 1)\n',
      uri: URI,
      startLine: 40,
    });
    assert.equal(result.status, 'error');
    assert.equal(result.error!.type, 'ZeroDivisionError');
    assert.deepEqual(
      result.error!.frames.map((f) => [f.uri, f.line]),
      [
        [URI, 41],
        [URI, 21],
      ],
    );
    assert.match(result.error!.traceback, /File "\/work\/demo\.py", line 22/);
    assert.match(result.error!.traceback, /ZeroDivisionError/);
  });

  test('lists the exported objects with who holds them, pages their attributes, and releases what the explorer holds', async () => {
    await server.connection.sendRequest(rpc.execSelection, {
      gatewayId,
      source:
        'class Point:\n    def __init__(self):\n' +
        Array.from({ length: 30 }, (_, i) => `        self.a${String(i).padStart(2, '0')} = ${i}`).join('\n') +
        '\np = Point()',
    });
    // The value of a run that is no plain data comes back as an object the explorer holds for the inline result.
    const shown = await server.connection.sendRequest(rpc.execSelection, { gatewayId, source: 'p', runId: 'run-point' });
    const point = shown.value!;
    assert.match(point.type, /(^|\.)Point$/);
    assert.match(point.repr, /Point object/);
    assert.ok(point.objectId !== undefined);

    const objects = await server.connection.sendRequest(rpc.objects, { gatewayId });
    const listed = objects.find((o) => o.id === point.objectId)!;
    assert.equal(listed.type, point.type);
    assert.equal(listed.held, true);
    assert.match(listed.holder, /held by the explorer: the value of run run-point/);

    const page1 = await server.connection.sendRequest(rpc.inspectObject, { gatewayId, objectId: point.objectId!, offset: 0, limit: 10 });
    assert.ok(page1.total >= 30, 'public attributes plus the dunder ones');
    assert.deepEqual(page1.attrs.slice(0, 2), [
      { name: 'a00', type: 'int', repr: '0' },
      { name: 'a01', type: 'int', repr: '1' },
    ]);
    const page3 = await server.connection.sendRequest(rpc.inspectObject, { gatewayId, objectId: point.objectId!, offset: 20, limit: 10 });
    assert.equal(page3.attrs[0].name, 'a20');
    assert.equal(await server.connection.sendRequest(rpc.reprObject, { gatewayId, objectId: point.objectId!, path: ['a07'] }), '7');

    const released = server.waitNotification('remoteExec/objectsChanged', (e) => e.gatewayId === gatewayId);
    await server.connection.sendRequest(rpc.releaseObject, { gatewayId, objectId: point.objectId! });
    await released;
    await assert.rejects(server.connection.sendRequest(rpc.releaseObject, { gatewayId, objectId: point.objectId! }), /not held/);
  });

  test("with a cursor line, runs the whole top-level statement there as the agent's parser sees it, in one request", async () => {
    const source = 'import os\n\n@staticmethod\ndef f():\n    a = 1\n    return a\n\nresult = f.__func__()\nresult\n';
    const before = server.notifications.filter((n) => n.method === 'remoteExec/runChanged').length;
    const def = await server.connection.sendRequest(rpc.execSelection, { gatewayId, source, cursorLine: 4, uri: URI });
    assert.equal(def.status, 'ok');
    assert.deepEqual(def.range, [2, 5], 'the decorated def, from its decorator to its last line');
    const use = await server.connection.sendRequest(rpc.execSelection, { gatewayId, source, cursorLine: 7, uri: URI });
    assert.deepEqual(use.range, [7, 7]);
    const value = await server.connection.sendRequest(rpc.execSelection, { gatewayId, source, cursorLine: 8, uri: URI });
    assert.equal(value.value?.repr, '1');
    const blank = await server.connection.sendRequest(rpc.execSelection, { gatewayId, source, cursorLine: 1, uri: URI });
    assert.equal(blank.status, 'skipped', 'a blank line runs nothing');
    assert.equal(blank.range, undefined);
    const started = server.notifications.filter((n) => n.method === 'remoteExec/runChanged' && n.params.phase === 'started').slice(-3);
    assert.equal(
      server.notifications.filter((n) => n.method === 'remoteExec/runChanged').length - before,
      9,
      'three runs (each queued, started, finished), nothing for the blank line',
    );
    assert.deepEqual(
      started.map((n) => n.params.startLine),
      [2, 7, 8],
      'each run is reported at the line it starts on',
    );
  });

  test('an indented selection is dedented and its lines mapped back', async () => {
    const result = await server.connection.sendRequest(rpc.execSelection, {
      gatewayId,
      source: '    if True:\n        y = 41\n    y + 1\n',
      startLine: 10,
      uri: URI,
    });
    assert.equal(result.status, 'ok');
    assert.equal(result.value?.repr, '42');
    assert.deepEqual(result.range, [10, 12]);
  });

  test('a source that is not a string is refused with an error answer', async () => {
    await assert.rejects(
      server.connection.sendRequest(rpc.execSelection, { gatewayId, source: 123 as unknown as string }),
      /needs the code as a string/,
    );
  });

  test('interrupts a long-running selection; the session survives', async () => {
    const running = server.connection.sendRequest(rpc.execSelection, {
      gatewayId,
      source: 'import time\nticks = 0\nwhile True:\n    ticks += 1\n    time.sleep(0.02)\n',
      runId: 'run-loop',
    });
    await server.waitNotification('remoteExec/runChanged', (e) => e.runId === 'run-loop' && e.phase === 'started');
    const channels = await server.connection.sendRequest(rpc.channels, { gatewayId });
    assert.ok(channels.some((c) => c.runId === 'run-loop' && c.state === 'open' && c.openedBy === 'host'));
    await server.connection.sendRequest(rpc.interrupt, { gatewayId, runId: 'run-loop' });
    const result = await running;
    assert.equal(result.status, 'interrupted');
    assert.equal(result.error!.type, 'KeyboardInterrupt');
    const after = await server.connection.sendRequest(rpc.execSelection, { gatewayId, source: 'ticks > 0' });
    assert.equal(after.value!.repr, 'True');
    const closed = await server.waitNotification('remoteExec/channelsChanged', (e) =>
      e.channels.some((c: rpc.ChannelSummary) => c.runId === 'run-loop' && c.state === 'closed'),
    );
    assert.equal(closed.gatewayId, gatewayId);
  });

  test('the status request reports every gateway with its remote status', async () => {
    const status = await server.connection.sendRequest(rpc.status);
    assert.match(status.version, /^\d+\.\d+\.\d+/);
    assert.equal(status.pid, server.child.pid);
    const gw = status.gateways.find((g) => g.id === gatewayId)!;
    assert.equal(gw.remoteStatus!.pid, agentPid);
    assert.ok(gw.counters.runs >= 8);
  });

  test('restart gives a fresh session under the same id; close ends its agent', async () => {
    const fresh = await server.connection.sendRequest(rpc.restartGateway, { gatewayId });
    assert.equal(fresh.id, gatewayId);
    assert.equal(fresh.name, 'local');
    assert.notEqual(fresh.info!.pid, agentPid);
    await waitGone(agentPid);
    const gone = await server.connection.sendRequest(rpc.execSelection, { gatewayId: fresh.id, source: "'x' in globals()" });
    assert.equal(gone.value!.repr, 'False');
    await server.connection.sendRequest(rpc.closeGateway, { gatewayId: fresh.id });
    await assert.rejects(server.connection.sendRequest(rpc.execSelection, { gatewayId, source: '1' }), /no gateway with id/);
    await waitGone(fresh.info!.pid);
    const last = server.notifications.filter((n) => n.method === 'remoteExec/gatewayChanged' && n.params.id === fresh.id).pop()!.params;
    assert.equal(last.state, 'closed');
    assert.equal(last.exitReason, undefined, 'closed on request: no failure to report');
    assert.deepEqual(await server.connection.sendRequest(rpc.listGateways), []);
  });

  test('a run by spec opens the gateway on first use and reuses it', async () => {
    const a = await server.connection.sendRequest(rpc.execSelection, { spec: 'popen', source: 'k = 5' });
    const b = await server.connection.sendRequest(rpc.execSelection, { spec: 'popen', source: 'k + 1' });
    assert.equal(a.gatewayId, b.gatewayId);
    assert.equal(b.value!.repr, '6');
    agentPid = (await server.connection.sendRequest(rpc.listGateways))[0].info!.pid;
  });

  test('shutdown and exit end the server and every agent', async () => {
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
    await server.connection.sendRequest('shutdown');
    await server.connection.sendNotification('exit');
    assert.equal(await exited, 0);
    await waitGone(agentPid);
    assert.doesNotMatch(server.stderr(), /Error:/);
  });
});
