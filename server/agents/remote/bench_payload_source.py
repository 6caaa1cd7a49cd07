"""Bench workload: receives [size, count] and sends count payloads of size bytes (b'x' each)."""


def main(channel):
    size, count = channel.receive()
    data = b"x" * size
    for i in range(count):
        channel.send(data)


if __name__ == '__channelexec__':
    main(channel)  # noqa: F821 (remote_exec puts the channel in the module's globals)
