# Tasks and the worker pool: exec tasks and object requests run on reusable worker threads; a task
# brackets the agent's own code so that INTERRUPT never tears one of its frames.

_async_exc = None


def _set_async_exc(tid, exc):
    global _async_exc
    if _async_exc is None:
        import ctypes
        f = ctypes.pythonapi.PyThreadState_SetAsyncExc
        f.argtypes = [ctypes.c_ulong, ctypes.py_object]
        f.restype = ctypes.c_int
        _async_exc = (f, ctypes)
    f, ctypes = _async_exc
    if exc is None:
        return f(tid, ctypes.py_object())   # NULL clears a pending exception
    return f(tid, ctypes.py_object(exc))


class _Interrupt(KeyboardInterrupt):
    """The KeyboardInterrupt an INTERRUPT raises asynchronously.  It is built where it is raised, in the
    task's own thread, so building it marks the interrupt delivered: a task that catches it and then
    calls into the agent is not interrupted a second time."""

    def __init__(self, *args):
        KeyboardInterrupt.__init__(self, *args)
        task = getattr(_tls, 'task', None)
        if task is not None:
            task.pending = False    # no lock: this may run inside the task's own enter()


_Interrupt.__name__ = _Interrupt.__qualname__ = 'KeyboardInterrupt'
_Interrupt.__module__ = 'builtins'


class _Task(object):
    """One running exec or object request.  enter()/leave() bracket the agent's own code, during
    which INTERRUPT sets a flag instead of raising asynchronously (so no frame is torn)."""
    __slots__ = ('tid', 'chid', 'lock', 'in_op', 'pending', 'interrupted', 'done', 'waiting_on',
                 'is_exec', 'main')

    def __init__(self, chid, is_exec):
        self.tid = _get_ident()
        self.chid = chid
        self.lock = threading.Lock()
        self.in_op = 0
        self.pending = False
        self.interrupted = False
        self.done = False
        self.waiting_on = None
        self.is_exec = is_exec
        # on the main thread an interrupt is a real SIGINT: it also breaks a blocking call (a sleep)
        self.main = self.tid == _MAIN_TID

    def enter(self):
        with self.lock:
            self.in_op += 1
            if self.pending:
                self.pending = False
                _set_async_exc(self.tid, None)
                self.in_op -= 1
                raise KeyboardInterrupt()

    def leave(self):
        with self.lock:
            self.in_op -= 1
            if self.interrupted and not self.in_op:
                self.interrupted = False
                raise KeyboardInterrupt()

    def finish(self):
        with self.lock:
            self.done = True
            self.in_op += 1
            if self.pending:
                self.pending = False
                _set_async_exc(self.tid, None)
                raise KeyboardInterrupt()

    def interrupt(self, gw):
        with self.lock:
            if self.done:
                return
            if self.in_op:
                self.interrupted = True
                ch = self.waiting_on
                if ch is not None:
                    with gw._lock:
                        ch._cond.notify_all()
            else:
                self.pending = True
                if self.main:
                    _sigint_until_delivered(self, gw)
                else:
                    _set_async_exc(self.tid, _Interrupt)


_MAIN_TID = threading.main_thread().ident


def _sigint_until_delivered(task, gw):
    """SIGINT to the main thread, again every 50 ms while the task has not raised it: a signal that
    lands just before a blocking call enters the kernel does not break that call (the handler ignores
    the repeats once the KeyboardInterrupt is raised).  A task that has meanwhile entered one of the
    agent's own waits gets the interrupt there instead, as interrupt() gives it."""
    import signal

    def repeat():
        while task.pending and not task.done:
            with task.lock:
                if task.in_op and task.pending:
                    task.pending = False
                    task.interrupted = True
                    ch = task.waiting_on
                    if ch is not None:
                        with gw._lock:
                            ch._cond.notify_all()
                    return
            try:
                signal.pthread_kill(task.tid, signal.SIGINT)
            except (OSError, ValueError):
                return
            time.sleep(0.05)
    t = threading.Thread(target=repeat, name='remote-exec-sigint')
    t.daemon = True
    t.start()


def _on_sigint(signum, frame):
    """SIGINT on the main thread: a KeyboardInterrupt for the main-thread task an INTERRUPT aimed at,
    unless it is inside the agent's own code (enter() raises it there); otherwise ignored."""
    task = getattr(_tls, 'task', None)
    if task is None or not task.main or not task.pending or task.done:
        return
    task.pending = False
    if task.in_op:
        # inside the agent's own code: raised when it leaves it, never in the middle of it
        task.interrupted = True
        return
    raise _Interrupt()


class _MainThread(object):
    """Exec jobs that must own the main thread (execmodel=main_thread_only, session runs), run there
    one at a time, in order, while another thread reads the stream."""

    def __init__(self):
        self._cond = threading.Condition(threading.Lock())
        self._jobs = collections.deque()

    def __len__(self):
        return len(self._jobs)

    def submit(self, fn, args):
        with self._cond:
            self._jobs.append((fn, args))
            self._cond.notify()

    def run(self):
        while True:
            with self._cond:
                while not self._jobs:
                    self._cond.wait()
                fn, args = self._jobs.popleft()
            try:
                fn(*args)
            except BaseException:
                pass
            finally:
                fn = args = None
                _tls.task = None


class _Pool(object):
    """Reusable worker threads.  An exec job gets a thread at once (it may block for ever); object
    requests are drained by at most OBJ_ACTIVE workers that are not blocked in an agent wait (a
    host callback, a receive), plus one more whenever the oldest queued job waited OBJ_STALL
    seconds (a long call must not hold the others up)."""

    def __init__(self, maxthreads, on_queued):
        self._cond = threading.Condition(threading.Lock())
        self._jobs = collections.deque()
        self._idle = 0              # workers waiting for a job
        self._wakeups = 0           # workers notified or started, not yet looking for a job
        self._nthreads = 0
        self._active = 0            # object jobs running and not blocked
        self._max = maxthreads
        self._on_queued = on_queued
        self._last_done = 0.0       # when an object job last finished
        self.execq = 0

    def submit(self, fn, args, is_exec):
        with self._cond:
            self._jobs.append((fn, args, is_exec, _mono()))
            if is_exec:
                self.execq += 1
            started = self._dispatch(is_exec)
        if not started and not is_exec:
            self._on_queued()

    def _dispatch(self, force):
        # with self._cond held: get a worker for the queued jobs unless enough are running
        if len(self._jobs) <= self._wakeups:
            return True
        if not force and self._active + self._wakeups >= OBJ_ACTIVE:
            return False
        if self._idle > self._wakeups:
            self._wakeups += 1
            self._cond.notify()
            return True
        if self._nthreads >= self._max:
            return False
        self._nthreads += 1
        self._wakeups += 1
        t = threading.Thread(target=self._worker, name='remote-exec-worker')
        t.daemon = True
        t.start()
        return True

    def stalled(self):
        """Called by the auxiliary thread: True while jobs are still queued."""
        with self._cond:
            if not self._jobs:
                return False
            # A long queue of quick requests is not a stall: only add a worker when the running ones
            # have not finished anything for a while (a slow call must not hold the others up).
            if _mono() - max(self._last_done, self._jobs[0][3]) >= OBJ_STALL:
                self._dispatch(True)
            return True

    def queued(self):
        """Jobs are waiting for a worker (a request run at once would overtake them)."""
        return bool(self._jobs)

    def block(self):
        with self._cond:
            self._active -= 1
            if self._jobs:
                self._dispatch(False)

    def unblock(self):
        with self._cond:
            self._active += 1

    def _worker(self):
        cond = self._cond
        jobs = self._jobs
        cond.acquire()
        if self._wakeups > 0:
            self._wakeups -= 1
        try:
            while True:
                if jobs:
                    fn, args, is_exec, _ = jobs.popleft()
                    if is_exec:
                        self.execq -= 1
                    else:
                        self._active += 1
                    cond.release()
                    try:
                        fn(*args)
                    except BaseException:
                        pass
                    finally:
                        fn = args = None
                        _tls.task = None
                        cond.acquire()
                        if not is_exec:
                            self._active -= 1
                            self._last_done = _mono()
                    continue
                self._idle += 1
                woken = cond.wait(300.0)
                self._idle -= 1
                if woken:
                    if self._wakeups > 0:
                        self._wakeups -= 1
                elif not jobs:
                    self._nthreads -= 1
                    return
        finally:
            try:
                cond.release()
            except RuntimeError:
                pass
