import type { Transport, TransportExit } from '../../protocol';

/**
 * Why a gateway could not be started, told precisely instead of execnet's blanket HostNotFound. Each
 * error carries the transport's own words (ssh's stderr, the remote shell's message) and exit code.
 */
export class GatewayStartError extends Error {
  override name = 'GatewayStartError';
  constructor(
    message: string,
    /** The exit code of the process behind the transport (ssh's own, or the remote command's). */
    readonly exitCode: number | null = null,
    /** The last lines the transport wrote to stderr. */
    readonly stderrTail = '',
  ) {
    super(stderrTail.trim() ? `${message}\n${indent(stderrTail)}` : message);
  }
}

/** The host could not be reached: connection refused or timed out, name not resolved, no route. */
export class HostUnreachableError extends GatewayStartError {
  override name = 'HostUnreachableError';
}

/** The host refused our credentials (ssh's "Permission denied", a socket agent's refused token). */
export class AuthenticationError extends GatewayStartError {
  override name = 'AuthenticationError';
}

/** The host's key is unknown or differs from the one on record. */
export class HostKeyError extends GatewayStartError {
  override name = 'HostKeyError';
}

/** The remote side has no such interpreter (the shell's exit 127, "command not found"). */
export class InterpreterNotFoundError extends GatewayStartError {
  override name = 'InterpreterNotFoundError';
}

/** The connection worked but the agent did not start or did not finish its handshake. */
export class AgentStartError extends GatewayStartError {
  override name = 'AgentStartError';
}

const HOST_KEY = [
  /Host key verification failed/i,
  /REMOTE HOST IDENTIFICATION HAS CHANGED/i,
  /host key .*(?:changed|mismatch)/i,
  /No \S+ host key is known/i,
];
const AUTH = [/Permission denied/i, /Too many authentication failures/i, /No more authentication methods/i, /Authentication failed/i];
const UNREACHABLE = [
  /Connection refused/i,
  /Connection timed out/i,
  /Operation timed out/i,
  /Could not resolve hostname/i,
  /Name or service not known/i,
  /Temporary failure in name resolution/i,
  /No route to host/i,
  /Network is unreachable/i,
  /Connection closed by remote host/i,
  /Connection reset by peer/i,
  /kex_exchange_identification/i,
];
const NOT_FOUND = [/command not found/i, /No such file or directory/i, /not found/i];

/**
 * Names what went wrong when an ssh gateway (or a command started through a prefix) ended before its
 * agent said HELLO. ssh exits with 255 for its own failures and with the remote command's code
 * otherwise, so 255 is read from ssh's messages and anything else as the remote command's fate.
 */
export function classifyStartFailure(
  exit: Pick<TransportExit, 'code' | 'stderrTail'>,
  what: string,
  { ssh = true, cause }: { ssh?: boolean; cause?: string } = {},
): GatewayStartError {
  const text = exit.stderrTail;
  const code = exit.code;
  // The gateway's own message repeats the stderr tail, which this error shows once below.
  cause = cause?.split('\n--- agent stderr')[0];
  const tail = text.trim();
  const matches = (patterns: RegExp[]) => patterns.some((p) => p.test(text));
  if (ssh && code === 255) {
    if (/IDENTIFICATION HAS CHANGED|has changed/i.test(text)) {
      return new HostKeyError(
        `${what}: the host key differs from the one on record (a reinstalled host, or someone in between); not connecting`,
        code,
        tail,
      );
    }
    if (matches(HOST_KEY))
      return new HostKeyError(`${what}: the host key is not known; connect once with ssh to check and record it`, code, tail);
    if (matches(AUTH)) return new AuthenticationError(`${what}: authentication failed`, code, tail);
    if (/Connection refused/i.test(text))
      return new HostUnreachableError(
        `${what}: nothing listens on its ssh port (connection refused); is sshd running there, on that port?`,
        code,
        tail,
      );
    if (/Could not resolve hostname|Name or service not known|Temporary failure in name resolution/i.test(text))
      return new HostUnreachableError(
        `${what}: the host name does not resolve; check its spelling, or its Host entry in ~/.ssh/config`,
        code,
        tail,
      );
    if (matches(UNREACHABLE)) return new HostUnreachableError(`${what}: the host is unreachable`, code, tail);
    return new AgentStartError(`${what}: ssh failed (exit 255)`, code, tail);
  }
  if (code === 127 || (code === 126 && matches(NOT_FOUND))) {
    return new InterpreterNotFoundError(`${what}: the interpreter was not found on the remote side (exit ${code})`, code, tail);
  }
  const how = code === null ? 'it was stopped' : `exit ${code}`;
  return new AgentStartError(`${what}: the agent did not start (${cause ? `${cause}; ` : ''}${how})`, code, tail);
}

/** A transport that can say why its agent never said HELLO (makeGateway asks it). */
export interface DiagnosableTransport extends Transport {
  explainStartFailure(err: unknown): Promise<unknown>;
}

/**
 * Gives `transport` an explanation of a failed start: once the process behind it has ended, its exit
 * code and stderr are classified; a transport still running is reported with the original reason.
 */
export function withStartDiagnosis<T extends Transport>(
  transport: T,
  classify: (exit: TransportExit, cause: string) => GatewayStartError,
): T & DiagnosableTransport {
  return Object.assign(transport, {
    async explainStartFailure(err: unknown): Promise<unknown> {
      const cause = err instanceof Error ? err.message : String(err);
      const exit = await Promise.race([transport.exited, delay(3000)]);
      if (!exit) {
        transport.kill();
        return err;
      }
      return classify(exit, cause);
    },
  });
}

export function isDiagnosable(transport: Transport): transport is DiagnosableTransport {
  return typeof (transport as Partial<DiagnosableTransport>).explainStartFailure === 'function';
}

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}

function indent(text: string): string {
  return text
    .trim()
    .split('\n')
    .slice(-20)
    .map((line) => `  ${line}`)
    .join('\n');
}
