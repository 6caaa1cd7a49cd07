// The one way the agents are put together. Each agent ships as ONE file (the loader runs a single
// source), but is written as modules in its folder, so work on one part of it stays apart from work
// on another. The modules are named NN-what.ext and concatenated in the order of their names: no
// imports between them, nothing generated, two blank lines between modules. Used by the build
// (scripts/assemble-agents.js), by server/agents/index.ts when the server runs from source, by the
// lint of the agents and by their tests, so every one of them sees the same text.
'use strict';

const fs = require('fs');
const path = require('path');

/** Per agent: its folder of modules beside this file, the file it ships as, how its comments start. */
const AGENTS = {
  python: { folder: 'python', file: 'agent.py', comment: /^#/ },
  node: { folder: 'node', file: 'agent.js', comment: /^(\/\/|\/\*)/ },
};

const MODULE_NAME = /^\d\d-[a-z0-9]+(-[a-z0-9]+)*$/;

function agentOf(kind) {
  const agent = Object.prototype.hasOwnProperty.call(AGENTS, kind) ? AGENTS[kind] : undefined;
  if (!agent) throw new Error(`no agent named ${JSON.stringify(kind)} (agents: ${Object.keys(AGENTS).join(', ')})`);
  return agent;
}

/**
 * The modules of one agent, in assembly order, each `{ file, text }`. A file of the agent's language
 * that is not named NN-what, or a module that does not begin with a comment saying what it holds, is an
 * error: a module left out by its name would be missing from the agent without a word.
 */
function agentModules(kind, agentsDir = __dirname) {
  const agent = agentOf(kind);
  const dir = path.join(agentsDir, agent.folder);
  const ext = path.extname(agent.file);
  const names = fs
    .readdirSync(dir)
    .filter((name) => name.endsWith(ext))
    .sort();
  const misnamed = names.filter((name) => !MODULE_NAME.test(name.slice(0, -ext.length)));
  if (misnamed.length > 0) {
    throw new Error(`${dir}: ${misnamed.join(', ')}: a module of the ${kind} agent is named NN-what${ext} (NN: its place in the agent)`);
  }
  if (names.length === 0) throw new Error(`${dir}: no modules of the ${kind} agent (NN-what${ext})`);
  return names.map((name) => {
    const file = path.join(dir, name);
    const text = fs.readFileSync(file, 'utf8');
    if (!agent.comment.test(text)) throw new Error(`${file}: a module begins with a comment saying what it holds`);
    return { file, text };
  });
}

/**
 * Joins module texts into one agent. Returns the text and the line (1-based) where each module begins
 * in it, so what is reported against the whole agent can be traced to its module.
 */
function joinModules(texts) {
  const parts = texts.map((text) => text.replace(/\s+$/, ''));
  const firstLines = [];
  let line = 1;
  for (const part of parts) {
    firstLines.push(line);
    line += part.split('\n').length + 2;
  }
  return { text: parts.join('\n\n\n') + '\n', firstLines };
}

/** The source of one agent as it ships: its modules joined in order. */
function assembleAgent(kind, agentsDir = __dirname) {
  return joinModules(agentModules(kind, agentsDir).map((m) => m.text)).text;
}

/** Writes every agent, assembled, under `dest` (python/agent.py, node/agent.js). */
function writeAgents(dest, agentsDir = __dirname) {
  for (const kind of Object.keys(AGENTS)) {
    const agent = AGENTS[kind];
    const file = path.join(dest, agent.folder, agent.file);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, assembleAgent(kind, agentsDir));
  }
}

module.exports = { AGENTS, agentModules, joinModules, assembleAgent, writeAgents };
