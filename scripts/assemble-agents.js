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
}

module.exports = { assembleAgents };
