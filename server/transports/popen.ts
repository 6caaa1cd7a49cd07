import type { Transport } from '../../protocol';
import { bootstrapPayload, loaderArgs } from '../agents';
import { pythonBootstrap } from '../agents/compiledCache';
import { resolveInterpreter } from '../gateway/interpreters';
import type { XSpec } from '../gateway/xspec';
import { spawnTransport } from './spawn';
import { openRepl } from './repl';

/** `popen`: the interpreter as a local child process, bootstrapped over its stdin. */
export async function openPopen(spec: XSpec): Promise<Transport> {
  if (spec.interpreter === 'repl') return openRepl(spec);
  const env = { ...process.env, ...spec.env };
  const interpreter = await resolveInterpreter(spec.interpreter, spec.argv, env, spec.chdir);
  const argv = [...(spec.nice !== undefined ? ['nice', '-n', String(spec.nice)] : []), ...interpreter, ...loaderArgs(spec.interpreter)];
  const preamble = spec.interpreter === 'python' ? pythonBootstrap(interpreter, env, spec.chdir) : bootstrapPayload(spec.interpreter);
  return spawnTransport(argv, { cwd: spec.chdir, env, preamble });
}
