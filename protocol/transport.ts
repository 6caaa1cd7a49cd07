import type { Readable, Writable } from 'stream';

/** How a transport ended: a process's exit code and signal, and what it last wrote to stderr. */
export interface TransportExit {
  code: number | null;
  signal: string | null;
  /** The last lines of the transport's own diagnostics (the process's stderr, ssh's messages). */
  stderrTail: string;
}

/**
 * A duplex byte stream to one agent, plus the means to end it. The protocol layer sees nothing else of
 * processes, sockets or ptys, so it can be tested over in-memory streams.
 */
export interface Transport {
  /** Bytes from the agent. */
  readonly input: Readable;
  /** Bytes to the agent. */
  readonly output: Writable;
  /** Settles when the process or connection behind the stream is gone. */
  readonly exited: Promise<TransportExit>;
  /** Ends the agent by force (SIGKILL for a process, destroy for a socket). */
  kill(): void;
  /**
   * Ends the agent process `pid` (from its HELLO) by force where `kill` does not reach it: over ssh, `kill`
   * ends the local client, and an agent that cannot read (stopped by SIGSTOP) would outlive it.
   */
  killAgent?(pid: number): void;
}
