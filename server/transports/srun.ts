import { splitCommandLine, XSpecError } from '../gateway/xspec';

/**
 * `srun=ARGS`: the agent as one Slurm task. srun buffers a task's stdout by line unless told not to,
 * which would hold back the binary protocol forever (the HELLO never arrives), so `--unbuffered` is
 * always added. A gateway is one stream to one process: ARGS that start several tasks are refused.
 */
export function srunArgv(value: string, where: string): string[] {
  const args = value.trim() ? splitCommandLine(value, where) : [];
  const tasks = taskCount(args);
  if (tasks !== undefined && tasks.count > 1)
    throw new XSpecError(
      `${where} asks for ${tasks.count} tasks (${tasks.option}), but a gateway is one task on one stream; ` +
        `for ${tasks.count} gateways use a Group: "${tasks.count}*popen//srun=..." without ${tasks.option}`,
    );
  const unbuffered = args.some((a) => a === '-u' || a === '--unbuffered');
  return ['srun', ...(unbuffered ? [] : ['--unbuffered']), ...args];
}

/** Options by which srun starts more than one task: -n/--ntasks, -N/--nodes, --ntasks-per-node and friends. */
const TASK_OPTIONS: [short: string | undefined, long: string][] = [
  ['-n', '--ntasks'],
  ['-N', '--nodes'],
  [undefined, '--ntasks-per-node'],
  [undefined, '--ntasks-per-socket'],
  [undefined, '--ntasks-per-core'],
  [undefined, '--ntasks-per-gpu'],
];

function taskCount(args: string[]): { count: number; option: string } | undefined {
  let found: { count: number; option: string } | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') break;
    for (const [short, long] of TASK_OPTIONS) {
      let text: string | undefined;
      if (arg === long || arg === short) text = args[i + 1];
      else if (arg.startsWith(`${long}=`)) text = arg.slice(long.length + 1);
      else if (short && arg.startsWith(short) && arg.length > 2 && !arg.startsWith('--')) text = arg.slice(2);
      if (text === undefined) continue;
      // -N 2-4 is a range of nodes: its lower bound is what is certain to start.
      const count = Number(/^\d+/.exec(text)?.[0]);
      if (Number.isFinite(count) && (!found || count > found.count))
        found = { count, option: arg === long || arg === short ? `${arg} ${text}` : arg };
    }
  }
  return found;
}

/** srun's own account of why it did not start the job (`srun: error: ...` lines), when it gave one. */
export function slurmRefusal(stderrTail: string): string | undefined {
  const errors = stderrTail
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^srun: (error|fatal): /.test(l))
    .map((l) => l.replace(/^srun: (error|fatal): /, ''));
  return errors.length ? errors.join('; ') : undefined;
}

/** Why srun is still waiting for its job to start (`srun: job 12 queued and waiting for resources`), or undefined when it is not. */
export function slurmPending(stderrTail: string): string | undefined {
  const lines = stderrTail.split('\n').map((l) => l.trim());
  if (!lines.some((l) => /^srun: job \d+ queued and waiting for resources/.test(l))) return undefined;
  return lines
    .filter((l) => l.startsWith('srun: ') && !/^srun: job \d+ /.test(l))
    .map((l) => l.slice('srun: '.length))
    .join('; ');
}
