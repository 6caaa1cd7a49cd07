/**
 * The channel workloads, written once per language and run the same way against every peer: the remote
 * half as source for remoteExec (execnet's remote_exec takes the same Python source unchanged).
 */
export const PY_ECHO = 'for x in channel:\n    channel.send(x)\n';
export const PY_SINK = 'n = 0\nfor x in channel:\n    if x is None:\n        break\n    n += 1\nchannel.send(n)\n';
export const PY_SOURCE = 'n = channel.receive()\nfor i in range(n):\n    channel.send(i)\n';
export const PY_PAYLOAD_SOURCE = 'size, count = channel.receive()\ndata = b"x" * size\nfor i in range(count):\n    channel.send(data)\n';
export const PY_PAYLOAD_SINK = 'total = 0\nfor x in channel:\n    if x is None:\n        break\n    total += len(x)\nchannel.send(total)\n';

export const JS_ECHO = 'for await (const x of channel) channel.send(x);';
export const JS_SINK = 'let n = 0;\nfor await (const x of channel) {\n  if (x === null) break;\n  n++;\n}\nchannel.send(n);';
export const JS_SOURCE = 'const n = await channel.receive();\nfor (let i = 0; i < n; i++) channel.send(i);';
export const JS_PAYLOAD_SOURCE =
  'const [size, count] = await channel.receive();\nconst data = Buffer.alloc(size, 120);\nfor (let i = 0; i < count; i++) channel.send(data);';
export const JS_PAYLOAD_SINK =
  'let total = 0;\nfor await (const x of channel) {\n  if (x === null) break;\n  total += x.length;\n}\nchannel.send(total);';

/**
 * execnet measured by the same workloads, in one Python process; prints one JSON object.
 * argv: interpreter spec, ping-pong count, one-way count, payload counts.
 */
export const EXECNET_SCRIPT = String.raw`
import json, sys, time
import execnet
spec, n_rtt, n_oneway, n_1m, n_16m = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
ECHO = ${JSON.stringify(PY_ECHO)}
SINK = ${JSON.stringify(PY_SINK)}
SOURCE = ${JSON.stringify(PY_SOURCE)}
PSOURCE = ${JSON.stringify(PY_PAYLOAD_SOURCE)}
PSINK = ${JSON.stringify(PY_PAYLOAD_SINK)}
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
ch = gw.remote_exec(ECHO)
for i in range(200):
    ch.send(i); ch.receive()
t = time.perf_counter()
for i in range(n_rtt):
    ch.send(i); ch.receive()
out["rtt_us"] = (time.perf_counter() - t) / n_rtt * 1e6
ch.close(); ch.waitclose()
ch = gw.remote_exec(SINK)
t = time.perf_counter()
for i in range(n_oneway):
    ch.send(i)
ch.send(None)
got = ch.receive()
assert got == n_oneway, got
out["h2a_msgs"] = n_oneway / (time.perf_counter() - t)
ch = gw.remote_exec(SOURCE)
t = time.perf_counter()
ch.send(n_oneway)
for i in range(n_oneway):
    ch.receive()
out["a2h_msgs"] = n_oneway / (time.perf_counter() - t)
for size, count, key in ((1 << 20, n_1m, "1m"), (16 << 20, n_16m, "16m")):
    data = b"x" * size
    ch = gw.remote_exec(PSINK)
    t = time.perf_counter()
    for i in range(count):
        ch.send(data)
    ch.send(None)
    assert ch.receive() == size * count
    out["h2a_" + key] = size * count / (time.perf_counter() - t) / (1 << 20)
    ch = gw.remote_exec(PSOURCE)
    t = time.perf_counter()
    ch.send((size, count))
    for i in range(count):
        ch.receive()
    out["a2h_" + key] = size * count / (time.perf_counter() - t) / (1 << 20)
gw.exit()
print(json.dumps(out))
`;

/** RPyC classic mode over a subprocess, measured by the proxy workloads; prints one JSON object. */
export const RPYC_SCRIPT = String.raw`
import gc, json, sys, time
import rpyc.utils.classic as classic
from rpyc.utils import factory
n = int(sys.argv[1])
# rpyc_classic.py's stdio mode, inline: Debian ships the library without that script.
SERVER = "import rpyc.utils.classic as c; c.connect_stdpipes().serve_all()"
conn = factory.connect_subproc([sys.executable, "-u", "-c", SERVER], classic.SlaveService)
def per_call(fn, count):
    for i in range(50): fn()
    t = time.perf_counter()
    for i in range(count): fn()
    return (time.perf_counter() - t) / count * 1e6
sysmod = conn.modules.sys
operator = conn.modules.operator
tm = conn.modules.time
d = conn.builtins.dict()
out = {}
out["attr_us"] = per_call(lambda: sysmod.maxsize, n)
out["call_us"] = per_call(lambda: operator.add(1, 2), n)
out["chain_us"] = per_call(lambda: tm.gmtime(0).tm_year, n)
def si():
    d["x"] = 1
    return d["x"]
out["setget_us"] = per_call(si, n)
objs = [conn.builtins.object() for i in range(n)]
t = time.perf_counter()
del objs
gc.collect()
conn.ping()
out["release_per_s"] = n / (time.perf_counter() - t)
conn.close()
print(json.dumps(out))
`;

/** pythonia (npm), measured by the proxy workloads; run by node with the package resolvable. */
export const PYTHONIA_SCRIPT = String.raw`
const { python } = require('pythonia');
(async () => {
  const n = Number(process.argv[2]);
  const perCall = async (fn, count) => {
    for (let i = 0; i < 20; i++) await fn();
    const t = process.hrtime.bigint();
    for (let i = 0; i < count; i++) await fn();
    return Number(process.hrtime.bigint() - t) / count / 1000;
  };
  const sys = await python('sys');
  const operator = await python('operator');
  const time = await python('time');
  const builtins = await python('builtins');
  const d = await builtins.dict();
  const out = {};
  out.attr_us = await perCall(() => sys.maxsize, n);
  out.call_us = await perCall(() => operator.add(1, 2), n);
  out.chain_us = await perCall(async () => (await time.gmtime(0)).tm_year, n);
  out.setget_us = await perCall(async () => { await d.__setitem__('x', 1); return d.__getitem__('x'); }, n);
  console.log(JSON.stringify(out));
  python.exit();
})().catch((e) => { console.error(e); process.exit(1); });
`;
