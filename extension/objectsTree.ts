import * as vscode from 'vscode';
import * as rpc from '../contract/service';
import type { Ctx } from './ctx';
import { descriptionMarkdown } from './valueMarkdown';
import type { VariableFilters } from './variableFilters';

export const OBJECTS_VIEW_ID = 'remoteExec.objects';
/** Rows fetched per "load more". */
export const PAGE = 100;
/** Rows one request fetches at most when a refresh reloads what was paged in (the agent's own bound). */
const CHUNK = 1000;

/** Where a row's value lives: the session namespace, or an exported object, and the keys from there. */
export interface RowOrigin {
  gatewayId: string;
  objectId?: number;
  path: rpc.ChildKey[];
}

/** One row of the Remote Objects explorer; `kind` decides its children and its context menu. */
export type ObjectNode =
  | { kind: 'gateway'; gatewayId: string }
  | { kind: 'group'; gatewayId: string; group: 'variables' | 'objects' | 'channels' }
  | ({ kind: 'variable'; key: string; row: rpc.VariableRow; expression: string } & RowOrigin)
  | { kind: 'more'; gatewayId: string; parentKey: string; shown: number; total: number }
  | { kind: 'hidden'; gatewayId: string; parentKey: string; count: number }
  | { kind: 'object'; gatewayId: string; object: rpc.ObjectSummary }
  | { kind: 'closedChannels'; gatewayId: string; channels: rpc.ChannelSummary[] }
  | { kind: 'channel'; gatewayId: string; channel: rpc.ChannelSummary }
  | { kind: 'message'; gatewayId: string; text: string };

/** The rows of one parent fetched so far; dropped when the gateway's objects change. */
interface LoadedRows {
  rows: rpc.VariableRow[];
  total: number;
  hidden: number;
}

/**
 * The Remote Objects explorer: gateways by id, and under each its session variables (the agent's own
 * reprs, types and sizes; containers expand into their items, objects into their attributes, 100 rows
 * at a time), the objects it exports with who holds them, and its channels. It refreshes on the server's
 * notifications (coalesced), never on a timer, and fetches only the rows on screen.
 */
export class ObjectsTree implements vscode.TreeDataProvider<ObjectNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ObjectNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** How many rows the user paged in, per parent: kept across refreshes. */
  private readonly wanted = new Map<string, number>();
  private readonly loaded = new Map<string, Promise<LoadedRows>>();
  private readonly channelLists = new Map<string, rpc.ChannelSummary[]>();
  private refreshTimer?: NodeJS.Timeout;
  private readonly stale = new Set<string>();
  /** When each gateway's current session started, to tell a restart from a counter update. */
  private readonly sessions = new Map<string, number>();
  private readonly subscriptions: vscode.Disposable[];
  /** Settles after the next refresh has been handed to the view (tests wait on it). */
  private refreshed = Promise.resolve();
  private markRefreshed?: () => void;

  constructor(
    private readonly ctx: Ctx,
    private readonly filters: VariableFilters,
  ) {
    this.subscriptions = [
      ctx.gateways.onDidChange(() => this.refreshSoon()),
      // A gateway that closed, or came back under its id after a restart, has another session: fetch again.
      ctx.events.onGatewayChanged((g) => {
        if (g.state === 'open' && this.sessions.get(g.id) === g.startedAt) return;
        this.sessions.set(g.id, g.startedAt);
        this.refreshSoon(g.id);
      }),
      ctx.events.onObjectsChanged((e) => this.refreshSoon(e.gatewayId)),
      ctx.events.onChannelsChanged((e) => {
        this.channelLists.set(e.gatewayId, e.channels);
        this.refreshSoon();
      }),
      filters.onDidChange(() => {
        this.wanted.clear();
        this.refreshSoon('*');
      }),
      this.changed,
    ];
  }

  /**
   * Coalesces bursts of notifications (a run sends several) into one redraw; the rows of `staleGateway`
   * ('*': of all) are fetched again, the others are drawn from what was fetched.
   */
  refreshSoon(staleGateway?: string): void {
    if (staleGateway) this.stale.add(staleGateway);
    if (!this.markRefreshed) this.refreshed = new Promise((resolve) => (this.markRefreshed = resolve));
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      for (const key of Array.from(this.loaded.keys())) {
        if (this.stale.has('*') || this.stale.has(gatewayOfKey(key))) this.loaded.delete(key);
      }
      // What is remembered of gateways that are gone goes with them.
      for (const map of [this.origins, this.wanted, this.loaded]) {
        for (const key of Array.from(map.keys())) if (!this.ctx.gateways.get(gatewayOfKey(key))) map.delete(key);
      }
      this.stale.clear();
      this.changed.fire(undefined);
      const done = this.markRefreshed;
      this.markRefreshed = undefined;
      done?.();
    }, 50);
  }

  whenRefreshed(): Promise<void> {
    return this.refreshed;
  }

  /** The next page of a parent's rows, appended to those shown. */
  async loadMore(node: ObjectNode): Promise<void> {
    if (node.kind !== 'more') return;
    const entry = this.loaded.get(node.parentKey);
    const origin = this.origins.get(node.parentKey);
    if (!entry || !origin) return;
    const have = await entry;
    const next = await this.fetch(origin, have.rows.length, PAGE);
    const merged: LoadedRows = { rows: [...have.rows, ...next.rows], total: next.total, hidden: next.hidden };
    this.loaded.set(node.parentKey, Promise.resolve(merged));
    this.wanted.set(node.parentKey, merged.rows.length);
    this.changed.fire(undefined);
  }

  getTreeItem(node: ObjectNode): vscode.TreeItem {
    const None = vscode.TreeItemCollapsibleState.None;
    const Collapsed = vscode.TreeItemCollapsibleState.Collapsed;
    switch (node.kind) {
      case 'gateway': {
        const g = this.ctx.gateways.get(node.gatewayId);
        const item = new vscode.TreeItem(node.gatewayId, g && g.state === 'open' ? vscode.TreeItemCollapsibleState.Expanded : Collapsed);
        // A gateway first drawn while starting would stay collapsed once open (VS Code keeps an id's
        // state): it gets its lasting id when it opens, and opens expanded.
        item.id = g?.state === 'open' ? `gw:${node.gatewayId}` : `gw:${node.gatewayId}~${g?.state ?? 'gone'}`;
        const pid = g?.info ? ` · pid ${g.info.pid}` : '';
        item.description = g ? `${g.state}${pid} · ${g.name && g.name !== g.spec ? `${g.name} · ` : ''}${g.spec}` : '';
        item.tooltip = g ? gatewayTooltip(g) : undefined;
        item.iconPath = new vscode.ThemeIcon(g?.state === 'open' ? (g.counters.running > 0 ? 'sync~spin' : 'vm-running') : 'vm-outline');
        item.contextValue = `gateway.${g?.state ?? 'closed'}`;
        return item;
      }
      case 'group': {
        const labels = { variables: 'Variables', objects: 'Objects', channels: 'Channels' };
        const item = new vscode.TreeItem(
          labels[node.group],
          node.group === 'variables' ? vscode.TreeItemCollapsibleState.Expanded : Collapsed,
        );
        item.id = `gw:${node.gatewayId}/${node.group}`;
        item.iconPath = new vscode.ThemeIcon({ variables: 'symbol-variable', objects: 'symbol-class', channels: 'arrow-swap' }[node.group]);
        if (node.group === 'variables') item.description = this.filters.summary() || undefined;
        item.contextValue = `group.${node.group}`;
        return item;
      }
      case 'variable': {
        const { row } = node;
        const item = new vscode.TreeItem(row.name, row.expandable ? Collapsed : None);
        item.id = node.key;
        item.description = describeRow(row);
        item.iconPath = new vscode.ThemeIcon(rowIcon(row));
        // A row holds no remote object: there is nothing to release, and Copy and Open reach it by its path.
        item.contextValue = `variable${row.viewable ? '.viewable' : ''}`;
        return item;
      }
      case 'more': {
        const item = new vscode.TreeItem(
          `load more… (${node.shown.toLocaleString('en-US')} of ${node.total.toLocaleString('en-US')})`,
          None,
        );
        item.id = `${node.parentKey}/more`;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: 'remoteExec.loadMore', title: 'Load More', arguments: [node] };
        item.contextValue = 'more';
        return item;
      }
      case 'hidden': {
        const item = new vscode.TreeItem(`${node.count} hidden by the filters`, None);
        item.id = `${node.parentKey}/hidden`;
        item.iconPath = new vscode.ThemeIcon('eye-closed');
        item.tooltip = 'Private names, functions, classes and modules are hidden, as in Jupyter. Click to choose what is shown.';
        item.command = { command: 'remoteExec.showInVariables', title: 'Show in Variables…' };
        item.contextValue = 'hidden';
        return item;
      }
      case 'object': {
        const o = node.object;
        // The short type in the label (the full one is in the tooltip), who holds it first in the description.
        const item = new vscode.TreeItem(`#${o.id} ${o.type.split('.').pop()}`, Collapsed);
        item.id = `gw:${node.gatewayId}/object/${o.id}`;
        item.description = `${o.held ? 'held by the explorer' : 'not held here'} · ${o.repr.replace(/\s*\n\s*/g, ' ')}`;
        item.tooltip = `#${o.id} ${o.type}\n${o.holder}\n\n${o.repr}`;
        item.iconPath = new vscode.ThemeIcon(o.held ? 'pinned' : 'symbol-object');
        // Release only what this window holds: releasing another holder's reference would break it.
        item.contextValue = o.held ? 'object.held' : 'object';
        return item;
      }
      case 'closedChannels': {
        const item = new vscode.TreeItem(`closed (${node.channels.length})`, Collapsed);
        item.id = `gw:${node.gatewayId}/channels/closed`;
        item.iconPath = new vscode.ThemeIcon('circle-outline');
        item.tooltip = 'Channels of finished runs; the server keeps the last 20.';
        item.contextValue = 'closedChannels';
        return item;
      }
      case 'channel': {
        const c = node.channel;
        const item = new vscode.TreeItem(`channel ${c.id}`, None);
        item.id = `gw:${node.gatewayId}/channel/${c.id}`;
        item.description = `${c.state} · ${c.itemsIn} items · ${c.outputBytes} B output${c.runId ? ` · ${c.runId}` : ''}`;
        item.iconPath = new vscode.ThemeIcon(c.state === 'open' ? 'circle-filled' : 'circle-outline');
        item.contextValue = `channel.${c.state}`;
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, None);
        item.contextValue = 'message';
        return item;
      }
    }
  }

  /** The longer repr in a row's tooltip, fetched when the pointer rests on it (never in a listing). */
  async resolveTreeItem(item: vscode.TreeItem, node: ObjectNode, token: vscode.CancellationToken): Promise<vscode.TreeItem> {
    if (node.kind !== 'variable' && node.kind !== 'object') return item;
    const ref: rpc.VariableRef =
      node.kind === 'variable'
        ? { gatewayId: node.gatewayId, objectId: node.objectId, path: node.path }
        : { gatewayId: node.gatewayId, objectId: node.object.id, path: [] };
    try {
      const d = await this.ctx.request(rpc.describeVariable, ref);
      if (token.isCancellationRequested) return item;
      const header = node.kind === 'variable' ? node.expression : `#${node.object.id}`;
      item.tooltip = descriptionMarkdown(header, d, node.kind === 'object' ? node.object.holder : undefined);
    } catch (err) {
      item.tooltip = err instanceof Error ? err.message : String(err);
    }
    return item;
  }

  async getChildren(node?: ObjectNode): Promise<ObjectNode[]> {
    try {
      return await this.children(node);
    } catch (err) {
      return [
        {
          kind: 'message',
          gatewayId: node && 'gatewayId' in node ? node.gatewayId : '',
          text: `⚠ ${err instanceof Error ? err.message : String(err)}`,
        },
      ];
    }
  }

  private async children(node?: ObjectNode): Promise<ObjectNode[]> {
    if (!node) {
      const ids = this.ctx.gateways.list().map((g) => g.id);
      // By id (gw2 before gw10), so a restarted gateway keeps its place.
      ids.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
      return ids.map((gatewayId) => ({ kind: 'gateway', gatewayId }));
    }
    const gatewayId = node.gatewayId;
    const open = this.ctx.gateways.get(gatewayId)?.state === 'open';
    switch (node.kind) {
      case 'gateway': {
        if (!open) {
          const reason = this.ctx.gateways.get(gatewayId)?.exitReason;
          return reason ? [{ kind: 'message', gatewayId, text: reason.split('\n')[0] }] : [];
        }
        if (!this.ctx.gateways.get(gatewayId)?.info?.capabilities.includes('objects')) {
          // A REPL gateway (repl=) runs code in a terminal-like session: no agent to ask for variables.
          return [
            { kind: 'message', gatewayId, text: 'no variables: this gateway runs code without an agent (repl=)' },
            { kind: 'group', gatewayId, group: 'channels' },
          ];
        }
        return (['variables', 'objects', 'channels'] as const).map((group) => ({ kind: 'group', gatewayId, group }));
      }
      case 'group':
        if (!open) return [];
        if (node.group === 'variables') {
          const rows = await this.rows({ gatewayId, path: [] }, `gw:${gatewayId}/var`);
          return rows.some((r) => r.kind === 'variable') ? rows : [{ kind: 'message', gatewayId, text: 'no variables yet' }, ...rows];
        }
        if (node.group === 'objects') {
          const objects = await this.ctx.request(rpc.objects, { gatewayId });
          return objects.length
            ? objects.map((object) => ({ kind: 'object', gatewayId, object }))
            : [{ kind: 'message', gatewayId, text: 'no exported objects' }];
        }
        return this.channelNodes(gatewayId);
      case 'variable':
        return this.rows({ gatewayId, objectId: node.objectId, path: node.path }, node.key, node.expression);
      case 'object':
        return this.rows(
          { gatewayId, objectId: node.object.id, path: [] },
          `gw:${gatewayId}/object/${node.object.id}`,
          `#${node.object.id}`,
        );
      case 'closedChannels':
        return node.channels.map((channel) => ({ kind: 'channel', gatewayId, channel }));
      default:
        return [];
    }
  }

  private async channelNodes(gatewayId: string): Promise<ObjectNode[]> {
    const channels = this.channelLists.get(gatewayId) ?? (await this.ctx.request(rpc.channels, { gatewayId }));
    const open: ObjectNode[] = channels.filter((c) => c.state === 'open').map((channel) => ({ kind: 'channel', gatewayId, channel }));
    const closed = channels.filter((c) => c.state === 'closed');
    if (closed.length) open.push({ kind: 'closedChannels', gatewayId, channels: closed });
    return open.length ? open : [{ kind: 'message', gatewayId, text: 'no channels' }];
  }

  /** Where each parent's rows come from, so "load more" can ask for the next page. */
  private readonly origins = new Map<string, RowOrigin>();

  /** A parent's rows, as many as were paged in, then "load more…" and how many the filters hide. */
  private async rows(origin: RowOrigin, parentKey: string, parentExpression = ''): Promise<ObjectNode[]> {
    this.origins.set(parentKey, origin);
    let entry = this.loaded.get(parentKey);
    if (!entry) {
      entry = this.fetchAll(origin, this.wanted.get(parentKey) ?? PAGE);
      this.loaded.set(parentKey, entry);
      entry.catch(() => this.loaded.get(parentKey) === entry && this.loaded.delete(parentKey));
    }
    const { rows, total, hidden } = await entry;
    const nodes: ObjectNode[] = rows.map((row) => ({
      kind: 'variable',
      gatewayId: origin.gatewayId,
      objectId: origin.objectId,
      path: [...origin.path, row.key],
      key: `${parentKey}/${JSON.stringify(row.key)}`,
      row,
      expression: childExpression(parentExpression, row),
    }));
    if (rows.length < total) nodes.push({ kind: 'more', gatewayId: origin.gatewayId, parentKey, shown: rows.length, total });
    // Said for the session's names only: every object hides its dunder names, which is no news.
    const session = origin.objectId === undefined && origin.path.length === 0;
    if (hidden > 0 && session) nodes.push({ kind: 'hidden', gatewayId: origin.gatewayId, parentKey, count: hidden });
    return nodes;
  }

  private async fetchAll(origin: RowOrigin, count: number): Promise<LoadedRows> {
    const first = await this.fetch(origin, 0, Math.min(count, CHUNK));
    const rows = [...first.rows];
    let { total, hidden } = first;
    while (rows.length < Math.min(count, total)) {
      const next = await this.fetch(origin, rows.length, Math.min(count - rows.length, CHUNK));
      if (next.rows.length === 0) break;
      rows.push(...next.rows);
      ({ total, hidden } = next);
    }
    return { rows, total, hidden };
  }

  private fetch(origin: RowOrigin, offset: number, limit: number): Promise<rpc.VariablesPage> {
    return this.ctx.request(rpc.variables, { ...origin, offset, limit, filter: this.filters.current });
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.subscriptions.forEach((d) => d.dispose());
  }
}

/** How the user would write a child of `parent`: `df`, `box.items`, `cfg['a']`, `df.iloc[3]`. */
function childExpression(parent: string, row: rpc.VariableRow): string {
  if (!parent) return row.name;
  switch (row.key[0]) {
    case 'a':
      return `${parent}.${row.name}`;
    case 'r':
      return `${parent}.iloc[${row.key[1]}]`;
    case 'n':
      return `${parent} #${row.key[1]}`;
    default:
      return `${parent}[${row.name}]`;
  }
}

function gatewayOfKey(key: string): string {
  return /^gw:([^/]*)/.exec(key)?.[1] ?? '';
}

/** Jupyter's columns in one line: type, size, value. */
export function describeRow(row: rpc.VariableRow): string {
  return [row.type, row.size, row.repr].filter((part) => part !== '').join(' · ');
}

const ICONS: Record<string, string> = {
  bool: 'symbol-boolean',
  boolean: 'symbol-boolean',
  int: 'symbol-number',
  float: 'symbol-number',
  complex: 'symbol-number',
  number: 'symbol-number',
  bigint: 'symbol-number',
  str: 'symbol-string',
  string: 'symbol-string',
  list: 'symbol-array',
  tuple: 'symbol-array',
  Array: 'symbol-array',
  ndarray: 'symbol-array',
  dict: 'symbol-object',
  Map: 'symbol-object',
  Object: 'symbol-object',
  DataFrame: 'table',
  Series: 'symbol-array',
};

function rowIcon(row: rpc.VariableRow): string {
  if (row.kind === 'function') return 'symbol-method';
  if (row.kind === 'class') return 'symbol-class';
  if (row.kind === 'module') return 'symbol-namespace';
  if (row.type === '<error>') return 'warning';
  return ICONS[row.type] ?? (row.expandable ? 'symbol-structure' : 'symbol-variable');
}

function gatewayTooltip(g: rpc.GatewaySummary): string {
  const lines = [`${g.id}: ${g.spec}`, `state: ${g.state}`];
  if (g.info) lines.push(`${g.info.language} ${g.info.version} · pid ${g.info.pid}`, `cwd: ${g.info.cwd}`);
  lines.push(`runs: ${g.counters.runs} · messages in/out: ${g.counters.msgsIn}/${g.counters.msgsOut}`);
  if (g.exitReason) lines.push(g.exitReason);
  return lines.join('\n');
}
