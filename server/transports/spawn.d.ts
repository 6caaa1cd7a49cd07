import { type ChildProcess } from 'child_process';
import type { Transport } from '../../protocol';
export interface ProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Bytes written to stdin before anything else: the bootstrap. */
  preamble?: Buffer;
}
/** A Transport over a child process's stdin and stdout; its stderr is kept for diagnostics. */
export declare function spawnTransport(
  argv: string[],
  options?: ProcessOptions,
): Transport & {
  child: ChildProcess;
};
