import type { Transport } from '../../protocol';
import { bootstrapPayload, loaderArgs } from '../agents';
import { pythonBootstrap } from '../agents/compiledCache';
import { resolveInterpreter } from '../gateway/interpreters';
import * as fs from 'fs';
import type { XSpec } from '../gateway/xspec';
import { AgentStartError } from './startErrors';
import { spawnTransport } from './spawn';
import { openRepl } from './repl';

/** `popen`: the interpreter as a local child process, bootstrapped over its stdin. */
export async function openPopen(spec: XSpec): Promise<Transport> {
  if (spec.interpreter === 'repl') return openRepl(spec);
  const env = { ...process.env, ...spec.env };
  if (spec.chdir) makeFolder(spec.chdir);
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
    throw new AgentStartError(`chdir=${dir}: cannot create the folder ${dir}: ${(err as Error).message}`);
  }
}
