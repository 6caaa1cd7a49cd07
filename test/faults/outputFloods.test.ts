import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import type { NewLogEntry } from '../../contract/logs';
import { attachGatewayLogs } from '../../server/logs/gatewayLogs';
import { LogStore } from '../../server/logs/logStore';
import { peakRss } from '../helpers/processes';

// The backend's side of output floods: what a gateway's stdout becomes in the log store (the one route
// output takes to the extension), fed 1 GiB without allocating it (one 1 MiB buffer written 1024 times).

const MiB = 1024 * 1024;
const BOUND = 256 * MiB;

function fakeGateway(): EventEmitter & { id: string; spec: string } {
  return Object.assign(new EventEmitter(), { id: 'gw-flood', spec: 'popen' });
}

describe('output floods in the backend', () => {
  test('1 GiB written as one line keeps the first characters and says how many bytes it dropped, in bounded memory', () => {
    const before = peakRss();
    const gw = fakeGateway();
    const entries: NewLogEntry[] = [];
    const detach = attachGatewayLogs(gw, (e) => entries.push(e), { maxLineChars: 16384 });
    const chunk = Buffer.alloc(MiB, 'x');
    for (let i = 0; i < 1024; i++) gw.emit('stdout', chunk, undefined);
    gw.emit('stdout', Buffer.from('\nnext line\n'), undefined);
    detach();
    const lines = entries.filter((e) => e.stream === 'stdout');
    assert.equal(lines.length, 2, 'one entry for the huge line, one for the next');
    const kept = lines[0].text.slice(0, 16384);
    assert.ok(kept === 'x'.repeat(16384), 'the first 16384 characters are kept');
    assert.equal(lines[0].text.slice(16384), `… [${1024 * MiB - 16384} bytes dropped]`);
    assert.equal(lines[1].text, 'next line');
    assert.ok(peakRss() - before < BOUND, `peak RSS grew by ${peakRss() - before} bytes`);
  });

  test('1 GiB in 1 MiB lines through the store: every line counted, memory bounded', () => {
    const before = peakRss();
    const gw = fakeGateway();
    const store = new LogStore();
    const detach = attachGatewayLogs(gw, (e) => store.add(e), { maxLineChars: 16384 });
    const line = Buffer.alloc(MiB, 'y');
    line[MiB - 1] = 0x0a;
    for (let i = 0; i < 1024; i++) gw.emit('stdout', line, undefined);
    detach();
    const entries = store.snapshot().entries;
    const lines = entries.filter((e) => e.stream === 'stdout');
    const dropped = entries.find((e) => e.stream === 'dropped')?.count ?? 0;
    // 1024 printed lines and the gateway's "opened" line, each kept or counted as dropped.
    assert.equal(lines.length + dropped, 1025, 'every line is kept or counted as dropped');
    assert.ok(lines.length > 0 && dropped > 0);
    assert.ok(lines.every((e) => e.text.endsWith(`… [${MiB - 1 - 16384} bytes dropped]`)));
    assert.ok(peakRss() - before < BOUND, `peak RSS grew by ${peakRss() - before} bytes`);
  });

  test("the store keeps at most its character bound of a gateway's lines, and says how many it dropped", () => {
    const store = new LogStore({ perGatewayChars: 1024 * 1024 });
    for (let i = 0; i < 2000; i++)
      store.add({ gateway: 'gw-long', stream: 'stdout', level: 20, levelname: 'INFO', text: `${i} ${'z'.repeat(16000)}` });
    const entries = store.snapshot().entries;
    const kept = entries.filter((e) => e.stream === 'stdout');
    const chars = kept.reduce((n, e) => n + e.text.length, 0);
    assert.ok(chars <= 1024 * 1024, `${chars} characters kept`);
    assert.ok(kept.at(-1)!.text.startsWith('1999 '), 'the newest lines are the ones kept');
    assert.equal(entries[0].stream, 'dropped');
    assert.equal(entries[0].text, `${2000 - kept.length} lines dropped`);
  });

  test('a multi-byte character cut at the limit never corrupts the next line', () => {
    const gw = fakeGateway();
    const entries: NewLogEntry[] = [];
    const detach = attachGatewayLogs(gw, (e) => entries.push(e), { maxLineChars: 5 });
    gw.emit('stdout', Buffer.from('ééééééé\n'), undefined);
    gw.emit('stdout', Buffer.from('ok ✓\n'), undefined);
    detach();
    const lines = entries.filter((e) => e.stream === 'stdout').map((e) => e.text);
    assert.equal(lines[1], 'ok ✓');
    assert.match(lines[0], /^é{5}… \[4 bytes dropped\]$/);
  });
});
