import type { Gateway, Transport } from '../../protocol';
import { XSpecError, type TransportKind, type XSpec } from '../gateway/xspec';
import { openPopen } from './popen';
import { hasPrefix, openPrefixed, PREFIX_KEYS } from './prefix';
import { openSocket } from './socket';
import { openSsh } from './ssh';
import { isDiagnosable } from './startErrors';
import { openVia } from './via';

/** What the caller of makeGateway knows beyond the spec. */
export interface OpenContext {
  /** The gateway that `via=` names, when the caller holds it (a Group's member), so ids need not be unique process-wide. */
  via?: Gateway;
}

/** How each transport of the xspec opens a stream to a freshly bootstrapped agent. */
export type TransportOpener = (spec: XSpec, context?: OpenContext) => Promise<Transport>;

export const TRANSPORTS: Record<TransportKind, TransportOpener> = {
  popen: (spec, context) => {
    if (spec.options.via !== undefined) return openVia(spec, context?.via);
    // A REPL runs in a terminal, prefixes and all (openPopen hands it to the repl transport).
    return hasPrefix(spec) && spec.interpreter !== 'repl' ? openPrefixed(spec) : openPopen(spec);
  },
  ssh: (spec) => {
    if (spec.options.via !== undefined)
      return Promise.reject(
        new XSpecError(`via= starts a popen gateway on another gateway's host; it does not combine with ssh= (${spec.raw})`),
      );
    return openSsh(spec);
  },
  socket: (spec) => {
    const misplaced = [...PREFIX_KEYS, 'via'].filter((k) => k in spec.options);
    if (misplaced.length)
      return Promise.reject(
        new XSpecError(`${misplaced.join('=, ')}= do not combine with socket=: the server chooses how its agents start (${spec.raw})`),
      );
    return openSocket(spec);
  },
};

/**
 * The error to report when a transport opened but its agent never said HELLO: the transport's own
 * diagnosis when it has one (ssh's "Permission denied", a remote "command not found"), else `err`.
 * Ends the transport either way.
 */
export async function startFailure(transport: Transport, err: unknown): Promise<unknown> {
  try {
    return isDiagnosable(transport) ? await transport.explainStartFailure(err) : err;
  } finally {
    transport.kill();
  }
}
