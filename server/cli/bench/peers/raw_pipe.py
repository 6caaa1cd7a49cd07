"""The floor of a round trip: echoes single bytes from stdin to stdout until end of input.

usage: python3 raw_pipe.py block | spin US
block: every read blocks in the kernel; spin: a read first polls without blocking for up to US µs.
"""
import os
import select
import sys
import time


def main(argv):
    spin = argv[0] == 'spin'
    bound = int(argv[1]) / 1e6 if spin else 0
    poll = select.poll()
    poll.register(0, select.POLLIN)
    while True:
        if spin:
            end = time.monotonic() + bound
            while not poll.poll(0) and time.monotonic() < end:
                pass
        b = os.read(0, 1)
        if not b:
            return
        os.write(1, b)


if __name__ == '__main__':
    main(sys.argv[1:])
