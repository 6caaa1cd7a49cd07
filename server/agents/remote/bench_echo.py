"""Bench workload: sends back every item it receives, until the host closes the channel (the ping-pong)."""


def main(channel):
    for x in channel:
        channel.send(x)


if __name__ == '__channelexec__':
    main(channel)  # noqa: F821 (remote_exec puts the channel in the module's globals)
