import { spawn, type ChildProcess } from 'child_process';
import type { Transport, TransportExit } from '../../protocol';

export interface ProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Bytes written to stdin before anything else: the bootstrap. */
  preamble?: Buffer;
}

/** A Transport over a child process's stdin and stdout; its stderr is kept for diagnostics. */
export function spawnTransport(argv: string[], options: ProcessOptions = {}): Transport & { child: ChildProcess } {
  // detached: a session of its own, away from the user's terminal. Ctrl-C there is the host's to turn
  // into an INTERRUPT; it must not kill ssh, srun or docker under the agent, and sudo must not prompt
  // on the terminal behind the host's back. The agent still ends with its stdin, as always.
  const child = spawn(argv[0], argv.slice(1), { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let stderrTail = '';
  child.stderr!.setEncoding('utf8');
  // REMOTE_EXEC_DEBUG=2: the agent writes its trace to its stderr; it belongs on ours, beside the host's.
  const echo = (options.env ?? process.env).REMOTE_EXEC_DEBUG === '2';
  child.stderr!.on('data', (text: string) => {
    stderrTail = (stderrTail + text).slice(-4096);
    if (echo) process.stderr.write(text);
  });
  const exited = new Promise<TransportExit>((resolve) => {
    let spawnError: Error | undefined;
    child.on('error', (err) => {
      spawnError = err;
      // A command that cannot start never emits 'exit'.
      if (child.pid === undefined) resolve({ code: null, signal: null, stderrTail: `cannot start ${argv[0]}: ${err.message}` });
    });
    child.on('exit', (code, signal) => {
      const finish = () => resolve({ code, signal, stderrTail: spawnError ? `${stderrTail}\n${spawnError.message}` : stderrTail });
      // Let stderr drain so the tail is complete, but do not wait on a grandchild that kept it open.
      if (child.stderr!.readableEnded) finish();
      else {
        const timer = setTimeout(finish, 200);
        child.stderr!.once('end', () => {
          clearTimeout(timer);
          finish();
        });
      }
    });
  });
  child.stdin!.on('error', () => {
    // EPIPE after the agent died: reported through `exited`.
  });
  if (options.preamble) child.stdin!.write(options.preamble);
  return {
    child,
    input: child.stdout!,
    output: child.stdin!,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
