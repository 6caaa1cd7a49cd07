# Tables (PROTOCOL.md section 7.7): the data viewer's pages.  A value shown as a table (a pandas
# DataFrame or Series, a 1-D or 2-D numpy array, a list of dicts or of lists) is read one window of rows
# and columns at a time, as text; sorting and filtering happen here, over the whole value, and the row
# order they make is kept for the next pages until session code runs again.

TABLE_ROWS_MAX = 1000
TABLE_COLUMNS_MAX = 200
CELL_TEXT = 200
_SCAN_ROWS = 1000       # rows of a list read to find its columns and their types
_VIEWS_KEPT = 2         # sorted or filtered row orders kept (each up to 8 bytes a row)
_FILTER_OPS = ('eq', 'ne', 'lt', 'le', 'gt', 'ge', 'contains')


def _cell(v):
    """A cell as the viewer shows it: strings as they are, numbers as the language writes them."""
    if type(v) is str:
        s = v
    elif type(v) is float:
        s = repr(v)
    elif v is None or type(v) in (int, bool):
        s = repr(v)
    elif type(v) is bytes:
        s = _fmt(v, CELL_TEXT, 1)
    else:
        try:
            s = str(v)
        except Exception as e:
            s = '<%s>' % _safe_str(e)
    s = s.replace('\n', '\\n')
    return s if len(s) <= CELL_TEXT else s[:CELL_TEXT - 1] + '…'


class _Columns(object):
    """A table's shape and columns, whatever the value is; subclasses read one kind of value."""

    index = ['', '']

    def column_values(self, c):
        """Every value of column c (-1: the row labels), for a sort or a filter."""
        raise NotImplementedError

    def window(self, positions, c0, c1):
        """The labels and cells of the rows at `positions` (a range or an array), columns c0 to c1."""
        raise NotImplementedError


class _FrameColumns(_Columns):
    def __init__(self, df):
        self.v = df
        self.nrows, self.ncols = df.shape
        self.names = df.columns
        self.index = [_label(df.index.name) if df.index.name is not None else '', str(df.index.dtype)]

    def column(self, c):
        dtype = self.v.dtypes.iloc[c]
        return [_label(self.names[c]), str(dtype), getattr(dtype, 'kind', 'O') in 'iufc']

    def column_values(self, c):
        return (self.v.index if c < 0 else self.v.iloc[:, c]).to_numpy()

    def window(self, positions, c0, c1):
        part = self.v.iloc[_indexer(positions), c0:c1]
        labels = [_cell(x) for x in part.index.tolist()]
        columns = [[_cell(x) for x in part.iloc[:, j].tolist()] for j in range(c1 - c0)]
        return labels, [list(r) for r in zip(*columns)] if columns else [[] for _ in labels]


class _SeriesColumns(_Columns):
    def __init__(self, s):
        self.v = s
        self.nrows, self.ncols = len(s), 1
        self.index = [_label(s.index.name) if s.index.name is not None else '', str(s.index.dtype)]

    def column(self, c):
        return [_label(self.v.name) if self.v.name is not None else 'value', str(self.v.dtype),
                getattr(self.v.dtype, 'kind', 'O') in 'iufc']

    def column_values(self, c):
        return (self.v.index if c < 0 else self.v).to_numpy()

    def window(self, positions, c0, c1):
        part = self.v.iloc[_indexer(positions)]
        labels = [_cell(x) for x in part.index.tolist()]
        return labels, [[_cell(x)] for x in part.tolist()] if c1 > c0 else [[] for _ in labels]


class _ArrayColumns(_Columns):
    def __init__(self, a):
        self.v = a
        self.nrows = a.shape[0]
        self.ncols = a.shape[1] if a.ndim == 2 else 1
        self.index = ['', 'int64']

    def column(self, c):
        return [str(c) if self.v.ndim == 2 else 'value', str(self.v.dtype), self.v.dtype.kind in 'iufc']

    def column_values(self, c):
        np = _np()
        if c < 0:
            return np.arange(self.nrows)
        return self.v[:, c] if self.v.ndim == 2 else self.v

    def window(self, positions, c0, c1):
        rows = self.v[_indexer(positions)]
        labels = [str(i) for i in positions]
        if self.v.ndim == 1:
            return labels, [[_cell(x)] for x in rows.tolist()] if c1 > c0 else [[] for _ in labels]
        return labels, [[_cell(x) for x in r] for r in rows[:, c0:c1].tolist()]


class _ListColumns(_Columns):
    """A list of dicts (a column per key seen in the first rows) or of lists and tuples (by position)."""

    def __init__(self, rows):
        self.v = rows
        self.nrows = len(rows)
        self.records = type(rows[0]) is dict if rows else False
        keys = []
        seen = set()
        width = 0
        for r in itertools.islice(rows, _SCAN_ROWS):
            if self.records and type(r) is dict:
                for k in r:
                    if k not in seen:
                        seen.add(k)
                        keys.append(k)
            elif not self.records and type(r) in (list, tuple):
                width = max(width, len(r))
        self.keys = keys if self.records else list(range(width))
        self.ncols = len(self.keys)
        self.index = ['', 'int']
        self._types = {}

    def get(self, r, c):
        row = self.v[r]
        k = self.keys[c]
        if self.records:
            return row.get(k, _NO_ATTR) if type(row) is dict else _NO_ATTR
        return row[k] if type(row) in (list, tuple) and k < len(row) else _NO_ATTR

    def column(self, c):
        dtype = self._types.get(c)
        if dtype is None:
            seen = set()
            for r in range(min(self.nrows, _SCAN_ROWS)):
                x = self.get(r, c)
                if x is not _NO_ATTR and x is not None:
                    seen.add(type(x))
            if seen and seen <= {int}:
                dtype = 'int'
            elif seen and seen <= {int, float}:
                dtype = 'float'
            elif len(seen) == 1:
                dtype = next(iter(seen)).__name__
            else:
                dtype = 'object'
            self._types[c] = dtype
        key = self.keys[c]
        if not self.records:
            name = str(key)
        else:
            name = key if type(key) is str else _fmt(key, SHORT_REPR, 1)
        return [name, dtype, dtype in ('int', 'float')]

    def column_values(self, c):
        if c < 0:
            return list(range(self.nrows))
        return [self.get(r, c) for r in range(self.nrows)]

    def window(self, positions, c0, c1):
        labels = [str(r) for r in positions]
        cells = []
        for r in positions:
            cells.append(['' if x is _NO_ATTR else _cell(x) for x in (self.get(r, c) for c in range(c0, c1))])
        return labels, cells


def _indexer(positions):
    return slice(positions.start, positions.stop) if type(positions) is range else positions


def table_columns(v):
    """The table reader for v, or a TypeError saying what the viewer takes."""
    fk = _frame_kind(v)
    if fk == 'frame':
        return _FrameColumns(v)
    if fk == 'series':
        return _SeriesColumns(v)
    if fk == 'index':
        return _SeriesColumns(v.to_series())
    if fk == 'array' and v.ndim in (1, 2):
        return _ArrayColumns(v)
    if type(v) in (list, tuple) and (not v or type(v[0]) in (dict, list, tuple)):
        return _ListColumns(v)
    raise TypeError('a %s cannot be shown as a table (a DataFrame, a Series, a 1-D or 2-D array, or a list '
                    'of dicts or of lists can)' % _typename(v))


class _Tables(object):
    """The Gateway's table pages and the row orders its sorts and filters made."""

    def _init_tables(self):
        self._table_views = collections.OrderedDict()   # (value, sort, filters, session run) -> rows
        self._table_lock = threading.Lock()

    def _table_page(self, v, options):
        if type(options) is not dict:
            options = {}
        t = table_columns(v)
        r0 = _int_option(options, 'offset', 0)
        limit = min(_int_option(options, 'limit', 100), TABLE_ROWS_MAX)
        c0 = _int_option(options, 'columnOffset', 0)
        climit = min(_int_option(options, 'columnLimit', 50), TABLE_COLUMNS_MAX)
        sort = options.get('sort')
        filters = options.get('filters') or []
        order = self._row_order(v, t, sort, filters)
        total = t.nrows if order is None else len(order)
        r1 = min(total, r0 + limit)
        c1 = min(t.ncols, c0 + climit)
        positions = range(r0, max(r0, r1)) if order is None else order[r0:r1]
        labels, cells = t.window(positions, c0, max(c0, c1)) if r1 > r0 else ([], [])
        return {'rows': total, 'unfiltered': t.nrows, 'columnCount': t.ncols, 'offset': r0,
                'columnOffset': c0, 'index': t.index, 'columns': [t.column(c) for c in range(c0, c1)],
                'labels': labels, 'cells': cells}

    def _row_order(self, v, t, sort, filters):
        """The positions of the rows shown, in order, or None for all rows as they are."""
        if sort is not None and (type(sort) is not list or len(sort) != 2 or type(sort[0]) is not int):
            raise ValueError('table: sort is [column, descending]')
        if type(filters) is not list:
            raise ValueError('table: filters is an array of [column, op, value]')
        for f in filters:
            if type(f) is not list or len(f) != 3 or type(f[0]) is not int or f[1] not in _FILTER_OPS:
                raise ValueError('table: a filter is [column, op, value] with op one of %s' % ', '.join(_FILTER_OPS))
            if not -1 <= f[0] < t.ncols:
                raise ValueError('table: no column %d (%d columns)' % (f[0], t.ncols))
        if sort is not None and not -1 <= sort[0] < t.ncols:
            raise ValueError('table: no column %d (%d columns)' % (sort[0], t.ncols))
        if sort is None and not filters:
            return None
        # The same value, sorted and filtered the same way, since the last session run: the same order.
        key = (id(v), t.nrows, t.ncols, repr(sort), repr(filters), self._session_n)
        with self._table_lock:
            order = self._table_views.get(key)
            if order is not None:
                self._table_views.move_to_end(key)
                return order
        order = _ordered_rows(t, sort, filters)
        with self._table_lock:
            self._table_views[key] = order
            while len(self._table_views) > _VIEWS_KEPT:
                self._table_views.popitem(last=False)
        return order


def _int_option(options, name, default):
    v = options.get(name, default)
    if v is None:
        return default
    if type(v) is not int or v < 0:
        raise ValueError('table: %s is a non-negative integer' % name)
    return v


def _ordered_rows(t, sort, filters):
    np = _np()
    if np is not None and not isinstance(t, _ListColumns):
        return _ordered_rows_numpy(np, t, sort, filters)
    positions = list(range(t.nrows))
    for c, op, value in filters:
        values = t.column_values(c)
        test = _cell_test(op, value)
        positions = [r for r in positions if test(values[r])]
    if sort is not None:
        values = t.column_values(sort[0])
        positions = _sorted_positions(positions, lambda r: values[r], bool(sort[1]))
    return positions


def _sorted_positions(positions, value, descending):
    """positions ordered by their values (stable); missing values last whichever way, as in pandas."""
    keyed = [(r, _sort_key(value(r))) for r in positions]
    present = [p for p in keyed if p[1][0] != 3]
    present.sort(key=lambda p: p[1], reverse=descending)
    return [r for r, _ in present] + [r for r, k in keyed if k[0] == 3]


def _ordered_rows_numpy(np, t, sort, filters):
    mask = None
    for c, op, value in filters:
        m = _column_mask(np, t.column_values(c), op, value)
        mask = m if mask is None else mask & m
    positions = np.flatnonzero(mask) if mask is not None else np.arange(t.nrows)
    if sort is not None:
        keys = t.column_values(sort[0])[positions]
        descending = bool(sort[1])
        order = None
        pd = _pd()
        try:
            if pd is not None:
                order = pd.Series(keys).sort_values(ascending=not descending, kind='stable',
                                                    na_position='last').index.to_numpy()
            elif keys.dtype.kind in 'iufb':
                order = np.argsort(-keys if descending else keys, kind='stable')
        except TypeError:
            order = None
        if order is None:       # values of types that do not compare with each other
            order = np.array(_sorted_positions(range(len(keys)), lambda i: keys[i], descending), dtype=np.int64)
        positions = positions[order]
    return positions


def _column_mask(np, values, op, value):
    numeric = values.dtype.kind in 'iufb' and type(value) in (int, float)
    if numeric:
        return {'eq': values == value, 'ne': values != value, 'lt': values < value, 'le': values <= value,
                'gt': values > value, 'ge': values >= value}.get(op, np.zeros(len(values), dtype=bool))
    if op in ('lt', 'le', 'gt', 'ge') and type(value) in (int, float):
        test = _cell_test(op, value)
        return np.fromiter((test(x) for x in values), dtype=bool, count=len(values))
    pd = _pd()
    text = str(value)
    if pd is not None:
        s = pd.Series(values).astype(str)
        if op == 'contains':
            return s.str.contains(text, case=False, regex=False).to_numpy()
        return (s == text).to_numpy() if op == 'eq' else (s != text).to_numpy()
    test = _cell_test(op, value)
    return np.fromiter((test(x) for x in values), dtype=bool, count=len(values))


def _cell_test(op, value):
    if op == 'contains':
        low = str(value).lower()
        return lambda x: x is not _NO_ATTR and low in _cell(x).lower()
    if type(value) in (int, float):
        def numeric(x, op=op, value=value):
            if not _is_number(x):
                try:
                    x = float(x)
                except (TypeError, ValueError):
                    return op == 'ne'
            return {'eq': x == value, 'ne': x != value, 'lt': x < value, 'le': x <= value, 'gt': x > value,
                    'ge': x >= value}[op]
        return numeric
    text = str(value)
    if op == 'ne':
        return lambda x: x is _NO_ATTR or _cell(x) != text

    def textual(x, op=op):
        if x is _NO_ATTR:
            return False
        s = _cell(x)
        return {'eq': s == text, 'lt': s < text, 'le': s <= text, 'gt': s > text, 'ge': s >= text}[op]
    return textual


def _sort_key(x):
    """Orders values of any types together: numbers, then strings, then the rest by text, missing last."""
    if x is _NO_ATTR or x is None:
        return (3, 0, '')
    if _is_number(x):
        if x != x:      # NaN
            return (3, 0, '')
        return (0, x, '')
    if isinstance(x, str):
        return (1, 0, x)
    return (2, 0, _cell(x))


def _is_number(x):
    if isinstance(x, bool):
        return False
    if isinstance(x, (int, float)):
        return True
    np = _np()
    return np is not None and isinstance(x, np.number) and not isinstance(x, np.complexfloating)
