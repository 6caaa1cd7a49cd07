import type { ReplProfile } from './profiles';
/** The part of node-pty's IPty a session uses. */
export interface PtyLike {
  readonly pid: number;
  write(data: string): void;
  onData(listener: (data: string) => void): {
    dispose(): void;
  };
  onExit(listener: (e: { exitCode: number; signal?: number }) => void): {
    dispose(): void;
  };
  kill(signal?: string): void;
  pause(): void;
  resume(): void;
  resize(cols: number, rows: number): void;
}
export interface RunResult {
  /** The run raised, exited non-zero, or was interrupted: `[type, message, traceback or output tail]`. */
  error?: [string, string, string];
}
/**
 * One REPL in a terminal, driven as a sequence of runs. A run types the profile's lines, drops what the
 * terminal shows until the run's start marker, streams what follows until its end marker, and reports
 * how the run ended. Runs are serialized: the next one is typed only after the end of the last.
 */
export declare class ReplSession {
  readonly pty: PtyLike;
  readonly profile: ReplProfile;
  private buffer;
  private heldCR;
  private current?;
  private discardedTail;
  /** What the terminal showed before anything was typed: why a REPL could not start. */
  private preamble;
  private typed;
  private ready;
  private exitInfo?;
  private readonly exitWaiters;
  constructor(pty: PtyLike, profile: ReplProfile);
  /** Types the setup lines and runs the version probe; resolves with the version ('' when unknown). */
  start(): Promise<string>;
  /** Runs `code`; output is passed to `onOutput` as it arrives. Rejects only when the REPL is gone. */
  run(code: string, onOutput: (text: string) => void): Promise<RunResult>;
  get busy(): boolean;
  /**
   * Ctrl-C to the terminal, which sends SIGINT to its foreground process group. Sent only once the run
   * has started: Ctrl-C while the REPL still reads the run's lines would discard them.
   */
  interrupt(): void;
  /** Stops the current run and exits the REPL; kills it if it is still there after `timeoutMs`. */
  close(timeoutMs?: number): Promise<void>;
  kill(): void;
  /** What the terminal showed outside runs lately: the diagnostics of a REPL that would not start. */
  get diagnostics(): string;
  whenExited(): Promise<{
    exitCode: number;
    signal?: number;
  }>;
  private firstOutputOrExit;
  private sendInterrupt;
  private type;
  private onData;
  private scan;
  private emit;
  private finish;
  private errorOf;
  private discard;
  private onExit;
  private describeExit;
}
