"""Bench workload: receives a count n and sends 0 .. n-1 (one-way, agent -> host)."""


def main(channel):
    n = channel.receive()
    for i in range(n):
        channel.send(i)


if __name__ == '__channelexec__':
    main(channel)  # noqa: F821 (remote_exec puts the channel in the module's globals)
