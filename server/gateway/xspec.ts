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
  /** `window=ITEMS:BYTES`: each channel's window in both directions (PROTOCOL.md §6.4). */
  window?: { items: number; bytes: number };
  /** `requests=N`: proxy calls (OBJECT requests) in flight at once; more wait on the host (PROTOCOL.md §7.1). */
  requests?: number;
  /** Keys this parser knows but leaves to the transport that reads them (`ssh_config=`, `token-file=`, ...). */
  options: Record<string, string>;
}

export class XSpecError extends Error {
  override readonly name = 'XSpecError';
}

/** Keys a transport reads from `options`; listed so that a typo is still an error that names it. */
export const TRANSPORT_OPTION_KEYS = new Set([
  'ssh_config',
  'token-file',
  'token',
  'via',
  'sudo',
  'docker',
  'podman',
  'kubectl',
  'namespace',
  'context',
  'srun',
  'cmd',
  'dont_write_bytecode',
  'loglevel',
]);

/** `[user@]host[:port]`, the host a name, an IPv4 address or an IPv6 address in brackets (`alice@[::1]:2222`). */
export const SSH_ADDRESS = /^(?:([^@\s/[\]]+)@)?(\[[0-9A-Fa-f:.]+(?:%[\w.-]+)?\]|[^@\s:/[\]]+)(?::(\d+))?$/;

function checkPort(port: string | undefined, where: string): void {
  if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535))
    throw new XSpecError(`port ${port} is not a TCP port (1 to 65535): ${where}`);
}

const DEFAULT_ARGV: Record<InterpreterKind, string[]> = { python: ['python3'], node: ['node'], repl: [] };

export function parseXSpec(raw: string): XSpec {
  if (typeof raw !== 'string' || raw.trim() === '')
    throw new XSpecError('empty xspec: expected e.g. "popen", "ssh=host" or "socket=127.0.0.1:8888"');
  const spec: XSpec = { raw, transport: 'popen', interpreter: 'python', argv: [], env: {}, options: {} };
  let interpreterSet = false;
  let transportSet = false;
  const parts = raw.split('//');
  parts.forEach((part, index) => {
    const where = `part ${index + 1} ${JSON.stringify(part)} of xspec ${JSON.stringify(raw)}`;
    if (part === '') throw new XSpecError(`empty ${where}`);
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    const setTransport = (kind: TransportKind, address?: string) => {
      if (transportSet) throw new XSpecError(`second transport in ${where}: a spec has one of popen, ssh=, socket=`);
      if (index !== 0) throw new XSpecError(`transport must come first: ${where}`);
      transportSet = true;
      spec.transport = kind;
      if (address !== undefined) spec.address = address;
    };
    const setInterpreter = (kind: InterpreterKind) => {
      if (interpreterSet) throw new XSpecError(`second interpreter in ${where}: a spec has one of python=, node=, repl=`);
      interpreterSet = true;
      spec.interpreter = kind;
      if (value === '' && kind === 'repl')
        throw new XSpecError(`repl= needs a command line, e.g. repl=bash or "repl=R --vanilla": ${where}`);
      spec.argv = value === '' ? [...DEFAULT_ARGV[kind]] : splitCommandLine(value, where);
    };
    if (key.startsWith('env:')) {
      const name = key.slice(4);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new XSpecError(`bad environment variable name ${JSON.stringify(name)} in ${where}`);
      if (eq < 0) throw new XSpecError(`env:${name} needs a value (env:${name}=value) in ${where}`);
      spec.env[name] = value;
      return;
    }
    switch (key) {
      case 'popen':
        if (eq >= 0) throw new XSpecError(`popen takes no value (use python=... for the interpreter): ${where}`);
        return setTransport('popen');
      case 'ssh': {
        const m = SSH_ADDRESS.exec(value);
        if (!m) throw new XSpecError(`ssh= needs [user@]host[:port] (an IPv6 host in brackets: [::1]): ${where}`);
        checkPort(m[3], where);
        return setTransport('ssh', value);
      }
      case 'socket': {
        const m = /^(?:\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):(\d+)$/.exec(value);
        if (!m) throw new XSpecError(`socket= needs host:port (an IPv6 host in brackets: [::1]:8888): ${where}`);
        checkPort(m[1], where);
        return setTransport('socket', value);
      }
      case 'python':
        return setInterpreter('python');
      case 'node':
        return setInterpreter('node');
      case 'repl':
        return setInterpreter('repl');
      case 'chdir':
        if (value === '') throw new XSpecError(`chdir= needs a directory: ${where}`);
        spec.chdir = value;
        return;
      case 'nice': {
        if (!/^-?\d+$/.test(value)) throw new XSpecError(`nice= needs an integer: ${where}`);
        spec.nice = Number(value);
        return;
      }
      case 'spin':
        if (!/^\d+$/.test(value)) throw new XSpecError(`spin= needs microseconds, 0 or more (0: the agent never spins): ${where}`);
        spec.options.spin = value;
        return;
      case 'execmodel':
        // execnet's execution models; the agent reads it from its environment (PROTOCOL.md §1).
        if (value !== 'thread' && value !== 'main_thread_only') throw new XSpecError(`execmodel= is thread or main_thread_only: ${where}`);
        spec.env.REMOTE_EXEC_EXECMODEL = value;
        return;
      case 'window': {
        const m = /^(\d+):(\d+)([KMG]?)$/i.exec(value);
        const items = m ? Number(m[1]) : 0;
        const unit: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };
        const bytes = m ? Number(m[2]) * unit[m[3].toUpperCase()] : 0;
        if (!(items > 0 && bytes > 0 && Number.isSafeInteger(items) && Number.isSafeInteger(bytes)))
          throw new XSpecError(`window= needs ITEMS:BYTES, both positive, bytes optionally with K, M or G (window=1024:16M): ${where}`);
        spec.window = { items, bytes };
        return;
      }
      case 'requests':
        if (!/^\d+$/.test(value) || !(Number(value) > 0 && Number.isSafeInteger(Number(value))))
          throw new XSpecError(`requests= needs a positive count of proxy calls in flight at once (requests=4096): ${where}`);
        spec.requests = Number(value);
        return;
      case 'id':
        if (!/^[A-Za-z0-9_.-]+$/.test(value)) throw new XSpecError(`id= needs letters, digits, '_', '.' or '-': ${where}`);
        spec.id = value;
        return;
      default:
        if (TRANSPORT_OPTION_KEYS.has(key)) {
          spec.options[key] = value;
          return;
        }
        throw new XSpecError(
          `unknown key ${JSON.stringify(key)} in ${where}; known: popen, ssh=, socket=, python=, node=, repl=, chdir=, nice=, env:NAME=, id=, spin=, execmodel=, window=, requests=, ${Array.from(
            TRANSPORT_OPTION_KEYS,
          )
            .map((k) => k + '=')
            .join(', ')}`,
        );
    }
  });
  if (!interpreterSet) spec.argv = [...DEFAULT_ARGV.python];
  return spec;
}

/** Splits a command line as a POSIX shell would: quotes, backslash escapes, no expansion. */
export function splitCommandLine(line: string, where = 'command line'): string[] {
  const out: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") {
      if (c === "'") quote = null;
      else current += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1])) current += line[++i];
      else current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 < line.length) current += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (quote) throw new XSpecError(`unterminated ${quote} quote in ${where}`);
  if (inWord) out.push(current);
  if (out.length === 0) throw new XSpecError(`empty command line in ${where}`);
  return out;
}

/** Quotes argv for a POSIX shell (the remote side of ssh). */
export function shellQuote(argv: string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
