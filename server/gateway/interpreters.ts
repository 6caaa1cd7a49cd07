import { execFile } from 'child_process';
import * as fs from 'fs';
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
    // A native executable is its own target: only a script (a shim) needs the interpreter started to ask.
    const native = nativeExecutable(argv[0], env, cwd);
    result = native
      ? Promise.resolve([native, ...argv.slice(1)])
      : probe(argv, PROBES[kind], env, cwd).then((exe) => (exe ? [exe, ...argv.slice(1)] : argv));
    resolved.set(key, result);
  }
  return result;
}

/** The absolute path of `command` as a spawn would find it, when that file is an ELF or Mach-O binary. */
function nativeExecutable(command: string, env: NodeJS.ProcessEnv, cwd?: string): string | undefined {
  const dirs = command.includes('/') ? [''] : (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const dir of dirs) {
    const file = path.resolve(cwd ?? process.cwd(), dir, command);
    let fd: number | undefined;
    try {
      fs.accessSync(file, fs.constants.X_OK);
      fd = fs.openSync(file, 'r');
      const head = Buffer.alloc(4);
      fs.readSync(fd, head, 0, 4, 0);
      const magic = head.readUInt32BE(0);
      return magic === 0x7f454c46 || magic === 0xcffaedfe || magic === 0xcafebabe ? file : undefined;
    } catch {
      // Not here (or not readable): the next directory, as execvp does.
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }
  return undefined;
}

function probe(argv: string[], args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(argv[0], [...argv.slice(1), ...args], { env, cwd, timeout: 10000 }, (err, stdout) => {
      const out = String(stdout).trim();
      resolve(!err && out && path.isAbsolute(out) ? out : undefined);
    });
  });
}
