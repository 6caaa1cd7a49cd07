import type { LogEntry, LogSnapshot, NewLogEntry } from '../../contract/logs';
export interface LogStoreOptions {
  /** Lines kept per gateway for late viewers; older ones are dropped and counted. */
  perGateway?: number;
  /** How often pending lines are handed to listeners, in ms. */
  batchMs?: number;
  /** Most lines handed over per batch; beyond that the oldest pending lines are dropped and counted. */
  maxPending?: number;
  now?: () => number;
}
type BatchListener = (batch: LogEntry[]) => void;
export declare const DEFAULT_PER_GATEWAY = 50000;
export declare const DEFAULT_MAX_PENDING = 10000;
/**
 * The host's log store. Lines are stamped with the host's receive time and a host-wide sequence number
 * on arrival, so one ascending `seq` is the time order across all gateways (remote clocks may disagree;
 * the remote time of a log record is kept beside it). Each gateway has its own bounded ring, so a noisy
 * gateway cannot push a quiet one's lines out; listeners get lines in batches, never one call per line.
 */
export declare class LogStore {
  private readonly rings;
  private readonly perGateway;
  private readonly batchMs;
  private readonly maxPending;
  private readonly now;
  private readonly listeners;
  private pending;
  private pendingDropped;
  private timer;
  private seq;
  constructor(options?: LogStoreOptions);
  add(input: NewLogEntry): LogEntry;
  /** Lines dropped from a gateway's ring so far. */
  dropped(gateway: string): number;
  gateways(): string[];
  /**
   * Every buffered line. Lines still waiting for their batch are handed to listeners first, so a
   * listener that forwards in order has sent every line up to `lastSeq` before the snapshot itself:
   * a view that drops live lines at or below `lastSeq` while it waits for the snapshot never shows a
   * line twice.
   */
  snapshot(): LogSnapshot;
  /** Forgets a gateway's lines (or all lines), e.g. when the user clears the panel. */
  clear(gateway?: string): void;
  onBatch(listener: BatchListener): {
    dispose(): void;
  };
  /** Hands pending lines to listeners now. */
  flush(): void;
  dispose(): void;
  private enqueue;
}
/** Merges lists each already ascending by `seq` into one ascending list. */
export declare function mergeBySeq(lists: LogEntry[][]): LogEntry[];
export {};
