/**
 * The lines of the Remote Logs panel and of a run's output: everything a gateway says (remote output,
 * log records, uncaught exceptions, warnings, its lifecycle) reaches the extension as these entries,
 * in `remoteExec/logEntries` batches, and nowhere else. Also the level names and numbers both sides use.
 */
export type LogStream = 'log' | 'exception' | 'warning' | 'stdout' | 'stderr' | 'lifecycle' | 'dropped';

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
  /** The run (execSelection's `runId`) whose task wrote this output. */
  run?: string;
  /** For `dropped` entries: how many lines were dropped at this point. */
  count?: number;
  /**
   * The line had not ended when it was shown (a prompt, a progress bar redrawn with `\r`): the next line
   * of the same stream and run continues it.
   */
  partial?: boolean;
}

export interface LogSnapshot {
  /** Every buffered line, in display order, with a `dropped` marker first for each gateway that lost lines. */
  entries: LogEntry[];
  /** The `seq` of the newest line in the snapshot: live batches repeat nothing at or below it. */
  lastSeq: number;
}

/** What a producer hands the store; the store stamps `seq` and `time`. */
export type NewLogEntry = Omit<LogEntry, 'seq' | 'time'> & { time?: number };

export const LEVELS: Readonly<Record<string, number>> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 };

export function levelName(level: number): string {
  if (level >= 50) return 'CRITICAL';
  if (level >= 40) return 'ERROR';
  if (level >= 30) return 'WARNING';
  if (level >= 20) return 'INFO';
  return 'DEBUG';
}

/** Reads a level given as a name (`warning`) or a number (`30`); undefined when it is neither. */
export function parseLevel(value: string | number | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  const upper = value.trim().toUpperCase();
  if (upper in LEVELS) return LEVELS[upper];
  if (upper === 'WARN') return LEVELS.WARNING;
  const n = Number(upper);
  return Number.isFinite(n) ? n : undefined;
}
