/**
 * The JSON-RPC contract between the extension and `remote-exec server --stdio`: every custom request and
 * notification is one typed constant here, imported by both sides (the server's handlers and the
 * extension's LanguageClient), so a method name or a shape is written exactly once.
 *
 * Everything crossing this boundary is plain JSON: remote values arrive as `ValueSummary` (a bounded repr,
 * or a reference the server keeps alive until released), never as live proxies.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type {
  AgentInfo,
  ChildKey,
  ChildrenOptions,
  GatewayCounters,
  GatewayState,
  LogRecord,
  RemoteStatus,
  TableFilter,
} from '../protocol/messages';
import type { LogEntry, LogSnapshot } from './logs';

export type { ChildKey, GatewayState, LogRecord, RemoteStatus, TableFilter };

// ---- shapes ----

/** What the agent said about itself in its HELLO, less the protocol's own fields. */
export type GatewayInfo = Omit<AgentInfo, 'protocol' | 'maxFrame'>;

/** Host-side frame counters of one gateway, and its runs. */
export interface GatewayCountersSummary extends GatewayCounters {
  /** Runs (execSelection) started on this gateway. */
  runs: number;
  /** Runs currently executing. */
  running: number;
  /** Runs waiting for the one executing, in the order they were sent. */
  queued: number;
}

/** One gateway as the UI shows it; the payload of `remoteExec/gatewayChanged`. */
export interface GatewaySummary {
  id: string;
  spec: string;
  /** The configured name it was opened under (`remoteExec.gateways[].name`), if any. */
  name?: string;
  state: GatewayState;
  info?: GatewayInfo;
  counters: GatewayCountersSummary;
  /** Epoch milliseconds. */
  startedAt: number;
  /** Why it closed or failed, in words. */
  exitReason?: string;
}

/** A remote value: by value (a bounded repr) or by reference (kept alive by the server until released). */
export interface ValueSummary {
  /** The remote type name, e.g. `int`, `pandas.DataFrame`. */
  type: string;
  /** A bounded representation for display. */
  repr: string;
  /** Set when the value is a remote object held by reference. */
  objectId?: number;
  callable?: boolean;
  /** Whether the UI may expand it (a reference, or a container sent by value). */
  expandable: boolean;
  /** The items of a container sent by value (bounded), so the UI expands it without asking again. */
  children?: VariableSummary[];
}

export interface VariableSummary {
  name: string;
  value: ValueSummary;
}

export interface ObjectSummary {
  id: number;
  type: string;
  repr: string;
  /** Who keeps it exported: what this server holds it for (a run's value), or that no proxy here does. */
  holder: string;
  /** Whether this server holds a proxy to it that Release lets go. */
  held: boolean;
}

export interface ChannelSummary {
  id: number;
  state: 'open' | 'closed';
  /** `host` for channels this side opened (odd ids), `agent` for the agent's (even ids). */
  openedBy: 'host' | 'agent';
  /** Items received from the agent on it. */
  itemsIn: number;
  /** Bytes of stdout/stderr the agent attributed to it. */
  outputBytes: number;
  /** The run that opened it, if it carries a run. */
  runId?: string;
}

/** One page of an object's attributes (PROTOCOL.md §7.5). */
export interface InspectResult {
  id: number;
  type: string;
  repr: string;
  len?: number;
  callable: boolean;
  attrs: { name: string; type: string; repr: string }[];
  offset: number;
  total: number;
}

/** A line of a remote traceback that names a file and line, mapped to where an editor can open it. */
export interface TracebackFrame {
  /**
   * The document the code of this frame was sent from (an earlier run's, for a function it defined), or
   * for a library frame its file: a `file:` URI when the gateway shares this machine's files, else a
   * `remote-exec-file:` URI read through the gateway (see `readFile`). Absent for a selection run from
   * no document.
   */
  uri?: string;
  /** 0-based line in that document. */
  line: number;
  /** The traceback line that named it. */
  text: string;
  /** Index of that line in `traceback` split at newlines. */
  tracebackLine?: number;
  /** In a library (a file of the gateway's host), not in code sent from the editor. */
  library?: boolean;
}

export interface ExecError {
  type: string;
  message: string;
  /** The remote traceback with run names (`<remote-exec-N>`) replaced by the documents' paths and lines. */
  traceback: string;
  /** Frames in the selection, innermost last; the diagnostic goes on the last one. */
  frames: TracebackFrame[];
  /** Every frame of the traceback that names a file, library frames included, innermost last. */
  stack?: TracebackFrame[];
  interrupted: boolean;
}

// ---- requests ----

export interface OpenGatewayParams {
  spec: string;
  name?: string;
}
export const openGateway = new RequestType<OpenGatewayParams, GatewaySummary, void>('remoteExec/openGateway');

export interface ValidateSpecResult {
  ok: boolean;
  /** The parser's message naming the bad part of the spec. */
  error?: string;
  transport?: string;
  interpreter?: string;
  /** The agent would run on this machine, seeing its files (popen, no container or job prefix). */
  local?: boolean;
  /** The spec names its interpreter (`python=`, `node=`, `repl=`) rather than taking the default. */
  namesInterpreter?: boolean;
  /** The spec sets the working directory (`chdir=`). */
  setsChdir?: boolean;
}
export const validateSpec = new RequestType<{ spec: string }, ValidateSpecResult, void>('remoteExec/validateSpec');

export const listGateways = new RequestType0<GatewaySummary[], void>('remoteExec/listGateways');

export interface GatewayRef {
  gatewayId: string;
}
export const closeGateway = new RequestType<GatewayRef, void, void>('remoteExec/closeGateway');
/** Closes the gateway and opens a fresh one (a new, empty session) with the same spec, name and id. */
export const restartGateway = new RequestType<GatewayRef, GatewaySummary, void>('remoteExec/restartGateway');
/**
 * Raises the interrupt in one run's task, or in every running task of the gateway; a queued run named by
 * `runId` is cancelled instead. `clearQueue` first cancels every run waiting on the gateway.
 */
export const interrupt = new RequestType<GatewayRef & { runId?: string; clearQueue?: boolean }, void, void>('remoteExec/interrupt');

/** Where a run goes: an open gateway by id, else the gateway kept for `spec` (opened on first use). */
export interface GatewayTarget {
  gatewayId?: string;
  spec?: string;
  name?: string;
}

export interface ExecSelectionParams extends GatewayTarget {
  /**
   * The code to run: a selection (dedented by the server, so an indented block runs at top level), or,
   * with `cursorLine`, the whole document, of which the top-level statement around that line runs.
   */
  source: string;
  /** 0-based document line of the source's first line, to map traceback lines back. */
  startLine?: number;
  /**
   * Run the top-level statement of `source` that contains this 0-based line, as the gateway's own
   * parser sees it (a whole `def`, decorators included), or the block of non-blank lines around it
   * where the gateway has no parser.
   */
  cursorLine?: number;
  uri?: string;
  /** Chosen by the caller so it can interrupt this run while it executes. */
  runId?: string;
  /** Device pixels per CSS pixel of the screen images are shown on (PROTOCOL.md §5 `pixelRatio`). */
  pixelRatio?: number;
  /** What the results view calls the run, e.g. `cell 2`; the lines by default. */
  label?: string;
}

/**
 * How a run ended. `skipped`: `cursorLine` was in no statement (a blank or comment line), so nothing ran;
 * `cancelled`: it was queued and never ran (the queue was cleared, or the gateway closed first).
 */
export type RunStatus = 'ok' | 'error' | 'interrupted' | 'skipped' | 'cancelled';

export interface ExecSelectionResult {
  gatewayId: string;
  runId: string;
  status: RunStatus;
  /** The 0-based document lines [first, last] that ran. */
  range?: [number, number];
  /** The value of the last expression statement, when there was one. */
  value?: ValueSummary;
  /** Other items the code sent on its channel. */
  items: ValueSummary[];
  error?: ExecError;
  /** How long it executed (queued time not included), in ms. */
  elapsedMs?: number;
}
export const execSelection = new RequestType<ExecSelectionParams, ExecSelectionResult, void>('remoteExec/execSelection');

export const objects = new RequestType<GatewayRef, ObjectSummary[], void>('remoteExec/objects');
export const channels = new RequestType<GatewayRef, ChannelSummary[], void>('remoteExec/channels');

export interface InspectParams extends GatewayRef {
  objectId: number;
  /** Attribute names to follow from the object before inspecting. */
  path?: string[];
  offset: number;
  limit: number;
}
export const inspectObject = new RequestType<InspectParams, InspectResult, void>('remoteExec/inspect');

export const releaseObject = new RequestType<GatewayRef & { objectId: number }, void, void>('remoteExec/releaseObject');
export const reprObject = new RequestType<GatewayRef & { objectId: number; path?: string[] }, string, void>('remoteExec/repr');
export const closeChannel = new RequestType<GatewayRef & { channelId: number }, void, void>('remoteExec/closeChannel');

// ---- the variables explorer, the data viewer, hovers and completions (PROTOCOL.md §7.6, §7.7) ----
// Everything shown is text the agent computed (reprs, types, sizes, cells): no remote value is decoded.

/**
 * A variable, item or attribute: the keys that lead to it (each from a row) from the session namespace,
 * or from the exported object `objectId` when given.
 */
export interface VariableRef extends GatewayRef {
  objectId?: number;
  path: ChildKey[];
}

/** One row of the explorer: what the agent shows of a value, never the value. */
export interface VariableRow {
  /** Sent back in the next path to reach this row's value. */
  key: ChildKey;
  name: string;
  /** The type's short name: `float`, `list`, `DataFrame`. */
  type: string;
  /** `len 10000`, `(3, 4) float64`, `100 × 3`, or '' for a scalar. */
  size: string;
  /** The language's own repr, one line, at most 120 characters. */
  repr: string;
  kind: 'data' | 'function' | 'class' | 'module';
  expandable: boolean;
  /** The data viewer can show it. */
  viewable: boolean;
}

/**
 * The explorer's filters: Jupyter's, so private names, functions, classes and modules are hidden by
 * default. The agent's own options of the children step, with the name filter as `text`.
 */
export interface VariableFilter extends Omit<ChildrenOptions, 'offset' | 'limit' | 'filter'> {
  /** Named rows (variables, attributes) whose name holds this text, case-insensitively. */
  text?: string;
}

export interface VariablesParams extends VariableRef {
  offset: number;
  limit: number;
  filter?: VariableFilter;
}

export interface VariablesPage {
  /** What the rows are: `variables` (the session's), `attributes`, `items`, `entries`, `rows`. */
  kind: string;
  /** Rows after the filters. */
  total: number;
  /** Rows the filters hide. */
  hidden: number;
  offset: number;
  rows: VariableRow[];
}
/** One page of a variable's children; with an empty path, of the session's variables. */
export const variables = new RequestType<VariablesParams, VariablesPage, void>('remoteExec/variables');

/** What a tooltip or a hover shows of a value. */
export interface VariableDescription {
  type: string;
  /** The type's full name: `pandas.core.frame.DataFrame`. */
  qualified: string;
  size: string;
  repr: string;
  /** A longer repr (at most 4000 characters) that may span lines. */
  long: string;
  kind: VariableRow['kind'];
  expandable: boolean;
  viewable: boolean;
}
export const describeVariable = new RequestType<VariableRef, VariableDescription, void>('remoteExec/describeVariable');

export interface HoverParams extends GatewayRef {
  /** A dotted name split at its dots: `df.shape` is `['df', 'shape']`. */
  expression: string[];
}
/**
 * The live value of a name in the editor. Null, and at once, when the gateway is running code (a hover
 * never waits for a run), the name is not defined, or the agent took longer than a hover can wait.
 */
export const hover = new RequestType<HoverParams, VariableDescription | null, void>('remoteExec/hover');

export interface CompleteParams extends GatewayRef {
  /** The dotted name before the last dot (`[]` for the session's own names). */
  expression: string[];
  /** What is typed after it. */
  prefix: string;
}
export interface CompletionEntry {
  name: string;
  kind: VariableRow['kind'] | 'property';
  /** The attribute's type where the agent knows it without reading it, else ''. */
  type: string;
}
/** Attribute names of a live object; empty, and at once, when the gateway is busy or the answer is slow. */
export const complete = new RequestType<CompleteParams, CompletionEntry[], void>('remoteExec/complete');

export interface TablePageParams extends VariableRef {
  offset: number;
  limit: number;
  columnOffset: number;
  columnLimit: number;
  /** `[column, descending]`, a column by position (-1: the row labels). */
  sort?: [number, boolean] | null;
  filters?: TableFilter[];
}
export interface TableColumn {
  name: string;
  dtype: string;
  numeric: boolean;
}
/** A window of a table (PROTOCOL.md §7.7), as text. */
export interface TablePage {
  /** Rows after the filters. */
  rows: number;
  unfiltered: number;
  columnCount: number;
  offset: number;
  columnOffset: number;
  index: TableColumn;
  columns: TableColumn[];
  labels: string[];
  cells: string[][];
}
export const tablePage = new RequestType<TablePageParams, TablePage, void>('remoteExec/tablePage');

export interface GatewayStatus extends GatewaySummary {
  remoteStatus?: RemoteStatus;
  /** Why the agent's STATUS could not be had (closed, timed out). */
  remoteStatusError?: string;
  /** How long the agent's STATUS took to answer, measured by the server, in ms. */
  roundTripMs?: number;
}
export interface ServiceStatus {
  version: string;
  /** Seconds since the server started. */
  uptime: number;
  pid: number;
  gateways: GatewayStatus[];
}
export const status = new RequestType0<ServiceStatus, void>('remoteExec/status');

// ---- notifications (server → client) ----

export const gatewayChanged = new NotificationType<GatewaySummary>('remoteExec/gatewayChanged');

/** The namespace or the exported objects of a gateway may have changed: refetch them. */
export const objectsChanged = new NotificationType<GatewayRef>('remoteExec/objectsChanged');

export const channelsChanged = new NotificationType<GatewayRef & { channels: ChannelSummary[] }>('remoteExec/channelsChanged');

/**
 * A run was queued (it waits for the gateway's running one), started or finished: what the results view
 * and the status bar show of runs. `queued` comes first for every run, with its code and lines.
 */
export interface RunEvent {
  gatewayId: string;
  runId: string;
  phase: 'queued' | 'started' | 'finished';
  status?: RunStatus;
  uri?: string;
  startLine?: number;
  /** The 0-based document lines [first, last] of the code (with `queued`). */
  range?: [number, number];
  /** The code that runs, as sent (with `queued`). */
  source?: string;
  /** The language of the gateway's agent, e.g. `python` (with `queued`). */
  language?: string;
  label?: string;
  /** With `finished`: how it ended (value, error), as execSelection answers. */
  result?: ExecSelectionResult;
  time: number;
}
export const runChanged = new NotificationType<RunEvent>('remoteExec/runChanged');

/**
 * Something a run displayed (PROTOCOL.md §5 DISPLAY): a MIME bundle. In JSON, `image/png` and
 * `image/jpeg` are base64 text; other types are as the agent sent them. Sent after the output lines the
 * run wrote before it, so it arrives in order with `logEntries`.
 */
export interface DisplayEntry {
  gatewayId: string;
  /** The run whose task displayed it, when known. */
  runId?: string;
  channel?: number;
  time: number;
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  /** The rich form of the run's last value (Jupyter's execute_result). */
  result?: boolean;
}
export const display = new NotificationType<DisplayEntry>('remoteExec/display');

/** Server → client: remote code reads a line (PROTOCOL.md §5 INPUT); null is end-of-file (the user cancelled). */
export interface InputParams {
  gatewayId: string;
  runId?: string;
  prompt: string;
  password: boolean;
}
export const input = new RequestType<InputParams, { line: string | null }, void>('remoteExec/input');

/** The text of a file on a gateway's host, for traceback frames in libraries there (`remote-exec-file:` URIs). */
export const readFile = new RequestType<GatewayRef & { path: string }, string, void>('remoteExec/readFile');

// ---- the Remote Logs panel and the status page (docs/LOGS.md) ----

/** Log lines of every gateway (records, exceptions, warnings, stdout, stderr, lifecycle), batched ~every 50 ms. */
export const logEntries = new NotificationType<LogEntry[]>('remoteExec/logEntries');
/** The lines the server still holds (a bounded ring per gateway), for a panel opened late or reloaded. */
export const logSnapshot = new RequestType0<LogSnapshot, void>('remoteExec/logSnapshot');
/** Forgets the held lines of one gateway, or of all. */
export const clearLogs = new RequestType<{ gatewayId?: string }, void, void>('remoteExec/clearLogs');
/** The threshold of remote log forwarding for gateways opened from now on (Python logging numbers). */
export const setLogLevel = new RequestType<{ level: number }, void, void>('remoteExec/setLogLevel');
/** Starts (`watch: true`) or stops the server's status pushes; counted, so two pages may watch. */
export const watchStatus = new RequestType<{ watch: boolean }, void, void>('remoteExec/watchStatus');
/** A status snapshot, pushed on changes and about every second while a gateway is busy and someone watches. */
export const statusChanged = new NotificationType<ServiceStatus>('remoteExec/statusChanged');
