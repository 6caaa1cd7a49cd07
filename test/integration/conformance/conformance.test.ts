import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { writeAgents } from '../../../server/agents/assemble';

const root = path.resolve(__dirname, '../../..');
const running = new Set<ChildProcess>();

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `remote-exec conformance ARGS` from the sources; a suite that hangs is killed and fails the test. */
function conformance(args: string[], hangGuardMs = 150000): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'server/cli.ts'), 'conformance', ...args], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      killGroup(child);
      reject(new Error(`conformance ${args.join(' ')} still running after ${hangGuardMs} ms:\n${stdout}\n${stderr}`));
    }, hangGuardMs);
    child.on('exit', (status) => {
      clearTimeout(guard);
      running.delete(child);
      resolve({ status, stdout, stderr });
    });
  });
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** The whole suite passes: every failure is listed in the assertion message. */
async function expectAllPass(args: string[]): Promise<void> {
  const run = await conformance([...args, '--json']);
  const report = JSON.parse(run.stdout) as {
    failed: number;
    passed: number;
    results: { name: string; outcome: string; reason?: string }[];
  };
  const failures = report.results.filter((r) => r.outcome === 'failed').map((r) => `✗ ${r.name}: ${r.reason}`);
  assert.deepEqual(failures, [], `conformance ${args.join(' ')} failed:\n${failures.join('\n')}`);
  assert.ok(report.passed > 40, `only ${report.passed} checks passed`);
  assert.equal(run.status, 0);
}

after(() => {
  for (const child of running) killGroup(child);
});

describe('conformance suite', () => {
  test('the Python agent passes it through the popen transport', () => expectAllPass(['--spec', 'popen']));

  test('the Python agent passes it when its shipped file is run directly as the agent command', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-exec-conformance-'));
    try {
      writeAgents(dir);
      await expectAllPass(['--agent', `python3 ${path.join(dir, 'python', 'agent.py')}`]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the Node agent passes it', () => expectAllPass(['--spec', 'popen//node=node']));

  test('a broken agent fails with a readable report, and the suite ends', async () => {
    const run = await conformance(['--agent', 'python3 test/fixtures/broken_agent.py', '--step-timeout', '1000']);
    assert.equal(run.status, 1, run.stdout + run.stderr);
    const lines = run.stdout.split('\n');
    const failure = (name: string) => {
      const i = lines.findIndex((l) => l.startsWith(`✗ ${name}`));
      assert.ok(i >= 0, `no ✗ line for "${name}" in:\n${run.stdout}`);
      return lines[i + 1] ?? '';
    };
    assert.match(
      failure('handshake: HELLO fields and types'),
      /pid: positive int \(got "\d+"\).*capabilities: array of str.*maxFrame: positive int \(got "lots"\)/,
    );
    assert.match(failure('DATA: 1000 items come back in order'), /echoed item 0: expected 0, got 1/);
    assert.match(failure('unknown message type: ERROR naming the code'), /ERROR for message type 99/);
    assert.match(failure('STATUS: the reply holds every key'), /STATUS reply: expected an answer within 1000 ms/);
    assert.match(failure('framing: an oversized frame closes the stream'), /expected the agent closes the stream/);
    assert.match(failure('TERMINATE: the agent flushes output and exits with 0'), /./);
    assert.ok(
      lines.some((l) => l.startsWith('✓ handshake: the agent speaks first')),
      'what the broken agent does right still passes',
    );
    assert.ok(
      lines.some((l) => /^– objects: .*skipped: the agent does not announce the 'objects' capability/.test(l)),
      'unannounced capabilities are skipped',
    );
    assert.match(run.stdout, /^1 passed, \d+ failed, \d+ skipped$/m);
  });
});
