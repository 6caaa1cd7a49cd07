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

// ---- Remote Exec Results (remoteExec.results) ----

/** Where a run is in its life, as the results view shows it. */
export type RunState = 'queued' | 'running' | 'done' | 'failed' | 'interrupted' | 'cancelled';

/** A frame of a run's traceback that links to a file and line (0-based), by the traceback line that names it. */
export interface RunFrameLink {
  tracebackLine: number;
  uri: string;
  line: number;
}

/** One piece of a run's output, in the order it was written. */
export type RunOutput =
  /** Lines of stdout or stderr, `\r` already applied (a progress bar is its last state); ANSI codes kept. */
  | { kind: 'stream'; stream: 'stdout' | 'stderr'; lines: string[]; open: boolean }
  /** A MIME bundle (images as base64) the run displayed; `result` for the rich form of its last value. */
  | { kind: 'display'; data: Record<string, unknown>; metadata?: Record<string, unknown>; result?: boolean };

/** One run as the results view shows it; `outputs` and the error are bounded by the store. */
export interface RunEntry {
  id: string;
  gatewayId: string;
  /** The gateway's agent language, for the code's highlighting and the file's icon. */
  language?: string;
  uri?: string;
  /** The file as the workspace names it, e.g. `src/cells.py`. */
  file?: string;
  /** 0-based document lines [first, last] of the code. */
  range?: [number, number];
  label?: string;
  source: string;
  state: RunState;
  queuedAt: number;
  startedAt?: number;
  finishedAt?: number;
  outputs: RunOutput[];
  /** Output lines dropped from the start of the run to keep it bounded. */
  droppedLines?: number;
  /** All its output was dropped to keep the view's memory bounded (older runs go first). */
  outputsDropped?: boolean;
  /** The value of the last expression (its repr), when it has one. */
  value?: { type: string; repr: string };
  error?: { type: string; message: string; traceback: string; links: RunFrameLink[] };
}

/** One change to the runs, in the order the store made them; the view applies them as they come. */
export type RunChange =
  /** A run is new, or its header changed (state, times, value, error): everything but its outputs. */
  | { op: 'run'; run: Omit<RunEntry, 'outputs'> }
  /** Lines for the run's last output of `stream`: `replaceOpen` replaces its open last line with the first one. */
  | { op: 'lines'; runId: string; stream: 'stdout' | 'stderr'; lines: string[]; open: boolean; replaceOpen: boolean }
  | { op: 'display'; runId: string; output: Extract<RunOutput, { kind: 'display' }> }
  /** The first `lines` output lines of the run were dropped (it went over its bound). */
  | { op: 'drop'; runId: string; lines: number }
  /** The run's outputs were dropped (the store went over its memory bound); a note says so. */
  | { op: 'dropOutputs'; runId: string }
  | { op: 'remove'; runIds: string[] };

/** Extension → results webview. */
export type ToResultsView =
  /** Everything shown, replaced (first load, reload, clear). */
  | { type: 'reset'; runs: RunEntry[] }
  | { type: 'changes'; changes: RunChange[] }
  | { type: 'collapseAll' }
  /** Scroll to a run and flash it (after a run is sent, or "Show in Results"). */
  | { type: 'reveal'; runId: string };

/** Results webview → extension. */
export type FromResultsView =
  | { type: 'ready'; pixelRatio: number }
  | { type: 'pixelRatio'; pixelRatio: number }
  /** Open a file at a 0-based line (a traceback frame, the run's own lines). */
  | { type: 'open'; uri: string; line: number; endLine?: number }
  /** Copy a run as text: its code, output and result or traceback. */
  | { type: 'copyRun'; runId: string }
  | { type: 'saveImage'; runId: string; output: number }
  /** All of a run's output text in an editor (its view shows the last lines only). */
  | { type: 'openOutput'; runId: string }
  /** Interrupt the run (or cancel it, when it is queued). */
  | { type: 'interrupt'; runId: string; gatewayId: string };

/** What the results webview keeps across hide/show and reloads: how it is folded and scrolled, not the runs. */
export interface ResultsViewState {
  /** Runs whose code is shown (code is collapsed by default). */
  codeShown: string[];
  /** Runs whose output is collapsed. */
  collapsed: string[];
  /** Following the newest run (scrolled to the bottom). */
  follow: boolean;
  /** The run at the top of the view when not following. */
  anchor?: string;
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
