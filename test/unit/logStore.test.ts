import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LogEntry, NewLogEntry } from '../../contract/logs';
import { parseLevel } from '../../contract/logs';
import { entryFromRecord } from '../../server/logs/gatewayLogs';
import { LogStore, mergeBySeq } from '../../server/logs/logStore';
import { Ring } from '../../server/logs/ring';

const line = (gateway: string, text: string, extra: Partial<NewLogEntry> = {}): NewLogEntry => ({
  gateway,
  stream: 'stdout',
  level: 20,
  levelname: 'INFO',
  text,
  ...extra,
});

describe('ring buffer', () => {
  test('keeps the newest items up to its capacity and counts the ones it dropped', () => {
    const ring = new Ring<number>(3);
    for (let i = 1; i <= 7; i++) ring.push(i);
    assert.deepEqual(ring.toArray(), [5, 6, 7]);
    assert.equal(ring.dropped, 4);
    ring.clear();
    assert.deepEqual(ring.toArray(), []);
    assert.equal(ring.dropped, 0);
  });
});

describe('log store', () => {
  test('lines of several gateways come out merged in arrival order', () => {
    let clock = 1000;
    const store = new LogStore({ now: () => clock++ });
    store.add(line('a', 'a1'));
    store.add(line('b', 'b1'));
    store.add(line('a', 'a2'));
    store.add(line('c', 'c1', { stream: 'log', remoteTime: 5 }));
    store.add(line('b', 'b2'));
    const { entries, lastSeq } = store.snapshot();
    assert.deepEqual(
      entries.map((e) => e.text),
      ['a1', 'b1', 'a2', 'c1', 'b2'],
    );
    assert.deepEqual(
      entries.map((e) => e.time),
      [1000, 1001, 1002, 1003, 1004],
    );
    assert.equal(lastSeq, 5);
    // The remote clock is kept beside the line but does not reorder it.
    assert.equal(entries[3].remoteTime, 5);
  });

  test('each gateway keeps its own newest lines, and a dropped marker says how many went', () => {
    const store = new LogStore({ perGateway: 100 });
    store.add(line('quiet', 'only line'));
    for (let i = 0; i < 1000; i++) store.add(line('noisy', `n${i}`));
    const { entries } = store.snapshot();
    assert.equal(store.dropped('noisy'), 900);
    assert.equal(store.dropped('quiet'), 0);
    const noisy = entries.filter((e) => e.gateway === 'noisy');
    assert.equal(noisy.length, 101);
    assert.equal(noisy[0].stream, 'dropped');
    assert.equal(noisy[0].count, 900);
    assert.match(noisy[0].text, /900 lines dropped/);
    assert.equal(noisy[1].text, 'n900');
    assert.equal(noisy[100].text, 'n999');
    assert.ok(
      entries.some((e) => e.text === 'only line'),
      'a noisy gateway never pushes out a quiet one',
    );
  });

  test('listeners get lines in batches, and a flood beyond the batch cap becomes a counted marker', () => {
    const store = new LogStore({ maxPending: 10, batchMs: 10_000 });
    const batches: LogEntry[][] = [];
    store.onBatch((b) => batches.push(b));
    for (let i = 0; i < 25; i++) store.add(line('g', `l${i}`));
    store.flush();
    assert.equal(batches.length, 1);
    const [batch] = batches;
    assert.equal(batch[0].stream, 'dropped');
    assert.equal(batch[0].count, 15);
    assert.deepEqual(
      batch.slice(1).map((e) => e.text),
      Array.from({ length: 10 }, (_, i) => `l${i + 15}`),
    );
    store.flush();
    assert.equal(batches.length, 1, 'nothing pending, nothing sent');
    store.dispose();
  });

  test('a batch is sent on its own after the batch interval', async () => {
    const store = new LogStore({ batchMs: 5 });
    const got = new Promise<LogEntry[]>((resolve) => store.onBatch(resolve));
    // The store's timer is unref'd, so a pending batch never keeps a process alive: this one keeps the
    // test's process alive until the batch comes (else the runner may find the event loop empty first and cancel the test).
    const alive = setTimeout(() => {}, 10_000);
    store.add(line('g', 'one'));
    store.add(line('g', 'two'));
    try {
      assert.deepEqual(
        (await got).map((e) => e.text),
        ['one', 'two'],
      );
    } finally {
      clearTimeout(alive);
      store.dispose();
    }
  });

  test('clearing forgets one gateway or all of them', () => {
    const store = new LogStore();
    store.add(line('a', 'x'));
    store.add(line('b', 'y'));
    store.clear('a');
    assert.deepEqual(
      store.snapshot().entries.map((e) => e.gateway),
      ['b'],
    );
    store.clear();
    assert.deepEqual(store.snapshot().entries, []);
  });

  test('merging keeps every list ascending by seq', () => {
    const mk = (seq: number) => ({ seq }) as LogEntry;
    assert.deepEqual(
      mergeBySeq([[mk(1), mk(4)], [], [mk(2), mk(3), mk(9)], [mk(5)]]).map((e) => e.seq),
      [1, 2, 3, 4, 5, 9],
    );
  });
});

describe('log records as entries', () => {
  test('an uncaught thread exception keeps its traceback under its message', () => {
    const e = entryFromRecord('gw1', {
      time: 1.5,
      level: 40,
      levelname: 'ERROR',
      logger: 'threading',
      thread: 'boom',
      message: 'Exception in thread boom',
      exc_text: 'Traceback\nZeroDivisionError\n',
      kind: 'exception',
    });
    assert.equal(e.stream, 'exception');
    assert.equal(e.text, 'Exception in thread boom\nTraceback\nZeroDivisionError');
    assert.equal(e.remoteTime, 1500);
    assert.equal(e.thread, 'boom');
  });

  test('warnings and plain records get their own streams', () => {
    const base = { time: 0, level: 30, levelname: 'WARNING', logger: 'py.warnings', thread: 'MainThread', message: 'careful' };
    assert.equal(entryFromRecord('g', { ...base, kind: 'warning' }).stream, 'warning');
    assert.equal(entryFromRecord('g', base).stream, 'log');
  });

  test('levels are read by name or number', () => {
    assert.equal(parseLevel('warning'), 30);
    assert.equal(parseLevel('WARN'), 30);
    assert.equal(parseLevel('debug'), 10);
    assert.equal(parseLevel('25'), 25);
    assert.equal(parseLevel('loud'), undefined);
  });
});

describe('LogStore snapshots and live batches', () => {
  test('lines waiting for their batch go out before a snapshot, so nothing arrives twice', () => {
    const store = new LogStore({ batchMs: 60_000 });
    const sent: number[] = [];
    store.onBatch((batch) => sent.push(...batch.map((e) => e.seq)));
    store.add(line('gw0', 'before the snapshot'));
    const snapshot = store.snapshot();
    assert.deepEqual(sent, [snapshot.lastSeq], 'the pending line was sent before the snapshot was taken');
    store.add(line('gw0', 'after'));
    store.flush();
    assert.equal(sent.filter((seq) => seq > snapshot.lastSeq).length, 1);
    store.dispose();
  });
});
