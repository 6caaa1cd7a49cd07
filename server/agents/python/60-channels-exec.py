# Channels and exec: the table of channels, DATA / CLOSE / CLOSE_ERROR / LAST_MESSAGE, channel callbacks
# (run in order on one thread), and EXEC: tasks running remote code in a namespace of their own or in the
# session's (section 8).


class _ChannelsAndExec(object):
    """The Gateway's channels and exec tasks."""

    def _init_channels(self):
        self.view = GatewayView(self)
        # channels
        self._channels = {}         # id -> weakref to Channel
        self._early = {}            # id -> items that arrived before the channel object existed
        self._nearly = 0
        self._cb_channels = {}
        self._cbq = None
        self._next_chid = 2
        self._chid_lock = threading.Lock()
        # windows (section 6.4): on when the host's HELLO announces its own; this side's receive window
        # and the host's, which is this side's credit on a new channel
        self._windows = False
        self._rwin = DEFAULT_WINDOW
        self._swin = None
        self._frame_n = 0           # the body length of the frame being dispatched
        # tasks
        self._pool = _Pool(MAX_WORKERS, self._aux_wake)
        self._main = _MainThread()
        # execnet's execmodel: 'thread' runs every exec on a worker thread (session runs excepted),
        # 'main_thread_only' runs them all on the main thread, one at a time
        self._execmodel = os.environ.pop('REMOTE_EXEC_EXECMODEL', '') or 'thread'
        self._tasks = set()
        self._exec_tasks = {}
        self._interrupted_early = set()     # EXEC channels interrupted before their task started
        self._tasks_lock = threading.Lock()
        self.numexecuting = 0
        self._session_ns = {'__name__': '__main__', '__builtins__': builtins, '__doc__': None}
        self._session_n = 0

    # windows (section 6.4)

    def _set_windows(self, hello):
        """From the host's HELLO: its receive window (so the host holds DATA to windows) and
        optionally the window this side is to use."""
        if self.protocol < 2:
            return
        sw = _window(hello.get('window'))
        if sw is None:
            return
        self._swin = sw
        rw = _window(hello.get('agentWindow'))
        if rw is not None and rw[0] > 0 and rw[1] > 0:
            self._rwin = rw
        self._windows = True

    def _send_data(self, ch, item, task, ref_mode=False):
        """DATA on ch, held to its window: waits (leading the reader if nobody else does) while the
        credit is spent; one item larger than the whole window goes when any credit is left."""
        credit = ch._credit
        if credit is None or not self._windows:
            self._send_msg(DATA, ch.id, item, ref_mode)
            return
        if credit[0] <= 0 or credit[1] <= 0:
            self._wait(ch, lambda: (credit[0] > 0 and credit[1] > 0) or ch._closed or self._eof,
                       None, task)
            if ch._closed or self._eof:
                raise IOError('cannot send to %r' % (ch,))
        self._output_first(DATA)
        chunks, n = self._encode_msg(DATA, ch.id, item, ref_mode)
        with ch._wlock:
            credit[0] -= 1
            credit[1] -= n
        if self._debug_fd is not None:
            self._trace('>', DATA, ch.id, item)
        self._write(chunks, n, n < WRITE_BATCH)

    def _h_credit(self, cid, payload):
        grant = _window(payload)
        if grant is None:
            raise ValueError('CREDIT needs [items, bytes]')
        r = self._channels.get(cid)
        ch = r() if r is not None else None
        if ch is None or ch._credit is None:
            return      # a channel this side no longer knows: ignored
        with ch._wlock:
            ch._credit[0] += grant[0]
            ch._credit[1] += grant[1]
        with self._lock:
            ch._cond.notify_all()

    # channels

    def _all_channels(self):
        out = []
        for r in list(self._channels.values()):
            ch = r()
            if ch is not None:
                out.append(ch)
        return out

    def _register_channel(self, ch):
        cid = ch.id
        chans = self._channels

        def gone(r, cid=cid, chans=chans):
            if chans.get(cid) is r:
                del chans[cid]
        chans[cid] = weakref.ref(ch, gone)
        early = self._early.pop(cid, None)
        if early:
            self._nearly -= len(early)
            for it, n in early:
                self._deliver(ch, it, n)

    def _get_channel(self, cid):
        r = self._channels.get(cid)
        ch = r() if r is not None else None
        if ch is None:
            with self._lock:
                r = self._channels.get(cid)
                ch = r() if r is not None else None
                if ch is None:
                    ch = Channel(self, cid)
                    self._register_channel(ch)
        return ch

    def _new_channel(self):
        with self._chid_lock:
            cid = self._next_chid
            self._next_chid += 2
        ch = Channel(self, cid)
        with self._lock:
            self._register_channel(ch)
        return ch

    def _deliver(self, ch, item, n):
        # with self._lock held; n: the frame's body length, for the window
        if ch._callback is not None:
            self._cb_put(ch, item, n)
            return
        if self._windows and item is not _END:
            ch._sizes.append(n)     # before the item: a receiver pops the item first
        ch._items.append(item)
        if ch._waiters:
            ch._cond.notify_all()   # a sender waiting for credit may wait on it too

    def _h_data(self, cid, item):
        r = self._channels.get(cid)
        ch = r() if r is not None else None
        with self._lock:
            if ch is None:
                r = self._channels.get(cid)
                ch = r() if r is not None else None
                if ch is None:
                    # data for a channel not known (yet): kept, bounded, until its reference arrives
                    if self._nearly >= EARLY_MAX:
                        raise ValueError('DATA for unknown channel %d dropped' % cid)
                    self._nearly += 1
                    self._early.setdefault(cid, []).append((item, self._frame_n))
                    return
            self._deliver(ch, item, self._frame_n)

    def _local_close(self, ch, remoteerror, sendonly, local=False):
        with self._lock:
            if remoteerror is not None:
                ch._remoteerrors.append(remoteerror)
            if not ch._receiveclosed:
                if ch._callback is not None:
                    self._cb_put(ch, _END)
                else:
                    ch._items.append(_END)
            if not sendonly:
                ch._closed = True
            ch._receiveclosed = True
            ch._cond.notify_all()

    def _remote_close(self, cid, remoteerror, sendonly):
        r = self._channels.get(cid)
        ch = r() if r is not None else None
        if ch is None:
            with self._lock:
                if cid in self._early:
                    self._early[cid].append((_END, 0))
            if remoteerror is not None and not sendonly:
                pass
            return
        self._local_close(ch, remoteerror, sendonly)

    def _h_close(self, cid, payload):
        self._remote_close(cid, None, False)

    def _h_close_error(self, cid, payload):
        if not isinstance(payload, RemoteError):
            payload = RemoteError(str(payload))
        self._remote_close(cid, payload, False)

    def _h_last_message(self, cid, payload):
        self._remote_close(cid, None, True)

    def _refuse_unbuilt(self, t, cid, bad):
        """A message whose payload this agent cannot build fails alone (section 6): its channel closes
        with CLOSE_ERROR naming why, a request gets REPLY_ERROR, an answer to one of ours fails it."""
        reason = 'the agent cannot build the value of this %s: %s' % (MSG_NAMES.get(t, t), bad.reason)
        err = RemoteError('ValueError: %s\n' % reason, 'ValueError', reason)
        if t == DATA or t == EXEC:
            ch = self._get_channel(cid)
            with self._lock:
                was = ch._close_sent
                ch._closed = ch._close_sent = True
            if not was:
                self._send_msg_quiet(CLOSE_ERROR, cid, err)
            # a task receiving on it raises the reason
            self._local_close(ch, err, False)
        elif t == CLOSE_ERROR:
            self._h_close_error(cid, err)
        elif t == OBJECT or t == STATUS:
            self._send_msg_quiet(REPLY_ERROR, cid, err)
        elif t == REPLY or t == REPLY_ERROR:
            self._h_reply_error(cid, err)
        else:
            self._send_msg_quiet(ERROR, 0, '%s (id %d)' % (reason, cid))

    def _defer_drop(self, cid, code):
        self._deferred.append((cid, code))
        self._aux_wake()

    def _end_channels(self):
        # with self._lock held, at the end of the input: every channel ends, every receive wakes
        chans = self._all_channels()
        for ch in chans:
            if not ch._receiveclosed:
                ch._receiveclosed = True
                ch._closed = True
                if ch._callback is not None:
                    self._cb_put(ch, _END)
                else:
                    ch._items.append(_END)
            ch._cond.notify_all()

    # channel callbacks run in order on one thread

    def _cb_put(self, ch, item, n=0):
        q = self._cbq
        if q is None:
            import queue
            q = self._cbq = queue.SimpleQueue()
            t = threading.Thread(target=self._cb_loop, name='remote-exec-callbacks')
            t.daemon = True
            t.start()
        q.put((ch, item, n))

    def _cb_loop(self):
        q = self._cbq
        while True:
            ch, item, n = q.get()
            if item is _END:
                self._cb_channels.pop(ch.id, None)
                if ch._endmarker is not NO_ENDMARKER:
                    try:
                        ch._callback(ch._endmarker)
                    except Exception as e:
                        self._log_exception(e, 'exception in channel callback (endmarker)')
                continue
            if ch._closed and ch._callback is None:
                continue
            try:
                ch._callback(item)
                ch._consumed(1, n)
            except Exception as e:
                err = _remote_exc(e)
                with self._lock:
                    was = ch._close_sent
                    ch._closed = ch._close_sent = True
                if not was:
                    self._send_msg_quiet(CLOSE_ERROR, ch.id, err)
                self._local_close(ch, None, False)

    # exec

    def _h_exec(self, cid, payload):
        if type(payload) is not dict or not isinstance(payload.get('source'), str):
            raise ValueError('EXEC payload must be a map with a str "source"')
        if self._stopping:
            return
        ch = self._get_channel(cid)
        ch._executing = True
        if payload.get('session') or self._execmodel == 'main_thread_only':
            # code that must own the main thread: signal handlers, GUI toolkits, a real SIGINT
            self._main.submit(self._run_exec, (ch, payload))
        else:
            self._pool.submit(self._run_exec, (ch, payload), True)

    def _run_exec(self, ch, payload):
        task = _Task(ch.id, True)
        _tls.task = task
        with self._tasks_lock:
            self._tasks.add(task)
            self._exec_tasks[ch.id] = task
            self.numexecuting += 1
            early = ch.id in self._interrupted_early
            self._interrupted_early.discard(ch.id)
        source = payload['source']
        session = bool(payload.get('session'))
        err = None
        filename = payload.get('name')
        ns = None
        try:
            try:
                if early:
                    raise KeyboardInterrupt()
                if session:
                    self._session_n += 1
                    if not isinstance(filename, str) or not filename:
                        filename = '<session-%d>' % self._session_n
                    self._register_source(filename, source)
                    self._begin_session_run(payload)
                    ns = self._session_ns
                    ns['channel'] = ch
                    import ast   # only sessions need it: not imported at start
                    tree = ast.parse(source, filename, 'exec')
                    last = None
                    if tree.body and isinstance(tree.body[-1], ast.Expr):
                        last = tree.body.pop()
                    exec(compile(tree, filename, 'exec'), ns)
                    if last is not None:
                        expr = ast.Expression(last.value)
                        value = eval(compile(expr, filename, 'eval'), ns)
                        if value is not None:
                            ns['_'] = value
                            self._show_result(value)
                        task.enter()
                        try:
                            self._send_data(ch, {'value': self._apply_rule(value, 'auto')}, task,
                                            True)
                        finally:
                            task.leave()
                else:
                    if not isinstance(filename, str) or not filename:
                        filename = '<remote-exec>'
                    self._register_source(filename, source)
                    code = compile(source, filename, 'exec')
                    ns = {'channel': ch, '__name__': '__channelexec__', '__builtins__': builtins}
                    exec(code, ns)
                    call = payload.get('call')
                    if call is not None:
                        # execnet's remote_exec(func, **kwargs): the source defines it, then it runs
                        fn = ns.get(call) if isinstance(call, str) else None
                        if not callable(fn):
                            raise NameError('the source defines no function named %r to call' % (call,))
                        kwargs = payload.get('kwargs') or {}
                        if type(kwargs) is not dict:
                            raise TypeError('EXEC kwargs must be a map, got %s' % _typename(kwargs))
                        fn(ch, **kwargs)
            finally:
                try:
                    if session:
                        self._end_session_run(ch)
                finally:
                    task.finish()
        except BaseException as e:
            err = e
        # epilogue: task.done is set, no asynchronous interrupt can arrive any more
        try:
            self._flush_stdio(ch.id)
            if err is not None:
                self._register_source(filename, source)
                rexc = _remote_exc(err)
                err = None
                with self._lock:
                    was = ch._close_sent
                    ch._closed = ch._close_sent = True
                if not was:
                    try:
                        self._send_msg(CLOSE_ERROR, ch.id, rexc)
                    except (IOError, OSError):
                        pass
                    self._local_close(ch, None, False)
                else:
                    self._log_record(40, 'remote-exec', 'exception in exec on closed channel %d: %s'
                                     % (ch.id, rexc.message), rexc.formatted, 'exception')
            else:
                with self._lock:
                    was = ch._close_sent
                    ch._closed = ch._close_sent = True
                if not was:
                    self._send_msg_quiet(CLOSE, ch.id, None)
                    self._local_close(ch, None, False)
        finally:
            if session and ns is not None and ns.get('channel') is ch:
                ns.pop('channel', None)
            with self._tasks_lock:
                self._tasks.discard(task)
                if self._exec_tasks.get(ch.id) is task:
                    del self._exec_tasks[ch.id]
                self.numexecuting -= 1
            ch._executing = False
            _tls.task = None
            with self._lock:
                if self._leader is None and not self._followers:
                    self._bgcond.notify()

    def _register_source(self, filename, source):
        _remember_source(filename, source)


def _window(v):
    """A window as HELLO and CREDIT carry it, [items, bytes], as a tuple; None when v is not one."""
    if type(v) is not list or len(v) != 2:
        return None
    a, b = v
    if type(a) is not int or type(b) is not int or a < 0 or b < 0:
        return None
    return (a, b)
