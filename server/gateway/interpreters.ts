import { execFile } from 'child_process';
import * as path from 'path';

/**
 * Resolves an interpreter command (`python3`, a pyenv shim, `node`) to the real executable once per
 * process, so later starts skip the shim (pyenv's costs about 100 ms a start). Not cached on disk: a
 * shim's target changes with the user's settings (`pyenv global`) without the shim changing.
 */
const resolved = new Map<string, Promise<string[]>>();

const PROBES: Record<string, string[]> = {
  python: ['-c', 'import sys; sys.stdout.write(sys.executable)'],
  node: ['-e', 'process.stdout.write(process.execPath)'],
};

export function resolveInterpreter(kind: 'python' | 'node', argv: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<string[]> {
  const key = JSON.stringify([kind, argv, env.PATH ?? '', env.PYENV_VERSION ?? '', cwd ?? '']);
  let result = resolved.get(key);
  if (!result) {
    result = probe(argv, PROBES[kind], env, cwd).then((exe) => (exe ? [exe, ...argv.slice(1)] : argv));
    resolved.set(key, result);
  }
  return result;
}

function probe(argv: string[], args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(argv[0], [...argv.slice(1), ...args], { env, cwd, timeout: 10000 }, (err, stdout) => {
      const out = String(stdout).trim();
      resolve(!err && out && path.isAbsolute(out) ? out : undefined);
    });
  });
}
