import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AgentStartError, Group, makeGateway, XSpecError } from '../../../server/api';
import { slurmMissing, startSlurm, type SlurmCluster } from './slurmCluster';

const JOB = 'import os\nchannel.send(os.environ.get("SLURM_JOB_ID"))\nfor x in channel:\n    channel.send(x * 2)';

describe('srun= against a real single-node Slurm', () => {
  const skip = slurmMissing();
  let slurm: SlurmCluster | undefined;
  const saved = process.env.SLURM_CONF;
  before(async () => {
    if (skip) return;
    slurm = await startSlurm();
    process.env.SLURM_CONF = slurm.env.SLURM_CONF;
  });
  after(async () => {
    if (saved === undefined) delete process.env.SLURM_CONF;
    else process.env.SLURM_CONF = saved;
    await slurm?.stop();
  });

  test('popen//srun= starts the agent as a Slurm job and talks binary through it', async (t) => {
    if (skip) return t.skip(skip);
    const gw = await makeGateway('popen//srun=--job-name=remote-exec-test');
    try {
      const ch = gw.remoteExec(JOB);
      const jobId = await ch.receive(10000);
      assert.match(String(jobId), /^\d+$/);
      assert.ok(
        slurm!.jobs().some((line) => line.startsWith(`${jobId} RUNNING`)),
        slurm!.jobs().join('\n'),
      );
      await ch.send(Buffer.alloc(1 << 20, 7).toString('latin1'));
      assert.equal(((await ch.receive(10000)) as string).length, 2 << 20);
      ch.close();
    } finally {
      await gw.exit();
    }
  });

  test('N*popen//srun= in a Group gives N jobs', async (t) => {
    if (skip) return t.skip(skip);
    const group = await Group.create(['3*popen//srun=']);
    try {
      const ids = await Promise.all(Array.from(group, (gw) => gw.remoteExec(JOB).receive(10000)));
      assert.equal(new Set(ids).size, 3, `job ids ${ids.join(', ')}`);
    } finally {
      await group.terminate();
    }
  });

  test('a job Slurm refuses is an AgentStartError in srun’s words, not a missing HELLO', async (t) => {
    if (skip) return t.skip(skip);
    await assert.rejects(
      makeGateway('popen//srun=--partition=nosuch'),
      (err: unknown) =>
        err instanceof AgentStartError &&
        /Slurm did not start the job: .*invalid partition/i.test(err.message) &&
        !/HELLO/.test(err.message),
    );
    await assert.rejects(
      makeGateway('popen//srun=--mem=100000000'),
      (err: unknown) =>
        err instanceof AgentStartError && /Slurm did not start the job: Memory specification can not be satisfied/.test(err.message),
    );
  });
});

describe('srun= without a cluster', () => {
  test('several tasks on one stream are refused before anything starts, suggesting a Group', async () => {
    await assert.rejects(
      makeGateway('popen//srun=-n2'),
      (err: unknown) => err instanceof XSpecError && /2 tasks .*one task on one stream.*"2\*popen\/\/srun=/.test(err.message),
    );
  });

  test('a machine without srun says so, not that an interpreter is missing', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await assert.rejects(
        makeGateway('popen//srun=//python=/usr/bin/python3'),
        (err: unknown) => err instanceof AgentStartError && /srun is not installed on this machine/.test(err.message),
      );
    } finally {
      process.env.PATH = saved;
    }
  });
});
