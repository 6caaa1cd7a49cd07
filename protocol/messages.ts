/** Message codes of PROTOCOL.md §3: the one table both sides are written from. */
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
  OBJECT = 20,
  REPLY = 21,
  REPLY_ERROR = 22,
  RELEASE = 23,
  CALLBACK = 24,
}

export const MESSAGE_NAMES: Record<number, string> = {
  0: 'HELLO',
  1: 'EXEC',
  2: 'DATA',
  3: 'CLOSE',
  4: 'CLOSE_ERROR',
  5: 'LAST_MESSAGE',
  6: 'STATUS',
  7: 'TERMINATE',
  8: 'INTERRUPT',
  9: 'STDOUT',
  10: 'STDERR',
  11: 'LOG',
  12: 'ERROR',
  20: 'OBJECT',
  21: 'REPLY',
  22: 'REPLY_ERROR',
  23: 'RELEASE',
  24: 'CALLBACK',
};

/** `[type, id, payload]` */
export type Message = [type: number, id: number, payload: unknown];

export const PROTOCOL_VERSION = 1;

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

/** One step of an OBJECT request (§7.1). */
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
  | ['statement_at', string, number];

export type ReturnType = 'auto' | 'value' | 'proxy';
