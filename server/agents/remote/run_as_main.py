"""`remote-exec exec FILE ARGS`: runs the file's source as `python3 FILE ARGS` would, as __main__.

Conversation on the channel:
  {file, source, argv, status}  the name tracebacks show, the source, sys.argv, and a channel for the end
  whatever the code sends       its own items on `channel`, printed by the CLI as usual
  status <- exit status         0, the code of sys.exit(N), 1 after an uncaught exception (its traceback
                                printed to stderr, as Python prints it) or 130 after KeyboardInterrupt
"""
import builtins
import linecache
import sys
import traceback
import types


HIDDEN = set()


def exit_status(exc):
    if isinstance(exc, SystemExit):
        code = exc.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        print(code, file=sys.stderr)
        return 1
    # Python's own traceback starts at the file and shows no frame of the agent (or of this runner).
    te = traceback.TracebackException(type(exc), exc, exc.__traceback__)
    te.stack = traceback.StackSummary.from_list([f for f in te.stack if f.filename not in HIDDEN])
    sys.stderr.write(''.join(te.format()))
    return 130 if isinstance(exc, KeyboardInterrupt) else 1


def terminal_input(prompt=''):
    """input() as in a terminal: the prompt on stdout, the answer read from stdin and not repeated
    (the agent's own input() writes question and answer to stdout, for transcripts)."""
    if prompt:
        sys.stdout.write(str(prompt))
    line = sys.stdin.readline()
    if not line:
        raise EOFError('EOF when reading a line')
    return line[:-1] if line.endswith('\n') else line


def terminal_getpass(prompt='Password: ', stream=None):
    """getpass() as in a terminal: the host asks without echo, and nothing of it goes to stdout."""
    return sys.stdin._gw._request_input(str(prompt), True)


def main(channel):
    HIDDEN.update([main.__code__.co_filename, type(channel).receive.__code__.co_filename])
    req = channel.receive()
    name, source = req['file'], req['source']
    sys.argv = list(req['argv'])
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    # A module of its own as sys.modules['__main__'], as runpy makes one: pickle, dataclasses and
    # `import __main__` find the file's names, not the agent's.
    module = types.ModuleType('__main__')
    module.__file__ = name
    module.__builtins__ = builtins
    module.channel = channel
    agent_main = sys.modules.get('__main__')
    sys.modules['__main__'] = module
    if hasattr(sys.stdin, '_gw'):
        import getpass
        builtins.input = terminal_input
        getpass.getpass = terminal_getpass
    try:
        exec(compile(source, name, 'exec'), module.__dict__)
        status = 0
    except BaseException as e:
        status = exit_status(e)
    finally:
        sys.modules['__main__'] = agent_main
    sys.stdout.flush()
    req['status'].send(status)


if __name__ == '__channelexec__':
    main(channel)  # noqa: F821
