# Framing and I/O: encoding and decoding messages, the write path (frames written while another thread
# writes are coalesced into its next writev), the read path, and the leader/follower reader that
# dispatches each frame through the message table.
#
# Reading is leader/follower: a thread that blocks in channel.receive() (or waitclose, or a host
# callback) with nothing queued becomes the reader itself and dispatches frames until its own item
# arrives, so a channel ping-pong costs no thread hand-off.

_NOMATCH = object()


class _FramedIO(object):
    """The Gateway's framing and I/O."""

    def _init_io(self, in_fd, out_fd, maxframe, debug_fd):
        self.in_fd = in_fd
        self.out_fd = out_fd
        self.maxframe = maxframe
        self.peer_maxframe = DEFAULT_MAXFRAME
        self.protocol = 0          # the version both sides use, set by the HELLO exchange
        self._debug_fd = debug_fd
        # reader state (only the leader touches it)
        self._rbuf = bytearray(RBUF_SIZE)
        self._rmv = memoryview(self._rbuf)
        self._rstart = 0
        self._rend = 0
        self._bigbuf = None
        self._poll = None
        self.spin = SPIN_DEFAULT
        # leader/follower
        self._lock = threading.Lock()
        self._leader = None
        self._followers = collections.deque()
        self._bgcond = threading.Condition(self._lock)
        self._bg_sleeping = 0           # background readers waiting until woken
        self._bg_idle = 0               # background readers waiting at all (for the stream or a wake-up)
        self._bg_threads = 1            # background readers started (up to BG_READERS)
        self._bg_now = False
        self._last_release = 0.0
        self._lead_since = 0.0
        self._eof = False
        self._stopping = False
        self._exiting = False           # _shutdown began: its first caller exits the process
        # writer
        self._wlock = threading.Lock()
        self._wcond = threading.Condition(self._wlock)
        self._writing = False
        self._wq = []
        self._wqbytes = 0
        self._wwaiters = 0
        self._in_at_write = -1
        self._broken = False
        # counters
        self.msgs_in = 0
        self.msgs_out = 0
        self.bytes_in = 0
        self.bytes_out = 0
        self.writes = 0             # batches written (STATUS writes)
        self._heads = {}            # (type, id) -> the start of a frame's body: array header, type, id
        self._handlers = self._make_handlers()
        if _cmsgpack is not None:
            self._c_strict_default = self._c_adapter(self._hook_strict)
            self._c_ref_default = self._c_adapter(self._hook_ref)

    # ---- tracing ------------------------------------------------------------------------

    def _trace(self, direction, t, cid, payload):
        try:
            r = _bounded_repr(payload, 200)
            line = '%.6f %s %s %d %s %s\n' % (_mono() - self.start, threading.current_thread().name,
                                              direction, cid, MSG_NAMES.get(t, t), r)
            os.write(self._debug_fd, line.encode('utf-8', 'replace'))
        except Exception:
            pass

    # ---- encoding -----------------------------------------------------------------------

    def _hook_common(self, o, hook):
        if isinstance(o, Channel):
            return Ext(EXT_CHANNEL, packb(o.id))
        if isinstance(o, HostFunction):
            return Ext(EXT_HOSTFN, packb([o.id]))
        if isinstance(o, RemoteError):
            return Ext(EXT_EXCEPTION, packb([o.type or 'RemoteError', o.message, o.formatted]))
        if isinstance(o, BaseException):
            tb = _format_exc(o) if o.__traceback__ is not None else ''
            return Ext(EXT_EXCEPTION, packb([_exc_typename(o), _safe_str(o), tb]))
        if isinstance(o, _RefOf):
            return self._ref_ext(o.obj)
        if isinstance(o, _Shaped):
            return o.value
        t = type(o)
        if t is tuple:
            return Ext(EXT_TUPLE, self._packb_hook(list(o), hook))
        if t is int:
            return Ext(EXT_BIGINT, bigint_bytes(o))
        if self.protocol >= 2:
            r = _ext_v2(o, self._packb_hook, hook)
            if r is not None:
                return r
        if isinstance(o, bool):
            return bool(o)
        if isinstance(o, int):
            return int(o)
        if isinstance(o, float):
            return float(o)
        if isinstance(o, str):
            return str(o)
        if isinstance(o, (bytes, bytearray)):
            return bytes(o)
        if isinstance(o, dict):
            return dict(o)
        if isinstance(o, list):
            return list(o)
        if isinstance(o, tuple):
            return tuple(o)
        return _NOMATCH

    def _hook_strict(self, o):
        r = self._hook_common(o, self._hook_strict)
        if r is _NOMATCH:
            raise TypeError('cannot encode object of type %s (send plain data: None, bool, int, '
                            'float, str, bytes, list, tuple, dict, channels)' % _typename(o))
        return r

    def _hook_ref(self, o):
        r = self._hook_common(o, self._hook_ref)
        if r is _NOMATCH:
            return self._ref_ext(o)
        return r

    def _packb_hook(self, obj, hook):
        if _cmsgpack is not None and _c_safe(obj):
            return _cmsgpack.packb(obj, default=self._c_adapter(hook), use_bin_type=True,
                                   strict_types=True)
        return packb(obj, hook)

    def _c_adapter(self, hook):
        ExtType = _cmsgpack.ExtType

        def default(o):
            r = hook(o)
            if type(r) is Ext:
                return ExtType(r.code, bytes(r.data))
            if type(r) is tuple:
                return ExtType(EXT_TUPLE, self._packb_hook(list(r), hook))
            return r
        return default

    def _encode_msg(self, t, cid, payload, ref_mode):
        """Frame one message; returns (chunks, total bytes)."""
        if _cmsgpack is not None and _c_safe(payload):
            if ref_mode:
                body = _cmsgpack.packb([t, cid, payload], default=self._c_ref_default,
                                       use_bin_type=True, strict_types=True)
            else:
                p = getattr(_tls, 'packer', None)
                if p is None:
                    p = _tls.packer = _cmsgpack.Packer(default=self._c_strict_default,
                                                       use_bin_type=True, strict_types=True)
                try:
                    body = p.pack([t, cid, payload])
                except BaseException:
                    _tls.packer = None
                    raise
            n = len(body)
            if n > self.peer_maxframe:
                raise ValueError('message of %d bytes exceeds the host maxFrame (%d)'
                                 % (n, self.peer_maxframe))
            if n < 16384:
                return [_pack_I(n) + body], n
            return [_pack_I(n), body], n
        scalar = _scalar_bytes(payload)
        if scalar is not None:
            # the commonest frame, a small item on a channel, without the general encoder's walk
            heads = self._heads
            head = heads.get((t, cid))
            if head is None:
                if len(heads) >= 256:
                    heads.clear()
                hb = bytearray(b'\x93')
                hb.append(t)
                _pack_int(cid, hb)
                head = heads[(t, cid)] = bytes(hb)
            n = len(head) + len(scalar)
            return [_pack_I(n) + head + scalar], n
        buf = bytearray(b'\x00\x00\x00\x00\x93')
        buf.append(t)
        _pack_int(cid, buf)
        splices = []
        try:
            _pack(payload, buf, splices, self._hook_ref if ref_mode else self._hook_strict)
        except RecursionError:
            raise ValueError('value nested too deeply (or cyclic) to encode')
        n = len(buf) - 4
        for _, b in splices:
            n += len(b) if type(b) is not memoryview else b.nbytes
        if n > self.peer_maxframe:
            raise ValueError('message of %d bytes exceeds the host maxFrame (%d)'
                             % (n, self.peer_maxframe))
        struct.pack_into('>I', buf, 0, n)
        if not splices:
            return [buf], n
        mv = memoryview(buf)
        chunks = []
        pos = 0
        for off, b in splices:
            chunks.append(mv[pos:off])
            chunks.append(b)
            pos = off
        if pos < len(buf):
            chunks.append(mv[pos:])
        return chunks, n

    def _output_first(self, t):
        # batched stdout/stderr goes out before a message of type t that its writer causes (section 5)
        out = self._stdout
        if out is not None and t in AFTER_OUTPUT and (out._bufs or self._stderr._bufs):
            out.flush_all()
            self._stderr.flush_all()

    def _send_msg(self, t, cid, payload, ref_mode=False):
        self._output_first(t)
        chunks, n = self._encode_msg(t, cid, payload, ref_mode)
        if self._debug_fd is not None:
            self._trace('>', t, cid, payload)
        self._write(chunks, n, t == DATA and n < WRITE_BATCH)

    def _send_msg_quiet(self, t, cid, payload, ref_mode=False):
        try:
            self._send_msg(t, cid, payload, ref_mode)
        except Exception:
            pass

    # ---- writing ------------------------------------------------------------------------

    def _write(self, chunks, n, defer=False):
        """Write one frame; frames produced while another thread writes are coalesced into its
        next writev.  A small DATA frame (`defer`) may wait in the queue for the next frame that is
        not, for the reader about to wait for input, or for the auxiliary thread WRITE_DELAY later,
        when it comes in a burst (nothing read since the last write): a loop of sends then costs one
        write per batch, not one per item.  Raises IOError when the
        host is gone."""
        wl = self._wlock
        wl.acquire()
        if self._broken:
            wl.release()
            raise IOError('connection to the host is closed')
        self.msgs_out += 1
        self.bytes_out += n
        if self._writing:
            self._wq.extend(chunks)
            self._wqbytes += n
            while self._wqbytes > WRITE_QUEUE_MAX and self._writing and not self._broken:
                self._wwaiters += 1
                self._wcond.wait(1.0)
                self._wwaiters -= 1
            wl.release()
            return
        # Only inside a burst (nothing was read since the last write): a reply to what just arrived,
        # a ping-pong's, is written at once.
        if defer and self._wqbytes + n < WRITE_BATCH and (self._wq or self.msgs_in == self._in_at_write):
            first = not self._wq
            self._wq.extend(chunks)
            self._wqbytes += n
            wl.release()
            if first:
                self._aux_wake_writes()
            return
        self._writing = True
        if self._wq:
            batch = self._wq
            batch.extend(chunks)
            self._wq = []
            self._wqbytes = 0
        else:
            batch = chunks
        wl.release()
        self._drain(batch)

    def _flush_writes(self):
        """Write the small frames waiting in the queue, unless another thread is writing them."""
        wl = self._wlock
        wl.acquire()
        if self._writing or not self._wq or self._broken:
            wl.release()
            return
        self._writing = True
        batch = self._wq
        self._wq = []
        self._wqbytes = 0
        wl.release()
        try:
            self._drain(batch)
        except (IOError, OSError):
            pass

    def _drain(self, batch):
        # this thread is the writer: write the batch, then whatever queued meanwhile
        wl = self._wlock
        try:
            self._write_all(batch)
            while True:
                wl.acquire()
                if not self._wq:
                    self._writing = False
                    self._in_at_write = self.msgs_in
                    if self._wwaiters:
                        self._wcond.notify_all()
                    wl.release()
                    return
                batch = self._wq
                self._wq = []
                self._wqbytes = 0
                if self._wwaiters:
                    self._wcond.notify_all()
                wl.release()
                self._write_all(batch)
        except BaseException:
            with wl:
                self._writing = False
                self._broken = True
                self._wq = []
                self._wcond.notify_all()
            raise

    def _write_all(self, chunks):
        self.writes += 1
        fd = self.out_fd
        if len(chunks) == 1:
            c = chunks[0]
            n = os.write(fd, c)
            ln = len(c) if type(c) is not memoryview else c.nbytes
            if n == ln:
                return
            chunks = [memoryview(c)[n:]]
        while chunks:
            part = chunks[:IOV_MAX]
            n = os.writev(fd, part)
            i = 0
            while i < len(part):
                c = part[i]
                ln = len(c) if type(c) is not memoryview else c.nbytes
                if n >= ln:
                    n -= ln
                    i += 1
                else:
                    break
            rest = chunks[i:]
            if n and rest:
                rest[0] = memoryview(rest[0]).cast('B')[n:]
            chunks = rest

    def _wait_writes(self, timeout):
        end = _mono() + timeout
        with self._wlock:
            while self._writing and not self._broken:
                r = end - _mono()
                if r <= 0:
                    return
                self._wwaiters += 1
                self._wcond.wait(min(r, 0.05))
                self._wwaiters -= 1

    # ---- reading ------------------------------------------------------------------------

    def _read_msg(self, deadline):
        """Read and decode one message (leader only).  None when the deadline passed."""
        buf = self._rbuf
        while True:
            s = self._rstart
            e = self._rend
            avail = e - s
            if avail >= 4:
                n = _unpack_I(buf, s)[0]
                if n > self.maxframe:
                    raise ProtocolError('frame of %d bytes exceeds maxFrame (%d)' % (n, self.maxframe))
                if avail >= n + 4:
                    self._rstart = s + 4 + n
                    if self._rstart == e:
                        self._rstart = self._rend = 0
                    self.msgs_in += 1
                    self.bytes_in += n
                    self._frame_n = n
                    return self._decode(self._rmv[s + 4:s + 4 + n])
                if n + 4 > len(buf):
                    return self._read_big(n)
            if avail == 0:
                s = e = self._rstart = self._rend = 0
            elif len(buf) - e < 65536:
                buf[0:avail] = buf[s:e]
                s = self._rstart = 0
                e = self._rend = avail
            if self._wq:
                self._flush_writes()
            if self._poll is None:
                self._poll = select.poll()
                self._poll.register(self.in_fd, select.POLLIN | select.POLLHUP | select.POLLERR)
            if self.spin:
                self._spin_for_input()
            if deadline is not None:
                r = deadline - _mono()
                if r <= 0 or not self._poll.poll(int(r * 1000) + 1):
                    if deadline - _mono() <= 0:
                        return None
                    continue
            k = os.readv(self.in_fd, [self._rmv[e:]])
            if k == 0:
                raise _EOF()
            self._rend = e + k

    def _spin_for_input(self):
        # A reply usually follows a request within tens of microseconds; waking from a blocking read
        # costs about as much again.  Polling briefly first halves a round trip, and since the reader
        # only gets here after it has read something, an idle agent never spins.
        poll = self._poll.poll
        end = _mono() + self.spin
        while not poll(0) and _mono() < end:
            pass

    def _read_big(self, n):
        r = self._read_big_data(n)
        if r is not None:
            return r
        # one reusable buffer for big frames (decoding copies every value out of it)
        body = self._bigbuf
        if body is None or len(body) < n or (len(body) > 4 * n and len(body) > BIG_KEEP):
            body = bytearray(n)
            self._bigbuf = body if n <= BIG_KEEP else None
        s = self._rstart + 4
        have = self._rend - s
        body[0:have] = self._rbuf[s:self._rend]
        self._rstart = self._rend = 0
        mv = memoryview(body)[:n]
        fd = self.in_fd
        while have < n:
            k = os.readv(fd, [mv[have:]])
            if k == 0:
                raise _EOF()
            have += k
        self.msgs_in += 1
        self.bytes_in += n
        self._frame_n = n
        return self._decode(mv)

    def _read_big_data(self, n):
        """A big DATA frame whose payload is one bin: read the bytes straight into a new bytes
        object (no decoding copy).  None when the frame is something else."""
        hb = self._rbuf
        s = self._rstart + 4
        e = self._rend
        if e - s < 16 or hb[s] != 0x93 or hb[s + 1] != DATA:
            return None
        mk = _bytes_maker()
        if mk is None:
            return None
        b = hb[s + 2]
        p = s + 3
        if b < 0x80:
            cid = b
        elif b == 0xcc:
            cid = hb[p]
            p += 1
        elif b == 0xcd:
            cid = _u16(hb, p)[0]
            p += 2
        elif b == 0xce:
            cid = _u32(hb, p)[0]
            p += 4
        else:
            return None
        if hb[p] != 0xc6:
            return None
        blen = _u32(hb, p + 1)[0]
        p += 5
        if (p - s) + blen != n:
            return None
        obj, view = mk(blen)
        have = min(e - p, blen)
        view[0:have] = hb[p:p + have]
        self._rstart = self._rend = 0
        fd = self.in_fd
        while have < blen:
            k = os.readv(fd, [view[have:]])
            if k == 0:
                raise _EOF()
            have += k
        view.release()
        self.msgs_in += 1
        self.bytes_in += n
        self._frame_n = n
        return DATA, cid, obj

    def _has_frame(self):
        avail = self._rend - self._rstart
        if avail < 4:
            return False
        return avail >= 4 + _unpack_I(self._rbuf, self._rstart)[0]

    def _decode(self, mv):
        try:
            if _cmsgpack is not None:
                m = _cmsgpack.unpackb(mv, ext_hook=self._ext_hook, raw=False, strict_map_key=False,
                                      use_list=True)
                if type(m) is not list or len(m) != 3:
                    raise ValueError('a message is an array of 3 elements')
                t, cid, payload = m
            else:
                if len(mv) >= 3 and mv[0] == 0x93 and mv[1] < 0x80:
                    t = mv[1]
                    b = mv[2]
                    if b < 0x80:
                        cid = b
                        p = 3
                    else:
                        cid, p = _dec(mv, 2, self._ext_hook)
                    payload, p = _dec(mv, p, self._ext_hook)
                else:
                    m, p = _dec(mv, 0, self._ext_hook)
                    if type(m) is not list or len(m) != 3:
                        raise ValueError('a message is an array of 3 elements')
                    t, cid, payload = m
                if p != len(mv):
                    raise ValueError('extra data after the message')
            if type(t) is not int or type(cid) is not int or not 0 <= t < _U64 or not 0 <= cid < _U64:
                raise ValueError('message type and id must be unsigned 64-bit integers')
        except ProtocolError:
            raise
        except Exception as e:
            unbuilt = _unbuilt_message(mv, e)
            if unbuilt is not None:
                return unbuilt
            raise ProtocolError('malformed message body: %s: %s' % (type(e).__name__,
                                _safe_str(e) or 'invalid msgpack data'))
        return t, cid, payload

    def _ext_hook(self, code, data):
        if code == EXT_TUPLE:
            return tuple(self._unpack(data))
        if code == EXT_CHANNEL:
            cid = self._unpack(data)
            if type(cid) is not int:
                raise ValueError('bad channel reference')
            return self._get_channel(cid)
        if code == EXT_OBJECT:
            v = self._unpack(data)
            oid = v[0] if type(v) is list and v else v
            with self._olock:
                ent = self._objs.get(oid)
            return ent[0] if ent is not None else _DeadRef(oid)
        if code == EXT_HOSTFN:
            v = self._unpack(data)
            fid = v[0] if type(v) is list and v else v
            return HostFunction(self, fid)
        if code == EXT_EXCEPTION:
            v = self._unpack(data)
            if type(v) is list and len(v) >= 3:
                return RemoteError(str(v[2]) or '%s: %s' % (v[0], v[1]), str(v[0]), str(v[1]))
            return RemoteError(str(v))
        if code == EXT_MAP:
            v = self._unpack(data)
            d = {}
            for kv in v:
                d[kv[0]] = kv[1]
            return d
        if code == EXT_BIGINT:
            return int.from_bytes(data, 'big', signed=True)
        if EXT_SET <= code <= EXT_COMPLEX:
            return _build_v2(code, self._unpack(data))
        raise ValueError('unknown extension type %d' % code)

    def _unpack(self, data):
        if _cmsgpack is not None:
            return _cmsgpack.unpackb(data, ext_hook=self._ext_hook, raw=False, strict_map_key=False)
        return unpackb(data, self._ext_hook)

    # ---- leader / follower --------------------------------------------------------------

    def _wait(self, obj, ready, timeout, task):
        """Block until ready() is true (or the timeout passed: False).  The caller becomes the
        reader when nobody reads; otherwise it sleeps on obj._cond until woken."""
        if self._wq:
            self._flush_writes()
        if task is not None and not task.is_exec:
            self._pool.block()
            try:
                return self._wait1(obj, ready, timeout, task)
            finally:
                self._pool.unblock()
        return self._wait1(obj, ready, timeout, task)

    def _wait1(self, obj, ready, timeout, task):
        lock = self._lock
        deadline = None if timeout is None else _mono() + timeout
        me = _get_ident()
        lock.acquire()
        try:
            while True:
                if ready():
                    return True
                if task is not None and task.interrupted:
                    task.interrupted = False
                    raise KeyboardInterrupt()
                if self._leader is None and not self._eof:
                    self._leader = me
                    self._lead_since = _mono()
                    lock.release()
                    try:
                        r = self._lead(ready, deadline, task)
                    finally:
                        lock.acquire()
                        self._leader = None
                        self._last_release = _mono()
                        self._after_lead()
                    if r is None:
                        return bool(ready())
                    continue
                if deadline is not None:
                    remaining = deadline - _mono()
                    if remaining <= 0:
                        return False
                else:
                    remaining = None
                obj._waiters += 1
                self._followers.append(obj)
                if task is not None:
                    task.waiting_on = obj
                try:
                    obj._cond.wait(remaining)
                finally:
                    obj._waiters -= 1
                    try:
                        self._followers.remove(obj)
                    except ValueError:
                        pass
                    if task is not None:
                        task.waiting_on = None
        finally:
            if self._leader is None:
                # nobody reads: pass the stream on (another follower, or the background reader)
                if self._followers:
                    self._followers[0]._cond.notify()
                elif task is not None and not task.is_exec:
                    # An object request waited for a host callback's reply: it will not read again,
                    # and the next request must not sit unread for the grace left to exec tasks.
                    self._bg_now = True
                    self._bgcond.notify()
                elif self._bg_sleeping:
                    self._bgcond.notify()
            lock.release()

    def _after_lead(self):
        # called with self._lock held, after a leader stepped down
        if self._followers:
            self._followers[0]._cond.notify()
        elif self._bg_sleeping or self._has_frame():
            self._bgcond.notify()

    def _lead(self, ready, deadline, task):
        """Read and dispatch frames until ready().  Returns True, or None on timeout."""
        me = _get_ident()
        try:
            while True:
                msg = self._read_msg(deadline)
                if msg is None:
                    return None
                self._dispatch(msg)
                # not held while the next read blocks: a channel in it must be collectable (section 6.2)
                msg = None
                if self._leader != me and not self._still_leading(me, task):
                    return True
                if ready():
                    while self._has_frame() and not self._stopping:
                        self._dispatch(self._read_msg(None))
                        if self._leader != me and not self._still_leading(me, task):
                            break
                    return True
                if task is not None and task.interrupted:
                    return True
                if self._eof:
                    return True
        except _EOF:
            self._on_eof(None)
            return True
        except ProtocolError as e:
            self._on_eof(str(e))
            return True
        except OSError as e:
            self._on_eof(None if e.errno in (9, 104) else 'read error: %s' % e)
            return True

    def _bg_loop(self, primary=True):
        """A background reader: reads when no task does.  The primary one also watches a task that
        reads; the others (see _hand_over_reading) sleep until woken."""
        lock = self._lock
        followers = self._followers
        me = _get_ident()
        _tls.bg = True
        while True:
            lock.acquire()
            try:
                while True:
                    if self._eof or self._stopping:
                        return
                    if self._leader is None and not followers:
                        if self._has_frame() or self._bg_now:
                            self._bg_now = False
                            break
                        wait = self._last_release + BG_GRACE - _mono()
                        if wait <= 0:
                            break
                        self._bg_wait(wait)
                    elif primary and self._leader is not None and _mono() - self._lead_since < BG_WATCH_IDLE:
                        # a task reads actively: watch without asking to be woken at every release
                        self._bg_wait(BG_WATCH)
                    else:
                        self._bg_sleeping += 1
                        try:
                            self._bg_wait(None)
                        finally:
                            self._bg_sleeping -= 1
                self._leader = me
                self._lead_since = _mono()
            finally:
                lock.release()
            try:
                self._lead(followers.__len__, None, None)
            finally:
                with lock:
                    if self._leader == me:
                        self._leader = None
                        if followers:
                            # a task wants to read: leave the stream to it for a while
                            self._last_release = _mono()
                            followers[0]._cond.notify()

    def _bg_wait(self, timeout):
        # with self._lock held
        self._bg_idle += 1
        try:
            self._bgcond.wait(timeout)
        finally:
            self._bg_idle -= 1

    def _hand_over_reading(self):
        """Called by a background reader about to run the request it just read itself: another
        thread (a task waiting to read, an idle background reader, or a new one) takes the stream
        over, so the request needs no hand-off to a worker and its reply waits for no thread to wake.
        False when this thread is not the reader or nobody can take over."""
        me = _get_ident()
        with self._lock:
            if self._leader != me or self._eof or self._stopping:
                return False
            # A background reader must stay free whatever runs: a task woken to read may find what it
            # waited for already there and not read, and user code may block without reading.
            if self._bg_idle:
                self._bgcond.notify()
            elif self._bg_threads < BG_READERS:
                self._bg_threads += 1
                self._start_reader('remote-exec-reader-%d' % self._bg_threads, (), False)
            else:
                return False
            self._leader = None
            self._last_release = _mono()
            if self._followers:
                # a task waits to read: the stream is its first, as when a background reader steps down
                self._followers[0]._cond.notify()
            else:
                self._bg_now = True
            return True

    def _still_leading(self, me, task):
        # False when the frame just handled handed the stream to another thread (_hand_over_reading)
        # and that thread has begun reading: this one must not read on beside it
        return self._leader == me or (task is None and self._take_back(me))

    def _take_back(self, me):
        """After running a request it handed the stream over for: read on if nobody has started to
        (the thread woken to take over is often still waking up), so the next request is read at
        once, not after a wake-up."""
        with self._lock:
            if self._leader is not None or self._followers or self._eof or self._stopping:
                return False
            self._leader = me
            self._bg_now = False
            return True

    def _start_reader(self, name, early, primary):
        t = threading.Thread(target=self._read_to_end, args=(early, primary), name=name)
        t.daemon = True
        t.start()

    def _read_to_end(self, early=(), primary=True):
        """A background reader thread's body: the messages read before HELLO, then the stream until
        it ends, then the agent's exit (whichever reader sees the end: another may be running a
        request that never returns)."""
        try:
            for msg in early:
                self._dispatch(msg)
            early = None
            self._bg_loop(primary)
        except ProtocolError as e:
            self._on_eof(str(e))
        except BaseException as e:
            self._send_msg_quiet(ERROR, 0, 'agent failure: %s: %s' % (type(e).__name__, _safe_str(e)))
        self._shutdown(0)

    def _on_eof(self, error):
        """The input ended (or broke): stop, wake every waiter, and let the main thread exit."""
        if error is not None:
            self._send_msg_quiet(ERROR, 0, error)
        with self._lock:
            if self._eof:
                return
            self._eof = True
            self._eof_error = error
            self._end_channels()
            self._fail_host_calls()
            self._bgcond.notify_all()

    # ---- dispatch -----------------------------------------------------------------------

    def _make_handlers(self):
        # the message table's handlers, bound once: dispatching a frame is one list index
        h = [None] * N_CODES
        for code, _, _, handler in MESSAGES:
            h[code] = getattr(self, handler)
        return h

    def _dispatch(self, msg):
        t, cid, payload = msg
        if self._debug_fd is not None:
            self._trace('<', t, cid, payload)
        if type(payload) is _Unbuilt:
            return self._refuse_unbuilt(t, cid, payload)
        h = self._handlers[t] if t < N_CODES else None
        if h is None:
            self._send_msg_quiet(ERROR, 0, 'unknown message type %d' % t)
            return
        try:
            h(cid, payload)
        except ProtocolError:
            raise
        except Exception as e:
            self._send_msg_quiet(ERROR, 0, 'error handling %s (id %d): %s: %s'
                                 % (MSG_NAMES.get(t, t), cid, type(e).__name__, _safe_str(e)))

    def handshake(self):
        """Send HELLO, wait for the host's; messages before it are kept for later."""
        self._send_msg(HELLO, 0, self.hello())
        early = []
        while True:
            msg = self._read_msg(None)
            t, cid, payload = msg
            if self._debug_fd is not None:
                self._trace('<', t, cid, payload)
            if t != HELLO:
                early.append(msg)
                continue
            if type(payload) is not dict:
                raise ProtocolError('host HELLO payload must be a map')
            proto = payload.get('protocol')
            if type(proto) is not int or proto < 1:
                raise VersionError('protocol version mismatch: agent speaks versions 1 to %d, host %r'
                                    % (PROTOCOL_VERSION, proto))
            # both sides use the lower of the two highest versions (section 4)
            self.protocol = min(proto, PROTOCOL_VERSION)
            mf = payload.get('maxFrame')
            if type(mf) is int and mf > 0:
                self.peer_maxframe = mf
            spin = payload.get('spinUs')
            if type(spin) is int and spin >= 0:
                self.spin = spin / 1e6
            level = payload.get('logLevel')
            self._set_windows(payload)
            return early, (level if type(level) is int else None)
