# The msgpack codec with the extension types of PROTOCOL.md section 6: pure Python, and the C
# `msgpack` package when it can be imported (the pure codec decides what the C one may encode).

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


_FIXINTS = [bytes((i,)) for i in range(0x80)]


def _scalar_bytes(obj):
    """The encoding of an int, None, a bool, a float or a str of under 256 characters, as _pack
    writes it; else None."""
    t = type(obj)
    if t is int:
        if 0 <= obj < 0x80:
            return _FIXINTS[obj]
        buf = bytearray()
        _pack_int(obj, buf)
        return buf
    if obj is None:
        return b'\xc0'
    if t is bool:
        return b'\xc3' if obj else b'\xc2'
    if t is float:
        return _p_f64(0xcb, obj)
    if t is str and len(obj) < 256:
        buf = bytearray()
        _pack_str(obj, buf)
        return buf
    return None


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


def _plain_keys(d):
    """True when d travels as a msgpack map: str keys only, and none that a JavaScript host cannot
    hold in a plain object (`__proto__`); otherwise it travels as ext 6 (a Map there)."""
    for k in d:
        if type(k) is not str:
            return False
    return '__proto__' not in d


def _pack_dict(obj, buf, splices, default, depth):
    if _plain_keys(obj):
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


def _ext_v2(o, packb_hook, hook):
    """The version-2 ext value of a set, frozenset or complex (section 6), or None."""
    if isinstance(o, frozenset):
        return Ext(EXT_FROZENSET, packb_hook(list(o), hook))
    if isinstance(o, set):
        return Ext(EXT_SET, packb_hook(list(o), hook))
    if isinstance(o, complex):
        return Ext(EXT_COMPLEX, b'\x92' + _p_f64(0xcb, o.real) + _p_f64(0xcb, o.imag))
    return None


def _build_v2(code, body):
    """A set, frozenset or complex from its ext body."""
    if code == EXT_COMPLEX:
        if type(body) is not list or len(body) != 2:
            raise ValueError('a COMPLEX is [real, imag]')
        return complex(body[0], body[1])
    if type(body) is not list:
        raise ValueError('a SET or FROZENSET is an array of items')
    return set(body) if code == EXT_SET else frozenset(body)


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


_FIXED_SIZE = {0xcc: 2, 0xcd: 3, 0xce: 5, 0xcf: 9, 0xd0: 2, 0xd1: 3, 0xd2: 5, 0xd3: 9, 0xca: 5, 0xcb: 9}


def _skip(mv, p):
    """The end of the msgpack value at p, found without building anything; ValueError when the bytes
    are not msgpack (ext bodies are not looked into)."""
    n = 1
    end = len(mv)
    while n:
        n -= 1
        b = mv[p]
        if b < 0x80 or b >= 0xe0 or b == 0xc0 or b == 0xc2 or b == 0xc3:
            p += 1
        elif b >= 0xa0 and b <= 0xbf:
            p += 1 + (b & 0x1f)
        elif b >= 0x90 and b <= 0x9f:
            p += 1
            n += b & 0x0f
        elif b <= 0x8f:
            p += 1
            n += 2 * (b & 0x0f)
        elif b in _FIXED_SIZE:
            p += _FIXED_SIZE[b]
        elif b == 0xd9 or b == 0xc4:
            p += 2 + mv[p + 1]
        elif b == 0xda or b == 0xc5:
            p += 3 + _u16(mv, p + 1)[0]
        elif b == 0xdb or b == 0xc6:
            p += 5 + _u32(mv, p + 1)[0]
        elif b == 0xdc or b == 0xde:
            n += _u16(mv, p + 1)[0] * (1 if b == 0xdc else 2)
            p += 3
        elif b == 0xdd or b == 0xdf:
            n += _u32(mv, p + 1)[0] * (1 if b == 0xdd else 2)
            p += 5
        elif 0xd4 <= b <= 0xd8:
            p += 2 + (1 << (b - 0xd4))
        elif b == 0xc7:
            p += 3 + mv[p + 1]
        elif b == 0xc8:
            p += 4 + _u16(mv, p + 1)[0]
        elif b == 0xc9:
            p += 6 + _u32(mv, p + 1)[0]
        else:
            raise ValueError('invalid msgpack byte 0x%02x' % b)
        if p > end:
            raise ValueError('truncated msgpack data')
    return p


class _Unbuilt(object):
    """The payload of a well-formed message that this agent cannot build (a list as a dict key, a
    set of dicts): only that message fails (section 6)."""
    __slots__ = ('reason',)

    def __init__(self, reason):
        self.reason = reason


def _unbuilt_message(mv, err):
    """(type, id, _Unbuilt) when mv is a well-formed message whose payload failed to build with err;
    None when the bytes themselves are not a message (a protocol error)."""
    try:
        if len(mv) < 3 or mv[0] != 0x93:
            return None
        t, p = _dec(mv, 1, _plain_ext_hook)
        cid, p = _dec(mv, p, _plain_ext_hook)
        if type(t) is not int or type(cid) is not int or not 0 <= t < _U64 or not 0 <= cid < _U64:
            return None
        if _skip(mv, p) != len(mv):
            return None
    except Exception:
        return None
    return t, cid, _Unbuilt('%s: %s' % (type(err).__name__, _safe_str(err)))


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
        if '__proto__' in o:
            return False
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
