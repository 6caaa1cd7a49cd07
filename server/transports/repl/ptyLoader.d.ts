import type * as NodePty from 'node-pty';
/**
 * Where a node-pty other than our own may be found: a list of package folders (path-delimited). The
 * extension sets it to VS Code's bundled copy (`<appRoot>/node_modules/node-pty` or
 * `<appRoot>/node_modules.asar.unpacked/node-pty`) when ours was built for another ABI.
 */
export declare const NODE_PTY_PATH_ENV = 'REMOTE_EXEC_NODE_PTY_PATH';
/**
 * node-pty, loaded on first use only: it is native, and nothing but repl= gateways needs it, so a
 * missing or mismatched build never stops the other gateways.
 */
export declare function loadNodePty(env?: NodeJS.ProcessEnv): typeof NodePty;
