import * as vscode from 'vscode';
import * as rpc from '../contract/service';
import type { Ctx } from './ctx';

export const OBJECTS_VIEW_ID = 'remoteExec.objects';
const PAGE = 50;
/** Types whose attributes are not worth listing: they are leaves of the explorer. */
const SCALAR_TYPES = new Set([
  'int',
  'float',
  'str',
  'bool',
  'NoneType',
  'bytes',
  'complex',
  'number',
  'string',
  'boolean',
  'null',
  'undefined',
  'bigint',
  'method-wrapper',
  'builtin_function_or_method',
]);

/** One row of the Remote Objects explorer; `kind` decides its children and its context menu. */
export type ObjectNode =
  | { kind: 'gateway'; gatewayId: string }
  | { kind: 'group'; gatewayId: string; group: 'variables' | 'objects' | 'channels' }
  | { kind: 'variable'; gatewayId: string; key: string; name: string; value: rpc.ValueSummary }
  | { kind: 'object'; gatewayId: string; object: rpc.ObjectSummary }
  | { kind: 'attribute'; gatewayId: string; key: string; objectId: number; path: string[]; type: string; repr: string }
  | { kind: 'more'; gatewayId: string; parentKey: string; shown: number; total: number }
  | { kind: 'channel'; gatewayId: string; channel: rpc.ChannelSummary }
  | { kind: 'message'; gatewayId: string; text: string };

/**
 * The Remote Objects explorer: gateways by id, and under each its session variables, its exported
 * objects and its channels. Objects expand into their attributes page by page, fetched when expanded.
 * It refreshes on the server's notifications (coalesced), never on a timer.
 */
export class ObjectsTree implements vscode.TreeDataProvider<ObjectNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ObjectNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** Attribute pages loaded per expanded node key. */
  private readonly pages = new Map<string, number>();
  private readonly channelLists = new Map<string, rpc.ChannelSummary[]>();
  private refreshTimer?: NodeJS.Timeout;
  private readonly subscriptions: vscode.Disposable[];
  /** Settles after the next refresh has been handed to the view (tests wait on it). */
  private refreshed = Promise.resolve();
  private markRefreshed?: () => void;

  constructor(private readonly ctx: Ctx) {
    this.subscriptions = [
      ctx.gateways.onDidChange(() => this.refreshSoon()),
      ctx.events.onObjectsChanged(() => this.refreshSoon()),
      ctx.events.onChannelsChanged((e) => {
        this.channelLists.set(e.gatewayId, e.channels);
        this.refreshSoon();
      }),
      this.changed,
    ];
  }

  /** Coalesces bursts of notifications (a run sends several) into one redraw. */
  refreshSoon(): void {
    if (!this.markRefreshed) this.refreshed = new Promise((resolve) => (this.markRefreshed = resolve));
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.changed.fire(undefined);
      const done = this.markRefreshed;
      this.markRefreshed = undefined;
      done?.();
    }, 50);
  }

  whenRefreshed(): Promise<void> {
    return this.refreshed;
  }

  loadMore(node: ObjectNode): void {
    if (node.kind !== 'more') return;
    this.pages.set(node.parentKey, (this.pages.get(node.parentKey) ?? 1) + 1);
    this.changed.fire(undefined);
  }

  getTreeItem(node: ObjectNode): vscode.TreeItem {
    const None = vscode.TreeItemCollapsibleState.None;
    const Collapsed = vscode.TreeItemCollapsibleState.Collapsed;
    switch (node.kind) {
      case 'gateway': {
        const g = this.ctx.gateways.get(node.gatewayId);
        const item = new vscode.TreeItem(node.gatewayId, g && g.state === 'open' ? vscode.TreeItemCollapsibleState.Expanded : Collapsed);
        item.id = `gw:${node.gatewayId}`;
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
        item.contextValue = `group.${node.group}`;
        return item;
      }
      case 'variable': {
        const item = new vscode.TreeItem(node.name, node.value.expandable ? Collapsed : None);
        item.id = node.key;
        item.description = node.value.repr;
        item.tooltip = `${node.name}: ${node.value.type}${node.value.objectId !== undefined ? ` (object #${node.value.objectId})` : ''}\n${node.value.repr}`;
        item.iconPath = new vscode.ThemeIcon(
          node.value.callable ? 'symbol-method' : node.value.objectId !== undefined ? 'symbol-object' : 'symbol-field',
        );
        item.contextValue = node.value.objectId !== undefined ? 'variable.ref' : 'variable.value';
        return item;
      }
      case 'object': {
        const item = new vscode.TreeItem(`#${node.object.id} ${node.object.type}`, Collapsed);
        item.id = `gw:${node.gatewayId}/object/${node.object.id}`;
        item.description = node.object.repr;
        item.tooltip = node.object.repr;
        item.iconPath = new vscode.ThemeIcon('symbol-object');
        item.contextValue = 'object';
        return item;
      }
      case 'attribute': {
        const item = new vscode.TreeItem(node.path[node.path.length - 1], SCALAR_TYPES.has(node.type) ? None : Collapsed);
        item.id = node.key;
        item.description = node.repr;
        item.tooltip = `${node.path.join('.')}: ${node.type}\n${node.repr}`;
        item.iconPath = new vscode.ThemeIcon(node.type === 'method' || node.type === 'function' ? 'symbol-method' : 'symbol-field');
        item.contextValue = 'attribute';
        return item;
      }
      case 'more': {
        const item = new vscode.TreeItem(`load more… (${node.shown} of ${node.total})`, None);
        item.id = `${node.parentKey}/more`;
        item.command = { command: 'remoteExec.loadMore', title: 'Load More', arguments: [node] };
        item.contextValue = 'more';
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
    if (!node) return this.ctx.gateways.list().map((g) => ({ kind: 'gateway', gatewayId: g.id }));
    const gatewayId = node.gatewayId;
    const open = this.ctx.gateways.get(gatewayId)?.state === 'open';
    switch (node.kind) {
      case 'gateway': {
        if (!open) {
          const reason = this.ctx.gateways.get(gatewayId)?.exitReason;
          return reason ? [{ kind: 'message', gatewayId, text: reason.split('\n')[0] }] : [];
        }
        return (['variables', 'objects', 'channels'] as const).map((group) => ({ kind: 'group', gatewayId, group }));
      }
      case 'group':
        if (!open) return [];
        if (node.group === 'variables') {
          const vars = await this.ctx.request(rpc.namespace, { gatewayId });
          return vars.length
            ? vars.map((v) => variableNode(gatewayId, `gw:${gatewayId}/var`, v))
            : [{ kind: 'message', gatewayId, text: 'no variables yet' }];
        }
        if (node.group === 'objects') {
          const objects = await this.ctx.request(rpc.objects, { gatewayId });
          return objects.map((object) => ({ kind: 'object', gatewayId, object }));
        }
        {
          const channels = this.channelLists.get(gatewayId) ?? (await this.ctx.request(rpc.channels, { gatewayId }));
          return channels.map((channel) => ({ kind: 'channel', gatewayId, channel }));
        }
      case 'variable':
        if (node.value.children) return node.value.children.map((v) => variableNode(gatewayId, node.key, v));
        if (node.value.objectId !== undefined) return this.attributes(gatewayId, node.key, node.value.objectId, []);
        return [];
      case 'object':
        return this.attributes(gatewayId, `gw:${gatewayId}/object/${node.object.id}`, node.object.id, []);
      case 'attribute':
        return this.attributes(gatewayId, node.key, node.objectId, node.path);
      default:
        return [];
    }
  }

  /** The loaded pages of an object's attributes, and a "load more…" row while there are more. */
  private async attributes(gatewayId: string, key: string, objectId: number, path: string[]): Promise<ObjectNode[]> {
    const limit = PAGE * (this.pages.get(key) ?? 1);
    const page = await this.ctx.request(rpc.inspectObject, { gatewayId, objectId, path, offset: 0, limit });
    const nodes: ObjectNode[] = page.attrs.map((a) => ({
      kind: 'attribute',
      gatewayId,
      key: `${key}/${a.name}`,
      objectId,
      path: [...path, a.name],
      type: a.type,
      repr: a.repr,
    }));
    if (page.attrs.length < page.total)
      nodes.push({ kind: 'more', gatewayId, parentKey: key, shown: page.attrs.length, total: page.total });
    return nodes;
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.subscriptions.forEach((d) => d.dispose());
  }
}

function variableNode(gatewayId: string, parentKey: string, v: rpc.VariableSummary): ObjectNode {
  return { kind: 'variable', gatewayId, key: `${parentKey}/${v.name}`, name: v.name, value: v.value };
}

function gatewayTooltip(g: rpc.GatewaySummary): string {
  const lines = [`${g.id}: ${g.spec}`, `state: ${g.state}`];
  if (g.info) lines.push(`${g.info.language} ${g.info.version} · pid ${g.info.pid}`, `cwd: ${g.info.cwd}`);
  lines.push(`runs: ${g.counters.runs} · messages in/out: ${g.counters.msgsIn}/${g.counters.msgsOut}`);
  if (g.exitReason) lines.push(g.exitReason);
  return lines.join('\n');
}
