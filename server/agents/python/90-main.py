# The gateway put together from its parts, and the start of the agent process.
#
# Threads: the main thread runs the exec tasks that must own it (session runs, execmodel=
# main_thread_only); a reader thread reads the stream when no task does; other exec tasks and object
# requests run on a pool of reusable worker threads; one auxiliary thread forwards fd 1/2 output, log records and deferred
# LAST_MESSAGEs; one more thread (started lazily) runs channel callbacks in order.


class Gateway(_FramedIO, _ChannelsAndExec, _ObjectRequests, _Tables, _RichDisplay, _InputRequests, _ProcessServices):
    """The agent's end of one gateway."""

    def __init__(self, in_fd, out_fd, maxframe, debug_fd):
        self.start = _mono()
        self._init_io(in_fd, out_fd, maxframe, debug_fd)
        self._init_channels()
        self._init_objects()
        self._init_tables()
        self._init_display()
        self._init_services()


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
    gw._stdout.other = gw._stderr
    gw._stderr.other = gw._stdout
    sys.stdout = gw._stdout
    sys.stderr = gw._stderr
    try:
        import signal
        signal.signal(signal.SIGINT, _on_sigint)
    except Exception:
        pass

    try:
        early, level = gw.handshake()
    except ProtocolError as e:
        gw._send_msg_quiet(ERROR, 0, str(e))
        gw._wait_writes(1.0)
        # section 2: 1 for a version this agent does not speak, 0 for a bad frame
        os._exit(1 if isinstance(e, VersionError) else 0)
    except (_EOF, OSError):
        os._exit(0)
    _install_hooks(gw, level if level is not None else 30)
    gw._install_input()
    aux = threading.Thread(target=gw._aux_loop, name='remote-exec-aux')
    aux.daemon = True
    aux.start()
    # the stream is read on a thread of its own; the main thread runs the exec jobs that need it
    gw._start_reader('remote-exec-reader', early, True)
    gw._main.run()


if __name__ == '__main__':
    main()
