"""Bench workload: adds up the lengths of the payloads it receives until a None, then sends the total."""


def main(channel):
    total = 0
    for x in channel:
        if x is None:
            break
        total += len(x)
    channel.send(total)


if __name__ == '__channelexec__':
    main(channel)  # noqa: F821 (remote_exec puts the channel in the module's globals)
