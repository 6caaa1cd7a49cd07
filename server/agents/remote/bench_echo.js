// Bench workload (bench_echo.py on Python): sends back every item it receives, until the host closes the channel.
async function main(channel) {
  for await (const x of channel) channel.send(x);
}

// As execnet's `if __name__ == '__channelexec__'`: the agent runs remote code as module `__channelexec__`.
if (module.id === '__channelexec__') return main(channel);
module.exports = { main };
