import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseFilter } from '../../webview-ui/dataViewer/filters';
import { MAX_SCROLL_PX, TileCache, tilesFor, visibleRows } from '../../webview-ui/dataViewer/tiles';
import type { TablePage } from '../../contract/service';

describe('what a filter typed under a data viewer column means', () => {
  test('comparisons on a numeric column; a bare number means equal', () => {
    assert.deepEqual(parseFilter(2, '> 5', true), { filter: [2, 'gt', 5] });
    assert.deepEqual(parseFilter(2, '<=2.5', true), { filter: [2, 'le', 2.5] });
    assert.deepEqual(parseFilter(2, '!= 0', true), { filter: [2, 'ne', 0] });
    assert.deepEqual(parseFilter(2, '== -1e3', true), { filter: [2, 'eq', -1000] });
    assert.deepEqual(parseFilter(2, '42', true), { filter: [2, 'eq', 42] });
  });

  test('a word in a text column finds cells containing it; = and != match whole cells', () => {
    assert.deepEqual(parseFilter(0, 'oslo', false), { filter: [0, 'contains', 'oslo'] });
    assert.deepEqual(parseFilter(0, '= Oslo', false), { filter: [0, 'eq', 'Oslo'] });
    assert.deepEqual(parseFilter(0, '!=Lima', false), { filter: [0, 'ne', 'Lima'] });
    assert.deepEqual(parseFilter(0, '> m', false), { filter: [0, 'gt', 'm'] });
  });

  test('empty is no filter; what a numeric column cannot take is an error, not a filter', () => {
    assert.deepEqual(parseFilter(1, '   ', true), {});
    assert.ok(parseFilter(1, '> many', true).error);
    assert.ok(parseFilter(1, 'many', true).error);
    assert.ok(parseFilter(1, '=', false).error);
  });
});

describe('the data viewer windows', () => {
  const page = (offset: number): TablePage => ({
    rows: 1000,
    unfiltered: 1000,
    columnCount: 3,
    offset,
    columnOffset: 0,
    index: { name: '', dtype: 'int64', numeric: true },
    columns: [],
    labels: [],
    cells: [],
  });

  test('the windows a view needs cover its rows and columns', () => {
    assert.deepEqual(tilesFor(0, 30, 0, 5), [{ row: 0, column: 0 }]);
    assert.deepEqual(tilesFor(95, 130, 38, 45), [
      { row: 0, column: 0 },
      { row: 0, column: 1 },
      { row: 1, column: 0 },
      { row: 1, column: 1 },
    ]);
  });

  test('at most a few windows are kept, the least recently used go first; a late answer is dropped', () => {
    const cache = new TileCache();
    for (let row = 0; row < 20; row++) {
      cache.markPending({ row, column: 0 }, row + 1);
      assert.equal(cache.put({ row, column: 0 }, row + 1, page(row * 100)), true);
    }
    assert.equal(cache.size, 12);
    assert.equal(cache.get({ row: 0, column: 0 }), undefined, 'the oldest went first');
    assert.ok(cache.get({ row: 19, column: 0 }));
    cache.markPending({ row: 30, column: 0 }, 100);
    cache.clear();
    assert.equal(cache.put({ row: 30, column: 0 }, 100, page(3000)), false, 'an answer for a sort since replaced');
  });

  test('after a change the old windows are drawn until their replacements arrive', () => {
    const cache = new TileCache();
    cache.markPending({ row: 0, column: 0 }, 1);
    cache.put({ row: 0, column: 0 }, 1, page(0));
    cache.invalidate();
    assert.equal(cache.has({ row: 0, column: 0 }), false, 'to be fetched again');
    assert.ok(cache.get({ row: 0, column: 0 }), 'still drawable');
  });

  test('tall tables scroll scaled so the last row is reachable', () => {
    const small = visibleRows(22 * 500, 440, 22, 1000);
    assert.equal(small.first, 500);
    const rows = 10_000_000;
    const top = visibleRows(0, 440, 22, rows);
    assert.equal(top.height, MAX_SCROLL_PX);
    assert.equal(top.first, 0);
    const bottom = visibleRows(MAX_SCROLL_PX - 440, 440, 22, rows);
    assert.equal(bottom.first + bottom.count - 1, rows, 'the last row is in view at the bottom');
  });
});
