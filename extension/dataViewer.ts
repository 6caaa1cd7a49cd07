import * as vscode from 'vscode';
import { tablePage } from '../contract/service';
import type { DataViewerState, DataViewerTarget, FromDataViewer, ToDataViewer } from '../contract/webviews';
import type { Ctx } from './ctx';
import { makeNonce, webviewHtml } from './webviewHtml';

export const DATA_VIEWER_VIEW_TYPE = 'remoteExec.dataViewer';

/**
 * The Data Viewer: one webview panel per variable, a virtualized grid whose rows and columns are fetched
 * from the agent a window at a time as the user scrolls, sorted and filtered there (PROTOCOL.md §7.7).
 * This host only forwards: it keeps no rows, so a 10,000,000-row frame costs it nothing; the page keeps a
 * few windows. After every run on the gateway the page fetches what it shows again.
 */
export class DataViewer {
  static readonly open = new Map<string, DataViewer>();
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;
  private sessionStartedAt: number | undefined;

  static createOrShow(ctx: Ctx, target: DataViewerTarget): DataViewer {
    const existing = DataViewer.open.get(keyOf(target));
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      DATA_VIEWER_VIEW_TYPE,
      titleOf(target),
      vscode.ViewColumn.Active,
      webviewOptions(ctx.extensionContext.extensionUri),
    );
    return new DataViewer(panel, ctx, target);
  }

  /** After a window reload: the page's saved state names what it showed. */
  static revive(ctx: Ctx, panel: vscode.WebviewPanel, state: DataViewerState | undefined): void {
    if (!state?.target) {
      panel.dispose();
      return;
    }
    panel.webview.options = webviewOptions(ctx.extensionContext.extensionUri);
    DataViewer.open.get(keyOf(state.target))?.dispose();
    new DataViewer(panel, ctx, state.target);
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly ctx: Ctx,
    readonly target: DataViewerTarget,
  ) {
    DataViewer.open.set(keyOf(target), this);
    this.sessionStartedAt = ctx.gateways.get(target.gatewayId)?.startedAt;
    const root = vscode.Uri.joinPath(ctx.extensionContext.extensionUri, 'dist', 'webview');
    panel.title = titleOf(target);
    panel.webview.html = webviewHtml({
      title: titleOf(target),
      cspSource: panel.webview.cspSource,
      nonce: makeNonce(),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(root, 'dataViewer.js')).toString(),
    });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: FromDataViewer) => this.onMessage(m)),
      ctx.events.onObjectsChanged((e) => {
        if (e.gatewayId === target.gatewayId) this.post({ type: 'changed' });
      }),
      ctx.events.onGatewayChanged((g) => {
        if (g.id !== target.gatewayId) return;
        // A restart brings the id back with a new session: show what the new one holds under the name.
        if (g.state === 'open' && g.startedAt !== this.sessionStartedAt) {
          this.sessionStartedAt = g.startedAt;
          this.post({ type: 'changed' });
        } else if (g.state === 'closed' || g.state === 'failed')
          this.post({
            type: 'unavailable',
            reason: `gateway ${g.id} is ${g.state}${g.exitReason ? `: ${g.exitReason.split('\n')[0]}` : ''}`,
          });
      }),
    );
  }

  private onMessage(message: FromDataViewer): void {
    switch (message.type) {
      case 'ready':
        this.post({ type: 'target', target: this.target });
        break;
      case 'fetch':
        void this.fetch(message);
        break;
    }
  }

  private async fetch(m: Extract<FromDataViewer, { type: 'fetch' }>): Promise<void> {
    const { gatewayId, objectId, path } = this.target;
    try {
      const page = await this.ctx.request(tablePage, {
        gatewayId,
        objectId,
        path,
        offset: m.offset,
        limit: m.limit,
        columnOffset: m.columnOffset,
        columnLimit: m.columnLimit,
        sort: m.sort,
        filters: m.filters,
      });
      this.post({ type: 'page', requestId: m.requestId, page });
    } catch (err) {
      this.post({ type: 'failed', requestId: m.requestId, message: err instanceof Error ? err.message : String(err) });
    }
  }

  private post(message: ToDataViewer): void {
    if (!this.disposed) void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    // Disposing the panel fires onDidDispose, which lands here again.
    if (this.disposed) return;
    this.disposed = true;
    if (DataViewer.open.get(keyOf(this.target)) === this) DataViewer.open.delete(keyOf(this.target));
    this.panel.dispose();
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }
}

function keyOf(t: DataViewerTarget): string {
  return JSON.stringify([t.gatewayId, t.objectId ?? null, t.path]);
}

function titleOf(t: DataViewerTarget): string {
  return `Data: ${t.name}`;
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    retainContextWhenHidden: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')],
  };
}

/** Registers the serializer that brings open data viewers back after a window reload. */
export function registerDataViewer(ctx: Ctx): void {
  ctx.push(
    vscode.window.registerWebviewPanelSerializer(DATA_VIEWER_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: DataViewerState | undefined) {
        DataViewer.revive(ctx, panel, state);
      },
    }),
  );
  ctx.push({ dispose: () => Array.from(DataViewer.open.values()).forEach((v) => v.dispose()) });
}
