# Objects: OBJECT requests and their steps (section 7), the table of exported objects and RELEASE, and
# calls back into the host (CALLBACK, answered by REPLY / REPLY_ERROR).

# The steps of an OBJECT request (PROTOCOL.md section 7.1), one line each: name, the method applying it
# to an object, and the one applying it to the agent's root (target nil); None where it does not apply.
STEPS = (
    ('import', '_step_import', '_step_import'),
    ('getattr', '_step_getattr', '_root_getattr'),
    ('setattr', '_step_setattr', '_root_setattr'),
    ('getitem', '_step_getitem', None),
    ('setitem', '_step_setitem', None),
    ('delattr', '_step_delattr', '_root_delattr'),
    ('delitem', '_step_delitem', None),
    ('call', '_step_call', None),
    ('eq', '_step_eq', None),
    ('repr', '_step_repr', '_root_repr'),
    ('iter', '_step_iter', None),
    ('next', '_step_next', None),
    ('inspect', '_step_inspect', None),
    ('list', None, '_root_list'),
    ('namespace', None, '_root_namespace'),
    ('statement_at', None, '_root_statement_at'),
    ('str', '_step_str', None),
    ('len', '_step_len', None),
    ('children', '_step_children', '_root_children'),
    ('child', '_step_child', '_root_child'),
    ('describe', '_step_describe', None),
    ('table', '_step_table', None),
    ('complete', '_step_complete', '_root_complete'),
)


class HostFunction(object):
    """A callable stub for a host function (ext 2): calling it sends CALLBACK and waits."""
    __slots__ = ('_gw', 'id', '__weakref__')

    def __init__(self, gw, fid):
        self._gw = gw
        self.id = fid

    def __call__(self, *args, **kwargs):
        return self._gw._call_host(self.id, args, kwargs)

    def __repr__(self):
        return '<HostFunction %d>' % self.id


class _Slot(object):
    """A pending CALLBACK request; waits like a channel."""
    __slots__ = ('done', 'value', 'error', '_cond', '_waiters')

    def __init__(self, lock):
        self.done = False
        self.value = None
        self.error = None
        self._cond = threading.Condition(lock)
        self._waiters = 0


class _RefOf(object):
    """Marks a value to be sent as an OBJECT reference."""
    __slots__ = ('obj',)

    def __init__(self, obj):
        self.obj = obj


class _Shaped(object):
    """A step result already shaped by the return rule (list, inspect, namespace, ...)."""
    __slots__ = ('value',)

    def __init__(self, value):
        self.value = value


class _DeadRef(object):
    """Stands for an object id the agent does not export (any use fails clearly)."""

    def __init__(self, oid):
        self.__dict__['_oid'] = oid

    def __getattr__(self, name):
        raise ReferenceError('object id %d is not exported by this agent' % self.__dict__['_oid'])

    def __repr__(self):
        return '<dead object reference %d>' % self.__dict__['_oid']


_ROOT = object()


class _ObjectRequests(object):
    """The Gateway's object requests."""

    def _init_objects(self):
        self._olock = threading.Lock()
        self._objs = {}             # id -> [obj, count]
        self._byaddr = {}           # id(obj) -> object id
        self._iter_errors = {}      # id(iterator) -> (iterator, the error its next batch raises)
        self._next_oid = 1
        self.object_handoffs = 0    # object requests handed to a worker thread (STATUS objectHandoffs)
        # callbacks to the host
        self._slots = {}
        self._next_rid = 1
        # the step table's methods, bound once
        self._object_steps = dict((name, getattr(self, m)) for name, m, _ in STEPS if m is not None)
        self._root_steps = dict((name, getattr(self, m)) for name, _, m in STEPS if m is not None)

    def _ref_ext(self, obj):
        oid = self._export(obj)
        try:
            cal = callable(obj)
        except Exception:
            cal = False
        return Ext(EXT_OBJECT, packb([oid, _typename(obj), bool(cal)]))

    def _export(self, obj):
        with self._olock:
            key = id(obj)
            oid = self._byaddr.get(key)
            if oid is not None:
                ent = self._objs[oid]
                if ent[0] is obj:
                    ent[1] += 1
                    return oid
            oid = self._next_oid
            self._next_oid += 1
            self._objs[oid] = [obj, 1]
            self._byaddr[key] = oid
            return oid

    def _h_release(self, cid, payload):
        if type(payload) is not list:
            raise ValueError('RELEASE payload must be an array of [objectId, count] pairs')
        with self._olock:
            for pair in payload:
                oid, n = pair[0], pair[1]
                ent = self._objs.get(oid)
                if ent is None:
                    continue
                ent[1] -= n
                if ent[1] <= 0:
                    del self._objs[oid]
                    key = id(ent[0])
                    if self._byaddr.get(key) == oid:
                        del self._byaddr[key]
        ent = None

    def _h_object(self, rid, payload):
        if type(payload) is not list or len(payload) < 2:
            raise ValueError('OBJECT payload must be [target, steps, returnType]')
        target = payload[0]
        steps = payload[1]
        rtype = payload[2] if len(payload) > 2 and payload[2] is not None else 'auto'
        if target is None:
            obj = _ROOT
        elif type(target) is int:
            with self._olock:
                ent = self._objs.get(target)
            obj = ent[0] if ent is not None else _DeadRef(target)
        else:
            obj = target    # an ext 1 reference decoded to the object itself
        if rtype == 'auto' and type(obj) is _ModuleType and type(steps) is list:
            value = _module_data(obj, steps)
            if value is not _NOMATCH:
                try:
                    self._send_msg(REPLY, rid, value, True)
                except (IOError, OSError):
                    pass
                except Exception as e:
                    self._send_msg_quiet(REPLY_ERROR, rid, _remote_exc(e))
                return
        # only a background reader between requests: inside one (reading while it waits for a
        # callback's reply) another request must not run ahead of the one waiting
        if getattr(_tls, 'bg', False) and getattr(_tls, 'task', None) is None and not self._pool.queued() \
                and self._hand_over_reading():
            # another thread reads meanwhile: a request that blocks, or calls back into the host,
            # holds up only this thread, as it would a worker
            self._pool.unblock()    # counted among the running object requests
            try:
                self._run_object(rid, obj, steps, rtype)
            finally:
                self._pool.block()
            return
        self.object_handoffs += 1
        self._pool.submit(self._run_object, (rid, obj, steps, rtype), False)

    def _run_object(self, rid, obj, steps, rtype):
        task = _Task(None, False)
        _tls.task = task
        with self._tasks_lock:
            self._tasks.add(task)
        err = None
        result = None
        try:
            try:
                if type(obj) is _DeadRef:
                    raise ReferenceError('object id %d is not exported by this agent' % obj._oid)
                if type(steps) is not list:
                    raise TypeError('steps must be an array')
                if rtype not in ('auto', 'value', 'proxy'):
                    raise ValueError('returnType must be "auto", "value" or "proxy"')
                cur = obj
                for step in steps:
                    if isinstance(cur, _Shaped):
                        cur = cur.value
                    cur = self._step(cur, step, rtype)
                if cur is _ROOT:
                    cur = None
                result = cur.value if isinstance(cur, _Shaped) else self._apply_rule(cur, rtype)
                cur = obj = None
            finally:
                task.finish()
        except BaseException as e:
            err = e
        try:
            if err is None:
                try:
                    self._send_msg(REPLY, rid, result, True)
                except (IOError, OSError):
                    return
                except Exception as e:
                    err = e
            if err is not None:
                self._send_msg_quiet(REPLY_ERROR, rid, _remote_exc(err))
        finally:
            result = err = None
            with self._tasks_lock:
                self._tasks.discard(task)
            _tls.task = None

    def _apply_rule(self, v, rtype):
        if rtype == 'proxy':
            return _RefOf(v)
        if rtype == 'value':
            return v    # encoded with references for what cannot be sent by value
        if _is_plain(v):
            return v
        return _RefOf(v)

    def _step(self, cur, step, rtype):
        if type(step) is not list or not step or not isinstance(step[0], str):
            raise ValueError('a step is an array starting with its name: %r' % (step,))
        op = step[0]
        if cur is _ROOT:
            apply = self._root_steps.get(op)
            if apply is None:
                raise ValueError('step %r needs a target object' % (op,))
        else:
            apply = self._object_steps.get(op)
            if apply is None:
                raise ValueError('unknown step %r' % (op,))
        return apply(cur, step[1:], rtype)

    # the steps of STEPS, each (target, step arguments, return type) -> result

    def _step_import(self, cur, a, rtype):
        return importlib.import_module(a[0])

    def _step_getattr(self, cur, a, rtype):
        return getattr(cur, a[0])

    def _step_setattr(self, cur, a, rtype):
        setattr(cur, a[0], a[1])
        return None

    def _step_getitem(self, cur, a, rtype):
        return cur[a[0]]

    def _step_setitem(self, cur, a, rtype):
        cur[a[0]] = a[1]
        return None

    def _step_delattr(self, cur, a, rtype):
        delattr(cur, a[0])
        return None

    def _step_delitem(self, cur, a, rtype):
        del cur[a[0]]
        return None

    def _step_call(self, cur, a, rtype):
        args = a[0] if len(a) > 0 and a[0] is not None else ()
        kwargs = a[1] if len(a) > 1 and a[1] is not None else {}
        return cur(*args, **kwargs)

    def _step_eq(self, cur, a, rtype):
        return bool(cur == a[0])

    def _step_repr(self, cur, a, rtype):
        return _bounded_repr(cur)

    def _step_iter(self, cur, a, rtype):
        it = iter(cur)
        items, done = self._take(it, a[0] if a else 100, rtype)
        return _Shaped([_RefOf(it), items, done])

    def _step_next(self, cur, a, rtype):
        items, done = self._take(cur, a[0] if a else 100, rtype)
        return _Shaped([items, done])

    def _step_inspect(self, cur, a, rtype):
        return _Shaped(self._inspect(cur, a[0] if a else 0, a[1] if len(a) > 1 else 100))

    def _step_str(self, cur, a, rtype):
        return str(cur)

    def _step_len(self, cur, a, rtype):
        return len(cur)

    # what a variables view, a data viewer, a hover and a completion show (sections 7.6 and 7.7)

    def _step_children(self, cur, a, rtype):
        return _Shaped(children_page(cur, a[0] if a else None))

    def _step_child(self, cur, a, rtype):
        return child_of(cur, a[0] if a else None)

    def _step_describe(self, cur, a, rtype):
        return _Shaped(describe_value(cur))

    def _step_table(self, cur, a, rtype):
        return _Shaped(self._table_page(cur, a[0] if a else None))

    def _step_complete(self, cur, a, rtype):
        return _Shaped(completions(cur, a[0] if a else '', a[1] if len(a) > 1 else None))

    # on the root, names are read and written in the session namespace (section 8)

    def _root_getattr(self, cur, a, rtype):
        name = a[0]
        if name in self._session_ns:
            return self._session_ns[name]
        try:
            return getattr(builtins, name)
        except AttributeError:
            raise NameError('name %r is not defined' % (name,))

    def _root_setattr(self, cur, a, rtype):
        self._session_ns[a[0]] = a[1]
        return None

    def _root_delattr(self, cur, a, rtype):
        del self._session_ns[a[0]]
        return None

    def _root_repr(self, cur, a, rtype):
        return '<remote-exec agent root>'

    def _root_list(self, cur, a, rtype):
        return _Shaped(self._list_objects())

    def _root_namespace(self, cur, a, rtype):
        ns = {}
        for k, v in list(self._session_ns.items()):
            if k == '__builtins__':
                continue
            ns[k] = v if _is_small_plain(v) else _RefOf(v)
        return _Shaped(ns)

    def _root_children(self, cur, a, rtype):
        return _Shaped(children_page(None, a[0] if a else None, self._session_ns))

    def _root_child(self, cur, a, rtype):
        return child_of(None, a[0] if a else None, self._session_ns)

    def _root_complete(self, cur, a, rtype):
        return _Shaped(completions(None, a[0] if a else '', a[1] if len(a) > 1 else None, self._session_ns))

    def _root_statement_at(self, cur, a, rtype):
        return _Shaped(statement_at(a[0], a[1]))

    def _take(self, it, batch, rtype):
        items = []
        done = False
        nxt = getattr(it, '__next__', None)
        if nxt is None:
            raise TypeError('%s object is not an iterator' % _typename(it))
        pending = self._iter_errors.pop(id(it), None)
        if pending is not None and pending[0] is it:
            raise pending[1]
        for _ in range(max(1, int(batch))):
            try:
                x = nxt()
            except StopIteration:
                done = True
                break
            except Exception as e:
                if not items:
                    raise
                # the items before it go first; the next batch raises it (a finished generator would
                # only say StopIteration then)
                self._iter_errors[id(it)] = (it, e)
                break
            items.append(self._apply_rule(x, rtype))
        return items, done

    def _inspect(self, obj, offset, limit):
        with self._olock:
            oid = self._byaddr.get(id(obj))
        try:
            cal = bool(callable(obj))
        except Exception:
            cal = False
        out = {'id': oid, 'type': _typename(obj), 'repr': _repr_of(obj, 200), 'callable': cal}
        try:
            out['len'] = len(obj)
        except Exception:
            pass
        try:
            names = dir(obj)
        except Exception:
            names = []
        names = sorted(set(n for n in names if isinstance(n, str)),
                       key=lambda n: (n.startswith('_'), n))
        attrs = []
        for n in names[offset:offset + limit]:
            try:
                v = getattr(obj, n)
                attrs.append([n, _typename(v), _repr_of(v, 80)])
            except Exception as e:
                attrs.append([n, '<error>', _bounded_repr(_safe_str(e), 80)])
        out['attrs'] = attrs
        out['total'] = len(names)
        return out

    def _list_objects(self):
        with self._olock:
            items = sorted(self._objs.items())
        # a repr bounded in cost too: an exported 3,000,000-item list must not make the listing slow
        return [[oid, _typename(ent[0]), _repr_of(ent[0], 200)] for oid, ent in items]

    # callbacks into the host

    def _call_host(self, fid, args, kwargs):
        if self._eof:
            raise RemoteError('the connection to the host is closed', 'EOFError',
                              'the connection to the host is closed')
        task = getattr(_tls, 'task', None)
        if task is not None:
            task.enter()
        try:
            slot = _Slot(self._lock)
            with self._lock:
                rid = self._next_rid
                self._next_rid += 1
                self._slots[rid] = slot
            try:
                self._send_msg(CALLBACK, rid, [fid, list(args), kwargs], True)
            except BaseException:
                with self._lock:
                    self._slots.pop(rid, None)
                raise
            try:
                self._wait(slot, lambda: slot.done, None, task)
            except BaseException:
                with self._lock:
                    self._slots.pop(rid, None)
                raise
        finally:
            if task is not None:
                task.leave()
        if slot.error is not None:
            raise slot.error
        return slot.value

    def _h_reply(self, rid, payload):
        with self._lock:
            slot = self._slots.pop(rid, None)
            if slot is None:
                return
            slot.value = payload
            slot.done = True
            slot._cond.notify_all()

    def _h_reply_error(self, rid, payload):
        if not isinstance(payload, RemoteError):
            payload = RemoteError(str(payload))
        with self._lock:
            slot = self._slots.pop(rid, None)
            if slot is None:
                return
            slot.error = payload
            slot.done = True
            slot._cond.notify_all()

    def _fail_host_calls(self):
        # with self._lock held, at the end of the input: every call into the host fails
        for slot in list(self._slots.values()):
            slot.error = RemoteError('the connection to the host is closed', 'EOFError',
                                     'the connection to the host is closed')
            slot.done = True
            slot._cond.notify_all()
        self._slots.clear()


_ModuleType = type(sys)


def _module_data(module, steps):
    """The plain data a chain of getattr steps reaches through modules' own dicts (sys.maxsize,
    os.path.sep), else _NOMATCH.  Such a read runs no user code, so it can neither block nor call
    back into the host: the reader answers it itself, without a hand-off to a worker thread."""
    cur = module
    for step in steps:
        if type(cur) is not _ModuleType or type(step) is not list or len(step) != 2 or step[0] != 'getattr':
            return _NOMATCH
        d = cur.__dict__
        name = step[1]
        if type(name) is not str or name not in d:
            return _NOMATCH
        cur = d[name]
    if not steps or not _is_plain(cur):
        return _NOMATCH
    return cur


def _is_small_plain(v):
    """Plain data small enough to list by value on every refresh of a namespace: at most LISTING_ITEMS
    items in all and no str or bytes over LISTING_BYTES.  Looks at no more than that many items, so a
    3,000,000-item list costs as little to list as a short one."""
    budget = [LISTING_ITEMS]

    def small(x, depth):
        t = type(x)
        if x is None or t is bool or t is int or t is float:
            return True
        if t is str or t is bytes:
            return len(x) <= LISTING_BYTES
        if depth > 100 or (t is not list and t is not tuple and t is not dict):
            return False
        budget[0] -= len(x)
        if budget[0] < 0:
            return False
        if t is dict:
            return all(small(k, depth + 1) and small(y, depth + 1) for k, y in x.items())
        return all(small(y, depth + 1) for y in x)
    return small(v, 0)


def _is_plain(v, depth=0):
    """Section 7.3: exact plain data, recursively."""
    t = type(v)
    if v is None or t is bool or t is int or t is float or t is str or t is bytes:
        return True
    if depth > 100:
        return False
    if t is list or t is tuple:
        d = depth + 1
        for x in v:
            if not _is_plain(x, d):
                return False
        return True
    if t is dict:
        d = depth + 1
        for k, x in v.items():
            if not _is_plain(k, d) or not _is_plain(x, d):
                return False
        return True
    return False


def statement_at(source, line):
    """[startLine, endLine] (1-based) of the top-level statement containing line, or None."""
    if not isinstance(source, str) or type(line) is not int:
        raise TypeError('statement_at takes (source: str, line: int)')
    import ast   # only the editor's smart send needs it: not imported at start
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return _statement_at_by_indent(source, line)
    for node in tree.body:
        start = node.lineno
        for d in getattr(node, 'decorator_list', ()) or ():
            start = min(start, d.lineno)
        end = getattr(node, 'end_lineno', None) or start
        if start <= line <= end:
            return [start, end]
    return None


def _statement_at_by_indent(source, line):
    lines = source.splitlines()
    if not 1 <= line <= len(lines):
        return None

    def top(i):
        s = lines[i]
        return s.strip() and not s[0].isspace() and not s.lstrip().startswith('#')
    if not lines[line - 1].strip():
        return None
    i = line - 1
    while i > 0 and not top(i):
        i -= 1
    while i > 0 and lines[i - 1].lstrip().startswith('@'):
        i -= 1
    j = line
    while j < len(lines) and not top(j):
        j += 1
    while j > i + 1 and not lines[j - 1].strip():
        j -= 1
    if lines[j - 1].lstrip().startswith(('else', 'elif', 'except', 'finally')):
        pass
    return [i + 1, j]
