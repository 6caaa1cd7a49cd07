import * as path from 'path';
import type * as NodePty from 'node-pty';

/**
 * Where a node-pty other than our own may be found: a list of package folders (path-delimited). The
 * extension sets it to VS Code's bundled copy (`<appRoot>/node_modules/node-pty` or
 * `<appRoot>/node_modules.asar.unpacked/node-pty`) when ours was built for another ABI.
 */
export const NODE_PTY_PATH_ENV = 'REMOTE_EXEC_NODE_PTY_PATH';

let loaded: typeof NodePty | undefined;

/**
 * node-pty, loaded on first use only: it is native, and nothing but repl= gateways needs it, so a
 * missing or mismatched build never stops the other gateways.
 */
export function loadNodePty(env: NodeJS.ProcessEnv = process.env): typeof NodePty {
  if (loaded) return loaded;
  const failures: string[] = [];
  const candidates = ['node-pty'];
  for (const dir of (env[NODE_PTY_PATH_ENV] ?? '').split(path.delimiter)) {
    if (dir.trim()) candidates.push(dir.trim(), path.join(dir.trim(), 'node-pty'));
  }
  for (const candidate of candidates) {
    try {
      loaded = require(candidate) as typeof NodePty;
      return loaded;
    } catch (err) {
      failures.push(`  ${candidate}: ${firstLine(err)}`);
    }
  }
  const runtime = process.versions.electron ? `Electron ${process.versions.electron}` : `Node.js ${process.version}`;
  throw new Error(
    `repl= gateways need node-pty, which could not be loaded by this process (${runtime}, ABI ${process.versions.modules}, ${process.platform}-${process.arch}):\n` +
      `${failures.join('\n')}\n` +
      `Set ${NODE_PTY_PATH_ENV} to a node-pty folder built for ABI ${process.versions.modules} (VS Code bundles one under its appRoot's node_modules). ` +
      'Every other gateway kind (python=, node=, over popen, ssh and socket) keeps working.',
  );
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0];
}
