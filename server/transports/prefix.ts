import type { Transport } from '../../protocol';
import { bootstrapPayload, loaderArgs } from '../agents';
import { splitCommandLine, XSpecError, type XSpec } from '../gateway/xspec';
import { spawnTransport } from './spawn';
import { srunArgv } from './srun';
import { sudoPassword } from './sudoPassword';
import { prefixFailure } from './prefixErrors';
import { AgentStartError, classifyStartFailure, withStartDiagnosis } from './startErrors';
import { findOnPath } from './findOnPath';

/**
 * Prefix transports, as mitogen has them: a command line put in front of the interpreter's, the agent
 * bootstrapped through it exactly as with popen. They nest in the order written, outermost first, and
 * run wherever the spec's transport runs commands (locally, or remotely over ssh).
 */
export const PREFIX_KEYS = ['sudo', 'docker', 'podman', 'kubectl', 'srun', 'cmd'] as const;

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
      case 'podman':
        if (!value) throw new XSpecError(`${where} needs a container name or id`);
        out.push(key, 'exec', '-i', value);
        break;
      case 'kubectl':
        if (!value) throw new XSpecError(`${where} needs a pod name`);
        out.push('kubectl', 'exec', '-i');
        if (spec.options.namespace) out.push('-n', spec.options.namespace);
        if (spec.options.context) out.push('--context', spec.options.context);
        out.push(value, '--');
        break;
      case 'srun':
        out.push(...srunArgv(value, where));
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
  if (spec.interpreter === 'repl') throw new Error(`repl= gateways start in a terminal, not from a loader (${spec.raw})`);
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
 * `command` behind the spec's prefixes. `chdir=` is done by a tiny `sh` after the prefixes, so it
 * happens where the command runs (inside the container, as the sudo user).
 */
export function behindPrefixes(spec: XSpec, command: string[]): string[] {
  const chdir = spec.chdir ? ['sh', '-c', `${MAKE_AND_CD('"$1"')} && shift && exec "$@"`, 'remote-exec', spec.chdir] : [];
  return [...prefixArgv(spec), ...chdir, ...command];
}

/** The whole command that starts the agent behind the prefixes. */
export function agentCommand(spec: XSpec): string[] {
  return behindPrefixes(spec, interpreterArgv(spec));
}

/** A local (popen) gateway through prefixes: `popen//sudo=nobody`, `popen//docker=box//node=node`. */
export async function openPrefixed(spec: XSpec): Promise<Transport> {
  const argv = agentCommand(spec);
  if (!findOnPath(argv[0], process.env))
    throw new AgentStartError(`${spec.raw}: ${argv[0]} is not installed on this machine (not found on PATH); install it or fix PATH`);
  let payload = bootstrapPayload(spec.interpreter as 'python' | 'node');
  if (argv[0] === 'sudo') {
    const password = await sudoPassword(spec.options.sudo, spec.raw);
    if (password !== undefined) {
      // -S: sudo reads the password as the first line of its stdin, byte by byte, and leaves the rest
      // (the bootstrap) to the interpreter. -p '': its prompt was ours, on the user's terminal.
      argv.splice(argv.indexOf('-n'), 1, '-S', '-p', '');
      payload = Buffer.concat([Buffer.from(password + '\n'), payload]);
    }
  }
  const transport = spawnTransport(argv, { env: process.env, preamble: payload });
  return withStartDiagnosis(
    transport,
    (exit, cause) =>
      prefixFailure(spec, argv, exit) ??
      classifyStartFailure(exit, `${spec.raw} (${argv.slice(0, 4).join(' ')} ...)`, { ssh: false, cause }),
  );
}
