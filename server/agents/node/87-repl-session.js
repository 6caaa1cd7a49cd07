// Session code as a REPL's input, through the inspector's Runtime.evaluate in REPL mode (what browser
// consoles use): declarations may be repeated across runs (`const os = require('os')` in a cell that runs
// twice) and top-level await needs no wrapper. The inspector session is this process's own, in this
// thread: evaluation runs synchronously inside the call, in the task's async context.

const REPL_GROUP = 'remote-exec-session';
/** Where a result or a thrown value is parked for a moment, to take it from the inspector's handle to a JS value. */
const REPL_SLOT = Symbol.for('remote-exec.repl-slot');
let replState; // undefined: not tried yet; null: the inspector is not available

function replSession() {
  if (replState !== undefined) return replState;
  replState = null;
  try {
    const inspector = require('inspector');
    const session = new inspector.Session();
    session.connect();
    const post = (method, params) =>
      new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
    replState = { evaluate: (source, filename) => replEvaluate(post, source, filename) };
  } catch {
    /* built without the inspector: vm.Script it is */
  }
  return replState;
}

async function replEvaluate(post, source, filename) {
  // The sourceURL names the script as vm.Script's filename would: tracebacks say <remote-exec-N>:line:col.
  const expression = `${source}\n//# sourceURL=${filename}`;
  try {
    const res = await post('Runtime.evaluate', { expression, replMode: true, objectGroup: REPL_GROUP });
    if (res.exceptionDetails) throw await replThrown(post, res.exceptionDetails, filename);
    return await replValue(post, res.result);
  } finally {
    post('Runtime.releaseObjectGroup', { objectGroup: REPL_GROUP }).catch(() => undefined);
  }
}

/** The JS value behind an inspector RemoteObject. */
async function replValue(post, remote) {
  if (!remote || remote.type === 'undefined') return undefined;
  if (remote.objectId) {
    await post('Runtime.callFunctionOn', {
      objectId: remote.objectId,
      functionDeclaration: `function () { 'use strict'; globalThis[Symbol.for('remote-exec.repl-slot')] = this; }`,
      objectGroup: REPL_GROUP,
    });
    const value = globalThis[REPL_SLOT];
    delete globalThis[REPL_SLOT];
    return value;
  }
  if ('unserializableValue' in remote) {
    const u = remote.unserializableValue;
    if (u.endsWith('n')) return BigInt(u.slice(0, -1));
    return u === '-0' ? -0 : Number(u);
  }
  return remote.value;
}

/** What the run threw, as the error itself; a SyntaxError gets the line it names, which its stack lacks. */
async function replThrown(post, details, filename) {
  const thrown = details.exception ? await replValue(post, details.exception) : new Error(details.text || 'evaluation failed');
  if (thrown instanceof SyntaxError && typeof details.lineNumber === 'number') {
    try {
      thrown.stack = `${thrown.name}: ${thrown.message}\n    at ${filename}:${details.lineNumber + 1}:${(details.columnNumber || 0) + 1}`;
    } catch {
      /* a frozen error keeps its own stack */
    }
  }
  return thrown;
}
