// Bench workload (bench_payload_source.py on Python): receives [size, count] or [size, count, 'str'] and
// sends count payloads of size bytes ('x' each), or of size characters.
async function main(channel) {
  const [size, count, kind] = await channel.receive();
  const data = kind === 'str' ? 'x'.repeat(size) : Buffer.alloc(size, 120);
  for (let i = 0; i < count; i++) channel.send(data);
}

// As execnet's `if __name__ == '__channelexec__'`: the agent runs remote code as module `__channelexec__`.
if (module.id === '__channelexec__') return main(channel);
module.exports = { main };
