"""execnet measured by the bench's channel workloads, in one Python process; prints one JSON object.

usage: python3 execnet_bench.py SPEC N_RTT N_ONEWAY N_1M N_16M ECHO SINK SOURCE PAYLOAD_SINK PAYLOAD_SOURCE [N_PRINT]
where the five after the counts are the paths of the workloads that remote-exec's Python agent runs too
(server/agents/remote/bench_*.py): execnet's remote_exec takes the same source unchanged. N_PRINT:
how many print(i) calls the remote loop makes (its time to run, as execnet's users see it).
"""
import json
import sys
import time

import execnet

from bench_timing import per_op_us  # beside this script


def read(path):
    with open(path) as f:
        return f.read()


def main(argv):
    spec = argv[0]
    n_rtt, n_oneway, n_1m, n_16m = (int(a) for a in argv[1:5])
    echo, sink, source, psink, psource = (read(p) for p in argv[5:10])
    out = {}
    starts = []
    for i in range(7):
        t = time.perf_counter()
        gw = execnet.makegateway(spec)
        ch = gw.remote_exec("channel.send(1)")
        ch.receive()
        starts.append(time.perf_counter() - t)
        gw.exit()
    starts.sort()
    out["start_ms"] = starts[len(starts) // 2] * 1000
    gw = execnet.makegateway(spec)
    ch = gw.remote_exec(echo)

    def ping():
        ch.send(1)
        ch.receive()
    out["rtt_us"] = per_op_us(ping, n_rtt)
    ch.close()
    ch.waitclose()
    ch = gw.remote_exec(sink)
    t = time.perf_counter()
    for i in range(n_oneway):
        ch.send(i)
    ch.send(None)
    got = ch.receive()
    assert got == n_oneway, got
    out["h2a_msgs"] = n_oneway / (time.perf_counter() - t)
    ch = gw.remote_exec(source)
    t = time.perf_counter()
    ch.send(n_oneway)
    for i in range(n_oneway):
        ch.receive()
    out["a2h_msgs"] = n_oneway / (time.perf_counter() - t)
    for size, count, key in ((1 << 20, n_1m, "1m"), (16 << 20, n_16m, "16m")):
        data = b"x" * size
        ch = gw.remote_exec(psink)
        t = time.perf_counter()
        for i in range(count):
            ch.send(data)
        ch.send(None)
        assert ch.receive() == size * count
        out["h2a_" + key] = size * count / (time.perf_counter() - t) / (1 << 20)
        ch = gw.remote_exec(psource)
        t = time.perf_counter()
        ch.send((size, count))
        for i in range(count):
            ch.receive()
        out["a2h_" + key] = size * count / (time.perf_counter() - t) / (1 << 20)
    if len(argv) > 10:
        n_print = int(argv[10])
        t = time.perf_counter()
        gw.remote_exec("for i in range(%d):\n    print(i)" % n_print).waitclose()
        out["print_ms"] = (time.perf_counter() - t) * 1000
    gw.exit()
    print(json.dumps(out))


if __name__ == '__main__':
    main(sys.argv[1:])
