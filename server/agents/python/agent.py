# Remote Exec -- the Python agent.  Protocol version 1 (protocol/PROTOCOL.md is normative).
#
# This file is sent to the interpreter by the host and run by the loader of PROTOCOL.md section 1:
#   python3 -c "import sys;b=sys.stdin.buffer;exec(compile(b.read(int(b.readline())),'remote-exec-agent','exec'))"
# It is self-contained: Python >= 3.8, standard library only; the C `msgpack` package is used when it
# can be imported (REMOTE_EXEC_PURE=1 forces the pure-Python codec, for tests).
#
# Message codes (PROTOCOL.md section 3), one handler per code (Gateway._h_<name>):
#
#   code  name           direction      id        payload
#      0  HELLO          both           0         hello map (section 4)
#      1  EXEC           host -> agent  channel   {source: str, name?: str, session?: bool}
#      2  DATA           both           channel   one value (section 6)
#      3  CLOSE          both           channel   nil
#      4  CLOSE_ERROR    both           channel   RemoteException (ext 4) or str
#      5  LAST_MESSAGE   both           channel   nil
#      6  STATUS         host -> agent  request   nil
#      7  TERMINATE      host -> agent  0         nil
#      8  INTERRUPT      host -> agent  channel/0 nil
#      9  STDOUT         agent -> host  channel/0 bytes
#     10  STDERR         agent -> host  channel/0 bytes
#     11  LOG            agent -> host  0         log record map
#     12  ERROR          both           0         str
#     20  OBJECT         both           request   [target, steps, returnType]
#     21  REPLY          both           request   value
#     22  REPLY_ERROR    both           request   RemoteException
#     23  RELEASE        host -> agent  0         [[objectId, count], ...]
#     24  CALLBACK       agent -> host  request   [hostFunctionId, args, kwargs]
#
# Threads: the main thread is the background reader; exec tasks and object requests run on a pool of
# reusable worker threads; one auxiliary thread forwards fd 1/2 output, log records and deferred
# LAST_MESSAGEs; one more thread (started lazily) runs channel callbacks in order.
# Reading is leader/follower: a thread that blocks in channel.receive() (or waitclose, or a host
# callback) with nothing queued becomes the reader itself and dispatches frames until its own item
# arrives, so a channel ping-pong costs no thread hand-off.

import sys
import os
import struct
import threading
import time
import collections
import select
import builtins
import linecache
import traceback
import logging
import warnings
import weakref
import importlib
import io

PROTOCOL_VERSION = 1

HELLO = 0
EXEC = 1
DATA = 2
CLOSE = 3
CLOSE_ERROR = 4
LAST_MESSAGE = 5
STATUS = 6
TERMINATE = 7
INTERRUPT = 8
STDOUT = 9
STDERR = 10
LOG = 11
ERROR = 12
OBJECT = 20
REPLY = 21
REPLY_ERROR = 22
RELEASE = 23
CALLBACK = 24

MSG_NAMES = {
    HELLO: 'HELLO', EXEC: 'EXEC', DATA: 'DATA', CLOSE: 'CLOSE', CLOSE_ERROR: 'CLOSE_ERROR',
    LAST_MESSAGE: 'LAST_MESSAGE', STATUS: 'STATUS', TERMINATE: 'TERMINATE', INTERRUPT: 'INTERRUPT',
    STDOUT: 'STDOUT', STDERR: 'STDERR', LOG: 'LOG', ERROR: 'ERROR', OBJECT: 'OBJECT', REPLY: 'REPLY',
    REPLY_ERROR: 'REPLY_ERROR', RELEASE: 'RELEASE', CALLBACK: 'CALLBACK',
}

# extension types (section 6)
EXT_OBJECT = 1      # [objectId, typeName, callable]
EXT_HOSTFN = 2      # [hostFunctionId]
EXT_CHANNEL = 3     # channel id
EXT_EXCEPTION = 4   # [type, message, traceback]
EXT_TUPLE = 5       # array
EXT_MAP = 6         # array of [key, value]
EXT_BIGINT = 7      # two's complement big-endian, minimal length

CAPABILITIES = ['exec', 'objects', 'callbacks', 'interrupt', 'logs', 'session']
DEFAULT_MAXFRAME = 256 * 1024 * 1024
BIG_BIN = 32 * 1024          # binaries at least this big are written without copying (writev)
RBUF_SIZE = 256 * 1024       # read buffer; larger frames get a buffer of their own
BIG_KEEP = 64 * 1024 * 1024  # the big-frame buffer is kept for reuse up to this size
REPR_LIMIT = 1000
LOG_QUEUE_MAX = 1000
EARLY_MAX = 10000
MAX_WORKERS = 1024
OBJ_ACTIVE = 2               # object requests run on at most this many unblocked workers ...
OBJ_STALL = 0.02             # ... plus one more when requests are queued and none finished for this long
BG_GRACE = 0.0005            # the background reader leaves the stream to a task that just read it
BG_WATCH = 0.002             # ... and checks this often whether the task stopped reading
BG_WATCH_IDLE = 0.05         # ... while that task became the reader less than this long ago
WRITE_QUEUE_MAX = 8 * 1024 * 1024
IOV_MAX = 512

_AGENT_FILE = (lambda: 0).__code__.co_filename
_mono = time.monotonic
_tls = threading.local()
_get_ident = threading.get_ident


# ---------------------------------------------------------------------------------------------
# errors (execnet's names)

class RemoteError(Exception):
    """An exception raised on the other side; str() is the formatted remote traceback."""

    def __init__(self, formatted, type=None, message=None):
        Exception.__init__(self, formatted)
        self.formatted = formatted
        self.type = type
        self.message = message if message is not None else formatted

    def getargs(self):
        return self.formatted

    def __str__(self):
        return self.formatted

    def __repr__(self):
        return '%s: %s' % (self.__class__.__name__, self.formatted)

    def warn(self):
        if self.formatted != INTERRUPT_TEXT:
            sys.stderr.write('[%s] Warning: unhandled %r\n' % (os.getpid(), self))


class TimeoutError(IOError):
    """channel.receive(timeout) / waitclose(timeout) expired (execnet's TimeoutError)."""


class ProtocolError(Exception):
    pass


class _EOF(Exception):
    pass


INTERRUPT_TEXT = 'keyboard-interrupted'


def _typename(obj):
    t = type(obj)
    mod = getattr(t, '__module__', None)
    q = getattr(t, '__qualname__', t.__name__)
    if mod in (None, 'builtins'):
        return q
    return '%s.%s' % (mod, q)


def _exc_typename(e):
    return _typename(e)


def _format_exc(e, keep_agent=False):
    """Format an exception like the interpreter would, without the agent's own frames."""
    try:
        te = traceback.TracebackException(type(e), e, e.__traceback__)
        if not keep_agent:
            seen = set()
            stack = [te]
            while stack:
                x = stack.pop()
                if x is None or id(x) in seen:
                    continue
                seen.add(id(x))
                frames = [f for f in x.stack if f.filename != _AGENT_FILE]
                x.stack = traceback.StackSummary.from_list(frames)
                stack.append(x.__cause__)
                stack.append(x.__context__)
        return ''.join(te.format())
    except Exception:
        try:
            return ''.join(traceback.format_exception(type(e), e, e.__traceback__))
        except Exception:
            return '%s: <unformattable>' % _typename(e)


def _safe_str(e):
    try:
        return str(e)
    except Exception:
        return '<unprintable %s>' % _typename(e)


def _remote_exc(e):
    """The RemoteException (ext 4) payload for an exception, as a RemoteError instance."""
    if isinstance(e, RemoteError):
        return e
    if isinstance(e, KeyboardInterrupt):
        msg = _safe_str(e)
    else:
        msg = _safe_str(e)
    return RemoteError(_format_exc(e), _exc_typename(e), msg)


def _bounded_repr(obj, limit=REPR_LIMIT):
    try:
        r = repr(obj)
    except Exception as e:
        r = '<%s object; repr failed: %s>' % (_typename(obj), _safe_str(e))
    if len(r) > limit:
        r = r[:limit - 3] + '...'
    return r


# ---------------------------------------------------------------------------------------------
# msgpack codec (pure Python), with the extension types of section 6

class Ext(object):
    """An extension value to encode: code and the already encoded body."""
    __slots__ = ('code', 'data')

    def __init__(self, code, data):
        self.code = code
        self.data = data


_S_I = struct.Struct('>I')
_pack_I = _S_I.pack
_unpack_I = _S_I.unpack_from
_p_u8 = struct.Struct('>BB').pack
_p_u16 = struct.Struct('>BH').pack
_p_u32 = struct.Struct('>BI').pack
_p_u64 = struct.Struct('>BQ').pack
_p_i8 = struct.Struct('>Bb').pack
_p_i16 = struct.Struct('>Bh').pack
_p_i32 = struct.Struct('>Bi').pack
_p_i64 = struct.Struct('>Bq').pack
_p_f64 = struct.Struct('>Bd').pack
_u16 = struct.Struct('>H').unpack_from
_u32 = struct.Struct('>I').unpack_from
_u64 = struct.Struct('>Q').unpack_from
_i8 = struct.Struct('>b').unpack_from
_i16 = struct.Struct('>h').unpack_from
_i32 = struct.Struct('>i').unpack_from
_i64 = struct.Struct('>q').unpack_from
_f32 = struct.Struct('>f').unpack_from
_f64 = struct.Struct('>d').unpack_from


def bigint_bytes(n):
    m = n if n >= 0 else ~n
    return n.to_bytes((m.bit_length() + 8) // 8, 'big', signed=True)


def _pack_ext_header(code, n, buf):
    if n == 1:
        buf += bytes((0xd4, code))
    elif n == 2:
        buf += bytes((0xd5, code))
    elif n == 4:
        buf += bytes((0xd6, code))
    elif n == 8:
        buf += bytes((0xd7, code))
    elif n == 16:
        buf += bytes((0xd8, code))
    elif n <= 0xff:
        buf += bytes((0xc7, n, code))
    elif n <= 0xffff:
        buf += _p_u16(0xc8, n)
        buf.append(code)
    else:
        buf += _p_u32(0xc9, n)
        buf.append(code)


def _pack_int(n, buf):
    if n >= 0:
        if n < 0x80:
            buf.append(n)
        elif n <= 0xff:
            buf += _p_u8(0xcc, n)
        elif n <= 0xffff:
            buf += _p_u16(0xcd, n)
        elif n <= 0xffffffff:
            buf += _p_u32(0xce, n)
        elif n <= 0xffffffffffffffff:
            buf += _p_u64(0xcf, n)
        else:
            b = bigint_bytes(n)
            _pack_ext_header(EXT_BIGINT, len(b), buf)
            buf += b
    else:
        if n >= -32:
            buf.append(n & 0xff)
        elif n >= -0x80:
            buf += _p_i8(0xd0, n)
        elif n >= -0x8000:
            buf += _p_i16(0xd1, n)
        elif n >= -0x80000000:
            buf += _p_i32(0xd2, n)
        elif n >= -0x8000000000000000:
            buf += _p_i64(0xd3, n)
        else:
            b = bigint_bytes(n)
            _pack_ext_header(EXT_BIGINT, len(b), buf)
            buf += b


def _pack_str(s, buf):
    b = s.encode('utf-8')
    n = len(b)
    if n < 32:
        buf.append(0xa0 | n)
    elif n <= 0xff:
        buf += _p_u8(0xd9, n)
    elif n <= 0xffff:
        buf += _p_u16(0xda, n)
    else:
        buf += _p_u32(0xdb, n)
    buf += b


def _pack_bin(b, buf, splices):
    n = len(b)
    if n <= 0xff:
        buf += _p_u8(0xc4, n)
    elif n <= 0xffff:
        buf += _p_u16(0xc5, n)
    else:
        buf += _p_u32(0xc6, n)
    if splices is not None and n >= BIG_BIN:
        splices.append((len(buf), b))
    else:
        buf += b


def _pack_array_header(n, buf):
    if n < 16:
        buf.append(0x90 | n)
    elif n <= 0xffff:
        buf += _p_u16(0xdc, n)
    else:
        buf += _p_u32(0xdd, n)


def _pack_map_header(n, buf):
    if n < 16:
        buf.append(0x80 | n)
    elif n <= 0xffff:
        buf += _p_u16(0xde, n)
    else:
        buf += _p_u32(0xdf, n)


def _no_default(obj):
    raise TypeError('cannot encode object of type %s' % _typename(obj))


def _pack(obj, buf, splices, default, depth=0):
    """Append the msgpack encoding of obj to buf.  Large binaries are recorded in splices
    (offset, object) instead of being copied, when splices is a list."""
    t = type(obj)
    if t is int:
        if 0 <= obj < 0x80:
            buf.append(obj)
        else:
            _pack_int(obj, buf)
    elif t is str:
        _pack_str(obj, buf)
    elif obj is None:
        buf.append(0xc0)
    elif t is bool:
        buf.append(0xc3 if obj else 0xc2)
    elif t is float:
        buf += _p_f64(0xcb, obj)
    elif t is bytes or t is bytearray:
        _pack_bin(obj, buf, splices)
    elif t is list:
        if depth > 512:
            raise ValueError('value nested too deeply (or cyclic) to encode')
        _pack_array_header(len(obj), buf)
        d = depth + 1
        for x in obj:
            _pack(x, buf, splices, default, d)
    elif t is dict:
        if depth > 512:
            raise ValueError('value nested too deeply (or cyclic) to encode')
        _pack_dict(obj, buf, splices, default, depth + 1)
    elif t is tuple:
        if depth > 512:
            raise ValueError('value nested too deeply (or cyclic) to encode')
        sub = bytearray()
        _pack_array_header(len(obj), sub)
        d = depth + 1
        for x in obj:
            _pack(x, sub, None, default, d)
        _pack_ext_header(EXT_TUPLE, len(sub), buf)
        buf += sub
    elif t is Ext:
        _pack_ext_header(obj.code, len(obj.data), buf)
        buf += obj.data
    elif t is memoryview:
        if obj.c_contiguous:
            _pack_bin(obj.cast('B') if obj.format != 'B' or obj.ndim != 1 else obj, buf, splices)
        else:
            _pack_bin(obj.tobytes(), buf, splices)
    else:
        if depth > 512:
            raise ValueError('value nested too deeply (or cyclic) to encode')
        _pack(default(obj), buf, splices, default, depth + 1)


def _pack_dict(obj, buf, splices, default, depth):
    for k in obj:
        if type(k) is not str:
            break
    else:
        _pack_map_header(len(obj), buf)
        for k, v in obj.items():
            _pack_str(k, buf)
            _pack(v, buf, splices, default, depth)
        return
    sub = bytearray()
    _pack_array_header(len(obj), sub)
    for k, v in obj.items():
        sub.append(0x92)
        _pack(k, sub, None, default, depth)
        _pack(v, sub, None, default, depth)
    _pack_ext_header(EXT_MAP, len(sub), buf)
    buf += sub


def packb(obj, default=_no_default):
    """Encode one value (pure Python)."""
    buf = bytearray()
    _pack(obj, buf, None, default)
    return bytes(buf)


class _Truncated(ValueError):
    pass


def _dec(mv, p, hook):
    """Decode one value from memoryview mv at p; returns (value, new position)."""
    b = mv[p]
    if b < 0x80:
        return b, p + 1
    if b >= 0xe0:
        return b - 0x100, p + 1
    if b >= 0xa0:
        if b <= 0xbf:
            p += 1
            e = p + (b & 0x1f)
            if e > len(mv):
                raise _Truncated('truncated str')
            return str(mv[p:e], 'utf-8'), e
    elif b >= 0x90:
        n = b & 0x0f
        p += 1
        lst = []
        app = lst.append
        for _ in range(n):
            v, p = _dec(mv, p, hook)
            app(v)
        return lst, p
    else:
        return _dec_map(mv, p + 1, b & 0x0f, hook)
    # 0xc0 .. 0xdf
    if b == 0xc0:
        return None, p + 1
    if b == 0xc2:
        return False, p + 1
    if b == 0xc3:
        return True, p + 1
    if b == 0xcc:
        return mv[p + 1], p + 2
    if b == 0xcd:
        return _u16(mv, p + 1)[0], p + 3
    if b == 0xce:
        return _u32(mv, p + 1)[0], p + 5
    if b == 0xcf:
        return _u64(mv, p + 1)[0], p + 9
    if b == 0xd0:
        return _i8(mv, p + 1)[0], p + 2
    if b == 0xd1:
        return _i16(mv, p + 1)[0], p + 3
    if b == 0xd2:
        return _i32(mv, p + 1)[0], p + 5
    if b == 0xd3:
        return _i64(mv, p + 1)[0], p + 9
    if b == 0xcb:
        return _f64(mv, p + 1)[0], p + 9
    if b == 0xca:
        return _f32(mv, p + 1)[0], p + 5
    if b == 0xd9 or b == 0xda or b == 0xdb:
        if b == 0xd9:
            n = mv[p + 1]
            p += 2
        elif b == 0xda:
            n = _u16(mv, p + 1)[0]
            p += 3
        else:
            n = _u32(mv, p + 1)[0]
            p += 5
        e = p + n
        if e > len(mv):
            raise _Truncated('truncated str')
        return str(mv[p:e], 'utf-8'), e
    if b == 0xc4 or b == 0xc5 or b == 0xc6:
        if b == 0xc4:
            n = mv[p + 1]
            p += 2
        elif b == 0xc5:
            n = _u16(mv, p + 1)[0]
            p += 3
        else:
            n = _u32(mv, p + 1)[0]
            p += 5
        e = p + n
        if e > len(mv):
            raise _Truncated('truncated bin')
        return mv[p:e].tobytes(), e
    if b == 0xdc or b == 0xdd:
        if b == 0xdc:
            n = _u16(mv, p + 1)[0]
            p += 3
        else:
            n = _u32(mv, p + 1)[0]
            p += 5
        if n > len(mv) - p:
            raise _Truncated('truncated array')
        lst = []
        app = lst.append
        for _ in range(n):
            v, p = _dec(mv, p, hook)
            app(v)
        return lst, p
    if b == 0xde:
        return _dec_map(mv, p + 3, _u16(mv, p + 1)[0], hook)
    if b == 0xdf:
        return _dec_map(mv, p + 5, _u32(mv, p + 1)[0], hook)
    if 0xd4 <= b <= 0xd8:
        n = 1 << (b - 0xd4)
        code = _i8(mv, p + 1)[0]
        p += 2
    elif b == 0xc7:
        n = mv[p + 1]
        code = _i8(mv, p + 2)[0]
        p += 3
    elif b == 0xc8:
        n = _u16(mv, p + 1)[0]
        code = _i8(mv, p + 3)[0]
        p += 4
    elif b == 0xc9:
        n = _u32(mv, p + 1)[0]
        code = _i8(mv, p + 5)[0]
        p += 6
    else:
        raise ValueError('invalid msgpack byte 0x%02x' % b)
    e = p + n
    if e > len(mv):
        raise _Truncated('truncated ext')
    return hook(code, mv[p:e]), e


def _dec_map(mv, p, n, hook):
    if n > len(mv) - p:
        raise _Truncated('truncated map')
    d = {}
    for _ in range(n):
        k, p = _dec(mv, p, hook)
        v, p = _dec(mv, p, hook)
        d[k] = v
    return d, p


def _plain_ext_hook(code, data):
    raise ValueError('unknown extension type %d' % code)


def unpackb(data, ext_hook=_plain_ext_hook):
    """Decode exactly one value (pure Python)."""
    mv = memoryview(data)
    if mv.format != 'B':
        mv = mv.cast('B')
    try:
        v, p = _dec(mv, 0, ext_hook)
    except (IndexError, struct.error):
        raise ValueError('truncated msgpack data')
    if p != len(mv):
        raise ValueError('extra data after msgpack value')
    return v


# ---- the optional C codec -----------------------------------------------------------------------

_cmsgpack = None
if os.environ.get('REMOTE_EXEC_PURE') != '1':
    try:
        import msgpack as _cmsgpack
        if tuple(getattr(_cmsgpack, 'version', (0,))[:1]) < (1,):
            _cmsgpack = None
    except Exception:
        _cmsgpack = None


def _c_safe(o, depth=0):
    """True when the C packer produces the wire semantics for o: no dict with a non-str key (which
    must become ext 6) and no big binary (which the pure path writes without copying)."""
    t = type(o)
    if t is str or t is int or t is float or o is None or t is bool:
        return True
    if t is bytes or t is bytearray:
        return len(o) < BIG_BIN
    if depth > 100:
        return False
    if t is list or t is tuple:
        d = depth + 1
        for x in o:
            tx = type(x)
            if tx is int or tx is str or tx is float:
                continue
            if not _c_safe(x, d):
                return False
        return True
    if t is dict:
        d = depth + 1
        for k, v in o.items():
            if type(k) is not str:
                return False
            tv = type(v)
            if tv is int or tv is str or tv is float:
                continue
            if not _c_safe(v, d):
                return False
        return True
    if t is memoryview:
        return o.nbytes < BIG_BIN
    if t is _Shaped:
        return _c_safe(o.value, depth + 1)
    if isinstance(o, dict):
        return _c_safe(dict(o), depth + 1)
    if isinstance(o, (list, tuple)):
        return _c_safe(list(o), depth + 1)
    return True


_bytes_maker_fn = False


def _bytes_maker():
    """On CPython: a function n -> (new bytes object of length n, writable memoryview of its
    contents), used to read big payloads without a copy; None elsewhere."""
    global _bytes_maker_fn
    if _bytes_maker_fn is False:
        _bytes_maker_fn = None
        try:
            if sys.implementation.name != 'cpython':
                raise ImportError
            import ctypes
            f = ctypes.pythonapi.PyBytes_FromStringAndSize
            f.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t]
            f.restype = ctypes.py_object
            off = bytes.__basicsize__ - 1      # offsetof(PyBytesObject, ob_sval)

            def make(n):
                obj = f(None, n)
                arr = (ctypes.c_char * n).from_address(id(obj) + off)
                return obj, memoryview(arr).cast('B')
            o, v = make(5)
            v[:] = b'hello'
            v.release()
            if o != b'hello' or hash(o) != hash(b'hello'):
                raise ValueError
            _bytes_maker_fn = make
        except Exception:
            _bytes_maker_fn = None
    return _bytes_maker_fn


# ---------------------------------------------------------------------------------------------
# channels (execnet's remote API)

NO_ENDMARKER = object()
_END = object()         # queued when the remote end closes; receive() re-queues it and raises


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

    def __repr__(self):
        flag = 'closed' if self._closed else ('sendonly' if self._receiveclosed else 'open')
        return '<Channel id=%d %s>' % (self.id, flag)

    def __del__(self):
        gw = getattr(self, '_gw', None)
        if gw is None or self._closed or self._receiveclosed:
            return
        try:
            gw._defer_last_message(self.id)
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
        """Send an item to the other side (raises IOError on a closed channel)."""
        if self._closed:
            raise IOError('cannot send to %r' % (self,))
        task = getattr(_tls, 'task', None)
        if task is None:
            self._gw._send_msg(DATA, self.id, item)
            return
        task.enter()
        try:
            self._gw._send_msg(DATA, self.id, item)
        finally:
            task.leave()

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
            self._items.clear()
            self._callback = callback
            self._endmarker = endmarker
            gw._cb_channels[self.id] = self
            for it in items:
                gw._cb_put(self, it)
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
_NOMATCH = object()


# ---------------------------------------------------------------------------------------------
# tasks and the worker pool

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


class _Task(object):
    """One running exec or object request.  enter()/leave() bracket the agent's own code, during
    which INTERRUPT sets a flag instead of raising asynchronously (so no frame is torn)."""
    __slots__ = ('tid', 'chid', 'lock', 'in_op', 'pending', 'interrupted', 'done', 'waiting_on',
                 'is_exec')

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
                _set_async_exc(self.tid, KeyboardInterrupt)


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


# ---------------------------------------------------------------------------------------------
# stdout / stderr

class _StreamWriter(io.TextIOBase):
    """sys.stdout / sys.stderr: text goes to the host as STDOUT/STDERR tagged with the channel of
    the task writing it.  Partial lines are kept briefly (flushed at newline, flush(), task end,
    or after 50 ms by the auxiliary thread)."""

    def __init__(self, gw, code, fd, name):
        io.TextIOBase.__init__(self)
        self._gw = gw
        self._code = code
        self._fd = fd
        self._name = name
        self._bufs = {}
        self._lock = threading.Lock()
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
        if not s:
            return 0
        task = getattr(_tls, 'task', None)
        chid = task.chid if task is not None and task.chid is not None else 0
        with self._lock:
            lst = self._bufs.get(chid)
            if lst is None:
                if '\n' not in s and len(s) < 8192:
                    self._bufs[chid] = [s]
                    self._gw._aux_wake_flush()
                    return len(s)
                data = s
            else:
                lst.append(s)
                if '\n' not in s and len(lst) < 1000:
                    return len(s)
                del self._bufs[chid]
                data = ''.join(lst)
        self._emit(chid, data.encode('utf-8', 'surrogateescape'), task)
        return len(s)

    def _emit(self, chid, data, task):
        if task is not None:
            try:
                task.enter()
            except KeyboardInterrupt:
                self._gw._send_msg_quiet(self._code, chid, data)
                raise
            try:
                self._gw._send_msg_quiet(self._code, chid, data)
            finally:
                task.leave()
        else:
            self._gw._send_msg_quiet(self._code, chid, data)

    def write_bytes(self, b):
        task = getattr(_tls, 'task', None)
        chid = task.chid if task is not None and task.chid is not None else 0
        self._flush_chid(chid, task)
        self._emit(chid, bytes(b), task)
        return len(b)

    def _flush_chid(self, chid, task):
        with self._lock:
            lst = self._bufs.pop(chid, None)
        if lst:
            self._emit(chid, ''.join(lst).encode('utf-8', 'surrogateescape'), task)

    def flush(self):
        task = getattr(_tls, 'task', None)
        chid = task.chid if task is not None and task.chid is not None else 0
        self._flush_chid(chid, task)

    def flush_all(self):
        with self._lock:
            bufs = self._bufs
            self._bufs = {}
        for chid, lst in bufs.items():
            self._gw._send_msg_quiet(self._code, chid, ''.join(lst).encode('utf-8', 'surrogateescape'))

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
# logging

class _LogHandler(logging.Handler):
    def __init__(self, gw, level):
        logging.Handler.__init__(self, level)
        self._gw = gw

    def emit(self, record):
        try:
            msg = record.getMessage()
            exc_text = None
            if record.exc_info:
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
            self._gw._log_put(rec)
        except Exception:
            pass


# ---------------------------------------------------------------------------------------------
# the gateway

class Gateway(object):

    def __init__(self, in_fd, out_fd, maxframe, debug_fd):
        self.in_fd = in_fd
        self.out_fd = out_fd
        self.maxframe = maxframe
        self.peer_maxframe = DEFAULT_MAXFRAME
        self.start = _mono()
        self.view = GatewayView(self)
        self._debug_fd = debug_fd
        # reader state (only the leader touches it)
        self._rbuf = bytearray(RBUF_SIZE)
        self._rmv = memoryview(self._rbuf)
        self._rstart = 0
        self._rend = 0
        self._bigbuf = None
        self._poll = None
        # leader/follower
        self._lock = threading.Lock()
        self._leader = None
        self._followers = collections.deque()
        self._bgcond = threading.Condition(self._lock)
        self._bg_sleeping = False
        self._last_release = 0.0
        self._lead_since = 0.0
        self._eof = False
        self._stopping = False
        # writer
        self._wlock = threading.Lock()
        self._wcond = threading.Condition(self._wlock)
        self._writing = False
        self._wq = []
        self._wqbytes = 0
        self._wwaiters = 0
        self._broken = False
        # counters
        self.msgs_in = 0
        self.msgs_out = 0
        self.bytes_in = 0
        self.bytes_out = 0
        # channels
        self._channels = {}         # id -> weakref to Channel
        self._early = {}            # id -> items that arrived before the channel object existed
        self._nearly = 0
        self._cb_channels = {}
        self._cbq = None
        self._next_chid = 2
        self._chid_lock = threading.Lock()
        # tasks
        self._pool = _Pool(MAX_WORKERS, self._aux_wake)
        self._tasks = set()
        self._exec_tasks = {}
        self._tasks_lock = threading.Lock()
        self.numexecuting = 0
        # objects
        self._olock = threading.Lock()
        self._objs = {}             # id -> [obj, count]
        self._byaddr = {}           # id(obj) -> object id
        self._next_oid = 1
        self._session_ns = {'__name__': '__main__', '__builtins__': builtins, '__doc__': None}
        self._session_n = 0
        # callbacks to the host
        self._slots = {}
        self._next_rid = 1
        # aux: logs, deferred messages, stdio
        self._logq = collections.deque()
        self._log_dropped = 0
        self._deferred = collections.deque()
        self._aux_signaled = False
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        os.set_blocking(self._wake_r, False)
        self._stdout = None
        self._stderr = None
        self._pipe_fds = []
        self._handlers = self._make_handlers()
        self._packer = None
        if _cmsgpack is not None:
            self._c_strict_default = self._c_adapter(self._hook_strict)
            self._c_ref_default = self._c_adapter(self._hook_ref)

    # ---- tracing ----------------------------------------------------------------------------

    def _trace(self, direction, t, cid, payload):
        try:
            r = _bounded_repr(payload, 200)
            line = '%.6f %s %s %d %s %s\n' % (_mono() - self.start, threading.current_thread().name,
                                              direction, cid, MSG_NAMES.get(t, t), r)
            os.write(self._debug_fd, line.encode('utf-8', 'replace'))
        except Exception:
            pass

    # ---- encoding ---------------------------------------------------------------------------

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

    def _ref_ext(self, obj):
        oid = self._export(obj)
        try:
            cal = callable(obj)
        except Exception:
            cal = False
        return Ext(EXT_OBJECT, packb([oid, _typename(obj), bool(cal)]))

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

    def _send_msg(self, t, cid, payload, ref_mode=False):
        chunks, n = self._encode_msg(t, cid, payload, ref_mode)
        if self._debug_fd is not None:
            self._trace('>', t, cid, payload)
        self._write(chunks, n)

    def _send_msg_quiet(self, t, cid, payload, ref_mode=False):
        try:
            self._send_msg(t, cid, payload, ref_mode)
        except Exception:
            pass

    # ---- writing ----------------------------------------------------------------------------

    def _write(self, chunks, n):
        """Write one frame; frames produced while another thread writes are coalesced into its
        next writev.  Raises IOError when the host is gone."""
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
        self._writing = True
        wl.release()
        try:
            self._write_all(chunks)
            while True:
                wl.acquire()
                if not self._wq:
                    self._writing = False
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

    # ---- reading ----------------------------------------------------------------------------

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
                    return self._decode(self._rmv[s + 4:s + 4 + n])
                if n + 4 > len(buf):
                    return self._read_big(n)
            if avail == 0:
                s = e = self._rstart = self._rend = 0
            elif len(buf) - e < 65536:
                buf[0:avail] = buf[s:e]
                s = self._rstart = 0
                e = self._rend = avail
            if deadline is not None:
                if self._poll is None:
                    self._poll = select.poll()
                    self._poll.register(self.in_fd, select.POLLIN | select.POLLHUP | select.POLLERR)
                r = deadline - _mono()
                if r <= 0 or not self._poll.poll(int(r * 1000) + 1):
                    if deadline - _mono() <= 0:
                        return None
                    continue
            k = os.readv(self.in_fd, [self._rmv[e:]])
            if k == 0:
                raise _EOF()
            self._rend = e + k

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
            if type(t) is not int or type(cid) is not int or t < 0 or cid < 0:
                raise ValueError('message type and id must be unsigned integers')
        except ProtocolError:
            raise
        except Exception as e:
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
        raise ValueError('unknown extension type %d' % code)

    def _unpack(self, data):
        if _cmsgpack is not None:
            return _cmsgpack.unpackb(data, ext_hook=self._ext_hook, raw=False, strict_map_key=False)
        return unpackb(data, self._ext_hook)

    # ---- leader / follower ------------------------------------------------------------------

    def _wait(self, obj, ready, timeout, task):
        """Block until ready() is true (or the timeout passed: False).  The caller becomes the
        reader when nobody reads; otherwise it sleeps on obj._cond until woken."""
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
        try:
            while True:
                msg = self._read_msg(deadline)
                if msg is None:
                    return None
                self._dispatch(msg)
                if ready():
                    while self._has_frame() and not self._stopping:
                        self._dispatch(self._read_msg(None))
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

    def _bg_loop(self):
        """The main thread: reads when no task does."""
        lock = self._lock
        followers = self._followers
        while True:
            lock.acquire()
            try:
                while True:
                    if self._eof or self._stopping:
                        return
                    if self._leader is None and not followers:
                        if self._has_frame():
                            break
                        wait = self._last_release + BG_GRACE - _mono()
                        if wait <= 0:
                            break
                        self._bgcond.wait(wait)
                    elif self._leader is not None and _mono() - self._lead_since < BG_WATCH_IDLE:
                        # a task reads actively: watch without asking to be woken at every release
                        self._bgcond.wait(BG_WATCH)
                    else:
                        self._bg_sleeping = True
                        self._bgcond.wait()
                        self._bg_sleeping = False
                self._leader = 'bg'
                self._lead_since = _mono()
            finally:
                lock.release()
            try:
                self._lead(followers.__len__, None, None)
            finally:
                with lock:
                    self._leader = None
                    if followers:
                        # a task wants to read: leave the stream to it for a while
                        self._last_release = _mono()
                        followers[0]._cond.notify()

    def _on_eof(self, error):
        """The input ended (or broke): stop, wake every waiter, and let the main thread exit."""
        if error is not None:
            self._send_msg_quiet(ERROR, 0, error)
        with self._lock:
            if self._eof:
                return
            self._eof = True
            self._eof_error = error
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
            for slot in list(self._slots.values()):
                slot.error = RemoteError('the connection to the host is closed', 'EOFError',
                                         'the connection to the host is closed')
                slot.done = True
                slot._cond.notify_all()
            self._slots.clear()
            self._bgcond.notify_all()

    # ---- dispatch ---------------------------------------------------------------------------

    def _make_handlers(self):
        h = [None] * 25
        h[HELLO] = self._h_hello
        h[EXEC] = self._h_exec
        h[DATA] = self._h_data
        h[CLOSE] = self._h_close
        h[CLOSE_ERROR] = self._h_close_error
        h[LAST_MESSAGE] = self._h_last_message
        h[STATUS] = self._h_status
        h[TERMINATE] = self._h_terminate
        h[INTERRUPT] = self._h_interrupt
        h[ERROR] = self._h_error
        h[OBJECT] = self._h_object
        h[REPLY] = self._h_reply
        h[REPLY_ERROR] = self._h_reply_error
        h[RELEASE] = self._h_release
        for code in (STDOUT, STDERR, LOG, CALLBACK):
            h[code] = self._h_wrong_direction
        return h

    def _dispatch(self, msg):
        t, cid, payload = msg
        if self._debug_fd is not None:
            self._trace('<', t, cid, payload)
        h = self._handlers[t] if t < 25 else None
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

    def _h_wrong_direction(self, cid, payload):
        raise ValueError('this message type is only sent by agents')

    def _h_hello(self, cid, payload):
        pass    # a repeated HELLO is ignored

    def _h_error(self, cid, payload):
        if self._debug_fd is not None:
            self._trace('!', ERROR, cid, payload)

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
            for it in early:
                self._deliver(ch, it)

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

    def _deliver(self, ch, item):
        # with self._lock held
        if ch._callback is not None:
            self._cb_put(ch, item)
            return
        ch._items.append(item)
        if ch._waiters:
            ch._cond.notify()

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
                    self._early.setdefault(cid, []).append(item)
                    return
            ch._items.append(item) if ch._callback is None else self._cb_put(ch, item)
            if ch._waiters:
                ch._cond.notify()

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
                    self._early[cid].append(_END)
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

    def _defer_last_message(self, cid):
        self._deferred.append(cid)
        self._aux_wake()

    # channel callbacks run in order on one thread

    def _cb_put(self, ch, item):
        q = self._cbq
        if q is None:
            import queue
            q = self._cbq = queue.SimpleQueue()
            t = threading.Thread(target=self._cb_loop, name='remote-exec-callbacks')
            t.daemon = True
            t.start()
        q.put((ch, item))

    def _cb_loop(self):
        q = self._cbq
        while True:
            ch, item = q.get()
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
        self._pool.submit(self._run_exec, (ch, payload), True)

    def _run_exec(self, ch, payload):
        task = _Task(ch.id, True)
        _tls.task = task
        with self._tasks_lock:
            self._tasks.add(task)
            self._exec_tasks[ch.id] = task
            self.numexecuting += 1
        source = payload['source']
        session = bool(payload.get('session'))
        err = None
        filename = payload.get('name')
        ns = None
        try:
            try:
                if session:
                    self._session_n += 1
                    if not isinstance(filename, str) or not filename:
                        filename = '<session-%d>' % self._session_n
                    self._register_source(filename, source)
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
                        task.enter()
                        try:
                            self._send_msg(DATA, ch.id, {'value': self._apply_rule(value, 'auto')},
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
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)

    def _flush_stdio(self, chid):
        for w in (self._stdout, self._stderr):
            if w is not None:
                try:
                    w._flush_chid(chid, None)
                except Exception:
                    pass

    # process-wide

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
            'execqsize': self._pool.execq,
            'numobjects': numobjects,
            'nextid': nextid,
            'pid': os.getpid(),
            'uptime': _mono() - self.start,
            'msgsIn': self.msgs_in,
            'msgsOut': self.msgs_out,
            'bytesIn': self.bytes_in,
            'bytesOut': self.bytes_out,
            'numthreads': threading.active_count(),
            'codec': 'c' if _cmsgpack is not None else 'pure',
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
        for t in tasks:
            t.interrupt(self)

    # objects

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
        a = step[1:]
        if cur is _ROOT:
            if op == 'import':
                return importlib.import_module(a[0])
            if op == 'getattr':
                name = a[0]
                if name in self._session_ns:
                    return self._session_ns[name]
                try:
                    return getattr(builtins, name)
                except AttributeError:
                    raise NameError('name %r is not defined' % (name,))
            if op == 'setattr':
                self._session_ns[a[0]] = a[1]
                return None
            if op == 'delattr':
                del self._session_ns[a[0]]
                return None
            if op == 'list':
                return _Shaped(self._list_objects())
            if op == 'namespace':
                ns = {}
                for k, v in list(self._session_ns.items()):
                    if k == '__builtins__':
                        continue
                    ns[k] = v if _is_plain(v) else _RefOf(v)
                return _Shaped(ns)
            if op == 'statement_at':
                return _Shaped(statement_at(a[0], a[1]))
            if op == 'repr':
                return '<remote-exec agent root>'
            raise ValueError('step %r needs a target object' % (op,))
        if op == 'getattr':
            return getattr(cur, a[0])
        if op == 'call':
            args = a[0] if len(a) > 0 and a[0] is not None else ()
            kwargs = a[1] if len(a) > 1 and a[1] is not None else {}
            return cur(*args, **kwargs)
        if op == 'getitem':
            return cur[a[0]]
        if op == 'setitem':
            cur[a[0]] = a[1]
            return None
        if op == 'setattr':
            setattr(cur, a[0], a[1])
            return None
        if op == 'delattr':
            delattr(cur, a[0])
            return None
        if op == 'delitem':
            del cur[a[0]]
            return None
        if op == 'eq':
            return bool(cur == a[0])
        if op == 'repr':
            return _bounded_repr(cur)
        if op == 'iter':
            it = iter(cur)
            items, done = self._take(it, a[0] if a else 100, rtype)
            return _Shaped([_RefOf(it), items, done])
        if op == 'next':
            items, done = self._take(cur, a[0] if a else 100, rtype)
            return _Shaped([items, done])
        if op == 'inspect':
            return _Shaped(self._inspect(cur, a[0] if a else 0, a[1] if len(a) > 1 else 100))
        if op == 'import':
            return importlib.import_module(a[0])
        if op == 'str':
            return str(cur)
        if op == 'len':
            return len(cur)
        raise ValueError('unknown step %r' % (op,))

    def _take(self, it, batch, rtype):
        items = []
        done = False
        nxt = getattr(it, '__next__', None)
        if nxt is None:
            raise TypeError('%s object is not an iterator' % _typename(it))
        for _ in range(max(1, int(batch))):
            try:
                x = nxt()
            except StopIteration:
                done = True
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
        out = {'id': oid, 'type': _typename(obj), 'repr': _bounded_repr(obj, 200), 'callable': cal}
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
                attrs.append([n, _typename(v), _bounded_repr(v, 80)])
            except Exception as e:
                attrs.append([n, '<error>', _bounded_repr(_safe_str(e), 80)])
        out['attrs'] = attrs
        out['total'] = len(names)
        return out

    def _list_objects(self):
        with self._olock:
            items = sorted(self._objs.items())
        return [[oid, _typename(ent[0]), _bounded_repr(ent[0], 200)] for oid, ent in items]

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

    # ---- auxiliary thread: fd 1/2 output, logs, deferred messages -------------------------

    def _aux_wake(self):
        if not self._aux_signaled:
            self._aux_signaled = True
            try:
                os.write(self._wake_w, b'x')
            except OSError:
                pass

    def _aux_wake_flush(self):
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
        rec = {'time': time.time(), 'level': level, 'levelname': logging.getLevelName(level),
               'logger': logger, 'thread': threading.current_thread().name, 'message': message,
               'kind': kind}
        if exc_text:
            rec['exc_text'] = exc_text
        self._log_put(rec)

    def _log_exception(self, e, message):
        self._log_record(40, 'remote-exec', '%s: %s: %s' % (message, _typename(e), _safe_str(e)),
                         _format_exc(e), 'exception')

    def _aux_drain(self):
        while self._deferred:
            cid = self._deferred.popleft()
            self._send_msg_quiet(LAST_MESSAGE, cid, None)
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
        watch_pool = False
        while True:
            timeout = None
            if flush_at is not None:
                timeout = max(0, int((flush_at - _mono()) * 1000))
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
                    self._send_msg_quiet(fds[fd], 0, data)
                else:
                    poller.unregister(fd)
            self._aux_drain()
            watch_pool = self._pool.stalled()
            pending = (self._stdout is not None and self._stdout.has_pending()) or \
                      (self._stderr is not None and self._stderr.has_pending())
            if pending:
                if flush_at is None:
                    flush_at = _mono() + 0.05
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

    def _shutdown(self, code):
        """Flush what the host should still see, then exit (a watchdog bounds the time)."""
        self._stopping = True
        t = threading.Thread(target=self._watchdog, args=(code,))
        t.daemon = True
        t.start()
        try:
            for w in (self._stdout, self._stderr):
                if w is not None:
                    w.flush_all()
            self._drain_pipes()
            self._aux_drain()
            self._wait_writes(1.0)
        finally:
            os._exit(code)

    def _watchdog(self, code):
        time.sleep(1.5)
        os._exit(code)

    # ---- startup ----------------------------------------------------------------------------

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
        }

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
            if proto != PROTOCOL_VERSION:
                raise ProtocolError('protocol version mismatch: agent speaks %d, host %r'
                                    % (PROTOCOL_VERSION, proto))
            mf = payload.get('maxFrame')
            if type(mf) is int and mf > 0:
                self.peer_maxframe = mf
            level = payload.get('logLevel')
            return early, (level if type(level) is int else None)


# sys.implementation names as platform.python_implementation() spells them (without importing platform).
_IMPLEMENTATIONS = {'cpython': 'CPython', 'pypy': 'PyPy', 'ironpython': 'IronPython', 'jython': 'Jython', 'graalpy': 'GraalVM'}


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


# ---------------------------------------------------------------------------------------------
# process setup

def _set_pipe_size(fd, size):
    try:
        import fcntl
        import stat
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            fcntl.fcntl(fd, 1031, size)     # F_SETPIPE_SZ
    except Exception:
        pass


def _install_hooks(gw, level):
    root = logging.getLogger()
    handler = _LogHandler(gw, level)
    root.addHandler(handler)
    if level < root.level or root.level == logging.NOTSET:
        root.setLevel(level)
    gw._loghandler = handler

    def excepthook(tp, value, tb):
        try:
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


def main():
    env = os.environ
    try:
        maxframe = int(env.pop('REMOTE_EXEC_MAXFRAME', '') or DEFAULT_MAXFRAME)
    except ValueError:
        maxframe = DEFAULT_MAXFRAME
    debug = env.pop('REMOTE_EXEC_DEBUG', '') or ''
    env.pop('REMOTE_EXEC_PURE', None)

    # take the protocol off the standard descriptors (section 1)
    in_fd = os.dup(0)
    out_fd = os.dup(1)
    debug_fd = None
    if debug == '2':
        debug_fd = os.dup(2)
    elif debug == '1':
        import tempfile
        path = os.path.join(tempfile.gettempdir(), 'remote-exec-debug-%d' % os.getpid())
        debug_fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    r1, w1 = os.pipe()
    r2, w2 = os.pipe()
    os.dup2(w1, 1)
    os.dup2(w2, 2)
    os.close(w1)
    os.close(w2)
    _set_pipe_size(in_fd, 1 << 20)
    _set_pipe_size(out_fd, 1 << 20)

    gw = Gateway(in_fd, out_fd, maxframe, debug_fd)
    gw._pipe_fds = [(r1, STDOUT), (r2, STDERR)]
    try:
        sys.stdin = open(os.devnull, 'r')
    except Exception:
        pass
    gw._stdout = _StreamWriter(gw, STDOUT, 1, '<stdout>')
    gw._stderr = _StreamWriter(gw, STDERR, 2, '<stderr>')
    sys.stdout = gw._stdout
    sys.stderr = gw._stderr
    try:
        import signal
        signal.signal(signal.SIGINT, lambda *a: None)
    except Exception:
        pass

    try:
        early, level = gw.handshake()
    except ProtocolError as e:
        gw._send_msg_quiet(ERROR, 0, str(e))
        gw._wait_writes(1.0)
        os._exit(1)
    except (_EOF, OSError):
        os._exit(0)
    _install_hooks(gw, level if level is not None else 30)
    aux = threading.Thread(target=gw._aux_loop, name='remote-exec-aux')
    aux.daemon = True
    aux.start()
    try:
        for msg in early:
            gw._dispatch(msg)
        gw._bg_loop()
    except ProtocolError as e:
        gw._on_eof(str(e))
    except BaseException as e:
        gw._send_msg_quiet(ERROR, 0, 'agent failure: %s: %s' % (type(e).__name__, _safe_str(e)))
    gw._shutdown(0)


if __name__ == '__main__':
    main()
