# Children (PROTOCOL.md section 7.6): the pages a variables view lists, each child a row of what is
# shown of it and a key to reach it again.  Containers list their items (sequences, mappings, sets, numpy
# arrays along the first axis, pandas frames by row); other objects their attributes, filtered by kind
# without reading them; the root the session namespace.

CHILDREN_MAX = 1000     # rows of one children page at most


def _option(options, name, default):
    if type(options) is not dict:
        return default
    v = options.get(name, default)
    return default if v is None else v


def _page_bounds(options):
    offset = _option(options, 'offset', 0)
    limit = _option(options, 'limit', 100)
    if type(offset) is not int or type(limit) is not int or offset < 0 or limit < 0:
        raise ValueError('children: offset and limit are non-negative integers')
    return offset, min(limit, CHILDREN_MAX)


def children_page(obj, options, namespace=None):
    """Section 7.6: one page of obj's children (of the session namespace when `namespace` is given)."""
    offset, limit = _page_bounds(options)
    if namespace is not None:
        names = [k for k in list(namespace.keys()) if type(k) is str and k not in _SESSION_INTERNALS]
        return _named_page('variables', names, lambda n: namespace[n], lambda n: _kind(namespace[n]),
                           options, offset, limit)
    fk = _frame_kind(obj)
    if fk in ('frame', 'series'):
        n = len(obj)
        labels = obj.index[offset:offset + limit]
        rows = []
        for i, label in zip(range(offset, min(n, offset + limit)), labels):
            key = ['r', i]
            try:
                rows.append(_row(key, _label(label), obj.iloc[i]))
            except Exception as e:
                rows.append(_error_row(key, _label(label), e))
        return {'kind': 'rows', 'total': n, 'hidden': 0, 'offset': offset, 'rows': rows}
    if fk == 'array' or fk == 'index':
        n = len(obj) if obj.ndim else 0
        return _indexed_page(obj, n, offset, limit, lambda i: obj[i])
    kind = _container(obj) if not _leaf(obj, fk) else None
    if kind == 'sequence':
        n = len(obj)
        if type(obj) is collections.deque:
            items = list(itertools.islice(obj, offset, offset + limit))
            return _indexed_page(obj, n, offset, limit, lambda i: items[i - offset])
        page = _indexed_page(obj, n, offset, limit, lambda i: obj[i])
        if not (n and page['rows'] and page['rows'][0]['type'] == '<error>' and type(obj) not in (list, tuple)):
            return page
        # len and [] but not by position (a lookup table of its own kind): its attributes instead
    elif kind == 'mapping':
        return _mapping_page(obj, offset, limit)
    elif kind == 'set':
        n = len(obj)
        rows = [_row(['n', i], str(i), x) for i, x in zip(range(offset, n), itertools.islice(obj, offset, offset + limit))]
        return {'kind': 'entries', 'total': n, 'hidden': 0, 'offset': offset, 'rows': rows}
    return _attribute_page(obj, options, offset, limit)


def _label(label):
    return _clip(label if type(label) is str else str(label), SHORT_REPR)


def _indexed_page(obj, n, offset, limit, item):
    rows = []
    for i in range(offset, min(n, offset + limit)):
        try:
            rows.append(_row(['i', i], str(i), item(i)))
        except Exception as e:
            rows.append(_error_row(['i', i], str(i), e))
    return {'kind': 'items', 'total': n, 'hidden': 0, 'offset': offset, 'rows': rows}


def _mapping_page(obj, offset, limit):
    n = len(obj)
    rows = []
    for i, (k, v) in zip(range(offset, n), itertools.islice(obj.items(), offset, offset + limit)):
        # str and exact int keys travel as themselves; any other key by its place in the mapping
        exact = type(k) is str or (type(k) is int and -2 ** 53 < k < 2 ** 53)
        rows.append(_row(['k', k] if exact else ['n', i], _fmt(k, SHORT_REPR, 1), v))
    return {'kind': 'entries', 'total': n, 'hidden': 0, 'offset': offset, 'rows': rows}


def _attribute_page(obj, options, offset, limit):
    try:
        names = [n for n in dir(obj) if type(n) is str]
    except Exception:
        names = []
    return _named_page('attributes', names, lambda n: getattr(obj, n), lambda n: _static_kind(obj, n),
                       options, offset, limit)


def _hidden_name(name, kind, options):
    if name.startswith('_') and not _option(options, 'private', False):
        return True
    if kind == 'function' and not _option(options, 'functions', False):
        return True
    if kind == 'class' and not _option(options, 'classes', False):
        return True
    if kind == 'module' and not _option(options, 'modules', False):
        return True
    return False


def _named_page(kind, names, value, static_kind, options, offset, limit):
    """Named children (variables, attributes): filtered by name and kind, sorted, then paged; only the
    page's values are read and shown."""
    text = _option(options, 'filter', '')
    text = text.lower() if isinstance(text, str) else ''
    shown = []
    for n in names:
        if text and text not in n.lower():
            continue
        try:
            k = static_kind(n)
        except Exception:
            k = 'data'
        if not _hidden_name(n, k, options):
            shown.append(n)
    hidden = len(names) - len(shown)
    sort = _option(options, 'sort', 'name')
    descending = bool(_option(options, 'descending', False))
    if sort in ('type', 'size'):
        keyed = []
        for n in shown:
            try:
                v = value(n)
                k = _short_type(v).lower() if sort == 'type' else _size(v)[1]
            except Exception:
                k = None
            keyed.append((k, n))
        if sort == 'type':
            keyed.sort(key=lambda p: ('' if p[0] is None else p[0], _name_order(p[1])), reverse=descending)
        else:
            keyed.sort(key=lambda p: (-1 if p[0] is None else p[0], _name_order(p[1])), reverse=descending)
        shown = [n for _, n in keyed]
    else:
        shown.sort(key=_name_order, reverse=descending)
    rows = []
    for n in shown[offset:offset + limit]:
        try:
            rows.append(_row(['a', n], n, value(n)))
        except Exception as e:
            rows.append(_error_row(['a', n], n, e))
    return {'kind': kind, 'total': len(shown), 'hidden': hidden, 'offset': offset, 'rows': rows}


def _name_order(n):
    return (n.startswith('__'), n.startswith('_'), n.lower(), n)


def _static_kind(obj, name):
    """The kind of obj's attribute `name` without reading it, so no property runs to filter a listing."""
    if isinstance(obj, _types.ModuleType):
        d = getattr(obj, '__dict__', {})
        if name in d:
            return _kind(d[name])
        return 'data'
    if isinstance(obj, type):
        for klass in obj.__mro__:
            if name in klass.__dict__:
                return _kind(klass.__dict__[name])
        return 'data'
    try:
        d = object.__getattribute__(obj, '__dict__')
    except Exception:
        d = None
    if type(d) is dict and name in d:
        return _kind(d[name])
    for klass in type(obj).__mro__:
        attr = klass.__dict__.get(name, _NO_ATTR)
        if attr is not _NO_ATTR:
            if isinstance(attr, _ROUTINES):
                return 'function'
            return _kind(attr) if isinstance(attr, (type, _types.ModuleType)) else 'data'
    return 'data'


def child_of(obj, key, namespace=None):
    """Section 7.6: the child a key of a children page names."""
    if type(key) is not list or len(key) != 2 or not isinstance(key[0], str):
        raise ValueError('a child key is [tag, value], as a children page gives it: %r' % (key,))
    tag, k = key
    if namespace is not None:
        if tag != 'a':
            raise ValueError('children of the root are named: ["a", name]')
        if k in namespace:
            return namespace[k]
        raise NameError('name %r is not defined' % (k,))
    if tag == 'a':
        return getattr(obj, k)
    if tag == 'i':
        if type(obj) is collections.deque:
            return next(itertools.islice(obj, k, None))
        return obj[k]
    if tag == 'k':
        return obj[k]
    if tag == 'r':
        return obj.iloc[k]
    if tag == 'n':
        if type(k) is not int or k < 0:
            raise ValueError('["n", i] takes a non-negative position')
        items = obj.values() if _container(obj) == 'mapping' else obj
        for x in itertools.islice(items, k, None):
            return x
        raise IndexError('position %d is past the end (%d)' % (k, _length(obj) or 0))
    raise ValueError('unknown child key tag %r (a, i, k, n or r)' % (tag,))
