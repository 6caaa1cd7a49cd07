import type { Transport } from '../../protocol';
import { bootstrapPayload, loaderArgs } from '../agents';
import { splitCommandLine, XSpecError, type XSpec } from '../gateway/xspec';
import { spawnTransport } from './spawn';
import { classifyStartFailure, withStartDiagnosis } from './startErrors';

/**
 * Prefix transports, as mitogen has them: a command line put in front of the interpreter's, the agent
 * bootstrapped through it exactly as with popen. They nest in the order written, outermost first, and
 * run wherever the spec's transport runs commands (locally, or remotely over ssh).
 */
export const PREFIX_KEYS = ['sudo', 'docker', 'kubectl', 'srun', 'cmd'] as const;

export function prefixArgv(spec: XSpec): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(spec.options)) {
    const where = `${key}= in xspec ${JSON.stringify(spec.raw)}`;
    switch (key) {
      case 'sudo':
        // -n: fail at once instead of prompting for a password nobody can type.
        out.push('sudo', '-n', ...(value ? ['-u', value] : []), '--');
        break;
      case 'docker':
        if (!value) throw new XSpecError(`${where} needs a container name or id`);
        out.push('docker', 'exec', '-i', value);
        break;
      case 'kubectl':
        if (!value) throw new XSpecError(`${where} needs a pod name`);
        out.push('kubectl', 'exec', '-i');
        if (spec.options.namespace) out.push('-n', spec.options.namespace);
        if (spec.options.context) out.push('--context', spec.options.context);
        out.push(value, '--');
        break;
      case 'srun':
        out.push('srun', ...(value ? splitCommandLine(value, where) : []));
        break;
      case 'cmd':
        out.push(...splitCommandLine(value, where));
        break;
      default:
        break;
    }
  }
  return out;
}

export function hasPrefix(spec: XSpec): boolean {
  return PREFIX_KEYS.some((k) => k in spec.options);
}

/** The interpreter with its loader, after `env NAME=value` and `nice -n N` when the spec asks for them. */
export function interpreterArgv(spec: XSpec): string[] {
  if (spec.interpreter === 'repl')
    throw new Error(`repl= gateways do not start through sudo=, docker=, kubectl=, srun= or cmd= prefixes (${spec.raw})`);
  const env = Object.entries(spec.env).map(([k, v]) => `${k}=${v}`);
  return [
    ...(env.length ? ['env', ...env] : []),
    ...(spec.nice !== undefined ? ['nice', '-n', String(spec.nice)] : []),
    ...spec.argv,
    ...loaderArgs(spec.interpreter, { dontWriteBytecode: 'dont_write_bytecode' in spec.options }),
  ];
}

/** Shell code that changes to `dir`, creating it first when it is missing (one level, as execnet does). */
export const MAKE_AND_CD = (dir: string): string => `{ [ -d ${dir} ] || mkdir ${dir}; } && cd ${dir}`;

/**
 * The whole command that starts the agent behind the prefixes. `chdir=` is done by a tiny `sh` after the
 * prefixes, so it happens where the interpreter runs (inside the container, as the sudo user).
 */
export function agentCommand(spec: XSpec): string[] {
  const inner = interpreterArgv(spec);
  const chdir = spec.chdir ? ['sh', '-c', `${MAKE_AND_CD('"$1"')} && shift && exec "$@"`, 'remote-exec', spec.chdir] : [];
  return [...prefixArgv(spec), ...chdir, ...inner];
}

/** A local (popen) gateway through prefixes: `popen//sudo=nobody`, `popen//docker=box//node=node`. */
export async function openPrefixed(spec: XSpec): Promise<Transport> {
  const argv = agentCommand(spec);
  const payload = bootstrapPayload(spec.interpreter as 'python' | 'node');
  const transport = spawnTransport(argv, { env: process.env, preamble: payload });
  return withStartDiagnosis(transport, (exit, cause) =>
    classifyStartFailure(exit, `${spec.raw} (${argv.slice(0, 4).join(' ')} ...)`, { ssh: false, cause }),
  );
}
