// Tables (PROTOCOL.md sec. 7.7): the data viewer's pages. An array of plain objects (a column per key of its
// first rows), an array of arrays (columns by position) or a typed array (one column) is read one window of
// rows and columns at a time, as text; sorting and filtering happen here, over the whole value, and the row
// order they make is kept for the next pages until session code runs again.

const TABLE_ROWS_MAX = 1000;
const TABLE_COLUMNS_MAX = 200;
const CELL_TEXT = 200;
const SCAN_ROWS = 1000;
const VIEWS_KEPT = 2;
const FILTER_OPS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'contains'];
const MISSING = Symbol('missing');
/** Row orders made by sorts and filters: [value, key, order], newest last. */
const tableViews = [];

function cellText(v) {
  let s;
  if (v === MISSING) return '';
  if (typeof v === 'string') s = v;
  else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v === null || v === undefined) s = String(v);
  else s = reprOf(v, CELL_TEXT, false);
  s = s.replace(/\n/g, '\\n');
  return s.length > CELL_TEXT ? s.slice(0, CELL_TEXT - 1) + '…' : s;
}

function tableOf(v) {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const dtype = typeNameOf(v)
      .replace(/Array$/, '')
      .toLowerCase();
    return { nrows: v.length, ncols: 1, get: (r) => v[r], column: () => ['value', dtype, true], index: ['', 'int'] };
  }
  if (!Array.isArray(v) || !(v.length === 0 || Array.isArray(v[0]) || isPlainObject(v[0])))
    throw new TypeError(`a ${typeNameOf(v)} cannot be shown as a table (an array of objects or of arrays, or a typed array, can)`);
  const records = v.length > 0 && !Array.isArray(v[0]);
  const keys = [];
  const seen = new Set();
  let width = 0;
  for (let r = 0; r < Math.min(v.length, SCAN_ROWS); r++) {
    const row = v[r];
    if (records && isPlainObject(row)) {
      for (const k of Object.keys(row)) {
        if (seen.has(k)) continue;
        seen.add(k);
        keys.push(k);
      }
    } else if (!records && Array.isArray(row)) width = Math.max(width, row.length);
  }
  const cols = records ? keys : Array.from({ length: width }, (_, i) => i);
  const get = (r, c) => {
    const row = v[r];
    const k = cols[c];
    if (records) return isPlainObject(row) && Object.prototype.hasOwnProperty.call(row, k) ? row[k] : MISSING;
    return Array.isArray(row) && k < row.length ? row[k] : MISSING;
  };
  const dtypes = new Map();
  const column = (c) => {
    if (!dtypes.has(c)) {
      const types = new Set();
      for (let r = 0; r < Math.min(v.length, SCAN_ROWS); r++) {
        const x = get(r, c);
        if (x !== MISSING && x !== null && x !== undefined) types.add(typeof x);
      }
      dtypes.set(c, types.size === 1 ? [...types][0] : 'object');
    }
    const dtype = dtypes.get(c);
    return [String(cols[c]), dtype, dtype === 'number' || dtype === 'bigint'];
  };
  return { nrows: v.length, ncols: cols.length, get, column, index: ['', 'int'] };
}

function tablePage(v, options) {
  options = options && typeof options === 'object' ? options : {};
  const t = tableOf(v);
  const r0 = intOption(options, 'offset', 0);
  const limit = Math.min(intOption(options, 'limit', 100), TABLE_ROWS_MAX);
  const c0 = intOption(options, 'columnOffset', 0);
  const climit = Math.min(intOption(options, 'columnLimit', 50), TABLE_COLUMNS_MAX);
  const order = rowOrder(v, t, options.sort ?? null, options.filters ?? []);
  const total = order ? order.length : t.nrows;
  const r1 = Math.min(total, r0 + limit);
  const c1 = Math.min(t.ncols, c0 + climit);
  const labels = [];
  const cells = [];
  for (let i = r0; i < r1; i++) {
    const r = order ? order[i] : i;
    labels.push(String(r));
    const row = [];
    for (let c = c0; c < c1; c++) row.push(cellText(t.get(r, c)));
    cells.push(row);
  }
  const columns = [];
  for (let c = c0; c < c1; c++) columns.push(t.column(c));
  return { rows: total, unfiltered: t.nrows, columnCount: t.ncols, offset: r0, columnOffset: c0, index: t.index, columns, labels, cells };
}

function intOption(options, name, fallback) {
  const v = options[name];
  if (v === undefined || v === null) return fallback;
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`table: ${name} is a non-negative integer`);
  return v;
}

/** The positions of the rows shown, in order, or null for all rows as they are. */
function rowOrder(v, t, sort, filters) {
  if (sort !== null && (!Array.isArray(sort) || sort.length !== 2 || !Number.isInteger(sort[0])))
    throw new TypeError('table: sort is [column, descending]');
  if (!Array.isArray(filters)) throw new TypeError('table: filters is an array of [column, op, value]');
  for (const f of filters) {
    if (!Array.isArray(f) || f.length !== 3 || !Number.isInteger(f[0]) || !FILTER_OPS.includes(f[1]))
      throw new TypeError(`table: a filter is [column, op, value] with op one of ${FILTER_OPS.join(', ')}`);
    if (f[0] < -1 || f[0] >= t.ncols) throw new RangeError(`table: no column ${f[0]} (${t.ncols} columns)`);
  }
  if (sort !== null && (sort[0] < -1 || sort[0] >= t.ncols)) throw new RangeError(`table: no column ${sort[0]} (${t.ncols} columns)`);
  if (sort === null && filters.length === 0) return null;
  // The same value, sorted and filtered the same way, since the last session run: the same order.
  const key = JSON.stringify([t.nrows, t.ncols, sort, filters, sessionRuns]);
  const i = tableViews.findIndex(([value, k]) => value === v && k === key);
  if (i >= 0) {
    const [view] = tableViews.splice(i, 1);
    tableViews.push(view);
    return view[2];
  }
  const value = (r, c) => (c < 0 ? r : t.get(r, c));
  let order = [];
  for (let r = 0; r < t.nrows; r++) order.push(r);
  for (const [c, op, target] of filters) {
    const test = cellTest(op, target);
    order = order.filter((r) => test(value(r, c)));
  }
  if (sort !== null) {
    const [c, descending] = sort;
    const keys = new Map(order.map((r) => [r, sortKey(value(r, c))]));
    const sign = descending ? -1 : 1;
    order.sort((a, b) => {
      const [ka, kb] = [keys.get(a), keys.get(b)];
      // Missing values go last whichever way the column is sorted, as in pandas.
      if ((ka[0] === 3) !== (kb[0] === 3)) return ka[0] === 3 ? 1 : -1;
      return sign * compareKeys(ka, kb) || a - b;
    });
  }
  tableViews.push([v, key, order]);
  while (tableViews.length > VIEWS_KEPT) tableViews.shift();
  return order;
}

function cellTest(op, target) {
  if (op === 'contains') {
    const low = String(target).toLowerCase();
    return (x) => x !== MISSING && cellText(x).toLowerCase().includes(low);
  }
  if (typeof target === 'number') {
    return (x) => {
      const n = typeof x === 'number' ? x : typeof x === 'bigint' ? Number(x) : typeof x === 'string' && x.trim() !== '' ? Number(x) : NaN;
      if (Number.isNaN(n)) return op === 'ne';
      return compare(op, n, target);
    };
  }
  const text = String(target);
  return (x) => (x === MISSING ? op === 'ne' : compare(op, cellText(x), text));
}

function compare(op, a, b) {
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
    case 'gt':
      return a > b;
    default:
      return a >= b;
  }
}

/** Orders values of any types together: numbers, then strings, then the rest by text, missing last. */
function sortKey(x) {
  if (x === MISSING || x === null || x === undefined || (typeof x === 'number' && Number.isNaN(x))) return [3, 0];
  if (typeof x === 'number' || typeof x === 'bigint') return [0, Number(x)];
  if (typeof x === 'string') return [1, x];
  if (typeof x === 'boolean') return [0, x ? 1 : 0];
  return [2, cellText(x)];
}

function compareKeys(a, b) {
  if (a[0] !== b[0]) return a[0] - b[0];
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}
