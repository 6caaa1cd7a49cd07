import * as fs from 'fs';
import * as path from 'path';

/** Where `command` would be run from (as a shell finds it on PATH), or undefined when it is nowhere. */
export function findOnPath(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = command.includes('/')
    ? [command]
    : (env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir || '.', command));
  return candidates.find((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  });
}
