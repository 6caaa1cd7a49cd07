"""Bench workload: receives [size, count] or [size, count, 'str'] and sends count payloads of size
bytes (b'x' each), or of size characters ('x' each)."""


def main(channel):
    args = channel.receive()
    size, count = args[0], args[1]
    data = 'x' * size if len(args) > 2 and args[2] == 'str' else b"x" * size
    for i in range(count):
        channel.send(data)


if __name__ == '__channelexec__':
    main(channel)  # noqa: F821 (remote_exec puts the channel in the module's globals)
