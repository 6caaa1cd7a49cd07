/**
 * The messages between the webviews and their hosts in the extension: one tagged union per
 * direction, imported by both sides, handled by one `switch` on each.
 */
import type { LogEntry } from './logs';
import type { ChildKey, ServiceStatus, TableFilter, TablePage } from './service';

export type { LogEntry, ServiceStatus, TableFilter, TablePage };

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

// ---- the data viewer (remoteExec.dataViewer) ----

/** The value a data viewer shows: a variable by its path (PROTOCOL.md §7.6), re-read after every run. */
export interface DataViewerTarget {
  gatewayId: string;
  /** From this exported object instead of the session namespace. */
  objectId?: number;
  path: ChildKey[];
  /** What the user calls it: `df`, `df[3]`, `box.items`. */
  name: string;
}

/** Extension → data viewer. */
export type ToDataViewer =
  /** What to show, sent when the page is ready. */
  | { type: 'target'; target: DataViewerTarget }
  | { type: 'page'; requestId: number; page: TablePage }
  | { type: 'failed'; requestId: number; message: string }
  /** Session code ran on the gateway: what is shown may have changed, so it is fetched again. */
  | { type: 'changed' }
  /** The gateway closed: nothing more can be fetched. */
  | { type: 'unavailable'; reason: string };

/** Data viewer → extension. */
export type FromDataViewer =
  | { type: 'ready' }
  /** One window of rows and columns, sorted and filtered by the agent. */
  | {
      type: 'fetch';
      requestId: number;
      offset: number;
      limit: number;
      columnOffset: number;
      columnLimit: number;
      sort: [number, boolean] | null;
      filters: TableFilter[];
    };

/** What a data viewer keeps across hide/show and reloads: what it shows and how, never the rows. */
export interface DataViewerState {
  target?: DataViewerTarget;
  sort: [number, boolean] | null;
  /** The filter text typed under each column, by column position (-1: the row labels). */
  filterText: Record<string, string>;
  scrollTop: number;
  scrollLeft: number;
}
