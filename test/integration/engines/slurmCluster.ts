import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../helpers/ports';
import { Daemons, installed } from './daemons';

/** Why a real Slurm cannot be had here, or undefined when it can. */
export function slurmMissing(): string | undefined {
  if (!installed('munged', 'mungekey', 'slurmctld', 'slurmd', 'srun', 'sinfo'))
    return "Slurm is not installed (Debian's slurm-wlm and munge; scripts/setup-test-deps.sh installs them)";
  if (process.getuid?.() !== 0) return 'the single-node Slurm of these tests runs as root (slurmd starts job steps as their users)';
  return undefined;
}

/**
 * A single-node Slurm on this machine: munged, slurmctld and slurmd in a temp folder, on loopback ports,
 * with a generated slurm.conf whose plugins need neither systemd nor cgroups. `env` is what srun needs
 * to find it (SLURM_CONF).
 */
export interface SlurmCluster {
  env: Record<string, string>;
  /** The jobs Slurm still knows of (pending, running or completing). */
  jobs(): string[];
  stop(): Promise<void>;
}

export async function startSlurm(): Promise<SlurmCluster> {
  const daemons = new Daemons();
  const dir = daemons.dir;
  try {
    for (const sub of ['munge', 'state', 'spool', 'log']) fs.mkdirSync(path.join(dir, sub));
    const key = path.join(dir, 'munge', 'munge.key');
    const socket = path.join(dir, 'munge', 'munge.socket');
    run(['mungekey', '--create', `--keyfile=${key}`, '--force']);
    fs.chmodSync(key, 0o600);
    daemons.start('munged', [
      'munged',
      '--foreground',
      '--force',
      `--key-file=${key}`,
      `--socket=${socket}`,
      `--pid-file=${path.join(dir, 'munge', 'munged.pid')}`,
      `--log-file=${path.join(dir, 'munge', 'munged.log')}`,
      `--seed-file=${path.join(dir, 'munge', 'seed')}`,
    ]);
    await daemons.waitUntil('munged listening', () => fs.existsSync(socket));
    const user = os.userInfo().username;
    const conf = path.join(dir, 'slurm.conf');
    fs.writeFileSync(
      conf,
      [
        'ClusterName=remoteexec',
        'SlurmctldHost=localhost',
        `SlurmctldPort=${await freePort()}`,
        `SlurmdPort=${await freePort()}`,
        'AuthType=auth/munge',
        `AuthInfo=socket=${socket}`,
        'CredType=cred/munge',
        `SlurmUser=${user}`,
        `SlurmdUser=${user}`,
        `StateSaveLocation=${path.join(dir, 'state')}`,
        `SlurmdSpoolDir=${path.join(dir, 'spool')}`,
        `SlurmctldPidFile=${path.join(dir, 'slurmctld.pid')}`,
        `SlurmdPidFile=${path.join(dir, 'slurmd.pid')}`,
        `SlurmctldLogFile=${path.join(dir, 'log', 'slurmctld.log')}`,
        `SlurmdLogFile=${path.join(dir, 'log', 'slurmd.log')}`,
        // Without systemd or a delegated cgroup tree: track processes by parentage, bind nothing.
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'JobAcctGatherType=jobacct_gather/none',
        'AccountingStorageType=accounting_storage/none',
        'SchedulerType=sched/builtin',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_Core',
        'MpiDefault=none',
        'ReturnToService=2',
        `NodeName=localhost CPUs=${Math.max(1, os.cpus().length)} State=UNKNOWN`,
        // Several gateways share a core: they mostly wait for work.
        'PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8',
        '',
      ].join('\n'),
    );
    const env = { SLURM_CONF: conf };
    const slurmEnv = { ...process.env, ...env };
    daemons.start('slurmctld', ['slurmctld', '-D', '-f', conf], slurmEnv);
    daemons.start('slurmd', ['slurmd', '-D', '-f', conf, '-N', 'localhost'], slurmEnv);
    const state = () => spawnSync('sinfo', ['-h', '-o', '%T', '-n', 'localhost'], { env: slurmEnv, encoding: 'utf8' }).stdout.trim();
    await daemons.waitUntil('the Slurm node becoming idle', () => state() === 'idle');
    const jobs = () =>
      spawnSync('squeue', ['-h', '-t', 'all', '-o', '%i %T'], { env: slurmEnv, encoding: 'utf8' })
        .stdout.split('\n')
        .filter((l) => l.trim() && !/COMPLETED|CANCELLED|FAILED|TIMEOUT/.test(l));
    return {
      env,
      jobs,
      stop: async () => {
        // Jobs first, so that no slurmstepd outlives the daemons.
        spawnSync('scancel', ['--full', '-u', user], { env: slurmEnv });
        await daemons.waitUntil('every job ending', () => jobs().length === 0).catch(() => undefined);
        await daemons.stop();
      },
    };
  } catch (err) {
    await daemons.stop();
    throw err;
  }
}

function run(argv: string[]): void {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (exit ${r.status}): ${r.stderr}`);
}
