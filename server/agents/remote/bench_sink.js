// Bench workload (bench_sink.py on Python): counts the items it receives until a null, then sends the count.
async function main(channel) {
  let n = 0;
  for await (const x of channel) {
    if (x === null) break;
    n++;
  }
  channel.send(n);
}

// As execnet's `if __name__ == '__channelexec__'`: the agent runs remote code as module `__channelexec__`.
if (module.id === '__channelexec__') return main(channel);
module.exports = { main };
