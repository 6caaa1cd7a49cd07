import { RunModel } from '../../contract/runChanges';
import type { FromResultsView, ResultsViewState, RunChange, ToResultsView } from '../../contract/webviews';
import ansiCss from '../shared/ansi.css';
import { addStyle, vscodeApi } from '../shared/vscodeApi';
import { elapsedText } from './entry';
import { ResultsList } from './list';
import css from './results.css';

const vscode = vscodeApi<FromResultsView, ResultsViewState>();
addStyle(ansiCss);
addStyle(css);

const saved = vscode.getState();
const state: ResultsViewState = {
  codeShown: saved?.codeShown ?? [],
  collapsed: saved?.collapsed ?? [],
  follow: saved?.follow ?? true,
  anchor: saved?.anchor,
};
const codeShown = new Set(state.codeShown);
const collapsed = new Set(state.collapsed);
const model = new RunModel();
let order: string[] = [];

const root = document.getElementById('root') ?? document.body;
root.dataset.view = 'results';
const empty = document.createElement('div');
empty.className = 'empty';
empty.innerHTML =
  '<p>No runs yet.</p><p>Run code with <b>Run Selection</b> (Ctrl+Alt+Enter), a cell\u2019s <b>Run Cell</b> (Ctrl+Enter), or <b>Run File</b>: each run shows here with its output, plots and tables, and its value or error.</p>';
root.append(empty);
const list = new ResultsList(root, {
  ids: () => order,
  run: (id) => model.runs.get(id),
  options: (id) => ({ codeShown: codeShown.has(id), collapsed: collapsed.has(id) }),
});
list.follow = state.follow;
list.onFollowChange = (follow) => {
  state.follow = follow;
  save();
};

function save(): void {
  state.codeShown = Array.from(codeShown).filter((id) => model.runs.has(id));
  state.collapsed = Array.from(collapsed).filter((id) => model.runs.has(id));
  vscode.setState(state);
}

function refreshEmpty(): void {
  empty.hidden = order.length > 0;
  list.scroller.hidden = order.length === 0;
}

function applyChanges(changes: RunChange[]): void {
  const touched = new Set<string>();
  let reordered = false;
  for (const change of changes) {
    model.apply(change);
    if (change.op === 'remove') {
      reordered = true;
      list.forget(change.runIds);
    } else {
      const id = change.op === 'run' ? change.run.id : change.runId;
      if (change.op === 'run' && !order.includes(id)) reordered = true;
      touched.add(id);
    }
  }
  if (reordered) order = Array.from(model.runs.keys());
  refreshEmpty();
  list.changed(touched);
}

// ---- messages from the extension ----
window.addEventListener('message', (event: MessageEvent<ToResultsView>) => {
  const message = event.data;
  switch (message.type) {
    case 'reset':
      model.reset(message.runs);
      order = Array.from(model.runs.keys());
      list.forget();
      refreshEmpty();
      list.changed();
      break;
    case 'changes':
      applyChanges(message.changes);
      break;
    case 'collapseAll':
      for (const id of order) collapsed.add(id);
      codeShown.clear();
      save();
      list.forget();
      list.changed();
      break;
    case 'reveal':
      list.reveal(message.runId);
      break;
  }
});

// ---- what the user does: every action is a data-action on the element clicked ----
root.addEventListener('click', (event) => {
  const target = (event.target as HTMLElement).closest<HTMLElement>('[data-action]');
  const runId = target?.closest<HTMLElement>('[data-run-id]')?.dataset.runId;
  if (!target || !runId) return;
  const run = model.runs.get(runId);
  if (!run) return;
  switch (target.dataset.action) {
    case 'toggle-code':
      toggle(codeShown, runId);
      break;
    case 'toggle-output':
      toggle(collapsed, runId);
      break;
    case 'goto':
      if (run.uri && run.range) vscode.postMessage({ type: 'open', uri: run.uri, line: run.range[0], endLine: run.range[1] });
      break;
    case 'open-frame':
      vscode.postMessage({ type: 'open', uri: target.dataset.uri!, line: Number(target.dataset.line) });
      break;
    case 'copy':
      vscode.postMessage({ type: 'copyRun', runId });
      break;
    case 'interrupt':
      vscode.postMessage({ type: 'interrupt', runId, gatewayId: run.gatewayId });
      break;
    case 'save-image':
      vscode.postMessage({ type: 'saveImage', runId, output: Number(target.dataset.output) });
      break;
    case 'open-output':
      vscode.postMessage({ type: 'openOutput', runId });
      break;
  }
});

function toggle(set: Set<string>, id: string): void {
  if (set.has(id)) set.delete(id);
  else set.add(id);
  save();
  list.forget([id]);
  list.changed([id]);
}

// Elapsed time of running runs, ticking without redrawing them.
setInterval(() => {
  const now = Date.now();
  for (const node of Array.from(document.querySelectorAll<HTMLElement>('.run.state-running'))) {
    const run = model.runs.get(node.dataset.runId ?? '');
    const span = node.querySelector<HTMLElement>('[data-elapsed]');
    if (run && span) span.textContent = elapsedText(run, now);
  }
}, 500);

// Images are drawn for the screen's density: the extension passes it on with each run.
let ratio = window.devicePixelRatio || 1;
const watchRatio = () => {
  matchMedia(`(resolution: ${ratio}dppx)`).addEventListener(
    'change',
    () => {
      ratio = window.devicePixelRatio || 1;
      vscode.postMessage({ type: 'pixelRatio', pixelRatio: ratio });
      watchRatio();
    },
    { once: true },
  );
};
watchRatio();
refreshEmpty();
vscode.postMessage({ type: 'ready', pixelRatio: ratio });

// For tests in a browser: how much of the list is in the DOM.
(window as unknown as { resultsDebug: unknown }).resultsDebug = { drawn: () => list.drawnCount(), runs: () => order.length };
