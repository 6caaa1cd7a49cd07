// Writes the agents under dist/agents/ (python/agent.py, node/agent.js), each assembled into the one
// file it ships as by server/agents/assemble.js; the bundled server finds them there (server/agents/index.ts).
const { writeAgents } = require('../server/agents/assemble');

module.exports = { assembleAgents: writeAgents };
