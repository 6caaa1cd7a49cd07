import type { LogEntry, LogSnapshot, NewLogEntry } from '../../contract/logs';
import { Ring } from './ring';

export interface LogStoreOptions {
  /** Lines kept per gateway for late viewers; older ones are dropped and counted. */
  perGateway?: number;
  /** Characters of text kept per gateway, whatever the number of lines; older lines are dropped and counted. */
  perGatewayChars?: number;
  /** How often pending lines are handed to listeners, in ms. */
  batchMs?: number;
  /** Most lines handed over per batch; beyond that the oldest pending lines are dropped and counted. */
  maxPending?: number;
  now?: () => number;
}

type BatchListener = (batch: LogEntry[]) => void;

export const DEFAULT_PER_GATEWAY = 50_000;
export const DEFAULT_MAX_PENDING = 10_000;
export const DEFAULT_PER_GATEWAY_CHARS = 8 * 1024 * 1024;

/**
 * The host's log store. Lines are stamped with the host's receive time and a host-wide sequence number
 * on arrival, so one ascending `seq` is the time order across all gateways (remote clocks may disagree;
 * the remote time of a log record is kept beside it). Each gateway has its own bounded ring, so a noisy
 * gateway cannot push a quiet one's lines out; listeners get lines in batches, never one call per line.
 */
export class LogStore {
  private readonly rings = new Map<string, Ring<LogEntry>>();
  private readonly perGateway: number;
  private readonly perGatewayChars: number;
  private readonly chars = new Map<string, number>();
  private readonly batchMs: number;
  private readonly maxPending: number;
  private readonly now: () => number;
  private readonly listeners = new Set<BatchListener>();
  private pending: LogEntry[] = [];
  private pendingDropped = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;

  constructor(options: LogStoreOptions = {}) {
    this.perGateway = options.perGateway ?? DEFAULT_PER_GATEWAY;
    this.perGatewayChars = options.perGatewayChars ?? DEFAULT_PER_GATEWAY_CHARS;
    this.batchMs = options.batchMs ?? 50;
    this.maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
    this.now = options.now ?? Date.now;
  }

  add(input: NewLogEntry): LogEntry {
    const entry: LogEntry = { ...input, seq: ++this.seq, time: input.time ?? this.now() };
    let ring = this.rings.get(entry.gateway);
    if (!ring) this.rings.set(entry.gateway, (ring = new Ring(this.perGateway)));
    const overwritten = ring.length === ring.capacity ? ring.oldest() : undefined;
    ring.push(entry);
    let chars = (this.chars.get(entry.gateway) ?? 0) + entry.text.length - (overwritten?.text.length ?? 0);
    while (chars > this.perGatewayChars && ring.length > 1) chars -= ring.dropOldest()!.text.length;
    this.chars.set(entry.gateway, chars);
    if (this.listeners.size > 0) this.enqueue(entry);
    return entry;
  }

  /** Lines dropped from a gateway's ring so far. */
  dropped(gateway: string): number {
    return this.rings.get(gateway)?.dropped ?? 0;
  }

  gateways(): string[] {
    return Array.from(this.rings.keys());
  }

  /**
   * Every buffered line. Lines still waiting for their batch are handed to listeners first, so a
   * listener that forwards in order has sent every line up to `lastSeq` before the snapshot itself:
   * a view that drops live lines at or below `lastSeq` while it waits for the snapshot never shows a
   * line twice.
   */
  snapshot(): LogSnapshot {
    this.flush();
    const perGateway: LogEntry[][] = [];
    for (const [gateway, ring] of this.rings) {
      const lines = ring.toArray();
      if (ring.dropped > 0) {
        const first = lines[0];
        lines.unshift(droppedMarker(gateway, ring.dropped, first ? first.seq - 0.5 : this.seq, first?.time ?? this.now()));
      }
      perGateway.push(lines);
    }
    return { entries: mergeBySeq(perGateway), lastSeq: this.seq };
  }

  /** Forgets a gateway's lines (or all lines), e.g. when the user clears the panel. */
  clear(gateway?: string): void {
    if (gateway === undefined) this.rings.clear();
    else this.rings.delete(gateway);
    if (gateway === undefined) this.chars.clear();
    else this.chars.delete(gateway);
  }

  onBatch(listener: BatchListener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Hands pending lines to listeners now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 && this.pendingDropped.size === 0) return;
    const batch = this.pending;
    const markers = Array.from(this.pendingDropped, ([gateway, count]) =>
      droppedMarker(gateway, count, batch[0] ? batch[0].seq - 0.5 : this.seq, this.now()),
    );
    this.pending = [];
    this.pendingDropped = new Map();
    const out = markers.length ? [...markers, ...batch] : batch;
    for (const listener of this.listeners) listener(out);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
    this.pending = [];
  }

  private enqueue(entry: LogEntry): void {
    this.pending.push(entry);
    if (this.pending.length > this.maxPending) {
      // A reader slower than the producer loses the oldest unsent lines, counted, rather than buffering without bound.
      const excess = this.pending.length - this.maxPending;
      for (const lost of this.pending.splice(0, excess)) {
        this.pendingDropped.set(lost.gateway, (this.pendingDropped.get(lost.gateway) ?? 0) + 1);
      }
    }
    this.armTimer();
  }

  private armTimer(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.batchMs);
    this.timer.unref?.();
  }
}

function droppedMarker(gateway: string, count: number, seq: number, time: number): LogEntry {
  return { seq, time, gateway, stream: 'dropped', level: 30, levelname: 'WARNING', text: `${count} lines dropped`, count };
}

/** Merges lists each already ascending by `seq` into one ascending list. */
export function mergeBySeq(lists: LogEntry[][]): LogEntry[] {
  const nonEmpty = lists.filter((l) => l.length > 0);
  if (nonEmpty.length <= 1) return nonEmpty[0]?.slice() ?? [];
  const out: LogEntry[] = [];
  const index = nonEmpty.map(() => 0);
  for (;;) {
    let best = -1;
    for (let i = 0; i < nonEmpty.length; i++) {
      if (index[i] < nonEmpty[i].length && (best < 0 || nonEmpty[i][index[i]].seq < nonEmpty[best][index[best]].seq)) best = i;
    }
    if (best < 0) return out;
    out.push(nonEmpty[best][index[best]++]);
  }
}
