import type { TransportExit } from '../../protocol';
import type { XSpec } from '../gateway/xspec';
import { slurmPending, slurmRefusal } from './srun';
import { AgentStartError, AuthenticationError, InterpreterNotFoundError, type GatewayStartError } from './startErrors';

const CONTAINER_KEYS = ['docker', 'podman', 'kubectl'] as const;

/**
 * Why a gateway through prefixes (srun=, docker=, podman=, kubectl=, sudo=) did not start, in the words
 * of the engine that refused: Slurm's own error, a container without the interpreter, a sudo that wants
 * a password, an engine command that is not installed. Undefined when none of them is recognised, so
 * that the general diagnosis applies. `where` names the machine the prefixes run on.
 */
export function prefixFailure(
  spec: XSpec,
  argv: string[],
  exit: Pick<TransportExit, 'code' | 'stderrTail'>,
  where = 'this machine',
): GatewayStartError | undefined {
  const tail = exit.stderrTail.trim();
  const code = exit.code;
  const first = argv[0];
  if (new RegExp(`(^|[\\s:])${escape(first)}: (command )?not found`).test(tail))
    return new AgentStartError(`${spec.raw}: ${first} is not installed on ${where} (${first}: command not found)`, code, tail);
  if ('srun' in spec.options) {
    const refusal = slurmRefusal(tail);
    if (refusal) return new AgentStartError(`${spec.raw}: Slurm did not start the job: ${refusal}`, code, tail);
    const pending = slurmPending(tail);
    if (pending !== undefined)
      return new AgentStartError(
        `${spec.raw}: Slurm queued the job but had not started it when the gateway stopped waiting${pending ? ` (${pending})` : ''}; ask for what the partition has free, or try again later`,
        code,
        tail,
      );
  }
  const interpreter = spec.argv[0];
  const container = CONTAINER_KEYS.find((k) => k in spec.options);
  if (container) {
    const name = spec.options[container];
    const missing = new RegExp(
      `${escape(interpreter)}["'\`]?:? .*(not found|no such file)|(not found|no such file).*${escape(interpreter)}`,
      'i',
    );
    if (missing.test(tail))
      return new InterpreterNotFoundError(`${spec.raw}: container ${name} has no ${interpreter} (not found on its PATH)`, code, tail);
    if (/no such container|is not running|not found: container/i.test(tail))
      return new AgentStartError(`${spec.raw}: there is no running container ${name} (${container} ps lists them)`, code, tail);
    if (/Cannot connect to the (Docker|Podman) daemon|cannot connect to Podman/i.test(tail))
      return new AgentStartError(
        `${spec.raw}: ${container} cannot reach its engine; start it, or point DOCKER_HOST or CONTAINER_HOST at it`,
        code,
        tail,
      );
  }
  if ('sudo' in spec.options) {
    if (/incorrect password attempt/i.test(tail))
      return new AuthenticationError(
        `${spec.raw}: sudo did not accept the password (to run as ${spec.options.sudo || 'root'})`,
        code,
        tail,
      );
    if (/a (terminal|password) is required|no password was provided/i.test(tail))
      return new AuthenticationError(
        `${spec.raw}: sudo wants a password to run as ${spec.options.sudo || 'root'} and none was given`,
        code,
        tail,
      );
    if (new RegExp(`sudo: ${escape(interpreter)}: command not found`).test(tail))
      return new InterpreterNotFoundError(
        `${spec.raw}: ${interpreter} was not found by sudo (as ${spec.options.sudo || 'root'})`,
        code,
        tail,
      );
  }
  return undefined;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
