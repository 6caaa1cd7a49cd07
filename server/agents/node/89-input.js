// Input (INPUT, sec. 5, protocol version 2): `await input(prompt)` in sessions (gateway.input in any task)
// asks the host for a line; `{ password: true }` masks it. JS adaptation: Node has no blocking input(), so it
// returns a promise, rejected with an EOFError when the host has no line to give (or speaks version 1).

class EOFError extends Error {
  constructor(message = 'EOF when reading a line') {
    super(message);
    this.name = 'EOFError';
  }
}

function input(prompt = '', options) {
  const password = !!(options && options.password);
  const text = String(prompt);
  if (protocolVersion < 2) return Promise.reject(new EOFError('EOF when reading a line (the host cannot answer input)'));
  const req = ++nextRequestId;
  const asked = new Promise((resolve, reject) => {
    pendingCallbacks.set(req, { resolve, reject });
    try {
      sendMsg(INPUT, req, { prompt: text, password, channel: currentChannelId() });
    } catch (e) {
      pendingCallbacks.delete(req);
      reject(e);
    }
  });
  return asked.then(
    (line) => {
      // The transcript shows the question and its answer, as a terminal would.
      emitOutput(STDOUT, `${text}${password ? '' : line}\n`);
      return typeof line === 'string' ? line : '';
    },
    (e) => {
      throw e instanceof RemoteError && e.remoteType === 'EOFError' ? new EOFError(e.remoteMessage) : e;
    },
  );
}
