// `remote-exec exec FILE ARGS` on a Node gateway, as `node FILE ARGS` would run it: the same conversation
// as run_as_main.py, which describes it. The file runs in a CommonJS module wrapper (exports, require
// relative to the file, module, __filename, __dirname) with process.argv [node, FILE, ARGS...];
// process.exit(N) ends it with status N, an uncaught error prints its stack and gives 1.
/* global Tuple -- in scope of every remoteExec on a Node agent, as channel and gateway are */
const path = require('path');
const vm = require('vm');
const { createRequire } = require('module');

class Exit {
  constructor(code) {
    this.code = code;
  }
}

async function main(channel) {
  const req = await channel.receive();
  // `-c CODE` and `-` have no file, as with `node -e` and `node -`.
  const inline = /^<.*>$/.test(req.file);
  const full = inline ? path.resolve('[eval]') : path.resolve(req.file);
  process.argv = [process.argv[0], ...(inline ? [] : [full]), ...req.argv.slice(1)];
  const mod = { id: '.', filename: full, exports: {}, loaded: false };
  const exit = process.exit;
  process.exitCode = undefined;
  // process.exit inside the file ends the file, not the agent that runs it.
  process.exit = (code) => {
    throw new Exit(code === undefined ? process.exitCode : code);
  };
  let status;
  try {
    // The wrapper's own line comes first, so line numbers are the file's (lineOffset -1).
    const wrapped = `(async function (exports, require, module, __filename, __dirname, channel, gateway, Tuple) {\n${req.source}\n})`;
    const fn = new vm.Script(wrapped, { filename: req.file, lineOffset: -1 }).runInThisContext();
    // channel, gateway and Tuple: what every remoteExec on this agent has in scope.
    await fn(mod.exports, createRequire(full), mod, full, path.dirname(full), channel, gateway, Tuple);
    status = process.exitCode;
  } catch (e) {
    if (e instanceof Exit) status = e.code;
    else {
      // node's own report shows the file's frames, none of this runner or the agent.
      const stack =
        e && e.stack ? e.stack.split('\n').filter((l) => !/^\s+at .*(remote-exec(-agent)?:|node:internal\/)/.test(l)) : [String(e)];
      process.stderr.write(`${stack.join('\n')}\n`);
      status = 1;
    }
  } finally {
    process.exit = exit;
  }
  await req.status.send(Number.isInteger(Number(status)) ? Number(status) : 0);
}

// As execnet's `if __name__ == '__channelexec__'`: the agent runs remote code as module `__channelexec__`.
if (module.id === '__channelexec__') return main(channel);
module.exports = { main };
