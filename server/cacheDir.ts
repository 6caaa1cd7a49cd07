import * as os from 'os';
import * as path from 'path';

/**
 * Where this host keeps what remote-exec caches for itself (the compiled Python agent, the CLI's code
 * cache): $REMOTE_EXEC_CACHE_DIR (empty: no cache), else $XDG_CACHE_HOME/remote-exec or ~/.cache/remote-exec.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dir = env.REMOTE_EXEC_CACHE_DIR;
  if (dir !== undefined) return dir === '' ? undefined : dir;
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'remote-exec');
}
