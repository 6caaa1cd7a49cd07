import type { Transport } from '../../protocol';
import { type XSpec } from '../gateway/xspec';
/**
 * Prefix transports, as mitogen has them: a command line put in front of the interpreter's, the agent
 * bootstrapped through it exactly as with popen. They nest in the order written, outermost first, and
 * run wherever the spec's transport runs commands (locally, or remotely over ssh).
 */
export declare const PREFIX_KEYS: readonly ['sudo', 'docker', 'kubectl', 'srun', 'cmd'];
export declare function prefixArgv(spec: XSpec): string[];
export declare function hasPrefix(spec: XSpec): boolean;
/** The interpreter with its loader, after `env NAME=value` and `nice -n N` when the spec asks for them. */
export declare function interpreterArgv(spec: XSpec): string[];
/**
 * The whole command that starts the agent behind the prefixes. `chdir=` is done by a tiny `sh` after the
 * prefixes, so it happens where the interpreter runs (inside the container, as the sudo user).
 */
export declare function agentCommand(spec: XSpec): string[];
/** A local (popen) gateway through prefixes: `popen//sudo=nobody`, `popen//docker=box//node=node`. */
export declare function openPrefixed(spec: XSpec): Promise<Transport>;
