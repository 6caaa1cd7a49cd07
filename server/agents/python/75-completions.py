# Completions (PROTOCOL.md section 7.6): names of an object's attributes (of the session's names at
# the root) for an editor's completion, with their kinds and types where they are known without
# reading the attribute, so completing never runs a property.

COMPLETIONS_MAX = 2000


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
