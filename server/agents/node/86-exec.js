// EXEC: each source runs as the body of an async function with `channel` in scope, as a task of its own.
// JS adaptation: sessions run in the agent's own realm, as a REPL's inputs (V8's REPL mode, 87-repl-session):
// var, function, let, const and class declarations all persist between runs, a run may declare again what
// an earlier one declared (re-running a cell works), and top-level await is allowed. Where the inspector
// is missing, vm.Script.runInThisContext runs them instead: declarations persist, but cannot be repeated,
// and a cell that uses top-level await runs as an async function whose declarations stay local. An
// undefined completion value sends no DATA.

const EXEC_PARAMS = [
  'channel',
  'gateway',
  'require',
  'console',
  'module',
  'exports',
  '__filename',
  '__dirname',
  '__name__',
  'Tuple',
  'FrozenSet',
  'Complex',
];
const EXEC_PREFIX = `(async function (${EXEC_PARAMS.join(', ')}) {`;
const dynamicImport = vm.constants && vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER;

function compileOptions(filename, extra) {
  const o = { filename, ...extra };
  if (dynamicImport) o.importModuleDynamically = dynamicImport;
  return o;
}

let sessionGlobalsBaseline = null;
const sessionLexicals = new Set();
/** What the agent itself puts in the session's scope: not the user's variables. */
const SESSION_HIDDEN = new Set(['require', 'gateway', 'Tuple', 'FrozenSet', 'Complex', 'channel', 'display', 'input']);
/** Session runs so far: a sorted or filtered table's row order holds until the next one (sec. 7.7). */
let sessionRuns = 0;

let watchdog = null;
/**
 * User code that spins in a synchronous loop never lets the event loop see the end of stdin, so a
 * worker thread (its own event loop) watches for the host's death: the agent's parent changing, as it
 * does when the host process or the ssh session behind it ends. Started with the first task, so an
 * agent that runs nothing pays nothing for it.
 */
function ensureWatchdog() {
  if (watchdog) return;
  try {
    const { Worker } = require('worker_threads');
    const source =
      "const { workerData: w } = require('worker_threads');" +
      "setInterval(() => { if (process.ppid !== w.ppid) process.kill(w.pid, 'SIGKILL'); }, 250);";
    watchdog = new Worker(source, { eval: true, workerData: { ppid: process.ppid, pid: process.pid }, stdout: true, stderr: true });
    watchdog.unref();
    watchdog.on('error', () => {});
  } catch {
    watchdog = false; // no worker threads here: the end of stdin, once read, still ends the agent
  }
}

function startExec(id, payload) {
  ensureWatchdog();
  const ch = channelFor(id, true);
  if (tasks.has(id)) {
    try {
      ch.close(new Error(`channel ${id} is already running a task`));
    } catch (e) {
      internalError(e);
    }
    return;
  }
  const task = { ch, start: Date.now() };
  tasks.set(id, task);
  als.run(task, () => runTask(task, payload));
}

async function runTask(task, payload) {
  const ch = task.ch;
  try {
    if (!payload || typeof payload !== 'object' || typeof payload.source !== 'string')
      throw new TypeError('EXEC payload must be {source: str, name?: str}');
    const filename = typeof payload.name === 'string' && payload.name ? payload.name : `remote-exec:${ch.id}`;
    if (payload.session) {
      const r = await runSession(payload.source, filename, ch);
      if (r !== undefined && !ch._closed) {
        showResult(r);
        ch.send({ value: autoRule(r) });
      }
    } else {
      const call = payload.call;
      if (call !== undefined && call !== null && (typeof call !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(call)))
        throw new TypeError(`EXEC call must be a function's name, got ${JSON.stringify(call)}`);
      // execnet's remote_exec(func, **kwargs): the body hands back the function it declared, which then
      // runs with the channel and the keyword arguments as one options object.
      const tail = call ? `\n;return typeof ${call} === 'undefined' ? undefined : ${call};` : '';
      const script = compileExec(payload.source, tail, filename);
      const fn = script.runInThisContext();
      const mod = { exports: {}, id: '__channelexec__', filename };
      const defined = await fn(
        ch,
        gateway,
        getUserRequire(),
        console,
        mod,
        mod.exports,
        filename,
        process.cwd(),
        '__channelexec__',
        Tuple,
        FrozenSet,
        Complex,
      );
      if (call) {
        if (typeof defined !== 'function') throw new ReferenceError(`the source defines no function named ${call} to call`);
        const kwargs = payload.kwargs;
        await defined(ch, kwargs && typeof kwargs === 'object' ? kwargs : {});
      }
    }
    if (!ch._closed) ch.close();
  } catch (e) {
    if (!ch._closed) {
      try {
        ch.close(e);
      } catch (e2) {
        try {
          ch.close(String((e && e.stack) || e));
        } catch (e3) {
          internalError(e3);
        }
      }
    } else if (!ch.interrupted) {
      logException(e, `task on channel ${ch.id} raised after its channel was closed`);
    }
  } finally {
    tasks.delete(ch.id);
  }
}

/**
 * The source as the body of the task's function. A syntax error names the user's file and line and shows
 * the user's line, not the wrapper the agent put around it.
 */
function compileExec(source, tail, filename) {
  try {
    return new vm.Script(`${EXEC_PREFIX}${source}${tail}\n})`, compileOptions(filename, { columnOffset: -EXEC_PREFIX.length }));
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    const lines = String(e.stack).split('\n');
    const at = /^(.*):(\d+)$/.exec(lines[0]);
    if (at && lines.length > 2) {
      const first = at[2] === '1';
      const code = first ? lines[1].slice(EXEC_PREFIX.length) : lines[1];
      const caret = first ? lines[2].slice(EXEC_PREFIX.length) : lines[2];
      e.stack = `${lines[0]}\n${code}\n${caret}\n\n${e.name}: ${e.message}`;
    }
    throw e;
  }
}

async function runSession(source, filename, ch) {
  if (!sessionGlobalsBaseline) sessionGlobalsBaseline = new Set(Object.getOwnPropertyNames(globalThis));
  sessionRuns++;
  globalThis.require = getUserRequire();
  globalThis.gateway = gateway;
  globalThis.Tuple = Tuple;
  globalThis.FrozenSet = FrozenSet;
  globalThis.Complex = Complex;
  globalThis.channel = ch;
  globalThis.display = display;
  globalThis.input = input;
  for (const m of source.matchAll(/(?:^|[;}])\s*(?:let|const|class)\s+([A-Za-z_$][\w$]*)/gm)) sessionLexicals.add(m[1]);
  const repl = replSession();
  if (repl) return repl.evaluate(source, filename);
  let script,
    wrapped = false;
  try {
    script = new vm.Script(source, compileOptions(filename));
  } catch (e) {
    if (!(e instanceof SyntaxError) || !/await/.test(e.message)) throw e;
    script = new vm.Script(`(async () => {\n${source}\n})()`, compileOptions(filename, { lineOffset: -1 }));
    wrapped = true;
  }
  const v = script.runInThisContext({ displayErrors: true });
  return wrapped ? await v : v;
}

/** The names session code defined: globals it added and its top-level let, const and class names. */
function sessionNames() {
  const names = [];
  const base = sessionGlobalsBaseline || new Set(Object.getOwnPropertyNames(globalThis));
  for (const k of Object.getOwnPropertyNames(globalThis)) if (!base.has(k) && !SESSION_HIDDEN.has(k)) names.push(k);
  const seen = new Set(names);
  for (const k of sessionLexicals) if (!seen.has(k) && sessionLookup(k).found) names.push(k);
  return names;
}

/** A session name's value: a global, else a top-level lexical (read in the realm where it lives). */
function sessionLookup(name) {
  if (SESSION_HIDDEN.has(name)) return { found: false };
  if (Object.prototype.hasOwnProperty.call(globalThis, name)) {
    try {
      return { found: true, value: globalThis[name] };
    } catch {
      return { found: false };
    }
  }
  if (!sessionLexicals.has(name)) return { found: false };
  try {
    return { found: true, value: vm.runInThisContext(name) };
  } catch {
    return { found: false }; // declared in a run that failed before it
  }
}
