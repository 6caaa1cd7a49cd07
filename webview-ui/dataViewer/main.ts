import type { DataViewerState, DataViewerTarget, FromDataViewer, TableFilter, TablePage, ToDataViewer } from '../../contract/webviews';
import { addStyle, vscodeApi } from '../shared/vscodeApi';
import css from './dataViewer.css';
import { parseFilter } from './filters';
import { MAX_TILES, TILE_COLUMNS, TILE_ROWS, TileCache, tilesFor, type TileKey, visibleRows } from './tiles';

const ROW_H = 22;
const HEAD_H = 52;
const INDEX_W = 96;
const COL_W = 140;
const FILTER_DELAY_MS = 300;

const vscode = vscodeApi<FromDataViewer, DataViewerState>();
addStyle(css);

const saved = vscode.getState();
const state: DataViewerState = {
  target: saved?.target,
  sort: saved?.sort ?? null,
  filterText: saved?.filterText ?? {},
  scrollTop: saved?.scrollTop ?? 0,
  scrollLeft: saved?.scrollLeft ?? 0,
};

/** What the last window said about the whole table. */
interface Shape {
  rows: number;
  unfiltered: number;
  columnCount: number;
  index: TablePage['index'];
}
let shape: Shape | undefined;
/** Column headers seen so far, by position (the agent sends those of each window). */
const columns = new Map<number, TablePage['columns'][number]>();
const cache = new TileCache();
/** The tile each request in flight fills. */
const requests = new Map<number, TileKey>();
let nextRequest = 1;
let unavailable: string | undefined;
let failure: string | undefined;
let selected: { row: number; column: number } | undefined;
const filterErrors = new Map<number, string>();

// ---- layout ----
const root = document.getElementById('root') ?? document.body;
const toolbar = el('div', 'toolbar');
const title = el('span', 'name');
const shapeText = el('span', 'shape');
const sortText = el('span', 'sorted');
const refreshButton = button('Refresh', 'Fetch the rows shown again from the gateway');
const clearButton = button('Clear filters', 'Show every row, unsorted');
toolbar.append(title, shapeText, sortText, el('span', 'spring'), clearButton, refreshButton);
const banner = el('div', 'banner');
banner.hidden = true;
const grid = el('div', 'grid');
grid.tabIndex = 0;
grid.setAttribute('role', 'grid');
const canvas = el('div', 'canvas');
const head = el('div', 'head');
const corner = el('div', 'corner');
const body = el('div', 'body');
const labels = el('div', 'labels');
const cells = el('div', 'cells');
body.append(labels, cells);
head.append(corner);
canvas.append(head, body);
grid.append(canvas);
root.append(toolbar, banner, grid);
const headCells = new Map<number, HTMLElement>();

refreshButton.addEventListener('click', () => refetch());
clearButton.addEventListener('click', () => {
  state.sort = null;
  state.filterText = {};
  filterErrors.clear();
  for (const cell of headCells.values()) cell.remove();
  headCells.clear();
  corner.replaceChildren();
  restart();
});
grid.addEventListener('scroll', () => {
  state.scrollTop = grid.scrollTop;
  state.scrollLeft = grid.scrollLeft;
  saveSoon();
  renderSoon();
});
window.addEventListener('resize', () => renderSoon());
cells.addEventListener('click', (e) => {
  const cell = (e.target as HTMLElement).closest<HTMLElement>('.cell');
  if (!cell) return;
  selected = { row: Number(cell.dataset.row), column: Number(cell.dataset.col) };
  renderSoon();
});
// Ctrl/Cmd+C copies the selected cell's text.
document.addEventListener('copy', (e) => {
  const text = selected && cellText(selected.row, selected.column);
  if (text === undefined || (document.activeElement && document.activeElement.tagName === 'INPUT')) return;
  e.clipboardData?.setData('text/plain', text);
  e.preventDefault();
});

// ---- messages from the extension: one switch ----
window.addEventListener('message', (event: MessageEvent<ToDataViewer>) => {
  const m = event.data;
  switch (m.type) {
    case 'target':
      if (state.target && JSON.stringify(state.target) !== JSON.stringify(m.target)) {
        state.sort = null;
        state.filterText = {};
        state.scrollTop = state.scrollLeft = 0;
      }
      state.target = m.target;
      save();
      title.textContent = m.target.name;
      // A reloaded page comes back where it was: the scroll position is restored with the first window.
      restart(false);
      break;
    case 'page': {
      const key = requests.get(m.requestId);
      requests.delete(m.requestId);
      if (!key || !cache.put(key, m.requestId, m.page)) break;
      failure = undefined;
      const first = !shape;
      shape = { rows: m.page.rows, unfiltered: m.page.unfiltered, columnCount: m.page.columnCount, index: m.page.index };
      m.page.columns.forEach((c, i) => columns.set(m.page.columnOffset + i, c));
      if (first) restoreScroll();
      render();
      break;
    }
    case 'failed': {
      const key = requests.get(m.requestId);
      requests.delete(m.requestId);
      if (key && cache.failed(key, m.requestId)) {
        failure = m.message;
        render();
      }
      break;
    }
    case 'changed':
      unavailable = undefined;
      refetch();
      break;
    case 'unavailable':
      unavailable = m.reason;
      render();
      break;
  }
});

vscode.postMessage({ type: 'ready' });
if (state.target) title.textContent = state.target.name;

// ---- fetching ----

function post(message: FromDataViewer): void {
  vscode.postMessage(message);
}

function activeFilters(): TableFilter[] {
  const filters: TableFilter[] = [];
  filterErrors.clear();
  for (const [col, text] of Object.entries(state.filterText)) {
    const c = Number(col);
    const parsed = parseFilter(c, text, c < 0 ? (shape?.index.numeric ?? false) : (columns.get(c)?.numeric ?? false));
    if (parsed.filter) filters.push(parsed.filter);
    if (parsed.error) filterErrors.set(c, parsed.error);
  }
  return filters;
}

function request(key: TileKey): void {
  const requestId = nextRequest++;
  requests.set(requestId, key);
  cache.markPending(key, requestId);
  post({
    type: 'fetch',
    requestId,
    offset: key.row * TILE_ROWS,
    limit: TILE_ROWS,
    columnOffset: key.column * TILE_COLUMNS,
    columnLimit: TILE_COLUMNS,
    sort: state.sort,
    filters: activeFilters(),
  });
}

/** Another sort or filter: start again from the first window, at the top unless `toTop` is false. */
function restart(toTop = true): void {
  cache.clear();
  requests.clear();
  shape = undefined;
  failure = undefined;
  if (toTop) state.scrollTop = 0;
  save();
  request({ row: 0, column: Math.floor(state.scrollLeft / COL_W / TILE_COLUMNS) });
  render();
}

/** The same view, from the gateway again (after a run, or Refresh). */
function refetch(): void {
  cache.invalidate();
  requests.clear();
  if (!shape) request({ row: 0, column: 0 });
  render();
}

function restoreScroll(): void {
  const { scrollTop, scrollLeft } = state;
  layout();
  grid.scrollTop = scrollTop;
  grid.scrollLeft = scrollLeft;
}

// ---- drawing ----

let frame = 0;
function renderSoon(): void {
  if (!frame) frame = requestAnimationFrame(() => render());
}

function layout(): void {
  const rows = shape?.rows ?? 0;
  const geometry = visibleRows(0, 0, ROW_H, rows);
  const width = INDEX_W + (shape?.columnCount ?? 0) * COL_W;
  canvas.style.width = `${width}px`;
  head.style.width = `${width}px`;
  body.style.height = `${geometry.height}px`;
  labels.style.height = `${geometry.height}px`;
  cells.style.width = `${width}px`;
}

function render(): void {
  frame = 0;
  layout();
  drawToolbar();
  if (!shape) {
    cells.replaceChildren();
    labels.replaceChildren();
    return;
  }
  const view = visibleRows(grid.scrollTop, grid.clientHeight - HEAD_H, ROW_H, shape.rows);
  const r0 = view.first;
  const r1 = Math.min(shape.rows, view.first + view.count);
  const c0 = Math.max(0, Math.floor((grid.scrollLeft - 0) / COL_W));
  const c1 = Math.min(shape.columnCount, c0 + Math.ceil(grid.clientWidth / COL_W) + 1);
  if (!unavailable) {
    for (const key of tilesFor(r0, r1, c0, c1)) if (!cache.has(key) && !cache.isPending(key)) request(key);
  }
  drawHead(c0, c1);
  const rowCells = document.createDocumentFragment();
  const rowLabels = document.createDocumentFragment();
  for (let r = r0; r < r1; r++) {
    const y = view.y + (r - r0) * ROW_H;
    const tile = cache.get({ row: Math.floor(r / TILE_ROWS), column: Math.floor(c0 / TILE_COLUMNS) });
    const label = el('div', 'label');
    label.dataset.row = String(r);
    label.style.transform = `translateY(${y}px)`;
    label.textContent = tile ? (tile.labels[r - tile.offset] ?? '') : '';
    if (!tile) label.classList.add('loading');
    rowLabels.append(label);
    for (let c = c0; c < c1; c++) {
      const text = cellText(r, c);
      const cell = el('div', 'cell');
      cell.dataset.row = String(r);
      cell.dataset.col = String(c);
      cell.style.transform = `translate(${INDEX_W + c * COL_W}px, ${y}px)`;
      if (text === undefined) cell.classList.add('loading');
      else cell.textContent = text;
      if (columns.get(c)?.numeric) cell.classList.add('numeric');
      if (selected && selected.row === r && selected.column === c) cell.classList.add('selected');
      if ((r & 1) === 1) cell.classList.add('odd');
      if (text && text.length > 16) cell.title = text;
      rowCells.append(cell);
    }
  }
  labels.replaceChildren(rowLabels);
  cells.replaceChildren(rowCells);
  root.dataset.tiles = String(cache.size);
  root.dataset.maxTiles = String(MAX_TILES);
}

function cellText(r: number, c: number): string | undefined {
  const tile = cache.get({ row: Math.floor(r / TILE_ROWS), column: Math.floor(c / TILE_COLUMNS) });
  if (!tile) return undefined;
  return tile.cells[r - tile.offset]?.[c - tile.columnOffset];
}

function drawToolbar(): void {
  const fmt = (n: number) => n.toLocaleString('en-US');
  if (!shape) shapeText.textContent = failure || unavailable ? '' : 'loading…';
  else {
    const rows = shape.rows === shape.unfiltered ? `${fmt(shape.rows)} rows` : `${fmt(shape.rows)} of ${fmt(shape.unfiltered)} rows`;
    shapeText.textContent = `${rows} × ${fmt(shape.columnCount)} column${shape.columnCount === 1 ? '' : 's'}`;
  }
  const sortName = state.sort ? (state.sort[0] < 0 ? 'index' : (columns.get(state.sort[0])?.name ?? `column ${state.sort[0]}`)) : '';
  sortText.textContent = state.sort ? `sorted by ${sortName} ${state.sort[1] ? '↓' : '↑'}` : '';
  clearButton.disabled = !state.sort && Object.values(state.filterText).every((t) => !t.trim());
  const message = unavailable ?? failure;
  banner.hidden = !message;
  banner.textContent = message ?? '';
  banner.classList.toggle('error', !!failure && !unavailable);
}

/** Column headers of the columns in view; a header keeps its element (and its filter's focus) while seen. */
function drawHead(c0: number, c1: number): void {
  drawCorner();
  for (const [c, cell] of headCells) {
    if ((c < c0 || c >= c1) && !cell.contains(document.activeElement)) {
      cell.remove();
      headCells.delete(c);
    }
  }
  for (let c = c0; c < c1; c++) {
    let cell = headCells.get(c);
    if (!cell) {
      cell = headerCell(c);
      headCells.set(c, cell);
      head.append(cell);
    }
    updateHeader(cell, c);
  }
}

function drawCorner(): void {
  if (!corner.firstChild) {
    const name = el('button', 'hname');
    name.addEventListener('click', () => toggleSort(-1));
    corner.append(name, el('div', 'hdtype'), filterInput(-1));
  }
  const name = corner.querySelector('.hname') as HTMLElement;
  name.textContent = `${shape?.index.name || 'index'}${sortMark(-1)}`;
  name.title = 'Sort by the row labels';
  (corner.querySelector('.hdtype') as HTMLElement).textContent = shape?.index.dtype ?? '';
  markFilterError(corner, -1);
}

function headerCell(c: number): HTMLElement {
  const cell = el('div', 'hcell');
  cell.dataset.col = String(c);
  cell.style.transform = `translateX(${INDEX_W + c * COL_W}px)`;
  const name = el('button', 'hname');
  name.addEventListener('click', () => toggleSort(c));
  cell.append(name, el('div', 'hdtype'), filterInput(c));
  return cell;
}

function updateHeader(cell: HTMLElement, c: number): void {
  const info = columns.get(c);
  const name = cell.querySelector('.hname') as HTMLElement;
  name.textContent = `${info?.name ?? ''}${sortMark(c)}`;
  name.title = info ? `${info.name} (${info.dtype}): click to sort` : '';
  (cell.querySelector('.hdtype') as HTMLElement).textContent = info?.dtype ?? '';
  cell.classList.toggle('numeric', !!info?.numeric);
  markFilterError(cell, c);
}

function markFilterError(cell: HTMLElement, c: number): void {
  const input = cell.querySelector('input') as HTMLInputElement;
  const error = filterErrors.get(c);
  input.classList.toggle('invalid', !!error);
  input.title = error ?? (c >= 0 && columns.get(c)?.numeric ? '> 5, <= 2.5, = 3, != 0' : 'text to find; = or != for whole cells');
}

function filterInput(c: number): HTMLInputElement {
  const input = document.createElement('input');
  input.className = 'filter';
  input.type = 'text';
  input.placeholder = 'filter';
  input.spellcheck = false;
  input.setAttribute('aria-label', c < 0 ? 'Filter the row labels' : `Filter column ${c}`);
  input.value = state.filterText[String(c)] ?? '';
  let timer: number | undefined;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = window.setTimeout(() => {
      const text = input.value;
      if (text.trim()) state.filterText[String(c)] = text;
      else delete state.filterText[String(c)];
      restart();
    }, FILTER_DELAY_MS);
  });
  return input;
}

function sortMark(c: number): string {
  if (!state.sort || state.sort[0] !== c) return '';
  return state.sort[1] ? ' ↓' : ' ↑';
}

/** Ascending, then descending, then unsorted. */
function toggleSort(c: number): void {
  if (!state.sort || state.sort[0] !== c) state.sort = [c, false];
  else if (!state.sort[1]) state.sort = [c, true];
  else state.sort = null;
  restart();
}

// ---- state ----

let saveTimer: number | undefined;
function saveSoon(): void {
  clearTimeout(saveTimer);
  saveTimer = window.setTimeout(save, 200);
}

function save(): void {
  vscode.setState({ ...state, target: state.target as DataViewerTarget | undefined });
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.className = className;
  return e;
}

function button(text: string, tooltip: string): HTMLButtonElement {
  const b = el('button', 'action');
  b.textContent = text;
  b.title = tooltip;
  return b;
}
