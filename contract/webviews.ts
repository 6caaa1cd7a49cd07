/**
 * The messages between the two webviews and their hosts in the extension: one tagged union per
 * direction, imported by both sides, handled by one `switch` on each.
 */
import type { LogEntry } from './logs';
import type { ServiceStatus } from './service';

export type { LogEntry, ServiceStatus };

/** Extension → Remote Logs webview. */
export type ToLogView =
  /** Replaces everything shown (on first load, after a reload, after a clear). */
  { type: 'reset'; entries: LogEntry[]; maxLines: number } | { type: 'append'; entries: LogEntry[] } | { type: 'config'; maxLines: number };

/** Remote Logs webview → extension. */
export type FromLogView = { type: 'ready' } | { type: 'clear' } | { type: 'copy'; text: string };

/** Extension → status webview. */
export type ToStatusView = { type: 'status'; status: ServiceStatus; receivedAt: number } | { type: 'disconnected'; reason: string };

/** Status webview → extension. */
export type FromStatusView = { type: 'ready' } | { type: 'refresh' };

/** What the log webview keeps across hide/show and reloads (getState/setState): its filters, not its lines. */
export interface LogViewState {
  gateways: string[];
  hiddenGateways: string[];
  hiddenStreams: string[];
  minLevel: number;
  search: string;
  follow: boolean;
}

/** What the status webview keeps: the last snapshot and the throughput history for the chart. */
export interface StatusViewState {
  status?: ServiceStatus;
  receivedAt?: number;
  history: ThroughputSample[];
  /** Byte totals the next chart sample is measured from. */
  baseline?: { t: number; bytesIn: number; bytesOut: number };
}

export interface ThroughputSample {
  /** Epoch ms. */
  t: number;
  /** Bytes per second in and out, summed over gateways. */
  inRate: number;
  outRate: number;
}
