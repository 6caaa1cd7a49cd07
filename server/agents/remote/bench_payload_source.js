// Bench workload (bench_payload_source.py on Python): receives [size, count] and sends count payloads
// of size bytes ('x' each).
async function main(channel) {
  const [size, count] = await channel.receive();
  const data = Buffer.alloc(size, 120);
  for (let i = 0; i < count; i++) channel.send(data);
}

// As execnet's `if __name__ == '__channelexec__'`: the agent runs remote code as module `__channelexec__`.
if (module.id === '__channelexec__') return main(channel);
module.exports = { main };
