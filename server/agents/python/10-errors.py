# Errors (execnet's names) and the formatting of exceptions and reprs sent to the host.

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


class VersionError(ProtocolError):
    """The host speaks no protocol version this agent speaks (exit code 1, section 2)."""


_U64 = 1 << 64


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


_TB_HEADER = 'Traceback (most recent call last):\n'


def _format_exc(e, keep_agent=False):
    """Format an exception like the interpreter would, without the agent's own frames."""
    import traceback
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
        text = ''.join(te.format())
        # A compile error raised by the agent's own compile() has no user frame left, and Python then
        # prints no header: hosts find the traceback by it, as execnet's always has one.
        if not text.startswith(_TB_HEADER):
            text = _TB_HEADER + text
        return text
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
