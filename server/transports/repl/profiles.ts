import * as path from 'path';
import { chunks } from './markers';

/**
 * How to drive one kind of REPL through a terminal: what to type so that a block of code runs whole,
 * prints the start and end markers of markers.ts around its output, and reports failure.
 *
 * Every known profile types the code as short lines that append an encoded piece to a buffer inside the
 * REPL (terminal line disciplines and some REPLs cut lines near 4 KiB), then one line that decodes and
 * runs it. Echo is turned off where the REPL allows it, prompts are set to empty, and whatever the REPL
 * prints between runs (prompts, echoes, results of the helper lines) is dropped by the driver.
 */
export interface ReplProfile {
  /** `python`, `node`, `shell`, `R` or `generic`. */
  readonly kind: string;
  /** The HELLO `language`. */
  readonly language: string;
  /** Environment the REPL starts with (before the spec's own `env:`). */
  readonly env: Record<string, string>;
  /** Lines typed once after start. */
  setup(): string[];
  /** Lines that run `code` between the markers of `tok`. */
  run(code: string, tok: string): string[];
  /** Code whose output is the interpreter's version (run like user code once at start). */
  readonly versionCode?: string;
  /**
   * A line that prints the end marker of `tok` only if that run has not printed it: typed after an
   * interrupt, because some REPLs abandon the rest of the current input on Ctrl-C.
   */
  recover?(tok: string): string;
  /** A line that makes the REPL exit. */
  readonly exitLine: string;
  /** Runs end by exit status (shells): non-zero is a failure. */
  readonly statusIsExitCode?: boolean;
  /** The markers are the REPL's echo of typed lines (generic profile): output includes echoes and prompts. */
  readonly echoMarkers?: boolean;
}

const LINE = 480;

// ---- Python ----

const PYTHON_RUNNER = `
def _re_make():
    import ast, base64, linecache, os, sys, traceback
    main = sys.modules['__main__'].__dict__
    st = {'buf': [], 'pending': None, 'n': 0}
    try:
        os.system('stty -echo -onlcr 2>/dev/null')
    except Exception:
        pass
    sys.ps1 = ''
    sys.ps2 = ''
    def hx(s):
        return str(s).encode('utf-8', 'replace').hex()
    def out(s):
        for f in (sys.stderr, sys.stdout):
            try:
                f.flush()
            except Exception:
                pass
        sys.stdout.write(s)
        sys.stdout.flush()
    def end(tok, status, info=None):
        if st['pending'] != tok:
            return
        st['pending'] = None
        out('<<RE:' + tok + ':E:' + status + ':' + ('.'.join(hx(x) for x in info) if info else '') + '>>')
    class Runner(object):
        def add(self, piece):
            st['buf'].append(piece)
        def run(self, tok):
            src = base64.b64decode(''.join(st['buf'])).decode('utf-8')
            st['buf'] = []
            st['n'] += 1
            name = '<remote-exec-%d>' % st['n']
            linecache.cache[name] = (len(src), None, src.splitlines(True), name)
            st['pending'] = tok
            out('<<RE:' + tok + ':S>>')
            try:
                tree = ast.parse(src, name)
                for node in tree.body:
                    exec(compile(ast.Interactive([node]), name, 'single'), main)
            except BaseException as e:
                if isinstance(e, SyntaxError):
                    tb = ''.join(traceback.format_exception_only(type(e), e))
                else:
                    tb = ''.join(traceback.format_exception(type(e), e, e.__traceback__.tb_next if e.__traceback__ else None))
                end(tok, 'error', [type(e).__name__, str(e), tb])
            else:
                end(tok, 'ok')
        def recover(self, tok):
            end(tok, 'recovered', ['KeyboardInterrupt', '', ''])
    return Runner()
_re = _re_make()
del _re_make
`;

const python: Omit<ReplProfile, 'language'> = {
  kind: 'python',
  // The basic REPL of 3.13+ reads plain lines; the new one redraws the screen.
  env: { PYTHON_BASIC_REPL: '1', PYTHONIOENCODING: 'utf-8' },
  setup: () => [
    '_re_b = []',
    ...chunks(b64(PYTHON_RUNNER), LINE).map((c) => `_re_b.append('${c}')`),
    "exec(__import__('base64').b64decode(''.join(_re_b)).decode('utf-8')); del _re_b",
  ],
  run: (code, tok) => [...chunks(b64(code), LINE).map((c) => `_re.add('${c}')`), `_re.run('${tok}')`],
  versionCode: "import sys as _re_sys; print(_re_sys.version.split()[0], end=''); del _re_sys",
  recover: (tok) => `_re.recover('${tok}')`,
  exitLine: 'raise SystemExit(0)',
};

// ---- Node ----

const NODE_RUNNER = `(() => {
  const vm = require('vm');
  const util = require('util');
  const st = { buf: [], pending: null, cancel: null };
  try { require('child_process').execSync('stty -echo -onlcr 2>/dev/null', { stdio: 'inherit' }); } catch (e) {}
  const hx = (s) => Buffer.from(String(s), 'utf8').toString('hex');
  const out = (s) => process.stdout.write(s);
  const end = (tok, status, info) => {
    if (st.pending !== tok) return;
    st.pending = null;
    st.cancel = null;
    out('<<RE:' + tok + ':E:' + status + ':' + (info ? info.map(hx).join('.') : '') + '>>');
  };
  const fail = (tok, e) => end(tok, 'error', e instanceof Error
    ? [e.code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED' ? 'KeyboardInterrupt' : e.name, e.message, e.stack || '']
    : ['Error', util.inspect(e), '']);
  // While a run awaits a promise the REPL is back at its prompt, where Ctrl-C reaches it as a key.
  // (A process 'SIGINT' listener would break the REPL's own interruption of synchronous code.)
  const server = require('repl').repl;
  if (server) {
    // First, so the end marker precedes the REPL's own 'press Ctrl+C again' notice.
    server.prependListener('SIGINT', () => { if (st.cancel) st.cancel(); });
    // A run awaiting a promise returns to the prompt at once: no 'undefined' and no prompt in its output.
    server.ignoreUndefined = true;
    server.setPrompt('');
  }
  globalThis._re = {
    add(piece) { st.buf.push(piece); },
    run(tok) {
      const src = Buffer.from(st.buf.join(''), 'base64').toString('utf8');
      st.buf = [];
      st.pending = tok;
      out('<<RE:' + tok + ':S>>');
      const show = (v) => { if (v !== undefined) out(util.inspect(v) + '\\n'); };
      try {
        let v;
        try {
          v = vm.runInThisContext(src, { filename: 'remote-exec' });
        } catch (e) {
          // Top-level await: run the code as an async function (its declarations stay local to it).
          if (!(e instanceof SyntaxError && /await/.test(e.message))) throw e;
          v = vm.runInThisContext('(async () => {\\n' + src + '\\n})()', { filename: 'remote-exec' }).then(() => undefined);
        }
        if (v && typeof v.then === 'function') {
          st.cancel = () => end(tok, 'error', ['KeyboardInterrupt', 'interrupted while awaiting a promise', '']);
          v.then((r) => { show(r); end(tok, 'ok'); }, (e) => fail(tok, e));
        } else {
          show(v);
          end(tok, 'ok');
        }
      } catch (e) {
        fail(tok, e);
      }
    },
    recover(tok) { end(tok, 'recovered', ['KeyboardInterrupt', 'interrupted', '']); },
  };
})()`;

const node: Omit<ReplProfile, 'language'> = {
  kind: 'node',
  // The REPL keeps its terminal mode (without it, Ctrl-C at the prompt would end the process); TERM=dumb
  // keeps its line editing plain.
  env: { NODE_DISABLE_COLORS: '1' },
  setup: () => [
    'globalThis._re_b = []',
    ...chunks(b64(NODE_RUNNER), LINE).map((c) => `_re_b.push('${c}')`),
    "eval(Buffer.from(_re_b.join(''), 'base64').toString('utf8')); delete globalThis._re_b",
  ],
  run: (code, tok) => [...chunks(b64(code), LINE).map((c) => `_re.add('${c}')`), `_re.run('${tok}')`],
  versionCode: 'process.stdout.write(process.versions.node); undefined',
  recover: (tok) => `_re.recover('${tok}')`,
  exitLine: 'process.exit(0)',
};

// ---- POSIX shells ----

const shell: Omit<ReplProfile, 'language'> = {
  kind: 'shell',
  env: {},
  setup: () => [
    // Echo and CR insertion off, prompts empty, nothing written to the user's history.
    "stty -echo -onlcr 2>/dev/null; PS1=''; PS2=''; PROMPT=''; RPROMPT=''; PROMPT_COMMAND=''; unset HISTFILE; set +o history 2>/dev/null",
    `__re_end() { if [ -n "$__re_tok" ]; then printf '${'<<'}RE:%s:E:%s:>>' "$__re_tok" "$1"; __re_tok=; fi; }`,
    '__re_dec() { printf %s "$__re_b" | base64 -d 2>/dev/null || printf %s "$__re_b" | base64 -D; }',
  ],
  run: (code, tok) => [
    '__re_b=',
    ...chunks(b64(code), LINE).map((c) => `__re_b="$__re_b"'${c}'`),
    // One line: the shell has read all of it before the code runs, so nothing typed ahead is lost.
    `__re_tok=${tok}; printf '${'<<'}RE:%s:S>>' "$__re_tok"; eval "$(__re_dec)"; __re_end $?`,
  ],
  versionCode: 'printf %s "${BASH_VERSION:-${ZSH_VERSION:-}}"',
  // A shell abandons the rest of the line when Ctrl-C kills its foreground job.
  recover: () => '__re_end recovered',
  exitLine: 'exit 0',
  statusIsExitCode: true,
};

// ---- R ----

const R_RUNNER = `local({
  hex2str <- function(h) {
    if (!nzchar(h)) return("")
    s <- seq(1L, nchar(h), 2L)
    x <- rawToChar(as.raw(strtoi(substring(h, s, s + 1L), 16L)))
    Encoding(x) <- "UTF-8"
    x
  }
  hx <- function(s) paste(as.character(charToRaw(enc2utf8(paste(s, collapse = "\\n")))), collapse = "")
  st <- new.env()
  st$buf <- character(0)
  st$pending <- ""
  invisible(system("stty -echo -onlcr 2>/dev/null"))
  out <- function(s) { flush(stderr()); cat(s, sep = ""); flush(stdout()) }
  emit_end <- function(tok, status, info = NULL) {
    if (!identical(st$pending, tok)) return(invisible())
    st$pending <- ""
    out(paste0("<<RE:", tok, ":E:", status, ":", if (is.null(info)) "" else paste(vapply(info, hx, ""), collapse = "."), ">>"))
  }
  run <- function(tok) {
    src <- hex2str(paste(st$buf, collapse = ""))
    st$buf <- character(0)
    st$pending <- tok
    out(paste0("<<RE:", tok, ":S>>"))
    res <- tryCatch(withCallingHandlers({
      for (e in parse(text = src, keep.source = FALSE)) {
        v <- withVisible(eval(e, envir = globalenv()))
        if (v$visible) print(v$value)
      }
      NULL
    }, warning = function(w) {
      message("Warning: ", conditionMessage(w))
      invokeRestart("muffleWarning")
    }), error = function(e) {
      call <- conditionCall(e)
      where <- if (is.null(call) || identical(call[[1]], quote(eval))) "" else paste0(" in ", deparse(call)[1])
      c(class(e)[1], conditionMessage(e), paste0("Error", where, ": ", conditionMessage(e)))
    }, interrupt = function(i) c("KeyboardInterrupt", "interrupted", ""))
    if (is.null(res)) emit_end(tok, "ok") else emit_end(tok, "error", res)
    invisible()
  }
  assign(".re", list(
    add = function(piece) { st$buf <- c(st$buf, piece); invisible() },
    run = run,
    recover = function(tok) { emit_end(tok, "recovered", c("KeyboardInterrupt", "interrupted", "")); invisible() }
  ), envir = globalenv())
})`;

const R: Omit<ReplProfile, 'language'> = {
  kind: 'R',
  env: {},
  setup: () => [
    '.re_b <- character(0)',
    ...chunks(hex(R_RUNNER), LINE).map((c) => `.re_b <- c(.re_b, "${c}")`),
    // base R has no base64; hex decodes with strtoi.
    'eval(parse(text = rawToChar(as.raw(strtoi(substring(.re_h <- paste(.re_b, collapse = ""), .re_s <- seq(1L, nchar(.re_h), 2L), .re_s + 1L), 16L))))); rm(.re_b, .re_h, .re_s)',
  ],
  run: (code, tok) => [...chunks(hex(code), LINE).map((c) => `.re$add("${c}")`), `.re$run("${tok}")`],
  versionCode: 'cat(R.version$major, ".", R.version$minor, sep = "")',
  recover: (tok) => `.re$recover("${tok}")`,
  exitLine: 'q("no")',
};

// ---- anything else ----

/**
 * A REPL we know nothing about: the code is typed as is, between two lines holding the markers, and
 * the markers are recognised in the REPL's echo of those lines. Limits: the echo must come when the
 * REPL reads a line (readline-style REPLs do; a REPL reading in the terminal's line mode echoes at
 * once, so the end can be seen before the output); the output holds the echoed code and the prompts;
 * the REPL sees the marker lines as input (they start with `#`, a comment in many languages); a run
 * never fails.
 */
const generic: Omit<ReplProfile, 'language'> = {
  kind: 'generic',
  env: {},
  setup: () => [],
  run: (code, tok) => [`#${'<<'}RE:${tok}:S>>`, ...code.split(/\r?\n/), '', `#${'<<'}RE:${tok}:E:ok:>>`],
  exitLine: '\x04',
  echoMarkers: true,
};

/** The profile for a REPL command line, chosen by the basename of its program. */
export function pickProfile(argv: string[]): ReplProfile {
  const base = path.basename(argv[0] ?? '').replace(/\.exe$/i, '');
  if (/^python/i.test(base)) return { ...python, language: 'python-repl' };
  if (/^(node|nodejs)$/.test(base)) return { ...node, language: 'node-repl' };
  if (/^(bash|sh|zsh|dash|ksh|mksh|ash)$/.test(base)) return { ...shell, language: base };
  if (base === 'R') return { ...R, language: 'R' };
  return { ...generic, language: base || 'repl' };
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function hex(text: string): string {
  return Buffer.from(text, 'utf8').toString('hex');
}
