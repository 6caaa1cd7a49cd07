// Bench workload (bench_payload_sink.py on Python): adds up the lengths of the payloads it receives
// until a null, then sends the total.
async function main(channel) {
  let total = 0;
  for await (const x of channel) {
    if (x === null) break;
    total += x.length;
  }
  channel.send(total);
}

// As execnet's `if __name__ == '__channelexec__'`: the agent runs remote code as module `__channelexec__`.
if (module.id === '__channelexec__') return main(channel);
module.exports = { main };
