import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { peerScript, workloadPaths } from '../../../server/cli/bench/workloads';

/**
 * The Python workloads are execnet remote modules: the bench's execnet driver (peers/execnet_bench.py)
 * sends the very files our agent runs, and execnet answers them as the bench expects.
 */
const PYTHON = '/usr/bin/python3';
const hasExecnet = spawnSync(PYTHON, ['-c', 'import execnet']).status === 0;

test(
  'execnet runs the Python workload files unchanged, driven by the bench peer script',
  { skip: !hasExecnet && "execnet is not installed (Debian's python3-execnet; scripts/setup-test-deps.sh installs it)" },
  () => {
    const w = workloadPaths('python');
    const args = [`popen//python=${PYTHON}`, '50', '500', '2', '1', w.echo, w.sink, w.source, w.payloadSink, w.payloadSource];
    const run = spawnSync(PYTHON, [peerScript('execnet_bench.py'), ...args], { encoding: 'utf8', timeout: 60000 });
    assert.equal(run.status, 0, run.stderr);
    const figures = JSON.parse(run.stdout.trim().split('\n').pop()!);
    const keys = ['start_ms', 'rtt_us', 'h2a_msgs', 'a2h_msgs', 'h2a_1m', 'a2h_1m', 'h2a_16m', 'a2h_16m'];
    assert.deepEqual(Object.keys(figures).sort(), [...keys].sort());
    for (const key of keys) assert.ok(Number.isFinite(figures[key]) && figures[key] > 0, `${key}: ${figures[key]}`);
  },
);
