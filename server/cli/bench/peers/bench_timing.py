"""The bench's timing rule for the peers' Python drivers (server/cli/bench/timing.ts for ours): every
latency is timed after the same warm-up, 0.4 s and at least 200 runs."""
import time

WARMUP_S = 0.4
WARMUP_MIN = 200


def per_op_us(op, count):
    """Microseconds per call of op, timed over count calls after the warm-up."""
    end = time.perf_counter() + WARMUP_S
    i = 0
    while i < WARMUP_MIN or time.perf_counter() < end:
        op()
        i += 1
    t = time.perf_counter()
    for i in range(count):
        op()
    return (time.perf_counter() - t) / count * 1e6
