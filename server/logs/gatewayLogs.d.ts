import type { EventEmitter } from 'events';
import type { LogRecord } from '../../protocol/messages';
import { type NewLogEntry } from '../../contract/logs';
/** What attachGatewayLogs needs of a Gateway (its events, `id`, `spec`, `info`). */
export interface GatewayLogSource extends EventEmitter {
  readonly id: string;
  readonly spec: string;
  readonly info?: {
    language: string;
    version: string;
    pid: number;
  };
}
export interface AttachOptions {
  /** Longest line kept; longer lines are cut and marked, so one huge write cannot flood the panel. */
  maxLineChars?: number;
  /** A partial line (no newline yet) waits this long for the rest before it is shown as is. */
  partialLineMs?: number;
}
/**
 * Turns a gateway's `stdout`, `stderr`, `log` and `exit` events into log entries for `sink`, one per line,
 * plus lifecycle entries for its opening and closing. Returns a function that detaches.
 */
export declare function attachGatewayLogs(
  gateway: GatewayLogSource,
  sink: (entry: NewLogEntry) => void,
  options?: AttachOptions,
): () => void;
export declare function entryFromRecord(gateway: string, record: LogRecord, maxLineChars?: number): NewLogEntry;
