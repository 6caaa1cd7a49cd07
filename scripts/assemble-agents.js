// Writes the agents under dist/agents/ (python/agent.py, node/agent.js), each assembled into the one
// file it ships as by server/agents/assemble.js, and copies the remote helpers sent with remoteExec
// (server/agents/remote/); the bundled server finds both there (server/agents/index.ts).
const fs = require('fs');
const path = require('path');
const { writeAgents } = require('../server/agents/assemble');

const source = path.resolve(__dirname, '..', 'server', 'agents');

function assembleAgents(dest) {
  writeAgents(dest);
  copyFolder(path.join(source, 'remote'), path.join(dest, 'remote'));
}

/** Every .py and .js file of `from` (not caches or editor files) into `to`, which is emptied first so a removed helper goes. */
function copyFolder(from, to) {
  fs.rmSync(to, { recursive: true, force: true });
  fs.mkdirSync(to, { recursive: true });
  for (const name of fs.readdirSync(from)) if (/\.(py|js)$/.test(name)) fs.copyFileSync(path.join(from, name), path.join(to, name));
}

module.exports = { assembleAgents, copyFolder };
