# Process-wide services: HELLO, STATUS, TERMINATE, INTERRUPT and ERROR; the capture of stdout and stderr
# (the language's streams, and fds 1 and 2); log records, warnings and uncaught exceptions; the auxiliary
# thread that forwards them; the agent's exit.

class _StreamWriter(io.TextIOBase):
    """sys.stdout / sys.stderr: text goes to the host as STDOUT/STDERR tagged with the channel of
    the task writing it.  Writes are batched, as a Jupyter kernel does: a million print() calls are
    a hundred frames, not a million.  A batch is sent when it reaches OUT_BATCH, at flush(), before
    the task's next DATA, DISPLAY, INPUT or end, before output of the other stream or of a child
    process (so the order of all of them is kept), and at the latest OUT_FLUSH after its first write
    (by the auxiliary thread).  Any write is sent in frames of at most OUT_CHUNK bytes, each written
    before the next is encoded, so output of any size arrives whole in bounded memory, the writer
    blocking while the pipe to the host is full."""

    def __init__(self, gw, code, fd, name):
        io.TextIOBase.__init__(self)
        self._gw = gw
        self._code = code
        self._fd = fd
        self._name = name
        self._bufs = {}             # channel id -> [pieces, length]
        self._lock = threading.Lock()
        self.other = None           # the other stream: its batch goes first
        self.buffer = _BinaryWriter(self)

    @property
    def encoding(self):
        return 'utf-8'

    @property
    def errors(self):
        return 'surrogateescape'

    @property
    def name(self):
        return self._name

    @property
    def line_buffering(self):
        return True

    def isatty(self):
        return False

    def writable(self):
        return True

    def readable(self):
        return False

    def fileno(self):
        return self._fd

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError('write() argument must be str, not %s' % type(s).__name__)
        n = len(s)
        if not n:
            return 0
        task = getattr(_tls, 'task', None)
        chid = task.chid if task is not None and task.chid is not None else 0
        other = self.other
        if other is not None and chid in other._bufs:
            other._flush_chid(chid, task)
        with self._lock:
            buf = self._bufs.get(chid)
            if buf is None:
                if n < OUT_BATCH:
                    self._bufs[chid] = [[s], n]
                    self._gw._aux_wake_flush()
                    return n
                pieces = None
            else:
                buf[0].append(s)
                buf[1] += n
                if buf[1] < OUT_BATCH:
                    return n
                del self._bufs[chid]
                pieces = buf[0]
        if pieces is None:
            self._emit(chid, s, task)
        elif n >= OUT_BATCH:
            # a big write is sent as it is, not copied into one string with the batch before it
            pieces.pop()
            self._emit(chid, ''.join(pieces), task)
            self._emit(chid, s, task)
        else:
            self._emit(chid, ''.join(pieces), task)
        return n

    def _emit(self, chid, data, task):
        if task is not None:
            try:
                task.enter()
            except KeyboardInterrupt:
                self._send(chid, data)
                raise
            try:
                self._send(chid, data)
            finally:
                task.leave()
        else:
            self._send(chid, data)

    def _send(self, chid, data):
        # str or bytes, in frames the host accepts; a str is encoded one slice at a time
        step = max(1, min(OUT_CHUNK, self._gw.peer_maxframe - 64))
        if isinstance(data, str):
            step = max(1, step // 4)
            for i in range(0, len(data), step):
                self._gw._send_msg_quiet(self._code, chid, data[i:i + step].encode('utf-8', 'surrogateescape'))
        else:
            mv = memoryview(data).cast('B')
            for i in range(0, len(mv), step):
                self._gw._send_msg_quiet(self._code, chid, mv[i:i + step])

    def write_bytes(self, b):
        task = getattr(_tls, 'task', None)
        chid = task.chid if task is not None and task.chid is not None else 0
        self._gw._flush_stdio(chid)
        self._emit(chid, bytes(b), task)
        return len(b)

    def _flush_chid(self, chid, task):
        with self._lock:
            buf = self._bufs.pop(chid, None)
        if buf:
            self._emit(chid, ''.join(buf[0]), task)

    def flush(self):
        task = getattr(_tls, 'task', None)
        chid = task.chid if task is not None and task.chid is not None else 0
        self._flush_chid(chid, task)

    def flush_all(self):
        with self._lock:
            bufs = self._bufs
            self._bufs = {}
        for chid, buf in bufs.items():
            self._send(chid, ''.join(buf[0]))

    def has_pending(self):
        return bool(self._bufs)

    def close(self):
        pass


class _BinaryWriter(object):
    def __init__(self, w):
        self._w = w

    def write(self, b):
        return self._w.write_bytes(b)

    def flush(self):
        self._w.flush()

    def fileno(self):
        return self._w.fileno()

    def isatty(self):
        return False

    def writable(self):
        return True


# ---------------------------------------------------------------------------------------------
# logging: importing the module costs a fifth of a start, so the handler that forwards records is
# attached when something first imports logging (user code, or a module it uses), not before.

_LEVEL_NAMES = {10: 'DEBUG', 20: 'INFO', 30: 'WARNING', 40: 'ERROR', 50: 'CRITICAL'}


def _attach_log_handler(gw, level):
    import logging

    class _LogHandler(logging.Handler):
        def emit(self, record):
            try:
                msg = record.getMessage()
                exc_text = None
                if record.exc_info:
                    import traceback
                    exc_text = ''.join(traceback.format_exception(*record.exc_info))
                elif record.exc_text:
                    exc_text = record.exc_text
                if record.stack_info:
                    exc_text = (exc_text + '\n' if exc_text else '') + record.stack_info
                rec = {'time': record.created, 'level': record.levelno, 'levelname': record.levelname,
                       'logger': record.name, 'thread': record.threadName or '', 'message': msg,
                       'kind': 'log'}
                if exc_text:
                    rec['exc_text'] = exc_text
                gw._log_put(rec)
            except Exception:
                pass

    root = logging.getLogger()
    handler = _LogHandler(level)
    root.addHandler(handler)
    if level < root.level or root.level == logging.NOTSET:
        root.setLevel(level)
    gw._loghandler = handler


# Sources of code run here, for tracebacks. linecache stays imported at start: held back until first
# use (it brings tokenize and re), an INTERRUPT of two tasks at once sometimes ended one with CLOSE
# instead of CLOSE_ERROR (the conformance check, about 1 run in 4).
def _remember_source(filename, source):
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)


class _OnImport(object):
    """A meta path finder that runs `then()` right after the module `name` is first imported.  It
    stays in sys.meta_path, answering None once it has fired: removing it while another thread's
    import walks the list would make that import skip the finder after it."""

    def __init__(self, name, then):
        self._name = name
        self._then = then
        self._fired = False

    def find_spec(self, name, path=None, target=None):
        if name != self._name or self._fired:
            return None
        self._fired = True
        for finder in list(sys.meta_path):
            find = getattr(finder, 'find_spec', None) if finder is not self else None
            spec = find(name, path, target) if find is not None else None
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is not None and hasattr(loader, 'exec_module'):
            run = loader.exec_module
            then = self._then

            def exec_module(module):
                run(module)
                then()
            loader.exec_module = exec_module
        return spec


class _ProcessServices(object):
    """The Gateway's process-wide services."""

    def _init_services(self):
        # aux: logs, deferred messages, stdio
        self._logq = collections.deque()
        self._log_dropped = 0
        self._deferred = collections.deque()
        self._aux_signaled = False
        self._aux_writes = False
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        os.set_blocking(self._wake_r, False)
        self._stdout = None
        self._stderr = None
        self._pipe_fds = []

    def _h_hello(self, cid, payload):
        pass    # a repeated HELLO is ignored

    def _h_error(self, cid, payload):
        if self._debug_fd is not None:
            self._trace('!', ERROR, cid, payload)

    def _h_wrong_direction(self, cid, payload):
        raise ValueError('this message type is only sent by agents')

    def _h_status(self, rid, payload):
        with self._olock:
            numobjects = len(self._objs)
            nextid = self._next_oid
        numchannels = 0
        for r in list(self._channels.values()):
            ch = r()
            if ch is not None and not ch._closed:
                numchannels += 1
        st = {
            'numexecuting': self.numexecuting,
            'numchannels': numchannels,
            'execqsize': self._pool.execq + len(self._main),
            'numobjects': numobjects,
            'nextid': nextid,
            'pid': os.getpid(),
            'uptime': _mono() - self.start,
            'msgsIn': self.msgs_in,
            'msgsOut': self.msgs_out,
            'bytesIn': self.bytes_in,
            'bytesOut': self.bytes_out,
            'numthreads': threading.active_count(),
            'objectHandoffs': self.object_handoffs,
            'writes': self.writes,
            'codec': 'c' if _cmsgpack is not None else 'pure',
            'protocol': self.protocol,
        }
        self._send_msg(REPLY, rid, st)

    def _h_terminate(self, cid, payload):
        self._stopping = True
        for ch in self._all_channels():
            if not ch._closed:
                ch._closed = True
                self._send_msg_quiet(CLOSE, ch.id, None)
        self._shutdown(0)

    def _h_interrupt(self, cid, payload):
        with self._tasks_lock:
            if cid == 0:
                tasks = list(self._tasks)
            else:
                t = self._exec_tasks.get(cid)
                tasks = [t] if t is not None else []
                if t is None:
                    # an EXEC still waiting for its thread (the main thread busy, or not yet awake):
                    # its task raises the interrupt as it starts, before any of its code runs
                    r = self._channels.get(cid)
                    ch = r() if r is not None else None
                    if ch is not None and ch._executing:
                        self._interrupted_early.add(cid)
        for t in tasks:
            t.interrupt(self)

    def hello(self):
        return {
            'protocol': PROTOCOL_VERSION,
            'language': 'python',
            'version': '%d.%d.%d' % tuple(sys.version_info[:3]),
            'implementation': _IMPLEMENTATIONS.get(sys.implementation.name, sys.implementation.name),
            'pid': os.getpid(),
            'cwd': os.getcwd(),
            'executable': sys.executable or '',
            'platform': sys.platform,
            'capabilities': list(CAPABILITIES),
            'maxFrame': self.maxframe,
            'window': list(self._rwin),
        }

    # stdout / stderr and logs

    def _flush_stdio(self, chid):
        for w in (self._stdout, self._stderr):
            if w is not None:
                try:
                    w._flush_chid(chid, None)
                except Exception:
                    pass

    def _aux_wake(self):
        if not self._aux_signaled:
            self._aux_signaled = True
            try:
                os.write(self._wake_w, b'x')
            except OSError:
                pass

    def _aux_wake_flush(self):
        self._aux_wake()

    def _aux_wake_writes(self):
        # small frames wait in the write queue: the auxiliary thread writes them WRITE_DELAY from now
        self._aux_writes = True
        self._aux_wake()

    def _log_put(self, rec):
        if self._eof:
            return
        if len(self._logq) >= LOG_QUEUE_MAX:
            self._log_dropped += 1
            return
        self._logq.append(rec)
        self._aux_wake()

    def _log_record(self, level, logger, message, exc_text=None, kind='log'):
        rec = {'time': time.time(), 'level': level, 'levelname': _LEVEL_NAMES.get(level, 'Level %d' % level),
               'logger': logger, 'thread': threading.current_thread().name, 'message': message,
               'kind': kind}
        if exc_text:
            rec['exc_text'] = exc_text
        self._log_put(rec)

    def _log_exception(self, e, message):
        self._log_record(40, 'remote-exec', '%s: %s: %s' % (message, _typename(e), _safe_str(e)),
                         _format_exc(e), 'exception')

    # ---- auxiliary thread: fd 1/2 output, logs, deferred messages -----------------------

    def _aux_drain(self):
        while self._deferred:
            cid, code = self._deferred.popleft()
            self._send_msg_quiet(code, cid, None)
        while self._logq:
            rec = self._logq.popleft()
            self._send_msg_quiet(LOG, 0, rec)
        if self._log_dropped:
            n = self._log_dropped
            self._log_dropped = 0
            self._log_record(30, 'remote-exec', '%d log records dropped' % n)
            rec = self._logq.popleft()
            self._send_msg_quiet(LOG, 0, rec)

    def _aux_loop(self):
        poller = select.poll()
        fds = {}
        for fd, code in self._pipe_fds:
            poller.register(fd, select.POLLIN)
            fds[fd] = code
        poller.register(self._wake_r, select.POLLIN)
        flush_at = None
        write_at = None
        watch_pool = False
        while True:
            timeout = None
            if flush_at is not None:
                timeout = max(0, int((flush_at - _mono()) * 1000))
            if write_at is not None:
                w = max(0, int((write_at - _mono()) * 1000 + 0.999))
                timeout = w if timeout is None else min(timeout, w)
            if watch_pool:
                timeout = int(OBJ_STALL * 1000) if timeout is None else min(timeout, int(OBJ_STALL * 1000))
            try:
                events = poller.poll(timeout)
            except InterruptedError:
                continue
            for fd, ev in events:
                if fd == self._wake_r:
                    try:
                        while os.read(fd, 4096):
                            pass
                    except OSError:
                        pass
                    self._aux_signaled = False
                    continue
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    data = b''
                if data:
                    # what the language's streams hold was written before the child's output
                    self._stdout.flush_all()
                    self._stderr.flush_all()
                    self._send_msg_quiet(fds[fd], 0, data)
                else:
                    poller.unregister(fd)
            self._aux_drain()
            if self._aux_writes:
                self._aux_writes = False
                if write_at is None:
                    write_at = _mono() + WRITE_DELAY
            if write_at is not None and _mono() >= write_at:
                write_at = None
                self._flush_writes()
            elif write_at is not None and not self._wq:
                write_at = None
            watch_pool = self._pool.stalled()
            pending = (self._stdout is not None and self._stdout.has_pending()) or \
                      (self._stderr is not None and self._stderr.has_pending())
            if pending:
                if flush_at is None:
                    flush_at = _mono() + OUT_FLUSH
                elif _mono() >= flush_at:
                    flush_at = None
                    self._stdout.flush_all()
                    self._stderr.flush_all()
            else:
                flush_at = None

    def _drain_pipes(self):
        for fd, code in self._pipe_fds:
            try:
                os.set_blocking(fd, False)
                while True:
                    data = os.read(fd, 65536)
                    if not data:
                        break
                    self._send_msg_quiet(code, 0, data)
            except OSError:
                pass

    # ---- exit ---------------------------------------------------------------------------

    def _shutdown(self, code):
        """Flush what the host should still see, then exit (a watchdog bounds the time)."""
        with self._lock:
            first = not self._exiting
            self._stopping = self._exiting = True
        if not first:
            # another thread is already flushing on its way to os._exit
            while True:
                time.sleep(60)
        t = threading.Thread(target=self._watchdog, args=(code,))
        t.daemon = True
        t.start()
        try:
            for w in (self._stdout, self._stderr):
                if w is not None:
                    w.flush_all()
            self._drain_pipes()
            self._aux_drain()
            self._flush_writes()
            self._wait_writes(1.0)
        finally:
            os._exit(code)

    def _watchdog(self, code):
        time.sleep(1.5)
        os._exit(code)


# sys.implementation names as platform.python_implementation() spells them (without importing platform).
_IMPLEMENTATIONS = {'cpython': 'CPython', 'pypy': 'PyPy', 'ironpython': 'IronPython', 'jython': 'Jython', 'graalpy': 'GraalVM'}


def _set_pipe_size(fd, size):
    try:
        import fcntl
        import stat
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            fcntl.fcntl(fd, 1031, size)     # F_SETPIPE_SZ
    except Exception:
        pass


def _install_hooks(gw, level):
    if 'logging' in sys.modules:
        _attach_log_handler(gw, level)
    else:
        sys.meta_path.insert(0, _OnImport('logging', lambda: _attach_log_handler(gw, level)))

    def excepthook(tp, value, tb):
        try:
            import traceback
            exc_text = ''.join(traceback.format_exception(tp, value, tb))
        except Exception:
            exc_text = ''
        gw._log_record(40, 'remote-exec', 'uncaught exception: %s: %s' % (_typename(value),
                       _safe_str(value)), exc_text, 'exception')
    sys.excepthook = excepthook

    if hasattr(threading, 'excepthook'):
        def thread_excepthook(args):
            if args.exc_type is SystemExit:
                return
            try:
                import traceback
                exc_text = ''.join(traceback.format_exception(args.exc_type, args.exc_value,
                                                              args.exc_traceback))
            except Exception:
                exc_text = ''
            name = args.thread.name if args.thread is not None else '?'
            rec = {'time': time.time(), 'level': 40, 'levelname': 'ERROR', 'logger': 'threading',
                   'thread': name, 'kind': 'exception', 'exc_text': exc_text,
                   'message': 'Exception in thread %s: %s: %s' % (name, _typename(args.exc_value),
                                                                 _safe_str(args.exc_value))}
            gw._log_put(rec)
        threading.excepthook = thread_excepthook

    orig_showwarning = warnings.showwarning

    def showwarning(message, category, filename, lineno, file=None, line=None):
        if file is not None:
            return orig_showwarning(message, category, filename, lineno, file, line)
        try:
            text = warnings.formatwarning(message, category, filename, lineno, line).rstrip()
        except Exception:
            text = '%s: %s' % (getattr(category, '__name__', category), message)
        gw._log_record(30, 'py.warnings', text, None, 'warning')
    warnings.showwarning = showwarning
