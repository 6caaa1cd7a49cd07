import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LogEntry } from '../../contract/logs';
import { LogModel, NO_FILTER, rowText } from '../../webview-ui/logs/model';

let seq = 0;
const entry = (gateway: string, text: string, extra: Partial<LogEntry> = {}): LogEntry => ({
  seq: ++seq,
  time: Date.UTC(2024, 0, 1, 12, 0, 0, seq),
  gateway,
  stream: 'stdout',
  level: 20,
  levelname: 'INFO',
  text,
  ...extra,
});
const shown = (m: LogModel) => Array.from({ length: m.visibleCount }, (_, i) => m.visibleRow(i).text);

describe('log panel model', () => {
  test('filters by gateway, stream, level and text, case-insensitively', () => {
    const m = new LogModel();
    m.append([
      entry('a', 'hello from a'),
      entry('b', 'hello from b'),
      entry('a', 'disk almost full', { stream: 'log', level: 30, levelname: 'WARNING', logger: 'disk' }),
      entry('b', 'oops', { stream: 'stderr', level: 30, levelname: 'WARNING' }),
    ]);
    m.setFilter({ ...NO_FILTER, hiddenGateways: new Set(['b']) });
    assert.deepEqual(shown(m), ['hello from a', 'disk almost full']);
    m.setFilter({ ...NO_FILTER, hiddenStreams: new Set(['stdout']) });
    assert.deepEqual(shown(m), ['disk almost full', 'oops']);
    m.setFilter({ ...NO_FILTER, minLevel: 30 });
    assert.deepEqual(shown(m), ['disk almost full', 'oops']);
    m.setFilter({ ...NO_FILTER, search: 'HELLO' });
    assert.deepEqual(shown(m), ['hello from a', 'hello from b']);
    m.setFilter({ ...NO_FILTER, search: 'disk' });
    assert.deepEqual(shown(m), ['disk almost full'], 'the logger name is searched too');
    m.append([entry('b', 'hello again'), entry('a', 'bye')]);
    assert.deepEqual(shown(m), ['disk almost full'], 'new lines pass through the same filter');
  });

  test('a traceback is one entry shown as several rows, filtered together', () => {
    const m = new LogModel();
    m.append([entry('a', 'Exception in thread t\nTraceback:\nZeroDivisionError', { stream: 'exception', level: 40, levelname: 'ERROR' })]);
    assert.equal(m.visibleCount, 3);
    assert.equal(m.visibleRow(2).line, 2);
    m.setFilter({ ...NO_FILTER, search: 'zerodivision' });
    assert.equal(m.visibleCount, 3);
  });

  test('keeps at most maxLines rows, counts what it dropped, and the filtered rows follow', () => {
    const m = new LogModel(1000);
    m.setFilter({ ...NO_FILTER, search: '7' });
    for (let b = 0; b < 50; b++) m.append(Array.from({ length: 100 }, (_, i) => entry('a', `line ${b * 100 + i}`)));
    assert.equal(m.size, 1000);
    assert.equal(m.dropped, 4000);
    assert.ok(shown(m).every((t) => t.includes('7')));
    assert.equal(shown(m)[0], 'line 4007', 'no row older than the kept ones stays visible');
    m.setFilter(NO_FILTER);
    assert.equal(shown(m)[0], 'line 4000');
    assert.equal(shown(m)[999], 'line 4999');
  });

  test('drop markers from the server pass every filter but the gateway one', () => {
    const m = new LogModel();
    m.append([entry('a', '12 lines dropped', { stream: 'dropped', level: 30, levelname: 'WARNING', count: 12 })]);
    m.setFilter({ ...NO_FILTER, minLevel: 50, search: 'zzz', hiddenStreams: new Set(['dropped']) });
    assert.equal(m.visibleCount, 1);
    m.setFilter({ ...NO_FILTER, hiddenGateways: new Set(['a']) });
    assert.equal(m.visibleCount, 0);
  });

  test('a copied row reads as plain text', () => {
    const m = new LogModel();
    m.append([entry('gw1', '\x1b[31mred\x1b[0m text', { stream: 'log', logger: 'app', thread: 'Main', level: 40, levelname: 'ERROR' })]);
    assert.match(rowText(m.visibleRow(0)), /^\d\d:\d\d:\d\d\.\d{3} gw1 log ERROR app Main: red text$/);
  });
});
