"""Bench workload: counts the items it receives until a None, then sends the count (one-way, host -> agent)."""


def main(channel):
    n = 0
    for x in channel:
        if x is None:
            break
        n += 1
    channel.send(n)


if __name__ == '__channelexec__':
    main(channel)  # noqa: F821 (remote_exec puts the channel in the module's globals)
