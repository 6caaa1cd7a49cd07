import type { Gateway, Transport } from '../../protocol';
import { type TransportKind, type XSpec } from '../gateway/xspec';
/** What the caller of makeGateway knows beyond the spec. */
export interface OpenContext {
  /** The gateway that `via=` names, when the caller holds it (a Group's member), so ids need not be unique process-wide. */
  via?: Gateway;
}
/** How each transport of the xspec opens a stream to a freshly bootstrapped agent. */
export type TransportOpener = (spec: XSpec, context?: OpenContext) => Promise<Transport>;
export declare const TRANSPORTS: Record<TransportKind, TransportOpener>;
/**
 * The error to report when a transport opened but its agent never said HELLO: the transport's own
 * diagnosis when it has one (ssh's "Permission denied", a remote "command not found"), else `err`.
 * Ends the transport either way.
 */
export declare function startFailure(transport: Transport, err: unknown): Promise<unknown>;
