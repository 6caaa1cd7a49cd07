import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as rpc from '../../../contract/service';
import type { LogEntry } from '../../../contract/logs';
import { logBatch, startServer, type ServerUnderTest } from './serverConnection';

const REMOTE = `
import logging, threading, subprocess, sys, time
log = logging.getLogger('demo.app')
log.debug('debug from demo')
log.info('info from demo')
log.warning('warning from demo')
log.error('error from demo')
print('printed by demo')
print('complained by demo', file=sys.stderr)
t = threading.Thread(target=lambda: 1 / 0, name='worker')
t.start(); t.join()
subprocess.run(['sh', '-c', 'echo child out; echo child err >&2'])
`;

describe('remote logs and status pushes over JSON-RPC', () => {
  let server: ServerUnderTest;
  let gatewayId: string;
  let pid: number;

  before(async () => {
    server = startServer();
    await server.connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
  });
  after(() => server.kill());

  /** Every log line received so far, from all logEntries batches. */
  const lines = (): LogEntry[] => server.logLines();

  async function lineWith(text: string | RegExp): Promise<LogEntry> {
    const matches = (e: LogEntry) => (typeof text === 'string' ? e.text === text : text.test(e.text));
    await server.waitNotification(rpc.logEntries.method, (params) => logBatch(params).some(matches));
    return lines().find(matches)!;
  }

  test('a script that logs, prints, raises in a thread and runs a child: each line has its gateway, stream and level', async () => {
    await server.connection.sendRequest(rpc.setLogLevel, { level: 20 });
    const summary = await server.connection.sendRequest(rpc.openGateway, { spec: 'popen' });
    gatewayId = summary.id;
    pid = summary.info!.pid;
    const result = await server.connection.sendRequest(rpc.execSelection, { gatewayId, source: REMOTE });
    assert.equal(result.status, 'ok');

    const pick = (e: LogEntry) => ({ gateway: e.gateway, stream: e.stream, levelname: e.levelname, logger: e.logger });
    assert.deepEqual(pick(await lineWith('info from demo')), { gateway: gatewayId, stream: 'log', levelname: 'INFO', logger: 'demo.app' });
    assert.deepEqual(pick(await lineWith('warning from demo')), {
      gateway: gatewayId,
      stream: 'log',
      levelname: 'WARNING',
      logger: 'demo.app',
    });
    assert.deepEqual(pick(await lineWith('error from demo')), {
      gateway: gatewayId,
      stream: 'log',
      levelname: 'ERROR',
      logger: 'demo.app',
    });
    assert.deepEqual(pick(await lineWith('printed by demo')), {
      gateway: gatewayId,
      stream: 'stdout',
      levelname: 'INFO',
      logger: undefined,
    });
    assert.deepEqual(pick(await lineWith('complained by demo')), {
      gateway: gatewayId,
      stream: 'stderr',
      levelname: 'WARNING',
      logger: undefined,
    });
    const boom = await lineWith(/Exception in thread worker/);
    assert.equal(boom.stream, 'exception');
    assert.equal(boom.thread, 'worker');
    assert.match(boom.text, /ZeroDivisionError/);
    assert.equal((await lineWith('child out')).stream, 'stdout');
    assert.equal((await lineWith('child err')).stream, 'stderr');
    const opened = await lineWith(/opened: popen/);
    assert.equal(opened.stream, 'lifecycle');
    assert.match(opened.text, new RegExp(`pid ${pid}`));
    assert.equal(
      lines().find((e) => e.text === 'debug from demo'),
      undefined,
      'DEBUG is below the level the extension set',
    );
    const all = lines();
    assert.ok(
      all.every((e, i) => i === 0 || e.seq > all[i - 1].seq),
      'batches arrive in one ascending order',
    );
  });

  test('the snapshot holds the same lines for a panel opened late; clearing empties it', async () => {
    const snapshot = await server.connection.sendRequest(rpc.logSnapshot);
    assert.ok(snapshot.entries.some((e) => e.text === 'printed by demo' && e.gateway === gatewayId));
    assert.equal(snapshot.lastSeq, snapshot.entries[snapshot.entries.length - 1].seq);
    await server.connection.sendRequest(rpc.clearLogs, {});
    assert.deepEqual((await server.connection.sendRequest(rpc.logSnapshot)).entries, []);
  });

  test('a gateway opened after setLogLevel DEBUG forwards debug records', async () => {
    await server.connection.sendRequest(rpc.setLogLevel, { level: 10 });
    const second = await server.connection.sendRequest(rpc.openGateway, { spec: 'popen' });
    await server.connection.sendRequest(rpc.execSelection, {
      gatewayId: second.id,
      source: "import logging\nlogging.getLogger('chatty').debug('debug from second')",
    });
    const line = await lineWith('debug from second');
    assert.deepEqual([line.gateway, line.stream, line.levelname], [second.id, 'log', 'DEBUG']);
    await server.connection.sendRequest(rpc.closeGateway, { gatewayId: second.id });
    const closed = await lineWith(new RegExp(`gateway ${second.id} closed \\(exit code`));
    assert.equal(closed.stream, 'lifecycle');
  });

  test('after watchStatus, snapshots are pushed with the gateway and its counters change while code runs', async () => {
    const pushes = () =>
      server.notifications.filter((n) => n.method === rpc.statusChanged.method).map((n) => n.params as rpc.ServiceStatus);
    assert.equal(pushes().length, 0, 'nothing is pushed before anyone watches');
    await server.connection.sendRequest(rpc.watchStatus, { watch: true });
    const first = await server.waitNotification(rpc.statusChanged.method, (s: rpc.ServiceStatus) =>
      s.gateways.some((g) => g.id === gatewayId),
    );
    const gw = (s: rpc.ServiceStatus) => s.gateways.find((g) => g.id === gatewayId)!;
    assert.equal(gw(first).info?.pid, pid);
    assert.equal(gw(first).state, 'open');
    assert.ok(gw(first).remoteStatus, `STATUS answered: ${gw(first).remoteStatusError}`);
    assert.ok(gw(first).roundTripMs! > 0);
    const before = gw(first).counters;

    const run = server.connection.sendRequest(rpc.execSelection, {
      gatewayId,
      source: 'import time\nfor i in range(12):\n    print("tick", i, flush=True)\n    time.sleep(0.2)',
    });
    // While the run executes the server keeps pushing on its own; the page never asks.
    const busy = await server.waitNotification(
      rpc.statusChanged.method,
      (s: rpc.ServiceStatus) => gw(s)?.remoteStatus?.numexecuting === 1 && gw(s).counters.bytesIn > before.bytesIn,
    );
    const later = await server.waitNotification(
      rpc.statusChanged.method,
      (s: rpc.ServiceStatus) => gw(s)?.counters.bytesIn > gw(busy).counters.bytesIn && gw(s).remoteStatus?.numexecuting === 1,
    );
    assert.ok(later.gateways.length >= 1);
    assert.equal((await run).status, 'ok');
    const done = await server.waitNotification(
      rpc.statusChanged.method,
      (s: rpc.ServiceStatus) => gw(s)?.counters.running === 0 && gw(s).counters.runs > before.runs,
    );
    assert.ok(gw(done).counters.msgsIn > before.msgsIn);

    await server.connection.sendRequest(rpc.watchStatus, { watch: false });
    const count = pushes().length;
    await server.connection.sendRequest(rpc.execSelection, { gatewayId, source: 'x = 1' });
    await server.connection.sendRequest(rpc.listGateways);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(pushes().length, count, 'no pushes once nobody watches');
  });
});

/** A lone array parameter travels by position (`[batch]`); the untyped test listener sees it so. */
