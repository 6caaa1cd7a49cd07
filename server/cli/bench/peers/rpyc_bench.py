"""RPyC classic mode over a subprocess, measured by the bench's proxy workloads; prints one JSON object.

usage: python3 rpyc_bench.py N
"""
import gc
import json
import sys
import time

import rpyc.utils.classic as classic
from rpyc.utils import factory

from bench_timing import per_op_us  # beside this script

# rpyc_classic.py's stdio mode, inline: Debian ships the library without that script.
SERVER = "import rpyc.utils.classic as c; c.connect_stdpipes().serve_all()"


def main(argv):
    n = int(argv[0])
    conn = factory.connect_subproc([sys.executable, "-u", "-c", SERVER], classic.SlaveService)
    sysmod = conn.modules.sys
    operator = conn.modules.operator
    tm = conn.modules.time
    d = conn.builtins.dict()
    out = {}
    out["attr_us"] = per_op_us(lambda: sysmod.maxsize, n)
    out["call_us"] = per_op_us(lambda: operator.add(1, 2), n)
    out["chain_us"] = per_op_us(lambda: tm.gmtime(0).tm_year, n)

    def si():
        d["x"] = 1
        return d["x"]
    out["setget_us"] = per_op_us(si, n)
    objs = [conn.builtins.object() for i in range(n)]
    t = time.perf_counter()
    del objs
    gc.collect()
    conn.ping()
    out["release_per_s"] = n / (time.perf_counter() - t)
    conn.close()
    print(json.dumps(out))


if __name__ == '__main__':
    main(sys.argv[1:])
