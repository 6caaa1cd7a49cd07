/**
 * execnet's xspec strings: `popen//python=python3.11//chdir=/tmp//env:NAME=value//id=gw7`.
 * Transport and interpreter are orthogonal: `ssh=host//node=node` is valid.
 */
export type TransportKind = 'popen' | 'ssh' | 'socket';
export type InterpreterKind = 'python' | 'node' | 'repl';
export interface XSpec {
  /** The spec as written. */
  readonly raw: string;
  transport: TransportKind;
  /** The transport's argument: `[user@]host[:port]` for ssh, `host:port` for socket. */
  address?: string;
  interpreter: InterpreterKind;
  /** The interpreter's command line, split like a shell would (`python=` / `node=` / `repl=`). */
  argv: string[];
  chdir?: string;
  nice?: number;
  env: Record<string, string>;
  id?: string;
  /** Keys this parser knows but leaves to the transport that reads them (`ssh_config=`, `token-file=`, ...). */
  options: Record<string, string>;
}
export declare class XSpecError extends Error {
  readonly name = 'XSpecError';
}
/** Keys a transport reads from `options`; listed so that a typo is still an error that names it. */
export declare const TRANSPORT_OPTION_KEYS: Set<string>;
export declare function parseXSpec(raw: string): XSpec;
/** Splits a command line as a POSIX shell would: quotes, backslash escapes, no expansion. */
export declare function splitCommandLine(line: string, where?: string): string[];
/** Quotes argv for a POSIX shell (the remote side of ssh). */
export declare function shellQuote(argv: string[]): string;
