// Bench workload (bench_source.py on Python): receives a count n and sends 0 .. n-1.
async function main(channel) {
  const n = await channel.receive();
  for (let i = 0; i < n; i++) channel.send(i);
}

// As execnet's `if __name__ == '__channelexec__'`: the agent runs remote code as module `__channelexec__`.
if (module.id === '__channelexec__') return main(channel);
module.exports = { main };
