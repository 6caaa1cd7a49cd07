import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { agentSource, loaderArgs } from '../../server/agents';
import { AGENTS, agentModules, assembleAgent, joinModules, writeAgents } from '../../server/agents/assemble';

const kinds = Object.keys(AGENTS) as (keyof typeof AGENTS)[];
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-exec-assembly-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A folder of agents with one Python agent made of `modules` (name -> text). */
function agentsDir(modules: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(scratch, 'agents-'));
  fs.mkdirSync(path.join(dir, 'python'));
  for (const [name, text] of Object.entries(modules)) fs.writeFileSync(path.join(dir, 'python', name), text);
  return dir;
}

describe('agent assembly', () => {
  test('the server run from source ships exactly what the build writes', () => {
    const built = path.join(scratch, 'dist-agents');
    writeAgents(built);
    for (const kind of kinds) {
      const file = path.join(built, AGENTS[kind].folder, AGENTS[kind].file);
      assert.equal(agentSource(kind), fs.readFileSync(file, 'utf8'), `${kind}: ${file}`);
    }
  });

  test('an agent is its modules in the order of their names, two blank lines apart', () => {
    for (const kind of kinds) {
      const modules = agentModules(kind);
      const names = modules.map((m) => path.basename(m.file));
      assert.deepEqual(names, [...names].sort(), kind);
      assert.ok(modules.length > 1, `${kind} has modules`);
      const text = assembleAgent(kind);
      assert.equal(text, modules.map((m) => m.text.replace(/\s+$/, '')).join('\n\n\n') + '\n', kind);
    }
  });

  test('the line where each module begins is reported with the text', () => {
    const joined = joinModules(['# one\na = 1\n\n', '# two\n', '# three\nb = 2']);
    assert.equal(joined.text, '# one\na = 1\n\n\n# two\n\n\n# three\nb = 2\n');
    const lines = joined.text.split('\n');
    assert.deepEqual(
      joined.firstLines.map((n) => lines[n - 1]),
      ['# one', '# two', '# three'],
    );
  });

  test("the Node agent's first line is its LOADER, and the loader the host runs is that line", () => {
    const first = agentSource('node').split('\n', 1)[0];
    assert.match(first, /^\/\/ LOADER: node -e '.+'$/);
    assert.deepEqual(loaderArgs('node'), ['-e', first.slice("// LOADER: node -e '".length, -1)]);
  });

  test('both assembled agents are valid source for their interpreters', () => {
    const py = spawnSync('python3', ['-c', 'import sys; compile(sys.stdin.read(), "agent.py", "exec")'], { input: agentSource('python') });
    assert.equal(py.status, 0, py.stderr.toString());
    const file = path.join(scratch, 'check.js');
    fs.writeFileSync(file, agentSource('node'));
    const js = spawnSync(process.execPath, ['--check', file]);
    assert.equal(js.status, 0, js.stderr.toString());
  });

  test('a file of the language not named NN-what is refused, not left out', () => {
    const dir = agentsDir({ '00-first.py': '# first\n', 'helpers.py': '# forgotten\n' });
    assert.throws(() => assembleAgent('python', dir), /helpers\.py: a module of the python agent is named NN-what\.py/);
  });

  test('a module that does not begin with a comment saying what it holds is refused', () => {
    const dir = agentsDir({ '00-first.py': '# first\n', '10-second.py': 'x = 1\n' });
    assert.throws(() => assembleAgent('python', dir), /10-second\.py: a module begins with a comment/);
  });

  test('files of other languages beside the modules are not part of the agent', () => {
    const dir = agentsDir({ '00-first.py': '# first\n', 'README.md': 'notes\n' });
    assert.equal(assembleAgent('python', dir), '# first\n');
  });
});
