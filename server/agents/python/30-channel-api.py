# The channel as remote code sees it: execnet's Channel API, its file wrappers, channel.gateway.

NO_ENDMARKER = object()
_END = object()         # queued when the remote end closes; receive() re-queues it and raises
DEFAULT_WINDOW = (65536, 64 * 1024 * 1024)   # a channel's window (section 6.4): DATA items, body bytes


class Channel(object):
    """One end of a channel; the API of execnet's Channel as seen by remote_exec code."""

    RemoteError = RemoteError
    TimeoutError = TimeoutError

    def __init__(self, gw, cid):
        self._gw = gw
        self.gateway = gw.view
        self.id = cid
        self._items = collections.deque()
        self._closed = False
        self._close_sent = False
        self._receiveclosed = False
        self._remoteerrors = []
        self._callback = None
        self._endmarker = NO_ENDMARKER
        self._waiters = 0
        self._cond = threading.Condition(gw._lock)
        self._executing = False
        # windows (section 6.4): sizes of the queued items, what was consumed and not yet granted back,
        # this end's receive window, and the credit left for sending
        self._sizes = collections.deque()
        self._wlock = threading.Lock()
        self._ungranted = [0, 0]
        self._rwin = gw._rwin
        self._credit = list(gw._swin) if gw._swin is not None else None

    def __repr__(self):
        flag = 'closed' if self._closed else ('sendonly' if self._receiveclosed else 'open')
        return '<Channel id=%d %s>' % (self.id, flag)

    def __del__(self):
        gw = getattr(self, '_gw', None)
        if gw is None or self._closed or self._receiveclosed:
            return
        try:
            # execnet's rule (section 6.2): a dropped channel is closed, one with a callback is only
            # done sending
            gw._defer_drop(self.id, CLOSE if self._callback is None else LAST_MESSAGE)
        except Exception:
            pass

    def isclosed(self):
        """True when the channel is closed (locally or by the remote end)."""
        return self._closed

    def _getremoteerror(self):
        if self._remoteerrors:
            return self._remoteerrors.pop(0)
        return None

    def send(self, item):
        """Send an item to the other side (raises IOError on a closed channel).  Blocks while the
        channel's window is spent, until the other side's user has consumed enough."""
        if self._closed:
            raise IOError('cannot send to %r' % (self,))
        task = getattr(_tls, 'task', None)
        if task is None:
            self._gw._send_data(self, item, None)
            return
        task.enter()
        try:
            self._gw._send_data(self, item, task)
        finally:
            task.leave()

    def setwindow(self, items, nbytes):
        """How many items and bytes the other side may send on this channel before this side's
        user consumes them (section 6.4)."""
        if type(items) is not int or type(nbytes) is not int or items < 1 or nbytes < 1:
            raise ValueError('a window is a positive number of items and of bytes')
        with self._wlock:
            old = self._rwin
            self._rwin = (items, nbytes)
            self._ungranted[0] += items - old[0]
            self._ungranted[1] += nbytes - old[1]
        self._consumed(0, 0)

    def _consumed(self, items, nbytes):
        # the user took items: grant them back once half of the window is consumed (section 6.4)
        if not self._gw._windows:
            return
        with self._wlock:
            u = self._ungranted
            u[0] += items
            u[1] += nbytes
            if u[0] * 2 < self._rwin[0] and u[1] * 2 < self._rwin[1]:
                return
            grant = [max(0, u[0]), max(0, u[1])]
            if grant == [0, 0]:
                return
            u[0] -= grant[0]
            u[1] -= grant[1]
        if not self._receiveclosed:
            self._gw._send_msg_quiet(CREDIT, self.id, grant)

    def _take(self):
        # one item left the queue for the user (with the gateway lock or the item popped already)
        sizes = self._sizes
        if sizes:
            self._consumed(1, sizes.popleft())

    def receive(self, timeout=None):
        """Receive the next item; raise EOFError at end-of-channel, RemoteError if the other side
        closed with an error, channel.TimeoutError after timeout seconds."""
        items = self._items
        if self._callback is not None:
            raise IOError('calling receive() on channel with receiver callback')
        if items:
            try:
                x = items.popleft()
            except IndexError:
                pass
            else:
                if x is _END:
                    items.appendleft(x)
                    raise self._getremoteerror() or EOFError()
                self._take()
                return x
        task = getattr(_tls, 'task', None)
        if task is not None:
            task.enter()
        try:
            while True:
                if not self._gw._wait(self, items.__len__, timeout, task):
                    raise self.TimeoutError('no item after %r seconds' % (timeout,))
                try:
                    x = items.popleft()
                except IndexError:
                    continue    # another receiver took it
                if x is _END:
                    items.appendleft(x)
                    raise self._getremoteerror() or EOFError()
                self._take()
                return x
        finally:
            if task is not None:
                task.leave()

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return self.receive()
        except EOFError:
            raise StopIteration

    next = __next__

    def close(self, error=None):
        """Close the channel (with an error: CLOSE_ERROR carrying it)."""
        gw = self._gw
        with gw._lock:
            if self._closed:
                return
            self._closed = True
            self._close_sent = True
        task = getattr(_tls, 'task', None)
        if task is not None:
            task.enter()
        try:
            keep = isinstance(error, RemoteError)
            try:
                if error is not None:
                    if not isinstance(error, (str, BaseException)):
                        error = str(error)
                    if isinstance(error, BaseException) and not isinstance(error, RemoteError):
                        error = _remote_exc(error)
                    gw._send_msg(CLOSE_ERROR, self.id, error)
                else:
                    gw._send_msg(CLOSE, self.id, None)
            except (IOError, OSError):
                pass
            if keep:
                self._remoteerrors.append(error)
            gw._local_close(self, None, False, True)
        finally:
            if task is not None:
                task.leave()

    def waitclose(self, timeout=None):
        """Wait until the remote end closed the channel (or sent its last message)."""
        task = getattr(_tls, 'task', None)
        if task is not None:
            task.enter()
        try:
            ok = self._gw._wait(self, lambda: self._receiveclosed, timeout, task)
        finally:
            if task is not None:
                task.leave()
        if not ok:
            raise self.TimeoutError('Timeout after %r seconds' % (timeout,))
        error = self._getremoteerror()
        if error:
            raise error

    def setcallback(self, callback, endmarker=NO_ENDMARKER):
        """Call callback(item) for every item (queued ones first), from a callback thread;
        callback(endmarker) when the channel closes, if an endmarker is given."""
        gw = self._gw
        with gw._lock:
            if self._callback is not None:
                raise IOError('a callback is already set')
            items = list(self._items)
            sizes = list(self._sizes)
            self._items.clear()
            self._sizes.clear()
            self._callback = callback
            self._endmarker = endmarker
            gw._cb_channels[self.id] = self
            for i, it in enumerate(items):
                gw._cb_put(self, it, sizes[i] if i < len(sizes) else 0)
            if self._receiveclosed and _END not in items:
                gw._cb_put(self, _END)

    def makefile(self, mode='w', proxyclose=False):
        """A file-like object writing to (mode 'w') or reading from (mode 'r') the channel."""
        if mode == 'w':
            return ChannelFileWrite(self, proxyclose)
        if mode == 'r':
            return ChannelFileRead(self, proxyclose)
        raise ValueError('mode %r not available' % (mode,))


class ChannelFile(object):
    def __init__(self, channel, proxyclose=True):
        self.channel = channel
        self._proxyclose = proxyclose

    def isatty(self):
        return False

    def close(self):
        if self._proxyclose:
            self.channel.close()

    @property
    def closed(self):
        return self.channel.isclosed()

    def __repr__(self):
        state = 'closed' if self.closed else 'open'
        return '<ChannelFile %d %s>' % (self.channel.id, state)


class ChannelFileWrite(ChannelFile):
    def write(self, out):
        self.channel.send(out)

    def flush(self):
        pass


class ChannelFileRead(ChannelFile):
    def __init__(self, channel, proxyclose=True):
        ChannelFile.__init__(self, channel, proxyclose)
        self._buffer = None

    def read(self, n):
        try:
            if self._buffer is None:
                self._buffer = self.channel.receive()
            while len(self._buffer) < n:
                self._buffer += self.channel.receive()
        except EOFError:
            self.close()
        if self._buffer is None:
            ret = ''
        else:
            ret = self._buffer[:n]
            self._buffer = self._buffer[n:]
        return ret

    def readline(self):
        if self._buffer is not None:
            i = self._buffer.find('\n')
            if i != -1:
                return self.read(i + 1)
            line = self.read(len(self._buffer) + 1)
        else:
            line = self.read(1)
        while line and line[-1] != '\n':
            c = self.read(1)
            if not c:
                break
            line += c
        return line


class GatewayView(object):
    """What remote code sees as channel.gateway."""

    def __init__(self, gw):
        self._gw = gw

    def newchannel(self):
        """A new channel (even id); send it to the host inside a message to use it."""
        return self._gw._new_channel()

    def __repr__(self):
        return '<remote-exec agent gateway pid=%d>' % os.getpid()
