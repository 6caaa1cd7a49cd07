# Variables (PROTOCOL.md section 7.6): what a variables view, a hover and a completion show of remote
# values, computed here so the host never decodes a value to show it.  Reprs are bounded in length AND
# in cost (a 3,000,000-item list or a 1 GiB bytes value is summarised from its first items); children
# are paged by key: items of sequences, entries of mappings and sets, rows of frames, attributes of
# other objects, and at the root the session namespace.

import collections.abc
import itertools
import types as _types

SHORT_REPR = 120        # characters of a row's repr
LONG_REPR = 4000        # characters of a tooltip's or a hover's repr
CHILDREN_MAX = 1000     # rows of one children page at most
COMPLETIONS_MAX = 2000
_BIG_LEN = 1000         # above this length a repr that is not known to be bounded is not called

_ROUTINES = (_types.FunctionType, _types.BuiltinFunctionType, _types.MethodType, _types.MethodDescriptorType,
             _types.WrapperDescriptorType, _types.MethodWrapperType, _types.ClassMethodDescriptorType,
             staticmethod, classmethod)
_LEAF_TYPES = (type(None), bool, int, float, complex, str, bytes, bytearray, memoryview, range)
# modules whose values are scalars to a variables view: their attributes add nothing to their repr
_LEAF_MODULES = ('datetime', 'decimal', 'fractions', 'uuid', 'ipaddress', 'pathlib', 'enum', 're')
_NO_ATTR = object()
# what the agent itself keeps in the session namespace (section 8): not the user's variables
_SESSION_INTERNALS = ('__builtins__', '__name__', '__doc__', 'channel')


# ---- what kind of value: the libraries a data scientist uses are recognised without importing them --

def _np():
    return sys.modules.get('numpy')


def _pd():
    return sys.modules.get('pandas')


def _frame_kind(v):
    """'frame', 'series', 'index', 'array', 'scalar' (numpy), or None."""
    pd = _pd()
    if pd is not None:
        try:
            if isinstance(v, pd.DataFrame):
                return 'frame'
            if isinstance(v, pd.Series):
                return 'series'
            if isinstance(v, pd.Index):
                return 'index'
        except Exception:
            pass
    np = _np()
    if np is not None:
        try:
            if isinstance(v, np.ndarray):
                return 'array'
            if isinstance(v, np.generic):
                return 'scalar'
        except Exception:
            pass
    return None


def _kind(v):
    """module, class, function or data: what the view's toggles show and hide."""
    if isinstance(v, _types.ModuleType):
        return 'module'
    if isinstance(v, type):
        return 'class'
    if isinstance(v, _ROUTINES):
        return 'function'
    return 'data'


def _short_type(v):
    t = type(v)
    return getattr(t, '__qualname__', None) or t.__name__


def _length(v):
    if not hasattr(type(v), '__len__'):
        return None
    try:
        n = len(v)
    except Exception:
        return None
    return n if type(n) is int else None


def _size(v, fk=None):
    """The size a variables view shows, Jupyter-style, and a number to sort by (None when it has none)."""
    fk = fk or _frame_kind(v)
    try:
        if fk == 'frame':
            rows, cols = v.shape
            return '%d × %d' % (rows, cols), rows * cols
        if fk == 'series' or fk == 'index':
            return 'len %d, %s' % (len(v), v.dtype), len(v)
        if fk == 'array':
            return '%s %s' % (_shape_text(v.shape), v.dtype), int(v.size)
        if fk == 'scalar':
            return '', None
    except Exception:
        pass
    if isinstance(v, (_types.ModuleType, type)) or isinstance(v, _ROUTINES):
        return '', None
    n = _length(v)
    if n is None:
        return '', None
    return 'len %d' % n, n


def _shape_text(shape):
    return '(%s)' % (', '.join(str(d) for d in shape) + (',' if len(shape) == 1 else ''))


def _leaf(v, fk):
    if isinstance(v, _LEAF_TYPES) or fk == 'scalar':
        return True
    if fk == 'array':
        return v.ndim == 0 or v.size == 0
    if isinstance(v, _ROUTINES):
        return True
    mod = getattr(type(v), '__module__', '') or ''
    return mod.split('.')[0] in _LEAF_MODULES


def _expandable(v, fk):
    if _leaf(v, fk):
        return False
    if fk in ('frame', 'series', 'index') or _container(v) is not None:
        n = _length(v)
        return n is None or n > 0
    return True


def _viewable(v, fk):
    """Whether the data viewer can show it as a table (section 7.7)."""
    if fk in ('frame', 'series', 'index'):
        return True
    if fk == 'array':
        return v.ndim in (1, 2)
    if type(v) in (list, tuple) and v:
        return type(v[0]) in (dict, list, tuple)
    return False


def _container(v):
    """How a container's children are addressed: 'sequence', 'mapping', 'set', or None (an object)."""
    t = type(v)
    if t in (list, tuple, collections.deque):
        return 'sequence'
    if t is dict:
        return 'mapping'
    if t in (set, frozenset):
        return 'set'
    if isinstance(v, (str, bytes, bytearray, memoryview, range)) or isinstance(v, (_types.ModuleType, type)):
        return None
    if isinstance(v, dict) or (hasattr(t, 'keys') and hasattr(t, '__getitem__') and hasattr(t, '__len__')):
        return 'mapping'
    if isinstance(v, (set, frozenset, collections.abc.Set)):
        return 'set'
    if isinstance(v, (list, tuple, collections.deque)):
        return 'sequence'
    if hasattr(t, '__len__') and hasattr(t, '__getitem__'):
        return 'sequence'
    return None


# ---- bounded reprs -------------------------------------------------------------------------------

def _repr_of(v, limit, multiline=False):
    """At most `limit` characters of v's repr, at a cost that does not grow with v's size."""
    fk = _frame_kind(v)
    try:
        if fk == 'frame' and not multiline:
            return _clip('columns: ' + ', '.join(str(c) for c in list(v.columns[:50])), limit)
        if fk == 'series' and not multiline:
            r = _fmt(v.iloc[:40].tolist(), limit - 3, 0)
            if len(v) > 40 and not r.endswith('…]'):
                r = r[:-1] + ', …]'
            return _clip(r, limit)
        if fk is not None:
            r = repr(v)
            return _clip(r if multiline else ' '.join(r.split()), limit)
    except Exception as e:
        return _clip('<%s; repr failed: %s>' % (_typename(v), _safe_str(e)), limit)
    r = _fmt(v, limit, 0)
    if not multiline:
        r = r.replace('\n', '\\n')
    return _clip(r, limit)


def _clip(s, limit):
    return s if len(s) <= limit else s[:limit - 1] + '…'


def _fmt(v, budget, depth):
    """v's repr, cut once it is past `budget` characters; containers are formatted item by item."""
    t = type(v)
    if t is str or t is bytes:
        if len(v) > budget:
            # room for the quotes, a b prefix and the ellipsis, so a plain text fits the budget whole
            r = repr(v[:max(1, budget - 4)])
            return r[:-1] + '…' + r[-1]
        return repr(v)
    if t is bytearray:
        return 'bytearray(%s)' % _fmt(bytes(v[:budget + 1]), budget, depth)
    if t is int:
        if v.bit_length() > 4 * max(budget, 64):
            return '<int of %d bits>' % v.bit_length()
        try:
            return repr(v)
        except ValueError:      # past sys.get_int_max_str_digits()
            return '<int of %d bits>' % v.bit_length()
    if t in (float, bool, complex) or v is None:
        return repr(v)
    if t is list:
        return _fmt_items('[', v, ']', budget, depth)
    if t is tuple:
        return _fmt_items('(', v, ',)' if len(v) == 1 else ')', budget, depth)
    if t is set:
        return _fmt_items('{', v, '}', budget, depth) if v else 'set()'
    if t is frozenset:
        return _fmt_items('frozenset({', v, '})', budget, depth) if v else 'frozenset()'
    if t is dict:
        return _fmt_entries('{', v, '}', budget, depth)
    if t is collections.deque:
        return _fmt_items('deque([', v, '])', budget, depth)
    n = _length(v)
    if n is not None and n > _BIG_LEN:
        # A container of a type whose repr may walk every item: shown from its first items instead.
        kind = _container(v)
        name = _short_type(v)
        try:
            if kind == 'mapping':
                return _fmt_entries(name + '({', v, '})', budget, depth)
            if kind in ('sequence', 'set'):
                return _fmt_items(name + '([', v, '])', budget, depth)
        except Exception:
            pass
        return '<%s of length %d>' % (name, n)
    return _bounded_repr(v, budget)


def _fmt_items(opening, items, closing, budget, depth):
    if depth >= 4:
        return opening + '…' + closing
    return _fmt_parts(opening, (_fmt_item(x) for x in items), closing, budget, depth)


def _fmt_entries(opening, mapping, closing, budget, depth):
    if depth >= 4:
        return opening + '…' + closing
    return _fmt_parts(opening, (_fmt_entry(k, x) for k, x in mapping.items()), closing, budget, depth)


def _fmt_item(x):
    return lambda budget, depth: _fmt(x, budget, depth)


def _fmt_entry(k, x):
    def entry(budget, depth):
        key = _fmt(k, budget, depth)
        return key + ': ' + _fmt(x, max(1, budget - len(key) - 2), depth)
    return entry


def _fmt_parts(opening, parts, closing, budget, depth):
    """opening, the parts joined by ', ' while they fit in the budget, then ', …' and closing."""
    out = [opening]
    room = budget - len(opening) - len(closing) - 3     # what is left once ', …' is written
    used = 0
    for i, part in enumerate(parts):
        text = part(max(1, room - used), depth + 1)
        sep = 2 if i else 0
        if i and used + sep + len(text) > room:
            out.append(', …')
            break
        if i:
            out.append(', ')
        out.append(text)
        used += sep + len(text)
        if used > room:
            out.append(', …')
            break
    out.append(closing)
    return ''.join(out)


# ---- rows and descriptions -------------------------------------------------------------------------

def _row(key, name, v):
    """One child as a variables view lists it: no value, only what is shown of it."""
    fk = _frame_kind(v)
    return {'key': key, 'name': name, 'type': _short_type(v), 'size': _size(v, fk)[0],
            'repr': _repr_of(v, SHORT_REPR), 'kind': _kind(v), 'expandable': _expandable(v, fk),
            'viewable': _viewable(v, fk)}


def _error_row(key, name, e):
    return {'key': key, 'name': name, 'type': '<error>', 'size': '',
            'repr': _clip('%s: %s' % (_typename(e), _safe_str(e)), SHORT_REPR), 'kind': 'data',
            'expandable': False, 'viewable': False}


def describe_value(v):
    """What a hover or a tooltip shows: the row's fields, the qualified type and a longer repr."""
    fk = _frame_kind(v)
    size, _ = _size(v, fk)
    return {'type': _short_type(v), 'qualified': _typename(v), 'size': size, 'repr': _repr_of(v, SHORT_REPR),
            'long': _repr_of(v, LONG_REPR, True), 'kind': _kind(v), 'expandable': _expandable(v, fk),
            'viewable': _viewable(v, fk)}


# ---- children ------------------------------------------------------------------------------------

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


# ---- completions ---------------------------------------------------------------------------------

def completions(obj, prefix, limit, namespace=None):
    """Section 7.6: [name, kind, typeName] of the attributes (the session's names at the root) starting
    with `prefix`, public names first; kinds and types are found without reading any attribute."""
    if not isinstance(prefix, str):
        prefix = ''
    limit = min(limit if type(limit) is int and limit > 0 else 500, COMPLETIONS_MAX)
    if namespace is not None:
        names = [k for k in list(namespace.keys()) if type(k) is str and k not in _SESSION_INTERNALS]
        typed = lambda n: (_kind(namespace[n]), _short_type(namespace[n]))
    else:
        try:
            names = [n for n in dir(obj) if type(n) is str]
        except Exception:
            names = []
        typed = lambda n: _static_typed(obj, n)
    low = prefix.lower()
    names = [n for n in names if n.lower().startswith(low) and (prefix.startswith('_') or not n.startswith('_'))]
    names.sort(key=_name_order)
    out = []
    for n in names[:limit]:
        try:
            kind, tname = typed(n)
        except Exception:
            kind, tname = 'data', ''
        out.append([n, kind, tname])
    return out


def _static_typed(obj, name):
    holder = None
    if isinstance(obj, _types.ModuleType):
        holder = getattr(obj, '__dict__', None)
    else:
        try:
            holder = object.__getattribute__(obj, '__dict__')
        except Exception:
            holder = None
    if isinstance(holder, dict) and name in holder:
        v = holder[name]
        return _kind(v), _short_type(v)
    kind = _static_kind(obj, name)
    if kind != 'data':
        return kind, ''
    for klass in (obj.__mro__ if isinstance(obj, type) else type(obj).__mro__):
        attr = klass.__dict__.get(name, _NO_ATTR)
        if attr is _NO_ATTR:
            continue
        if isinstance(attr, property):
            return 'property', ''
        if type(attr).__name__ in ('member_descriptor', 'getset_descriptor'):
            return 'property', ''
        return 'data', _short_type(attr)
    return 'data', ''
