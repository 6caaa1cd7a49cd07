import type { GatewayStatus, ServiceStatus } from '../../contract/service';
import type { FromStatusView, StatusViewState, ThroughputSample, ToStatusView } from '../../contract/webviews';
import { addStyle, vscodeApi } from '../shared/vscodeApi';
import { formatBytes, formatDuration, formatMs } from './format';
import css from './status.css';

const HISTORY = 60;
const MIN_SAMPLE_MS = 500;
const SVG = 'http://www.w3.org/2000/svg';

const vscode = vscodeApi<FromStatusView, StatusViewState>();
addStyle(css);
const state: StatusViewState = vscode.getState() ?? { history: [] };
let disconnected: string | undefined;

const root = document.getElementById('root') ?? document.body;

window.addEventListener('message', (event: MessageEvent<ToStatusView>) => {
  const message = event.data;
  switch (message.type) {
    case 'status':
      record(message.status, message.receivedAt);
      disconnected = undefined;
      break;
    case 'disconnected':
      disconnected = message.reason;
      break;
  }
  vscode.setState(state);
  render();
});
// Uptimes advance between pushes from the last snapshot's numbers; nothing is asked of the server.
setInterval(() => {
  if (state.status) render();
}, 1000);

render();
vscode.postMessage({ type: 'ready' });

/**
 * Adds a throughput sample: the byte counters' change per second since the last sample. Snapshots
 * closer together than MIN_SAMPLE_MS (a refresh answered next to a push) only move the numbers shown;
 * a rate over a few milliseconds would draw a spike out of one STATUS round trip.
 */
function record(status: ServiceStatus, receivedAt: number): void {
  const sum = (key: 'bytesIn' | 'bytesOut') => status.gateways.reduce((n, g) => n + (g.counters?.[key] ?? 0), 0);
  const now = { t: receivedAt, bytesIn: sum('bytesIn'), bytesOut: sum('bytesOut') };
  const base = state.baseline;
  if (!base || receivedAt < base.t) state.baseline = now;
  else if (receivedAt - base.t >= MIN_SAMPLE_MS) {
    const dt = (receivedAt - base.t) / 1000;
    const sample: ThroughputSample = {
      t: receivedAt,
      inRate: Math.max(0, (now.bytesIn - base.bytesIn) / dt),
      outRate: Math.max(0, (now.bytesOut - base.bytesOut) / dt),
    };
    state.history = [...state.history, sample].slice(-HISTORY);
    state.baseline = now;
  }
  state.status = status;
  state.receivedAt = receivedAt;
}

function render(): void {
  const status = state.status;
  const nodes: Node[] = [el('h1', 'Remote Exec status')];
  if (disconnected) nodes.push(el('div', `Disconnected from the server: ${disconnected}`, 'banner'));
  if (!status) {
    nodes.push(el('p', 'Waiting for the server…', 'empty'));
    root.replaceChildren(...nodes);
    return;
  }
  const elapsed = state.receivedAt ? (Date.now() - state.receivedAt) / 1000 : 0;
  const server = el('div', '', 'server');
  server.textContent = `Server ${status.version} · pid ${status.pid} · up ${formatDuration(status.uptime + elapsed)} · ${status.gateways.length} gateway${status.gateways.length === 1 ? '' : 's'}`;
  server.dataset.testid = 'server';
  nodes.push(server, el('h2', 'Throughput (all gateways)'), legend(), chart(state.history));
  const grid = el('div', '', 'gateways');
  if (status.gateways.length === 0) grid.append(el('p', 'No gateway is open.', 'empty'));
  for (const g of status.gateways) grid.append(card(g, elapsed));
  nodes.push(grid);
  root.replaceChildren(...nodes);
}

function card(g: GatewayStatus, elapsed: number): HTMLElement {
  const box = el('section', '', 'card');
  box.dataset.gateway = g.id;
  const header = el('header', '');
  header.append(el('h2', g.name ? `${g.name} (${g.id})` : g.id), el('span', g.state, `state state-${g.state}`));
  const r = g.remoteStatus;
  const live = g.state === 'open' || g.state === 'starting' || g.state === 'closing';
  const uptime = r ? r.uptime + elapsed : (Date.now() - g.startedAt) / 1000;
  const rows: [string, string][] = [
    ['spec', g.spec],
    ['interpreter', g.info ? `${g.info.implementation ?? g.info.language} ${g.info.version}` : '–'],
    ['pid', g.info ? String(g.info.pid) : '–'],
    ['uptime', live ? formatDuration(uptime) : '–'],
    [
      'executing',
      r
        ? `${r.numexecuting} task${r.numexecuting === 1 ? '' : 's'}${r.execqsize ? `, ${r.execqsize} queued` : ''}`
        : `${g.counters.running} run${g.counters.running === 1 ? '' : 's'}`,
    ],
    ['channels', r ? String(r.numchannels) : '–'],
    ['exported objects', r ? String(r.numobjects) : '–'],
    ['messages in / out', `${g.counters.msgsIn.toLocaleString()} / ${g.counters.msgsOut.toLocaleString()}`],
    ['bytes in / out', `${formatBytes(g.counters.bytesIn)} / ${formatBytes(g.counters.bytesOut)}`],
    ['round trip', formatMs(g.roundTripMs)],
  ];
  if (g.remoteStatusError) rows.push(['status', g.remoteStatusError]);
  if (g.exitReason) rows.push(['closed', g.exitReason]);
  const table = el('table', '');
  for (const [k, v] of rows) {
    const tr = el('tr', '');
    tr.dataset.field = k;
    tr.append(el('th', k), el('td', v));
    table.append(tr);
  }
  box.append(header, table);
  return box;
}

function legend(): HTMLElement {
  const last = state.history[state.history.length - 1];
  const p = el('div', '', 'legend');
  p.append(
    el('span', `■ in ${last ? `${formatBytes(last.inRate)}/s` : ''}`, 'in'),
    document.createTextNode('  '),
    el('span', `■ out ${last ? `${formatBytes(last.outRate)}/s` : ''}`, 'out'),
  );
  const max = Math.max(1024, ...state.history.map((h) => Math.max(h.inRate, h.outRate)));
  p.append(document.createTextNode(`  (scale: 0 – ${formatBytes(max)}/s over the last minute)`));
  return p;
}

/** A small line chart of bytes per second in and out over the last samples, as inline SVG. */
function chart(history: ThroughputSample[]): SVGSVGElement {
  const w = 600;
  const h = 120;
  const pad = 4;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  svg.setAttribute('width', '100%');
  svg.setAttribute('height', String(h));
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'Throughput over the last minute');
  const max = Math.max(1024, ...history.map((s) => Math.max(s.inRate, s.outRate)));
  const axis = document.createElementNS(SVG, 'line');
  axis.setAttribute('class', 'axis');
  for (const [k, v] of [
    ['x1', 0],
    ['y1', h - pad],
    ['x2', w],
    ['y2', h - pad],
  ] as const)
    axis.setAttribute(k, String(v));
  svg.append(axis);
  const points = (key: 'inRate' | 'outRate') =>
    history
      .map((s, i) => `${((i + HISTORY - history.length) / (HISTORY - 1)) * w},${h - pad - (s[key] / max) * (h - 2 * pad - 12)}`)
      .join(' ');
  for (const key of ['inRate', 'outRate'] as const) {
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('class', key === 'inRate' ? 'in' : 'out');
    line.setAttribute('points', points(key));
    svg.append(line);
  }
  svg.dataset.max = String(max);
  return svg;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text: string, className = ''): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}
