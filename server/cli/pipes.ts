/**
 * A reader that stops early (`remote-exec exec ... | head -1`) closes the pipe under us: like any Unix
 * tool killed by SIGPIPE, the CLI then stops at once and quietly, instead of printing Node's EPIPE
 * stack trace. Exit status 141 is the shell's code for "ended by SIGPIPE".
 */
export function quietOnBrokenPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(141);
      throw err;
    });
  }
}
