import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, describe, test } from 'node:test';
import type { Gateway } from '../../../protocol';
import { makeGateway } from '../../../server/gateway/makeGateway';
import { attachGatewayLogs } from '../../../server/logs/gatewayLogs';
import type { LogEntry } from '../../../contract/logs';
import { LogStore } from '../../../server/logs/logStore';
import { waitGone } from '../../helpers/processes';

const REMOTE = `
import logging, threading, subprocess, warnings, sys
log = logging.getLogger('demo')
log.debug('debug line')
log.info('info line')
log.warning('warning line')
print('printed line')
print('\\x1b[31mred\\x1b[0m line')
warnings.warn('careful now')
t = threading.Thread(target=lambda: 1/0, name='boom'); t.start(); t.join()
subprocess.run(['sh', '-c', 'echo child out; echo child err >&2'])
sys.stdout.write('no newline yet')
sys.stdout.flush()
channel.send('done')
`;

describe('remote logs of a real Python gateway', () => {
  const gateways: Gateway[] = [];
  after(async () => {
    for (const gw of gateways) {
      await gw.exit().catch(() => undefined);
      if (gw.info) await waitGone(gw.info.pid).catch(() => undefined);
    }
  });

  test('records, warnings, thread exceptions, prints, child output and lifecycle arrive as typed lines', async () => {
    const store = new LogStore();
    const gw = await makeGateway('popen', { logLevel: 20 });
    gateways.push(gw);
    const detach = attachGatewayLogs(gw, (e) => store.add(e), { partialLineMs: 20 });
    const channel = gw.remoteExec(REMOTE);
    assert.equal(await channel.receive(10_000), 'done');
    await until(() => store.snapshot().entries.some((e) => e.text === 'no newline yet'));
    await gw.exit();
    await until(() => store.snapshot().entries.some((e) => e.stream === 'lifecycle' && /closed/.test(e.text)));
    detach();

    const entries = store.snapshot().entries;
    const find = (text: string | RegExp) => entries.find((e) => (typeof text === 'string' ? e.text === text : text.test(e.text)));
    assert.match(entries[0].text, new RegExp(`opened: popen — python .*pid ${gw.info.pid}`));
    assert.equal(find('debug line'), undefined, 'below the forwarded level');
    assert.deepEqual(pick(find('info line')), { gateway: gw.id, stream: 'log', levelname: 'INFO', logger: 'demo' });
    assert.deepEqual(pick(find('warning line')), { gateway: gw.id, stream: 'log', levelname: 'WARNING', logger: 'demo' });
    assert.deepEqual(pick(find('printed line')), { gateway: gw.id, stream: 'stdout', levelname: 'INFO', logger: undefined });
    assert.ok(find('\x1b[31mred\x1b[0m line'), 'colour codes reach the panel untouched');
    assert.equal(find(/careful now/)?.stream, 'warning');
    const boom = find(/Exception in thread boom/);
    assert.equal(boom?.stream, 'exception');
    assert.equal(boom?.thread, 'boom');
    assert.match(boom?.text ?? '', /ZeroDivisionError/);
    assert.equal(find('child out')?.stream, 'stdout');
    assert.equal(find('child err')?.stream, 'stderr');
    const closed = entries[entries.length - 1];
    assert.equal(closed.stream, 'lifecycle');
    assert.match(closed.text, /closed \(exit code 0\)/);
    assert.ok(entries.every((e, i) => i === 0 || e.seq > entries[i - 1].seq));
  });

  test('REMOTE_EXEC_DEBUG=1 leaves a trace file of each side in the temp folder', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-exec-trace-'));
    try {
      const cli = path.resolve(__dirname, '../../../server/cli.ts');
      const run = spawnSync(process.execPath, ['--import', 'tsx', cli, 'exec', '-c', 'print("traced")'], {
        env: { ...process.env, REMOTE_EXEC_DEBUG: '1', TMPDIR: tmp },
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /traced/);
      const traces = fs.readdirSync(tmp).filter((f) => f.startsWith('remote-exec-debug-'));
      assert.equal(traces.length, 2, `expected a host and an agent trace, found: ${traces.join(', ')}`);
      const all = traces.map((f) => fs.readFileSync(path.join(tmp, f), 'utf8')).join('\n');
      assert.match(all, /HELLO/);
      assert.match(all, /EXEC/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

function pick(e: LogEntry | undefined) {
  return e && { gateway: e.gateway, stream: e.stream, levelname: e.levelname, logger: e.logger };
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
