// The relay of `via=` on a Node gateway: the same conversation as via_relay.py, which describes it.
// Sent with remoteExec, this file runs as the body of an async function with `channel` in scope;
// required as a module, it only exports main.
const { spawn } = require('child_process');

async function main(channel) {
  const cfg = await channel.receive();
  const child = spawn(cfg.argv[0], cfg.argv.slice(1), {
    cwd: cfg.cwd || undefined,
    env: { ...process.env, ...(cfg.env || {}) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let tail = '';
  child.stderr.on('data', (b) => {
    tail = (tail + b.toString('utf8')).slice(-4096);
  });
  child.stdout.on('data', (b) => channel.send(b));
  child.stdin.on('error', () => {});
  const done = new Promise((resolve) =>
    child.on('close', (code, signal) => {
      try {
        channel.send({ exit: code === null ? -1 : code, signal, stderr: tail });
      } catch {
        // The host closed the channel first: nobody is left to tell.
      }
      resolve();
    }),
  );
  child.on('error', (e) => {
    tail += String(e.message);
  });
  child.stdin.write(Buffer.from(cfg.payload));
  for await (const item of channel) {
    // null: the host's end of input, so the child's exit status can still come back on the channel.
    if (item === null) break;
    // {kill: true}: the host gave up on the child (a stopped or hung agent).
    if (item instanceof Uint8Array) child.stdin.write(Buffer.from(item));
    else if (item && item.kill) child.kill('SIGKILL');
  }
  // The host ended its input or closed the channel: the child's stdin ends, which ends an agent; one
  // that lingers is killed.
  child.stdin.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await done;
  clearTimeout(timer);
}

// As execnet's `if __name__ == '__channelexec__'`: the agent runs remote code as module `__channelexec__`.
if (module.id === '__channelexec__') return main(channel);
module.exports = { main };
