// pythonia (npm) measured by the bench's proxy workloads; prints one JSON object.
// usage: node pythonia_bench.js N, from a copy in a folder where require('pythonia') resolves (the bench
// installs the package in a folder of its own and copies this file there).
const { python } = require('pythonia');

async function main(n) {
  // The bench's timing rule (server/cli/bench/timing.ts): every latency is timed after the same warm-up.
  const perCall = async (fn, count) => {
    const end = process.hrtime.bigint() + 400000000n;
    for (let i = 0; i < 200 || process.hrtime.bigint() < end; i++) await fn();
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
  out.setget_us = await perCall(async () => {
    await d.__setitem__('x', 1);
    return d.__getitem__('x');
  }, n);
  console.log(JSON.stringify(out));
  python.exit();
}

main(Number(process.argv[2])).catch((e) => {
  console.error(e);
  process.exit(1);
});
