// Logs, and exceptions as the host sees them (RemoteException triples).

let logLevel = 30;
const LEVEL_NAMES = { 10: 'DEBUG', 20: 'INFO', 30: 'WARNING', 40: 'ERROR', 50: 'CRITICAL' };

function sendLog(level, message, extra) {
  if (level < logLevel) return;
  const t = als.getStore();
  const rec = {
    time: Date.now() / 1000,
    level,
    levelname: LEVEL_NAMES[level] || `Level ${level}`,
    logger: (extra && extra.logger) || 'node',
    thread: t ? `channel-${t.ch.id}` : 'main',
    message: String(message),
  };
  if (extra && extra.exc_text) rec.exc_text = extra.exc_text;
  rec.kind = (extra && extra.kind) || 'log';
  try {
    sendMsg(LOG, 0, rec);
  } catch (e) {
    writeStderr(`remote-exec agent: cannot send log record: ${e && e.message}\n${message}\n`);
  }
}

function logException(e, what) {
  const [type, message, tb] = exceptionTriple(e);
  sendLog(40, `${what}: ${type}: ${message}`, { kind: 'exception', exc_text: tb });
}

function writeStderr(s) {
  try {
    origWriteSync(2, s);
  } catch {
    /* ignore */
  }
}

function internalError(e) {
  writeStderr(`remote-exec agent internal error: ${(e && e.stack) || e}\n`);
}

// Exceptions

function cleanStack(stack) {
  if (typeof stack !== 'string') return '';
  const lines = stack.split('\n');
  // Session code evaluated through the inspector (87-repl-session): what lies below it is the agent's own.
  const inspector = lines.findIndex((l) => l.includes('(node:inspector'));
  return (inspector >= 0 ? lines.slice(0, inspector) : lines)
    .filter((l) => !l.includes('remote-exec-agent') && !l.includes('node:async_hooks') && !/\(node:internal\/process\/task_queues/.test(l))
    .join('\n');
}

function exceptionTriple(e) {
  if (e instanceof RemoteError) return [e.remoteType, e.remoteMessage, e.remoteTraceback];
  if (e && (typeof e === 'object' || typeof e === 'function') && typeof e.message === 'string') {
    let type = 'Error';
    try {
      type = (typeof e.name === 'string' && e.name) || (e.constructor && e.constructor.name) || 'Error';
    } catch {
      /* ignore */
    }
    let stack = '';
    try {
      stack = cleanStack(e.stack);
    } catch {
      /* ignore */
    }
    return [type, e.message, stack];
  }
  return ['Error', `thrown value: ${safeInspect(e, 500)}`, ''];
}

/** A RemoteException value (ext 4) for `e`, whatever was thrown. */
function toException(e) {
  if (e instanceof Error) return e;
  const [type, message, tb] = exceptionTriple(e);
  return new RemoteError(type, message, tb);
}
