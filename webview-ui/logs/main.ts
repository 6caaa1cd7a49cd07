import type { LogEntry } from '../../contract/logs';
import type { FromLogView, LogViewState, ToLogView } from '../../contract/webviews';
import { addStyle, vscodeApi } from '../shared/vscodeApi';
import { ansiClasses, hasAnsi, parseAnsi } from '../shared/ansi';
import ansiCss from '../shared/ansi.css';
import css from './logs.css';
import { DEFAULT_MAX_LINES, type Filter, LogModel, type Row, rowText } from './model';

const ROW_H = 18;
const OVERSCAN = 10;
const STREAMS = ['log', 'exception', 'warning', 'stdout', 'stderr', 'lifecycle'] as const;
const LEVEL_CHOICES: [number, string][] = [
  [0, 'All levels'],
  [10, 'DEBUG+'],
  [20, 'INFO+'],
  [30, 'WARNING+'],
  [40, 'ERROR+'],
];

const vscode = vscodeApi<FromLogView, LogViewState>();
addStyle(ansiCss);
addStyle(css);

const saved = vscode.getState();
const state: LogViewState = {
  gateways: saved?.gateways ?? [],
  hiddenGateways: saved?.hiddenGateways ?? [],
  hiddenStreams: saved?.hiddenStreams ?? [],
  minLevel: saved?.minLevel ?? 0,
  search: saved?.search ?? '',
  follow: saved?.follow ?? true,
};
const model = new LogModel(DEFAULT_MAX_LINES);
const selected = new Set<Row>();
let anchor: Row | undefined;

// ---- layout ----
const root = document.getElementById('root') ?? document.body;
const toolbar = el('div', 'toolbar');
const gatewayGroup = el('div', 'group');
gatewayGroup.setAttribute('aria-label', 'Gateways');
const streamGroup = el('div', 'group');
const levelSelect = document.createElement('select');
levelSelect.title = 'Lowest level shown';
levelSelect.setAttribute('aria-label', 'Level');
for (const [value, label] of LEVEL_CHOICES) levelSelect.append(new Option(label, String(value)));
const search = document.createElement('input');
search.className = 'search';
search.type = 'search';
search.placeholder = 'Search';
search.setAttribute('aria-label', 'Search');
const followButton = button('', 'Follow the newest line (pause auto-scroll when off)');
followButton.classList.add('chip', 'follow');
const copyButton = button('Copy', 'Copy the selected lines, or every shown line');
const clearButton = button('Clear', 'Clear the panel');
const count = el('span', 'count');
toolbar.append(gatewayGroup, streamGroup, levelSelect, search, followButton, copyButton, clearButton, count);
const banner = el('div', 'banner');
banner.hidden = true;
const scroller = el('div', 'scroller');
scroller.tabIndex = 0;
scroller.setAttribute('role', 'log');
const spacer = el('div', 'spacer');
const rowsBox = el('div', 'rows');
spacer.append(rowsBox);
scroller.append(spacer);
root.append(toolbar, banner, scroller);

for (const stream of STREAMS) {
  const chip = button(stream, `Show ${stream} lines`);
  chip.classList.add('chip');
  chip.dataset.stream = stream;
  chip.addEventListener('click', () => toggle(state.hiddenStreams, stream));
  streamGroup.append(chip);
}
levelSelect.value = String(state.minLevel);
search.value = state.search;

levelSelect.addEventListener('change', () => {
  state.minLevel = Number(levelSelect.value);
  applyFilter();
});
let searchTimer: ReturnType<typeof setTimeout> | undefined;
search.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => {
    state.search = search.value;
    applyFilter();
  }, 120);
});
followButton.addEventListener('click', () => setFollow(!state.follow));
clearButton.addEventListener('click', () => post({ type: 'clear' }));
copyButton.addEventListener('click', copy);
scroller.addEventListener('scroll', () => {
  const atBottom = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - ROW_H;
  if (!programmaticScroll && state.follow !== atBottom) setFollow(atBottom, false);
  programmaticScroll = false;
  schedule();
});
scroller.addEventListener('keydown', (ev) => {
  if ((ev.ctrlKey || ev.metaKey) && ev.key === 'c' && selected.size > 0 && !window.getSelection()?.toString()) {
    ev.preventDefault();
    copy();
  }
});
rowsBox.addEventListener('click', (ev) => {
  const target = (ev.target as HTMLElement).closest<HTMLElement>('.row');
  if (!target || target.dataset.index === undefined) return;
  const row = model.visibleRow(Number(target.dataset.index));
  if (!row) return;
  if (ev.shiftKey && anchor) selectRange(anchor, row);
  else if (ev.ctrlKey || ev.metaKey) {
    if (!selected.delete(row)) selected.add(row);
  } else {
    selected.clear();
    selected.add(row);
  }
  if (!ev.shiftKey) anchor = row;
  schedule();
});
new ResizeObserver(() => schedule()).observe(scroller);

window.addEventListener('message', (event: MessageEvent<ToLogView>) => {
  const message = event.data;
  switch (message.type) {
    case 'reset':
      model.setMaxLines(message.maxLines);
      selected.clear();
      model.reset(message.entries);
      break;
    case 'append':
      model.append(message.entries);
      break;
    case 'config':
      model.setMaxLines(message.maxLines);
      break;
  }
  updateGateways();
  schedule();
});

applyFilter();
post({ type: 'ready' });

// ---- behaviour ----
function currentFilter(): Filter {
  return {
    hiddenGateways: new Set(state.hiddenGateways),
    hiddenStreams: new Set(state.hiddenStreams),
    minLevel: state.minLevel,
    search: state.search,
  };
}

function applyFilter(): void {
  model.setFilter(currentFilter());
  for (const chip of Array.from(streamGroup.querySelectorAll<HTMLButtonElement>('button.chip'))) {
    chip.setAttribute('aria-pressed', String(!state.hiddenStreams.includes(chip.dataset.stream ?? '')));
  }
  updateGateways();
  save();
  schedule();
}

function toggle(list: string[], value: string): void {
  const i = list.indexOf(value);
  if (i >= 0) list.splice(i, 1);
  else list.push(value);
  applyFilter();
}

function setFollow(on: boolean, scroll = true): void {
  state.follow = on;
  followButton.textContent = on ? 'Following' : 'Paused';
  followButton.setAttribute('aria-pressed', String(on));
  save();
  if (on && scroll) schedule();
}

function updateGateways(): void {
  let changed = false;
  for (const gw of model.gateways) {
    if (!state.gateways.includes(gw)) {
      state.gateways.push(gw);
      changed = true;
    }
  }
  const chips = gatewayGroup.querySelectorAll<HTMLButtonElement>('button.chip');
  if (changed || chips.length !== state.gateways.length) {
    gatewayGroup.replaceChildren();
    for (const gw of state.gateways) {
      const chip = button(gw, `Show lines of gateway ${gw}`);
      chip.classList.add('chip');
      chip.dataset.gateway = gw;
      chip.addEventListener('click', () => toggle(state.hiddenGateways, gw));
      gatewayGroup.append(chip);
    }
    save();
  }
  for (const chip of Array.from(gatewayGroup.querySelectorAll<HTMLButtonElement>('button.chip'))) {
    chip.setAttribute('aria-pressed', String(!state.hiddenGateways.includes(chip.dataset.gateway ?? '')));
  }
}

function selectRange(from: Row, to: Row): void {
  selected.clear();
  let inRange = false;
  for (let i = 0; i < model.visibleCount; i++) {
    const row = model.visibleRow(i);
    const edge = row === from || row === to;
    if (edge || inRange) selected.add(row);
    if (edge && from !== to) inRange = !inRange;
  }
}

function copy(): void {
  const lines: string[] = [];
  if (selected.size > 0) {
    for (let i = 0; i < model.visibleCount; i++) if (selected.has(model.visibleRow(i))) lines.push(rowText(model.visibleRow(i)));
  } else {
    for (let i = 0; i < model.visibleCount; i++) lines.push(rowText(model.visibleRow(i)));
  }
  post({ type: 'copy', text: lines.join('\n') });
}

// ---- virtualized rendering: only the rows in view (plus a few) exist in the DOM ----
let frame = 0;
let programmaticScroll = false;

function schedule(): void {
  if (!frame) frame = requestAnimationFrame(render);
}

function render(): void {
  frame = 0;
  const total = model.visibleCount;
  const markerRows = model.dropped > 0 ? 1 : 0;
  const height = (total + markerRows) * ROW_H;
  spacer.style.height = `${height}px`;
  if (state.follow) {
    const bottom = Math.max(0, height - scroller.clientHeight);
    if (Math.abs(scroller.scrollTop - bottom) > 1) {
      programmaticScroll = true;
      scroller.scrollTop = bottom;
    }
  }
  const first = Math.max(0, Math.floor(scroller.scrollTop / ROW_H) - OVERSCAN);
  const last = Math.min(total + markerRows, Math.ceil((scroller.scrollTop + scroller.clientHeight) / ROW_H) + OVERSCAN);
  rowsBox.style.transform = `translateY(${first * ROW_H}px)`;
  const nodes: HTMLElement[] = [];
  for (let i = first; i < last; i++) {
    if (markerRows && i === 0) nodes.push(markerRow(model.dropped));
    else nodes.push(rowNode(model.visibleRow(i - markerRows), i - markerRows));
  }
  rowsBox.replaceChildren(...nodes);
  if (total === 0 && markerRows === 0)
    rowsBox.replaceChildren(
      el('div', 'empty', model.size ? 'No line matches the filters.' : 'No remote output yet. Run code on a gateway to see its logs here.'),
    );
  banner.hidden = model.dropped === 0;
  banner.textContent = `${model.dropped.toLocaleString()} older lines dropped (this panel keeps the newest ${model.maxLines.toLocaleString()}).`;
  count.textContent =
    total === model.size ? `${total.toLocaleString()} lines` : `${total.toLocaleString()} of ${model.size.toLocaleString()} lines`;
}

function markerRow(dropped: number): HTMLElement {
  const node = el('div', 'row marker', `… ${dropped.toLocaleString()} lines dropped`);
  node.dataset.marker = 'dropped';
  return node;
}

function rowNode(row: Row, index: number): HTMLElement {
  const e: LogEntry = row.entry;
  const node = el('div', `row stream-${e.stream}`);
  node.dataset.index = String(index);
  node.dataset.gateway = e.gateway;
  node.dataset.stream = e.stream;
  node.dataset.level = e.levelname;
  if (selected.has(row)) node.classList.add('selected');
  if (row.line > 0) node.classList.add('cont');
  else {
    node.append(
      el('span', 'time', `${new Date(e.time).toISOString().slice(11, 23)} `),
      el('span', 'gw', e.gateway),
      el('span', 'stream', ` ${e.stream} `),
      el('span', `lvl lvl-${e.levelname}`, e.levelname),
    );
    const who = [e.logger, e.thread].filter(Boolean).join(' ');
    if (who) node.append(el('span', 'meta', ` ${who}`));
    node.append(document.createTextNode(' '));
  }
  const msg = el('span', 'msg');
  if (hasAnsi(row.text)) {
    for (const seg of parseAnsi(row.text).segments) {
      const classes = ansiClasses(seg.style);
      if (classes.length === 0) msg.append(document.createTextNode(seg.text));
      else msg.append(el('span', classes.join(' '), seg.text));
    }
  } else msg.textContent = row.text;
  node.append(msg);
  if (e.stream === 'dropped') node.dataset.marker = 'dropped';
  return node;
}

// ---- helpers ----
function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(text: string, title: string): HTMLButtonElement {
  const b = el('button', '', text);
  b.type = 'button';
  b.title = title;
  return b;
}

function post(message: FromLogView): void {
  vscode.postMessage(message);
}

function save(): void {
  vscode.setState({
    ...state,
    hiddenGateways: [...state.hiddenGateways],
    hiddenStreams: [...state.hiddenStreams],
    gateways: [...state.gateways],
  });
}

setFollow(state.follow, false);
