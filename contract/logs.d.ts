/**
 * One line of the Remote Logs panel, as the server sends it to the extension (`remoteExec/log`) and the
 * extension forwards it to the webview. Types only, so the extension and the webview can import it.
 */
export type LogStream = 'log' | 'exception' | 'warning' | 'stdout' | 'stderr' | 'lifecycle' | 'dropped';
export declare const LOG_STREAMS: readonly LogStream[];
export interface LogEntry {
  /** Host-wide arrival number: the order the panel shows (see docs/LOGS.md, "Ordering"). */
  seq: number;
  /** Host receive time, epoch milliseconds. */
  time: number;
  /** The record's own time on the remote clock (epoch ms), for log records; may be skewed across hosts. */
  remoteTime?: number;
  gateway: string;
  stream: LogStream;
  /** Python logging numbers: stdout 20, stderr 30, lifecycle 20 (40 on a failed exit). */
  level: number;
  levelname: string;
  logger?: string;
  thread?: string;
  /** The line(s); log records carry their exception text after the message. May hold ANSI SGR codes. */
  text: string;
  /** The channel whose task wrote this output, when the agent knows it. */
  channel?: number;
  /** For `dropped` entries: how many lines were dropped at this point. */
  count?: number;
}
export interface LogSnapshot {
  /** Every buffered line, in display order, with a `dropped` marker first for each gateway that lost lines. */
  entries: LogEntry[];
  /** The `seq` of the newest line in the snapshot: live batches repeat nothing at or below it. */
  lastSeq: number;
}
/** What a producer hands the store; the store stamps `seq` and `time`. */
export type NewLogEntry = Omit<LogEntry, 'seq' | 'time'> & {
  time?: number;
};
export declare const LEVELS: Readonly<Record<string, number>>;
export declare function levelName(level: number): string;
/** Reads a level given as a name (`warning`) or a number (`30`); undefined when it is neither. */
export declare function parseLevel(value: string | number | undefined): number | undefined;
