import * as fs from 'fs';
import * as path from 'path';
import type { Transport } from '../../protocol';
import { bootstrapPayload, loaderArgs } from '../agents';
import { resolveInterpreter } from '../gateway/interpreters';
import type { XSpec } from '../gateway/xspec';
import { spawnTransport } from './spawn';
import { openRepl } from './repl';
import { findOnPath } from './findOnPath';
import { AgentStartError, InterpreterNotFoundError } from './startErrors';

function isFolder(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** `popen`: the interpreter as a local child process, bootstrapped over its stdin. */
export async function openPopen(spec: XSpec): Promise<Transport> {
  if (spec.interpreter === 'repl') return openRepl(spec);
  const env = { ...process.env, ...spec.env };
  if (spec.chdir && !isFolder(spec.chdir))
    throw new AgentStartError(`${spec.raw}: there is no folder ${spec.chdir} on this machine (chdir=); create it or fix the path`);
  const command =
    spec.chdir && !path.isAbsolute(spec.argv[0]) && spec.argv[0].includes('/') ? path.resolve(spec.chdir, spec.argv[0]) : spec.argv[0];
  if (!findOnPath(command, env))
    throw new InterpreterNotFoundError(
      `${spec.raw}: ${spec.argv[0]} is not installed on this machine (not found ${command.includes('/') ? 'there' : 'on PATH'}); install it or give its path with ${spec.interpreter}=`,
    );
  const interpreter = await resolveInterpreter(spec.interpreter, spec.argv, env, spec.chdir);
  const argv = [...(spec.nice !== undefined ? ['nice', '-n', String(spec.nice)] : []), ...interpreter, ...loaderArgs(spec.interpreter)];
  return spawnTransport(argv, { cwd: spec.chdir, env, preamble: bootstrapPayload(spec.interpreter) });
}
