/** Who sends a message (PROTOCOL.md §3, "direction"). */
export type Direction = 'both' | 'host->agent' | 'agent->host';

export interface MessageSpec {
  readonly code: number;
  readonly name: string;
  readonly direction: Direction;
  /** The protocol version that introduced it (PROTOCOL.md §4): never sent to a peer of a lower version. */
  readonly since: number;
}

/**
 * The messages of PROTOCOL.md §3, once, in code order. The document's table, both agents' tables and
 * the MessageType enum are checked against this one (test/unit/protocolTable.test.ts).
 */
export const MESSAGES = [
  { code: 0, name: 'HELLO', direction: 'both', since: 1 },
  { code: 1, name: 'EXEC', direction: 'host->agent', since: 1 },
  { code: 2, name: 'DATA', direction: 'both', since: 1 },
  { code: 3, name: 'CLOSE', direction: 'both', since: 1 },
  { code: 4, name: 'CLOSE_ERROR', direction: 'both', since: 1 },
  { code: 5, name: 'LAST_MESSAGE', direction: 'both', since: 1 },
  { code: 6, name: 'STATUS', direction: 'host->agent', since: 1 },
  { code: 7, name: 'TERMINATE', direction: 'host->agent', since: 1 },
  { code: 8, name: 'INTERRUPT', direction: 'host->agent', since: 1 },
  { code: 9, name: 'STDOUT', direction: 'agent->host', since: 1 },
  { code: 10, name: 'STDERR', direction: 'agent->host', since: 1 },
  { code: 11, name: 'LOG', direction: 'agent->host', since: 1 },
  { code: 12, name: 'ERROR', direction: 'both', since: 1 },
  { code: 13, name: 'CREDIT', direction: 'both', since: 2 },
  { code: 14, name: 'DISPLAY', direction: 'agent->host', since: 2 },
  { code: 20, name: 'OBJECT', direction: 'both', since: 1 },
  { code: 21, name: 'REPLY', direction: 'both', since: 1 },
  { code: 22, name: 'REPLY_ERROR', direction: 'both', since: 1 },
  { code: 23, name: 'RELEASE', direction: 'host->agent', since: 1 },
  { code: 24, name: 'CALLBACK', direction: 'agent->host', since: 1 },
  { code: 25, name: 'INPUT', direction: 'agent->host', since: 2 },
] as const satisfies readonly MessageSpec[];

export type MessageName = (typeof MESSAGES)[number]['name'];

/**
 * MESSAGES as a const enum, so the host's hot paths compare against inlined numbers. A unit test proves
 * each member equals its row of MESSAGES.
 */
export const enum MessageType {
  HELLO = 0,
  EXEC = 1,
  DATA = 2,
  CLOSE = 3,
  CLOSE_ERROR = 4,
  LAST_MESSAGE = 5,
  STATUS = 6,
  TERMINATE = 7,
  INTERRUPT = 8,
  STDOUT = 9,
  STDERR = 10,
  LOG = 11,
  ERROR = 12,
  CREDIT = 13,
  DISPLAY = 14,
  OBJECT = 20,
  REPLY = 21,
  REPLY_ERROR = 22,
  RELEASE = 23,
  CALLBACK = 24,
  INPUT = 25,
}

export const MESSAGE_NAMES: Readonly<Partial<Record<number, MessageName>>> = Object.fromEntries(MESSAGES.map((m) => [m.code, m.name]));

export interface ObjectStepSpec {
  readonly name: string;
  /** The names of the step's arguments, in order (the step on the wire is `[name, ...args]`). */
  readonly args: readonly string[];
}

/**
 * The steps of an OBJECT request (PROTOCOL.md §7.1), once, in the document's order. The document's
 * table and both agents' step tables are checked against this one; every step has a conformance check.
 */
export const OBJECT_STEPS = [
  { name: 'import', args: ['name'] },
  { name: 'getattr', args: ['name'] },
  { name: 'setattr', args: ['name', 'value'] },
  { name: 'getitem', args: ['key'] },
  { name: 'setitem', args: ['key', 'value'] },
  { name: 'delattr', args: ['name'] },
  { name: 'delitem', args: ['key'] },
  { name: 'call', args: ['args', 'kwargs'] },
  { name: 'eq', args: ['other'] },
  { name: 'repr', args: [] },
  { name: 'iter', args: ['batch'] },
  { name: 'next', args: ['batch'] },
  { name: 'inspect', args: ['offset', 'limit'] },
  { name: 'list', args: [] },
  { name: 'namespace', args: [] },
  { name: 'statement_at', args: ['source', 'line'] },
  { name: 'str', args: [] },
  { name: 'len', args: [] },
  { name: 'children', args: ['options'] },
  { name: 'child', args: ['key'] },
  { name: 'describe', args: [] },
  { name: 'table', args: ['options'] },
  { name: 'complete', args: ['prefix', 'limit'] },
] as const satisfies readonly ObjectStepSpec[];

export type ObjectStepName = (typeof OBJECT_STEPS)[number]['name'];

/** `[type, id, payload]` */
export type Message = [type: number, id: number, payload: unknown];

/**
 * The highest protocol version this host speaks; it speaks every version from MIN_PROTOCOL_VERSION up.
 * Both sides of a gateway use the lower of the two versions their HELLOs announce (PROTOCOL.md §4).
 */
export const PROTOCOL_VERSION = 2;
export const MIN_PROTOCOL_VERSION = 1;

/** The version two peers use: the lower of their highest; undefined when `theirs` is no version we speak. */
export function negotiateVersion(theirs: unknown, ours = PROTOCOL_VERSION): number | undefined {
  return Number.isInteger(theirs) && (theirs as number) >= MIN_PROTOCOL_VERSION ? Math.min(theirs as number, ours) : undefined;
}

/** What the agent says about itself in its HELLO (§4); `Gateway.info`. */
export interface AgentInfo {
  protocol: number;
  language: string;
  version: string;
  implementation?: string;
  pid: number;
  cwd: string;
  executable: string;
  platform: string;
  capabilities: string[];
  maxFrame: number;
  /** The agent's receive window of each channel, `[items, bytes]`, when it holds DATA to windows (§6.4). */
  window?: [number, number];
}

/** Host-side frame counters of a gateway, mirrored by the agent's STATUS. */
export interface GatewayCounters {
  msgsIn: number;
  msgsOut: number;
  bytesIn: number;
  bytesOut: number;
}

/** Where a gateway is in its life; `failed` when it never reached the HELLO exchange. */
export type GatewayState = 'starting' | 'open' | 'closing' | 'closed' | 'failed';

/** The agent's STATUS reply (§5), with execnet's and saranwrap's keys. */
export interface RemoteStatus {
  numexecuting: number;
  numchannels: number;
  execqsize: number;
  numobjects: number;
  nextid: number;
  pid: number;
  uptime: number;
  msgsIn: number;
  msgsOut: number;
  bytesIn: number;
  bytesOut: number;
  [key: string]: unknown;
}

/**
 * A DISPLAY payload (§5): something remote code asked to show, as Jupyter's display protocol has it.
 * `data` is a MIME bundle: `text/plain` always; text types as strings, `image/png` and `image/jpeg` as
 * raw bytes, `application/json` as any value.
 */
export interface DisplayMessage {
  data: Record<string, unknown>;
  /** Per MIME type, e.g. `{"image/png": {"width": 640, "height": 480}}`. */
  metadata?: Record<string, unknown>;
  /** True for the value of a session run's last expression (Jupyter's `execute_result`). */
  result?: boolean;
}

/** A remote log record (§5). */
export interface LogRecord {
  time: number;
  level: number;
  levelname: string;
  logger: string;
  thread: string;
  message: string;
  exc_text?: string;
  kind?: 'log' | 'exception' | 'warning';
}

/** One step of an OBJECT request (§7.1), with the types of its arguments. */
export type ObjectStep =
  | ['import', string]
  | ['getattr', string | symbol]
  | ['setattr', string, unknown]
  | ['getitem', unknown]
  | ['setitem', unknown, unknown]
  | ['delattr', string]
  | ['delitem', unknown]
  | ['call', unknown[], Record<string, unknown>]
  | ['eq', unknown]
  | ['repr']
  | ['iter', number]
  | ['next', number]
  | ['inspect', number, number]
  | ['list']
  | ['namespace']
  | ['statement_at', string, number]
  | ['str']
  | ['len']
  | ['children', ChildrenOptions]
  | ['child', ChildKey]
  | ['describe']
  | ['table', TableOptions]
  | ['complete', string, number];

/**
 * A child's key in a children page (PROTOCOL.md §7.6), sent back unchanged in a `child` step: `["a", name]`
 * an attribute (at the root: a session variable), `["i", n]` an item by position, `["k", key]` a mapping's
 * entry by its str or int key, `["n", n]` the n-th entry of a set or mapping, `["r", n]` a frame's row.
 */
export type ChildKey = [tag: 'a' | 'i' | 'k' | 'n' | 'r', value: string | number];

/** The options of a `children` step (§7.6). */
export interface ChildrenOptions {
  offset?: number;
  limit?: number;
  /** Named children (variables, attributes) whose name holds this text, case-insensitively. */
  filter?: string;
  /** Show names starting with `_`, functions and methods, classes, modules (all hidden by default). */
  private?: boolean;
  functions?: boolean;
  classes?: boolean;
  modules?: boolean;
  sort?: 'name' | 'type' | 'size';
  descending?: boolean;
}

/** A filter of a table page: `[column, op, value]`, a column by position (-1: the row labels). */
export type TableFilter = [column: number, op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'contains', value: string | number];

/** The options of a `table` step (§7.7). */
export interface TableOptions {
  offset?: number;
  limit?: number;
  columnOffset?: number;
  columnLimit?: number;
  /** `[column, descending]`, a column by position (-1: the row labels). */
  sort?: [column: number, descending: boolean] | null;
  filters?: TableFilter[];
}

type Tail<T extends readonly unknown[]> = T extends readonly [unknown, ...infer Rest] ? Rest : never;
type Assert<T extends true> = T;
type ArityInTable = { [S in (typeof OBJECT_STEPS)[number] as S['name']]: S['args']['length'] };
type ArityInType = { [S in ObjectStep as S[0]]: Tail<S>['length'] };
/** ObjectStep and OBJECT_STEPS name the same steps with the same number of arguments, or this fails to compile. */
type _ObjectStepsAgree = Assert<[ArityInTable, ArityInType] extends [ArityInType, ArityInTable] ? true : false>;

export type ReturnType = 'auto' | 'value' | 'proxy';
