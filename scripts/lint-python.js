#!/usr/bin/env node
// npm run lint:py: pyflakes' checks (flake8 --select=F) on the Python the project ships. The agent is
// checked as it ships, assembled from its modules (a module alone names what the others define); what
// flake8 finds in it is reported at the module and line it comes from. Every other .py under server/
// (the helpers sent with remoteExec, in server/agents/remote/ when there are any) is checked as it is.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { AGENTS, agentModules, joinModules } = require('../server/agents/assemble');

const root = path.resolve(__dirname, '..');
const agentDir = path.join(root, 'server', 'agents', AGENTS.python.folder);

// Debian's flake8 (scripts/setup-test-deps.sh), not whichever an interpreter manager puts first on PATH.
const FLAKE8 = fs.existsSync('/usr/bin/flake8') ? '/usr/bin/flake8' : 'flake8';

function flake8(args, input) {
  const r = spawnSync(FLAKE8, ['--select=F', ...args], { cwd: root, input, encoding: 'utf8' });
  if (r.error) {
    console.error(`lint:py: cannot run flake8 (${r.error.message}); scripts/setup-test-deps.sh installs it`);
    process.exit(2);
  }
  if (r.status !== 0 && r.status !== 1) {
    console.error(r.stderr || `lint:py: flake8 exited with ${r.status}`);
    process.exit(2);
  }
  return r.stdout.split('\n').filter(Boolean);
}

/** Maps `agent.py:LINE:COL: ...` of the assembled agent to `server/agents/python/NN-x.py:line:col: ...`. */
function inModule(report, modules, firstLines) {
  const m = /^[^:]*:(\d+):(\d+): (.*)$/.exec(report);
  if (!m) return report;
  const line = Number(m[1]);
  let i = firstLines.length - 1;
  while (i > 0 && firstLines[i] > line) i--;
  return `${path.relative(root, modules[i].file)}:${line - firstLines[i] + 1}:${m[2]}: ${m[3]}`;
}

function otherPython(dir) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (full !== agentDir && entry.name !== '__pycache__') found.push(...otherPython(full));
    } else if (entry.name.endsWith('.py')) found.push(path.relative(root, full));
  }
  return found.sort();
}

const modules = agentModules('python');
const { text, firstLines } = joinModules(modules.map((m) => m.text));
const problems = flake8(['--stdin-display-name', 'agent.py', '-'], text).map((r) => inModule(r, modules, firstLines));
const others = otherPython(path.join(root, 'server'));
if (others.length > 0) problems.push(...flake8(others));

const count = (n, what) => `${n} ${what}${n === 1 ? '' : 's'}`;
for (const p of problems) console.log(p);
const checked = `the Python agent (${count(modules.length, 'module')})${others.length ? ` and ${count(others.length, 'other file')}` : ''}`;
console.log(`lint:py: ${checked}: ${problems.length ? count(problems.length, 'problem') : 'clean'}`);
process.exit(problems.length ? 1 : 0);
