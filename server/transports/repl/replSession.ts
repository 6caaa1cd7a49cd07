import { endPrefix, newToken, parseEnd, partialSuffix, startMarker, type RunEnd } from './markers';
import type { ReplProfile } from './profiles';

/** The part of node-pty's IPty a session uses. */
export interface PtyLike {
  readonly pid: number;
  write(data: string): void;
  onData(listener: (data: string) => void): { dispose(): void };
  onExit(listener: (e: { exitCode: number; signal?: number }) => void): { dispose(): void };
  kill(signal?: string): void;
  pause(): void;
  resume(): void;
  resize(cols: number, rows: number): void;
}

export interface RunResult {
  /** The run raised, exited non-zero, or was interrupted: `[type, message, traceback or output tail]`. */
  error?: [string, string, string];
}

interface Run {
  tok: string;
  code: string;
  started: boolean;
  interrupted: boolean;
  onOutput: (text: string) => void;
  resolve: (result: RunResult) => void;
  reject: (err: Error) => void;
  /** The last output, for the error of a failed run. */
  tail: string;
  /**
   * Output since Ctrl-C, held back: if the REPL abandons the run, what it prints then (its own error
   * report, the echo of the recover line) is not the run's output.
   */
  held?: string;
  recoverTimer?: NodeJS.Timeout;
}

const TAIL = 2000;
/** How long after Ctrl-C a run may take to report its own end before the profile's recover line is typed. */
const RECOVER_AFTER_MS = 400;

/**
 * One REPL in a terminal, driven as a sequence of runs. A run types the profile's lines, drops what the
 * terminal shows until the run's start marker, streams what follows until its end marker, and reports
 * how the run ended. Runs are serialized: the next one is typed only after the end of the last.
 */
export class ReplSession {
  private buffer = '';
  private heldCR = false;
  private current?: Run;
  private discardedTail = '';
  /** What the terminal showed before anything was typed: why a REPL could not start. */
  private preamble = '';
  private typed = false;
  private ready = false;
  private exitInfo?: { exitCode: number; signal?: number };
  private readonly exitWaiters: ((e: { exitCode: number; signal?: number }) => void)[] = [];

  constructor(
    readonly pty: PtyLike,
    readonly profile: ReplProfile,
  ) {
    pty.onData((data) => this.onData(data));
    pty.onExit((e) => this.onExit(e));
  }

  /** Types the setup lines and runs the version probe; resolves with the version ('' when unknown). */
  async start(): Promise<string> {
    // The REPL's first words (a banner, a prompt, or why it could not start) come before any typing.
    await this.firstOutputOrExit(3000);
    // A command that could not be started says so and exits at once; typing into it would fail.
    await Promise.race([this.whenExited(), new Promise((resolve) => setTimeout(resolve, 50))]);
    if (this.exitInfo) throw new Error(`the REPL exited at start${this.describeExit()}`);
    const setup = this.profile.setup();
    if (setup.length) this.type(setup);
    if (!this.profile.versionCode) {
      // Nothing to probe with: a moment in which a command that failed has exited.
      await Promise.race([this.whenExited(), new Promise((resolve) => setTimeout(resolve, 300))]);
      if (this.exitInfo) throw new Error(`the REPL exited at start${this.describeExit()}`);
      this.ready = true;
      return '';
    }
    let version = '';
    const result = await this.run(this.profile.versionCode, (text) => (version += text));
    this.ready = true;
    return result.error ? '' : version.trim();
  }

  /** Runs `code`; output is passed to `onOutput` as it arrives. Rejects only when the REPL is gone. */
  run(code: string, onOutput: (text: string) => void): Promise<RunResult> {
    if (this.current) return Promise.reject(new Error('a run is already in progress (runs are serialized by the caller)'));
    if (this.exitInfo) return Promise.reject(new Error(`the REPL has exited${this.describeExit()}`));
    return new Promise<RunResult>((resolve, reject) => {
      const run: Run = { tok: newToken(), code, started: false, interrupted: false, onOutput, resolve, reject, tail: '' };
      this.current = run;
      // Anything still buffered belongs to the time between runs.
      this.discard(this.buffer);
      this.buffer = '';
      this.type(this.profile.run(code, run.tok));
    });
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  /**
   * Ctrl-C to the terminal, which sends SIGINT to its foreground process group. Sent only once the run
   * has started: Ctrl-C while the REPL still reads the run's lines would discard them.
   */
  interrupt(): void {
    const run = this.current;
    if (!run) return;
    run.interrupted = true;
    if (run.started) this.sendInterrupt(run);
  }

  /** Stops the current run and exits the REPL; kills it if it is still there after `timeoutMs`. */
  close(timeoutMs = 3000): Promise<void> {
    if (this.exitInfo) return Promise.resolve();
    if (this.current) this.pty.write('\x03');
    this.pty.write(this.profile.exitLine + '\r');
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.kill();
        resolve();
      }, timeoutMs);
      this.exitWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  kill(): void {
    if (this.exitInfo) return;
    try {
      this.pty.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }

  /** What the terminal showed outside runs lately: the diagnostics of a REPL that would not start. */
  get diagnostics(): string {
    if (!this.ready && this.preamble.trim()) return this.preamble.trim();
    return (this.discardedTail + this.buffer).slice(-TAIL);
  }

  whenExited(): Promise<{ exitCode: number; signal?: number }> {
    if (this.exitInfo) return Promise.resolve(this.exitInfo);
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  private firstOutputOrExit(timeoutMs: number): Promise<void> {
    if (this.exitInfo || this.discardedTail || this.buffer) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const data = this.pty.onData(() => done());
      this.exitWaiters.push(() => done());
      function done() {
        clearTimeout(timer);
        data.dispose();
        resolve();
      }
    });
  }

  private sendInterrupt(run: Run): void {
    run.held ??= '';
    this.pty.write('\x03');
    if (this.profile.recover && !run.recoverTimer) {
      run.recoverTimer = setTimeout(() => {
        run.recoverTimer = undefined;
        if (this.current === run && !this.exitInfo) this.pty.write(this.profile.recover!(run.tok) + '\r');
      }, RECOVER_AFTER_MS);
    }
  }

  private type(lines: string[]): void {
    this.typed = true;
    // Enter is CR on a terminal; the line discipline or readline turns it into the end of a line.
    this.pty.write(lines.join('\r') + '\r');
  }

  private onData(data: string): void {
    let text = (this.heldCR ? '\r' : '') + data;
    this.heldCR = text.endsWith('\r');
    if (this.heldCR) text = text.slice(0, -1);
    this.buffer += text.replace(/\r\n/g, '\n');
    this.scan();
  }

  private scan(): void {
    for (;;) {
      const run = this.current;
      if (!run) {
        this.discard(this.buffer);
        this.buffer = '';
        return;
      }
      if (!run.started) {
        const marker = startMarker(run.tok);
        const at = this.buffer.indexOf(marker);
        if (at < 0) {
          const keep = partialSuffix(this.buffer, marker);
          this.discard(this.buffer.slice(0, this.buffer.length - keep));
          this.buffer = this.buffer.slice(this.buffer.length - keep);
          return;
        }
        this.discard(this.buffer.slice(0, at));
        this.buffer = this.buffer.slice(at + marker.length);
        run.started = true;
        if (run.interrupted) this.sendInterrupt(run);
        continue;
      }
      const prefix = endPrefix(run.tok);
      const at = this.buffer.indexOf(prefix);
      if (at < 0) {
        const keep = partialSuffix(this.buffer, prefix);
        this.emit(run, this.buffer.slice(0, this.buffer.length - keep));
        this.buffer = this.buffer.slice(this.buffer.length - keep);
        return;
      }
      this.emit(run, this.buffer.slice(0, at));
      this.buffer = this.buffer.slice(at);
      const close = this.buffer.indexOf('>>', prefix.length);
      if (close < 0) return;
      const end = parseEnd(this.buffer.slice(prefix.length, close));
      this.buffer = this.buffer.slice(close + 2);
      this.finish(run, end);
    }
  }

  private emit(run: Run, text: string): void {
    if (!text) return;
    if (run.held !== undefined) {
      run.held += text;
      return;
    }
    run.tail = (run.tail + text).slice(-TAIL);
    run.onOutput(text);
  }

  private finish(run: Run, end: RunEnd): void {
    if (run.recoverTimer) clearTimeout(run.recoverTimer);
    this.current = undefined;
    const held = run.held;
    run.held = undefined;
    if (held !== undefined) {
      if (end.status === 'recovered') this.discard(held);
      else this.emit(run, held);
    }
    run.resolve({ error: this.errorOf(run, end) });
  }

  private errorOf(run: Run, end: RunEnd): RunResult['error'] {
    const failed = this.profile.statusIsExitCode ? end.status !== '0' : end.status !== 'ok';
    if (!failed) return undefined;
    const tail = run.tail.trimEnd();
    if (run.interrupted) return ['KeyboardInterrupt', end.error?.[1] || 'interrupted', end.error?.[2] || tail];
    if (end.error) return [end.error[0] || 'Error', end.error[1], end.error[2] || tail];
    return ['ExitStatus', `exit status ${end.status}`, tail];
  }

  private discard(text: string): void {
    if (!text) return;
    this.discardedTail = (this.discardedTail + text).slice(-TAIL);
    if (!this.typed) this.preamble = (this.preamble + text).slice(0, TAIL);
  }

  private onExit(e: { exitCode: number; signal?: number }): void {
    this.exitInfo = e;
    const run = this.current;
    this.current = undefined;
    if (run) {
      if (run.recoverTimer) clearTimeout(run.recoverTimer);
      if (run.started) this.emit(run, this.buffer);
      else this.discard(this.buffer);
      this.buffer = '';
      run.reject(new Error(`the REPL exited during the run${this.describeExit()}`));
    }
    for (const waiter of this.exitWaiters.splice(0)) waiter(e);
  }

  private describeExit(): string {
    const e = this.exitInfo;
    if (!e) return '';
    return e.signal ? ` (signal ${e.signal})` : ` (exit code ${e.exitCode})`;
  }
}
