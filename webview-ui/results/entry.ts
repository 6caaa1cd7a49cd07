import type { RunEntry, RunState } from '../../contract/webviews';
import { renderLines } from './lines';
import { renderDisplay } from './rich';

/** Stream lines shown per output; the rest open in an editor ("show all"). */
export const SHOWN_LINES = 400;

/** How each state shows. */
const STATES: Record<RunState, { icon: string; label: string }> = {
  queued: { icon: '◷', label: 'queued' },
  running: { icon: '⟳', label: 'running' },
  done: { icon: '✓', label: 'done' },
  failed: { icon: '✗', label: 'failed' },
  interrupted: { icon: '⏹', label: 'interrupted' },
  cancelled: { icon: '⊘', label: 'cancelled' },
};

export interface EntryOptions {
  codeShown: boolean;
  collapsed: boolean;
  now: number;
}

/**
 * One run: a header (state, file and lines, gateway, elapsed time, actions), the code that ran (folded
 * to its first line unless shown), its outputs in the order they were written, its value, its error with
 * every traceback frame that names a file as a link.
 */
export function renderEntry(run: RunEntry, options: EntryOptions): HTMLElement {
  const entry = el('section', `run state-${run.state}`);
  entry.dataset.runId = run.id;
  entry.setAttribute('aria-label', `${run.label ?? where(run)}, ${STATES[run.state].label}`);
  entry.append(renderHeader(run, options));
  entry.append(renderCode(run, options.codeShown));
  if (!options.collapsed) {
    const body = el('div', 'outputs');
    body.dataset.vscodeContext = JSON.stringify({ webviewSection: 'output', runId: run.id, preventDefaultContextMenuItems: false });
    if (run.outputsDropped) body.append(note('Output dropped to keep the view within its memory bound (older runs go first).'));
    if (run.droppedLines)
      body.append(note(`${run.droppedLines.toLocaleString()} earlier lines dropped.`, 'open-output', 'Open the output kept in an editor'));
    run.outputs.forEach((output, index) => {
      if (output.kind === 'display') body.append(renderDisplay(output, run.id, index));
      else {
        const shown = output.lines.length > SHOWN_LINES ? output.lines.slice(-SHOWN_LINES) : output.lines;
        if (shown !== output.lines)
          body.append(
            note(`${(output.lines.length - SHOWN_LINES).toLocaleString()} more lines above.`, 'open-output', 'Show all in an editor'),
          );
        body.append(renderLines(shown, `stream ${output.stream}`));
      }
    });
    const hasResult = run.outputs.some((o) => o.kind === 'display' && o.result);
    if (run.value && !hasResult) body.append(renderLines([run.value.repr], 'value'));
    if (run.error) body.append(renderError(run));
    if (body.childElementCount > 0) entry.append(body);
  }
  return entry;
}

function renderHeader(run: RunEntry, options: EntryOptions): HTMLElement {
  const header = el('header', 'head');
  const state = el('span', 'state');
  state.textContent = STATES[run.state].icon;
  state.title = STATES[run.state].label;
  const fold = button(options.collapsed ? '▸' : '▾', options.collapsed ? 'Show the output' : 'Hide the output', 'toggle-output');
  fold.classList.add('fold');
  const place = el('a', 'where');
  place.textContent = where(run);
  place.title = run.uri ? 'Go to the code' : 'Run from a selection';
  if (run.uri) place.dataset.action = 'goto';
  const parts = [fold, state, place];
  if (run.label) parts.push(text('label', run.label));
  parts.push(text('gateway', run.gatewayId));
  const elapsed = text('elapsed', elapsedText(run, options.now));
  elapsed.dataset.elapsed = '';
  parts.push(elapsed, text('status', STATES[run.state].label));
  const actions = el('span', 'actions');
  if (run.state === 'running') actions.append(button('Interrupt', 'Interrupt the run', 'interrupt'));
  if (run.state === 'queued') actions.append(button('Cancel', 'Take the run off the queue', 'interrupt'));
  actions.append(button(options.codeShown ? 'Hide code' : 'Code', 'Show the code that ran', 'toggle-code'));
  actions.append(button('Copy', 'Copy the code, output and result', 'copy'));
  header.append(...parts, actions);
  return header;
}

function renderCode(run: RunEntry, shown: boolean): HTMLElement {
  const lines = run.source.replace(/\n+$/, '').split('\n');
  const code = renderLines(
    shown ? lines : [lines[0] + (lines.length > 1 ? `  … (${lines.length} lines)` : '')],
    shown ? 'code' : 'code folded',
  );
  code.dataset.action = 'toggle-code';
  code.title = shown ? 'Hide the code' : 'Show the code';
  return code;
}

function renderError(run: RunEntry): HTMLElement {
  const error = run.error!;
  const box = el('div', 'error');
  const head = el('div', 'error-head');
  head.textContent = `${error.type}: ${error.message}`;
  box.append(head);
  const links = new Map(error.links.map((l) => [l.tracebackLine, l]));
  const pre = document.createElement('pre');
  pre.className = 'traceback';
  error.traceback
    .replace(/\n$/, '')
    .split('\n')
    .forEach((line, i) => {
      if (i > 0) pre.append('\n');
      const link = links.get(i);
      if (!link) {
        pre.append(line);
        return;
      }
      const a = document.createElement('a');
      a.className = 'frame';
      a.textContent = line;
      a.dataset.action = 'open-frame';
      a.dataset.uri = link.uri;
      a.dataset.line = String(link.line);
      a.title = `Open ${decodeURIComponent(link.uri.replace(/^[a-z-]+:\/\/[^/]*/, ''))}:${link.line + 1}`;
      pre.append(a);
    });
  box.append(pre);
  return box;
}

/** `file.py:3–7`, or the lines of a selection. */
export function where(run: RunEntry): string {
  const file = run.file ?? 'selection';
  if (!run.range) return file;
  const [a, b] = run.range;
  return a === b ? `${file}:${a + 1}` : `${file}:${a + 1}–${b + 1}`;
}

export function elapsedText(run: RunEntry, now: number): string {
  if (run.startedAt === undefined) return '';
  const ms = (run.finishedAt ?? now) - run.startedAt;
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function note(message: string, action?: string, actionLabel?: string): HTMLElement {
  const div = el('div', 'note');
  div.append(message);
  if (action && actionLabel) {
    const a = el('a', 'note-action');
    a.textContent = ` ${actionLabel}`;
    a.dataset.action = action;
    div.append(a);
  }
  return div;
}

function text(className: string, value: string): HTMLElement {
  const span = el('span', className);
  span.textContent = value;
  return span;
}

function button(label: string, title: string, action: string): HTMLButtonElement {
  const b = document.createElement('button');
  b.textContent = label;
  b.title = title;
  b.dataset.action = action;
  return b;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.className = className;
  return e;
}
