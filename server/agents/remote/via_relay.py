"""The relay of `via=` on a Python gateway: starts the target interpreter on this host and moves bytes
between the channel and the child's stdin/stdout (via_relay.js is the same for the Node agent).

Conversation on the channel:
  {argv, cwd, env, payload}     the child's command line, working directory (None: ours), extra
                                environment, and the bytes written to its stdin first (the agent's bootstrap)
  bytes items, both ways        host -> child's stdin, child's stdout -> host
  None, or the host closing     closes the child's stdin, which ends an agent; after None the channel
  the channel                   stays open for the exit status; a child still there 3 s later is killed
  {kill: True}                  the host gave up on the child (a stopped or hung agent): SIGKILL now
  <- {exit, stderr}             the child is gone: its exit code and the last 4 KiB of its stderr
"""
import os
import subprocess
import threading


def main(channel):
    cfg = channel.receive()
    env = dict(os.environ)
    env.update(cfg.get('env') or {})
    try:
        child = subprocess.Popen(cfg['argv'], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, cwd=cfg.get('cwd') or None, env=env, bufsize=0)
    except OSError as e:
        channel.send({'exit': 127, 'stderr': '%s: %s' % (cfg['argv'][0], e)})
        return
    tail = []

    def read_stderr():
        while True:
            b = os.read(child.stderr.fileno(), 4096)
            if not b:
                return
            tail.append(b)
            del tail[:-8]

    errs = threading.Thread(target=read_stderr, daemon=True)
    errs.start()
    end = object()

    # A callback, not a blocking loop: the host's bytes go to the child as they come, and the end of
    # the channel (the host closing it) closes the child's stdin, which ends an agent.
    def kill():
        if child.poll() is None:
            child.kill()

    def to_child(item):
        try:
            if type(item) is dict and item.get('kill'):
                kill()
            elif item is end or item is None:
                child.stdin.close()
                linger = threading.Timer(3.0, kill)
                linger.daemon = True
                linger.start()
            else:
                child.stdin.write(item)
        except (BrokenPipeError, OSError, ValueError):
            pass

    child.stdin.write(cfg['payload'])
    channel.setcallback(to_child, endmarker=end)
    while True:
        b = os.read(child.stdout.fileno(), 1 << 16)
        if not b:
            break
        channel.send(b)
    child.wait()
    errs.join(2)
    channel.send({'exit': child.returncode, 'stderr': b''.join(tail)[-4096:].decode('utf-8', 'replace')})


if __name__ == '__channelexec__':
    main(channel)  # noqa: F821 (remote_exec puts the channel in the module's globals)
