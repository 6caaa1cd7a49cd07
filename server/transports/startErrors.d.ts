import type { Transport, TransportExit } from '../../protocol';
/**
 * Why a gateway could not be started, told precisely instead of execnet's blanket HostNotFound. Each
 * error carries the transport's own words (ssh's stderr, the remote shell's message) and exit code.
 */
export declare class GatewayStartError extends Error {
  /** The exit code of the process behind the transport (ssh's own, or the remote command's). */
  readonly exitCode: number | null;
  /** The last lines the transport wrote to stderr. */
  readonly stderrTail: string;
  name: string;
  constructor(
    message: string,
    /** The exit code of the process behind the transport (ssh's own, or the remote command's). */
    exitCode?: number | null,
    /** The last lines the transport wrote to stderr. */
    stderrTail?: string,
  );
}
/** The host could not be reached: connection refused or timed out, name not resolved, no route. */
export declare class HostUnreachableError extends GatewayStartError {
  name: string;
}
/** The host refused our credentials (ssh's "Permission denied", a socket agent's refused token). */
export declare class AuthenticationError extends GatewayStartError {
  name: string;
}
/** The host's key is unknown or differs from the one on record. */
export declare class HostKeyError extends GatewayStartError {
  name: string;
}
/** The remote side has no such interpreter (the shell's exit 127, "command not found"). */
export declare class InterpreterNotFoundError extends GatewayStartError {
  name: string;
}
/** The connection worked but the agent did not start or did not finish its handshake. */
export declare class AgentStartError extends GatewayStartError {
  name: string;
}
/**
 * Names what went wrong when an ssh gateway (or a command started through a prefix) ended before its
 * agent said HELLO. ssh exits with 255 for its own failures and with the remote command's code
 * otherwise, so 255 is read from ssh's messages and anything else as the remote command's fate.
 */
export declare function classifyStartFailure(
  exit: Pick<TransportExit, 'code' | 'stderrTail'>,
  what: string,
  {
    ssh,
    cause,
  }?: {
    ssh?: boolean;
    cause?: string;
  },
): GatewayStartError;
/** A transport that can say why its agent never said HELLO (makeGateway asks it). */
export interface DiagnosableTransport extends Transport {
  explainStartFailure(err: unknown): Promise<unknown>;
}
/**
 * Gives `transport` an explanation of a failed start: once the process behind it has ended, its exit
 * code and stderr are classified; a transport still running is reported with the original reason.
 */
export declare function withStartDiagnosis<T extends Transport>(
  transport: T,
  classify: (exit: TransportExit, cause: string) => GatewayStartError,
): T & DiagnosableTransport;
export declare function isDiagnosable(transport: Transport): transport is DiagnosableTransport;
