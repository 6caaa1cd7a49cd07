# Summaries (PROTOCOL.md section 7.6): what a variables view, a hover and a tooltip show of a value,
# computed here so the host never decodes a value to show it: its kind, its type's short name, a
# Jupyter-style size, and reprs bounded in length AND in cost (a 3,000,000-item list or a 1 GiB bytes
# value is summarised from its first items).  The libraries a data scientist uses (numpy, pandas) are
# recognised without importing them.

import collections.abc
import itertools
import types as _types

SHORT_REPR = 120        # characters of a row's repr
LONG_REPR = 4000        # characters of a tooltip's or a hover's repr
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
