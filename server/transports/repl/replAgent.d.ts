import type { Readable, Writable } from 'stream';
import type { ReplSession } from './replSession';
export interface ReplAgentInfo {
  language: string;
  executable: string;
  cwd: string;
  platform: string;
}
/**
 * The agent side of the protocol (PROTOCOL.md) for a REPL in a terminal, in this process: it speaks
 * frames over an in-memory stream pair, so the host's Gateway sees one more agent. It runs EXEC sources
 * one at a time in the REPL (capabilities `exec` and `interrupt`; no objects).
 */
export declare class ReplAgent {
  private readonly session;
  private readonly fromHost;
  private readonly toHost;
  private readonly codec;
  private readonly decoder;
  private readonly startedAt;
  private readonly counters;
  private hostHello;
  private readonly early;
  private readonly queue;
  private running?;
  private terminating;
  constructor(session: ReplSession, fromHost: Readable, toHost: Writable);
  /** Starts the REPL, then says HELLO; a REPL that never gets ready leaves the host's HELLO wait to report it. */
  start(info: ReplAgentInfo): Promise<void>;
  private onBytes;
  private onMessage;
  private onExec;
  private next;
  private onInterrupt;
  private status;
  /** TERMINATE or the end of the host's stream: queued runs are closed, the REPL is asked to exit. */
  private terminate;
  private send;
}
