# Input (INPUT, section 5, protocol version 2): input(), getpass.getpass() and reads of sys.stdin ask
# the host for a line, which the user types (the host answers EOFError when nobody can); with a
# version-1 host standard input stays at end-of-file.


class _StdinReader(io.TextIOBase):
    """sys.stdin: each line read is one INPUT request; EOFError from the host is end-of-file."""

    def __init__(self, gw):
        io.TextIOBase.__init__(self)
        self._gw = gw
        self.buffer = _StdinBuffer(self)

    @property
    def encoding(self):
        return 'utf-8'

    @property
    def name(self):
        return '<stdin>'

    def readable(self):
        return True

    def isatty(self):
        return False

    def fileno(self):
        return 0        # fd 0 is /dev/null (section 1): child processes inherit nothing to read

    def readline(self, size=-1):
        try:
            line = self._gw._request_input('', False) + '\n'
        except EOFError:
            return ''
        return line if size is None or size < 0 else line[:size]

    def read(self, size=-1):
        parts = []
        n = 0
        while size is None or size < 0 or n < size:
            line = self.readline()
            if not line:
                break
            parts.append(line)
            n += len(line)
        text = ''.join(parts)
        return text if size is None or size < 0 else text[:size]

    def readlines(self, hint=-1):
        return list(iter(self.readline, ''))

    def __iter__(self):
        return iter(self.readline, '')

    def close(self):
        pass


class _StdinBuffer(object):
    """sys.stdin.buffer: the same lines, as bytes."""

    def __init__(self, reader):
        self._reader = reader

    def readline(self, size=-1):
        return self._reader.readline(size).encode('utf-8', 'surrogateescape')

    def read(self, size=-1):
        return self._reader.read(size).encode('utf-8', 'surrogateescape')

    def fileno(self):
        return 0

    def isatty(self):
        return False

    def readable(self):
        return True


class _InputRequests(object):
    """The Gateway's INPUT requests, and the input functions that make them."""

    def _install_input(self):
        """With a host that speaks version 2: sys.stdin, input() and getpass() ask it for lines."""
        if self.protocol < 2:
            return
        reader = self._stdin_reader = _StdinReader(self)
        sys.stdin = reader
        original_input = builtins.input
        gw = self

        def input(prompt=''):
            # code that replaced sys.stdin reads from its own stream, as with the builtin
            if sys.stdin is not reader:
                return original_input(prompt)
            prompt = str(prompt)
            line = gw._request_input(prompt, False)
            # the transcript shows the question and its answer, as a terminal would
            sys.stdout.write(prompt + line + '\n')
            return line
        builtins.input = input

        import getpass
        original_getpass = getpass.getpass

        def getpass_(prompt='Password: ', stream=None):
            if sys.stdin is not reader:
                return original_getpass(prompt, stream)
            line = gw._request_input(str(prompt), True)
            sys.stdout.write(str(prompt) + '\n')
            return line
        getpass.getpass = getpass_

    def _request_input(self, prompt, password):
        """Asks the host for a line: INPUT, then wait for its REPLY (the line) or REPLY_ERROR (EOFError).
        The wait is interruptible like a receive."""
        if self._eof:
            raise EOFError('EOF when reading a line')
        task = getattr(_tls, 'task', None)
        chid = task.chid if task is not None and task.chid is not None else 0
        self._flush_stdio(chid)     # a prompt printed before is shown before the question
        if task is not None:
            task.enter()
        try:
            slot = _Slot(self._lock)
            with self._lock:
                rid = self._next_rid
                self._next_rid += 1
                self._slots[rid] = slot
            try:
                self._send_msg(INPUT, rid, {'prompt': prompt, 'password': bool(password), 'channel': chid})
                self._wait(slot, lambda: slot.done, None, task)
            except BaseException:
                with self._lock:
                    self._slots.pop(rid, None)
                raise
        finally:
            if task is not None:
                task.leave()
        if slot.error is not None:
            raise EOFError(getattr(slot.error, 'message', None) or 'EOF when reading a line')
        value = slot.value
        return value if isinstance(value, str) else ''
