/** An exception raised on the remote side, carried with its type and the remote traceback. */
export class RemoteError extends Error {
  override readonly name = 'RemoteError';
  constructor(
    /** The remote exception's type name, e.g. `ValueError`. */
    readonly remoteType: string,
    /** The remote exception's own message. */
    readonly remoteMessage: string,
    /** The formatted remote traceback, naming the remote files and lines. */
    readonly remoteTraceback: string,
  ) {
    super(remoteTraceback ? `${remoteType}: ${remoteMessage}\n${remoteTraceback}` : `${remoteType}: ${remoteMessage}`);
  }
}

/** A receive, call or wait that did not complete within its timeout. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** Receiving from, or sending to, a channel that has been closed. */
export class ChannelClosedError extends Error {
  override readonly name = 'ChannelClosedError';
}

/** The gateway ended (exit, crash, lost connection) while the operation was pending. */
export class GatewayClosedError extends Error {
  override readonly name = 'GatewayClosedError';
  constructor(
    message: string,
    /** The agent's exit code, when it was a process that exited. */
    readonly exitCode: number | null = null,
    /** The signal that ended the agent, if any. */
    readonly signal: string | null = null,
    /** The last lines the agent wrote to its stderr before it died. */
    readonly stderrTail = '',
  ) {
    super(message);
  }
}

/** The byte stream carried something that is not the protocol: bad frame, bad body, oversized frame. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

/** A value that has no encoding on the wire (PROTOCOL.md §6). */
export class EncodeError extends TypeError {
  override readonly name = 'EncodeError';
}
