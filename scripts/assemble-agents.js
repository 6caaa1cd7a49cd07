// Copies the agents and the remote helpers sent with remoteExec (server/agents/) into dist/agents/,
// where the bundled server finds them (server/agents/index.ts).
const fs = require('fs');
const path = require('path');

const source = path.resolve(__dirname, '..', 'server', 'agents');

function assembleAgents(dest) {
  for (const [from, to] of [
    ['python/agent.py', 'python/agent.py'],
    ['node/agent.js', 'node/agent.js'],
  ]) {
    fs.mkdirSync(path.dirname(path.join(dest, to)), { recursive: true });
    fs.copyFileSync(path.join(source, from), path.join(dest, to));
  }
  copyFolder(path.join(source, 'remote'), path.join(dest, 'remote'));
}

/** Every .py and .js file of `from` (not caches or editor files) into `to`, which is emptied first so a removed helper goes. */
function copyFolder(from, to) {
  fs.rmSync(to, { recursive: true, force: true });
  fs.mkdirSync(to, { recursive: true });
  for (const name of fs.readdirSync(from)) if (/\.(py|js)$/.test(name)) fs.copyFileSync(path.join(from, name), path.join(to, name));
}

module.exports = { assembleAgents, copyFolder };
