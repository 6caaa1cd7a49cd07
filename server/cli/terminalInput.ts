import * as readline from 'readline';
import { Writable } from 'stream';
import type { InputHandler } from '../../protocol';

/**
 * Answers a gateway's input() and getpass() from this process's standard input, as a local program
 * would read it: line by line from a pipe or file (end of input is EOFError remotely), or typed on the
 * terminal with line editing, the prompt shown and a password never echoed. Nothing is read until the
 * remote code asks, so a program that reads no input leaves stdin alone.
 */
export class StdinLines {
  private rl: readline.Interface | undefined;
  private lines: string[] = [];
  private waiters: ((line: string | null) => void)[] = [];
  private ended = false;
  private muted = false;
  private sigint: (() => void) | undefined;

  /** `onInterrupt` is what Ctrl-C does while a terminal is read (it is a key there, not a signal). */
  constructor(private readonly onInterrupt?: () => void) {}

  readonly handler: InputHandler = (request) => {
    const rl = this.open();
    const out = request.password ? process.stderr : process.stdout;
    if (process.stdin.isTTY) {
      this.muted = request.password;
      rl.setPrompt(request.prompt);
      // The prompt goes through readline on a terminal, so that line editing redraws it.
      if (request.password) out.write(request.prompt);
      else rl.prompt(true);
    } else if (request.prompt) out.write(request.prompt);
    return this.next().then((line) => {
      if (request.password && process.stdin.isTTY) process.stderr.write('\n');
      this.muted = false;
      return line;
    });
  };

  /**
   * Hands every line the user types to `send` as it is typed (a REPL reads its input from its own
   * terminal, unasked). Only lines typed at a terminal: lines of a pipe that the code never reads would
   * reach the REPL itself after the run, as commands.
   */
  forwardTyped(send: (line: string) => void): void {
    if (!process.stdin.isTTY) return;
    this.open().on('line', () => {
      const line = this.lines.pop();
      if (line !== undefined) send(line);
    });
  }

  /** Stops reading, so that standard input no longer keeps this process alive. */
  close(): void {
    this.rl?.close();
    process.stdin.pause();
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
  }

  private open(): readline.Interface {
    if (this.rl) return this.rl;
    const tty = process.stdin.isTTY === true;
    const echo = new Writable({
      write: (chunk, _encoding, done) => {
        if (!this.muted) process.stdout.write(chunk);
        done();
      },
    });
    const rl = readline.createInterface({ input: process.stdin, output: tty ? echo : undefined, terminal: tty });
    rl.on('line', (line) => {
      const waiter = this.waiters.shift();
      if (waiter) waiter(line);
      else this.lines.push(line);
    });
    rl.on('close', () => {
      this.ended = true;
      for (const waiter of this.waiters.splice(0)) waiter(null);
    });
    this.sigint = this.onInterrupt;
    if (this.sigint) rl.on('SIGINT', this.sigint);
    this.rl = rl;
    return rl;
  }

  private next(): Promise<string | null> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
