import * as fs from 'fs';
import * as path from 'path';
import type { Transport } from '../../protocol';
import { bootstrapPayload, loaderArgs } from '../agents';
import { pythonBootstrap } from '../agents/compiledCache';
import { resolveInterpreter } from '../gateway/interpreters';
import type { XSpec } from '../gateway/xspec';
import { spawnTransport } from './spawn';
import { openRepl } from './repl';
import { findOnPath } from './findOnPath';
import { AgentStartError, InterpreterNotFoundError } from './startErrors';

/** `popen`: the interpreter as a local child process, bootstrapped over its stdin. */
export async function openPopen(spec: XSpec): Promise<Transport> {
  if (spec.interpreter === 'repl') return openRepl(spec);
  const env = { ...process.env, ...spec.env };
  if (spec.chdir) makeFolder(spec.chdir);
  const command =
    spec.chdir && !path.isAbsolute(spec.argv[0]) && spec.argv[0].includes('/') ? path.resolve(spec.chdir, spec.argv[0]) : spec.argv[0];
  if (!findOnPath(command, env))
    throw new InterpreterNotFoundError(
      `${spec.raw}: ${spec.argv[0]} is not installed on this machine (not found ${command.includes('/') ? 'there' : 'on PATH'}); install it or give its path with ${spec.interpreter}=`,
    );
  const interpreter = await resolveInterpreter(spec.interpreter, spec.argv, env, spec.chdir);
  const loader = loaderArgs(spec.interpreter, { dontWriteBytecode: 'dont_write_bytecode' in spec.options });
  const argv = [...(spec.nice !== undefined ? ['nice', '-n', String(spec.nice)] : []), ...interpreter, ...loader];
  const preamble = spec.interpreter === 'python' ? pythonBootstrap(interpreter, env, spec.chdir) : bootstrapPayload(spec.interpreter);
  return spawnTransport(argv, { cwd: spec.chdir, env, preamble });
}

/** `chdir=` to a missing folder creates it (one level, as execnet does); failing that, says which folder. */
function makeFolder(dir: string): void {
  if (fs.existsSync(dir)) return;
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'its parent folder does not exist' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new AgentStartError(
      `chdir=${dir}: there is no folder ${dir} on this machine and remote-exec cannot create it (${why}); create it or fix the path`,
    );
  }
}
