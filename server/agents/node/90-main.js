// The gateway object user code sees, the handshake and dispatch of messages, the process-wide messages,
// and the start of the agent.

const gateway = Object.freeze({
  newChannel,
  /** Wraps a value so it is sent as a reference (ext 1 OBJECT) rather than by value. */
  proxy: (obj) => new RefMarker(obj),
  /** Sends a LOG record (kind 'log') to the host. */
  log: (message, level = 20, logger = 'remote') => sendLog(level, message, { logger }),
  status: () => statusMap(),
  /** Shows a value in the host's results view (sec. 5 DISPLAY): a MIME bundle, an image Buffer, `(text, mime)`. */
  display,
  /** Asks the host for a line of input (sec. 5 INPUT): a promise of the line, an EOFError when there is none. */
  input,
  EOFError,
  Tuple,
  RemoteError,
  TimeoutError,
  ChannelClosedError,
  InterruptError,
});

// ---------------------------------------------------------------------------------------------------
// Message dispatch

let helloReceived = false;
/** The version both sides use, from the host's HELLO. */
let protocolVersion = 0;
const preHello = [];
let terminating = false;

function statusMap() {
  const [s, ns] = process.hrtime(startedAt);
  return {
    numexecuting: tasks.size,
    protocol: protocolVersion,
    numchannels: channels.size,
    execqsize: 0,
    numobjects: exported.size,
    nextid: nextObjectId,
    pid: process.pid,
    uptime: s + ns / 1e9,
    msgsIn,
    msgsOut,
    bytesIn,
    bytesOut,
    language: 'node',
    version: process.versions.node,
    memory: process.memoryUsage().rss,
    pendingCallbacks: pendingCallbacks.size,
  };
}

/** A protocol error ends the agent (sec. 2): code 0 for a bad or oversized frame, 1 for a version it does not speak. */
let traceFd = null;
/** REMOTE_EXEC_DEBUG (sec. 1): a line per message, to the real stderr (2) or a file in the temp folder (1). */
function trace(direction, type, id, payload) {
  try {
    if (traceFd === null)
      traceFd =
        DEBUG === '2' ? 2 : fs.openSync(require('path').join(require('os').tmpdir(), `remote-exec-debug-${process.pid}`), 'a', 0o600);
    const name = (MESSAGES.find((m) => m[0] === type) || [type, type])[1];
    const line = `${(performance.now() / 1000).toFixed(6)} main ${direction} ${id} ${name} ${safeInspect(payload, 200)}\n`;
    if (traceFd === 2) writeStderr(line);
    else fs.writeSync(traceFd, line);
  } catch {
    /* tracing never fails the agent */
  }
}

function fatal(message, code = 0) {
  try {
    sendMsg(ERROR, 0, message);
  } catch {
    /* ignore */
  }
  flushAll();
  writeStderr(`remote-exec agent: ${message}\n`);
  process.exit(code);
}

function onMessage(msg) {
  if (!Array.isArray(msg) || msg.length !== 3 || !Number.isInteger(msg[0]) || msg[0] < 0 || !Number.isInteger(msg[1]) || msg[1] < 0) {
    fatal(`protocol error: a message is [type: uint, id: uint, payload], got ${safeInspect(msg, 200)}`);
    return;
  }
  const type = msg[0],
    id = msg[1],
    payload = msg[2];
  if (DEBUG) trace('<', type, id, payload);
  if (!helloReceived) {
    if (type === HELLO) {
      const theirs = payload && payload.protocol;
      if (!Number.isInteger(theirs) || theirs < 1)
        fatal(`protocol version mismatch: the agent speaks versions 1 to ${PROTOCOL}, the host speaks ${theirs}`, 1);
      // Both sides use the lower of the two highest versions (sec. 4).
      protocolVersion = Math.min(theirs, PROTOCOL);
      helloReceived = true;
      if (payload && Number(payload.maxFrame) > 0) peerMaxFrame = Number(payload.maxFrame);
      if (payload && Number.isInteger(payload.logLevel)) logLevel = payload.logLevel;
      if (payload && Number.isInteger(payload.spinUs) && payload.spinUs >= 0) spinUs = payload.spinUs;
      if (payload) setWindows(payload);
      for (const m of preHello.splice(0)) dispatch(m[0], m[1], m[2]);
    } else preHello.push(msg);
    return;
  }
  dispatch(type, id, payload);
}

function dispatch(type, id, payload) {
  if (terminating) return;
  const handler = HANDLERS[type];
  if (handler) handler(id, payload);
  else sendMsg(ERROR, 0, `unknown message type ${type}`);
}

// The process-wide messages (sec. 5).

function onSecondHello() {
  sendMsg(ERROR, 0, 'unexpected second HELLO');
}

function onStatus(id) {
  sendMsg(REPLY, id, statusMap());
}

function onTerminate() {
  terminate(0);
}

/**
 * JS adaptation: INTERRUPT rejects a pending channel.receive() of the task with an InterruptError; a task
 * that is not waiting in receive gets its channel closed with CLOSE_ERROR InterruptError at once (its code
 * keeps running in the background but can no longer use the channel; `channel.interrupted` turns true).
 * A busy synchronous loop cannot be interrupted: the INTERRUPT is only read once it yields.
 */
function onInterrupt(id) {
  if (id === 0) for (const t of tasks.values()) t.ch._interrupt();
  else {
    const t = tasks.get(id);
    if (t) t.ch._interrupt();
  }
}

function onError(id, payload) {
  writeStderr(`remote-exec agent: the host reported a protocol error: ${payload}\n`);
}

function terminate(code) {
  if (terminating) return;
  terminating = true;
  for (const ch of [...channels.values()]) {
    try {
      if (!ch._closed) ch.close();
    } catch {
      /* ignore */
    }
  }
  flushAll();
  process.exit(code);
}

// Frames in

// Start

function main() {
  takeOverStreams();
  process.on('uncaughtException', (e) => logException(e, 'uncaught exception'));
  process.on('unhandledRejection', (e) => logException(e, 'unhandled promise rejection'));
  process.removeAllListeners('warning');
  process.on('warning', (w) => sendLog(30, `${w && w.name}: ${w && w.message}`, { kind: 'warning', exc_text: cleanStack(w && w.stack) }));
  process.on('SIGINT', () => {
    for (const t of tasks.values()) t.ch._interrupt();
  });
  process.on('exit', () => {
    try {
      flushAll();
    } catch {
      /* ignore */
    }
  });
  sendMsg(HELLO, 0, {
    protocol: PROTOCOL,
    language: 'node',
    version: process.versions.node,
    implementation: process.release && process.release.name === 'node' ? 'Node.js' : String(process.release && process.release.name),
    pid: process.pid,
    cwd: process.cwd(),
    executable: process.execPath,
    platform: process.platform,
    capabilities: CAPABILITIES,
    maxFrame: MAX_FRAME,
    window: receiveWindow,
  });
  flushNow();
  startReading();
}

main();
