/**
 * What the CLI says when something a user caused goes wrong: a sentence naming the cause and a fix,
 * never Node's raw `ENOENT: no such file or directory, open 'x'`.
 */

/** Errors whose message is already the sentence to show (ours are written that way). */
const OURS = new Set([
  'XSpecError',
  'GatewayStartError',
  'HostUnreachableError',
  'AuthenticationError',
  'HostKeyError',
  'InterpreterNotFoundError',
  'AgentStartError',
  'RemoteError',
]);

const FILE_PROBLEMS: Record<string, (file: string) => string> = {
  ENOENT: (f) => `${f} does not exist; check the path (it is read on this machine)`,
  EISDIR: (f) => `${f} is a folder, not a file; give a file to run`,
  ENOTDIR: (f) => `a part of ${f} is not a folder; check the path`,
  EACCES: (f) => `${f} cannot be read: permission denied; check its mode or owner`,
  EPERM: (f) => `${f} cannot be read: operation not permitted`,
  ELOOP: (f) => `${f} is a symlink loop; check where it points`,
};

/** A file named on the command line that cannot be read, said in words; undefined when `err` is something else. */
export function describeFileError(err: unknown, file: string): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const say = code ? FILE_PROBLEMS[code] : undefined;
  return say ? `cannot read ${JSON.stringify(file)}: ${say(file)}` : undefined;
}

export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as NodeJS.ErrnoException;
  if (OURS.has(e.name)) return e.message;
  if (typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS_'))
    return `${e.message.replace(/\.?$/, '.')} Run "remote-exec help COMMAND" for its options.`;
  if (e.path && e.code) {
    const file = describeFileError(e, e.path);
    if (file) return file;
  }
  return e.message;
}
