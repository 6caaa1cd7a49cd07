/**
 * The JSON-RPC contract between the extension and `remote-exec server --stdio`: every custom request and
 * notification is one typed constant here, imported by both sides (the server's handlers and the
 * extension's LanguageClient), so a method name or a shape is written exactly once.
 *
 * Everything crossing this boundary is plain JSON: remote values arrive as `ValueSummary` (a bounded repr,
 * or a reference the server keeps alive until released), never as live proxies.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { AgentInfo, GatewayCounters, GatewayState, LogRecord, RemoteStatus } from '../protocol/messages';
import type { LogEntry, LogSnapshot } from './logs';
export type { GatewayState, LogRecord, RemoteStatus };
/** What the agent said about itself in its HELLO, less the protocol's own fields. */
export type GatewayInfo = Omit<AgentInfo, 'protocol' | 'maxFrame'>;
/** Host-side frame counters of one gateway, and its runs. */
export interface GatewayCountersSummary extends GatewayCounters {
  /** Runs (execSelection) started on this gateway. */
  runs: number;
  /** Runs currently executing. */
  running: number;
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
  attrs: {
    name: string;
    type: string;
    repr: string;
  }[];
  offset: number;
  total: number;
}
/** A line of a remote traceback that points into the sent selection, mapped back to the document. */
export interface TracebackFrame {
  /** The document the code of this frame was sent from (an earlier run's, for a function it defined). */
  uri?: string;
  /** 0-based line in that document. */
  line: number;
  /** The traceback line that named it. */
  text: string;
}
export interface ExecError {
  type: string;
  message: string;
  traceback: string;
  /** Frames in the selection, innermost last; the diagnostic goes on the last one. */
  frames: TracebackFrame[];
  interrupted: boolean;
}
export interface OpenGatewayParams {
  spec: string;
  name?: string;
}
export declare const openGateway: RequestType<OpenGatewayParams, GatewaySummary, void>;
export interface ValidateSpecResult {
  ok: boolean;
  /** The parser's message naming the bad part of the spec. */
  error?: string;
  transport?: string;
  interpreter?: string;
}
export declare const validateSpec: RequestType<
  {
    spec: string;
  },
  ValidateSpecResult,
  void
>;
export declare const listGateways: RequestType0<GatewaySummary[], void>;
export interface GatewayRef {
  gatewayId: string;
}
export declare const closeGateway: RequestType<GatewayRef, void, void>;
/** Closes the gateway and opens a fresh one with the same spec and name, under a new id. */
export declare const restartGateway: RequestType<GatewayRef, GatewaySummary, void>;
/** Raises the interrupt in one run's task, or in every running task of the gateway. */
export declare const interrupt: RequestType<
  GatewayRef & {
    runId?: string;
  },
  void,
  void
>;
/** Where a run goes: an open gateway by id, else the gateway kept for `spec` (opened on first use). */
export interface GatewayTarget {
  gatewayId?: string;
  spec?: string;
  name?: string;
}
export interface ExecSelectionParams extends GatewayTarget {
  source: string;
  /** 0-based document line of the source's first line, to map traceback lines back. */
  startLine?: number;
  uri?: string;
  /** Chosen by the caller so it can interrupt this run while it executes. */
  runId?: string;
}
export interface ExecSelectionResult {
  gatewayId: string;
  runId: string;
  status: 'ok' | 'error' | 'interrupted';
  /** The value of the last expression statement, when there was one. */
  value?: ValueSummary;
  /** Other items the code sent on its channel. */
  items: ValueSummary[];
  error?: ExecError;
}
export declare const execSelection: RequestType<ExecSelectionParams, ExecSelectionResult, void>;
export interface StatementAtParams extends GatewayTarget {
  source: string;
  /** 0-based line within `source`. */
  line: number;
}
/** The agent's own parser finds the top-level statement around a line: 0-based [start, end] or null. */
export declare const statementAt: RequestType<StatementAtParams, [number, number] | null, void>;
export declare const namespace: RequestType<GatewayRef, VariableSummary[], void>;
export declare const objects: RequestType<GatewayRef, ObjectSummary[], void>;
export declare const channels: RequestType<GatewayRef, ChannelSummary[], void>;
export interface InspectParams extends GatewayRef {
  objectId: number;
  /** Attribute names to follow from the object before inspecting. */
  path?: string[];
  offset: number;
  limit: number;
}
export declare const inspectObject: RequestType<InspectParams, InspectResult, void>;
export declare const releaseObject: RequestType<
  GatewayRef & {
    objectId: number;
  },
  void,
  void
>;
export declare const reprObject: RequestType<
  GatewayRef & {
    objectId: number;
    path?: string[];
  },
  string,
  void
>;
export declare const closeChannel: RequestType<
  GatewayRef & {
    channelId: number;
  },
  void,
  void
>;
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
export declare const status: RequestType0<ServiceStatus, void>;
export interface OutputEvent {
  gatewayId: string;
  stream: 'stdout' | 'stderr';
  text: string;
  /** Epoch milliseconds. */
  time: number;
  channelId?: number;
  runId?: string;
}
export declare const output: NotificationType<OutputEvent>;
export interface LogEvent {
  gatewayId: string;
  record: LogRecord;
  /** Epoch milliseconds when the server received it. */
  time: number;
}
export declare const log: NotificationType<LogEvent>;
export declare const gatewayChanged: NotificationType<GatewaySummary>;
/** The namespace or the exported objects of a gateway may have changed: refetch them. */
export declare const objectsChanged: NotificationType<GatewayRef>;
export declare const channelsChanged: NotificationType<
  GatewayRef & {
    channels: ChannelSummary[];
  }
>;
/** A run started or ended; lets a log view group output by run. */
export interface RunEvent {
  gatewayId: string;
  runId: string;
  phase: 'started' | 'finished';
  status?: ExecSelectionResult['status'];
  uri?: string;
  startLine?: number;
  time: number;
}
export declare const runChanged: NotificationType<RunEvent>;
/** Log lines of every gateway (records, exceptions, warnings, stdout, stderr, lifecycle), batched ~every 50 ms. */
export declare const logEntries: NotificationType<LogEntry[]>;
/** The lines the server still holds (a bounded ring per gateway), for a panel opened late or reloaded. */
export declare const logSnapshot: RequestType0<LogSnapshot, void>;
/** Forgets the held lines of one gateway, or of all. */
export declare const clearLogs: RequestType<
  {
    gatewayId?: string;
  },
  void,
  void
>;
/** The threshold of remote log forwarding for gateways opened from now on (Python logging numbers). */
export declare const setLogLevel: RequestType<
  {
    level: number;
  },
  void,
  void
>;
/** Starts (`watch: true`) or stops the server's status pushes; counted, so two pages may watch. */
export declare const watchStatus: RequestType<
  {
    watch: boolean;
  },
  void,
  void
>;
/** A status snapshot, pushed on changes and about every second while a gateway is busy and someone watches. */
export declare const statusChanged: NotificationType<ServiceStatus>;
