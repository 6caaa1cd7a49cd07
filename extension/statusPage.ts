import * as vscode from 'vscode';
import { State } from 'vscode-languageclient/node';
import { status, statusChanged, watchStatus, type ServiceStatus } from '../contract/service';
import { makeNonce, webviewHtml } from './webviewHtml';
import type { FromStatusView, ToStatusView } from '../contract/webviews';
import type { Ctx } from './ctx';

export const STATUS_VIEW_TYPE = 'remoteExec.status';

/**
 * The status page: one webview panel showing the server's gateways, kept current by the server's
 * `remoteExec/statusChanged` pushes while it is open. It keeps its last snapshot and chart in the
 * webview's state, so it survives being hidden and, through the serializer, a window reload.
 */
export class StatusPage {
  static current: StatusPage | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private watching = false;
  private disposed = false;

  static createOrShow(extensionUri: vscode.Uri, ctx: Ctx): void {
    if (StatusPage.current) {
      StatusPage.current.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      STATUS_VIEW_TYPE,
      'Remote Exec Status',
      vscode.ViewColumn.Active,
      webviewOptions(extensionUri),
    );
    StatusPage.current = new StatusPage(panel, extensionUri, ctx);
  }

  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, ctx: Ctx): void {
    panel.webview.options = webviewOptions(extensionUri);
    StatusPage.current?.dispose();
    StatusPage.current = new StatusPage(panel, extensionUri, ctx);
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly ctx: Ctx,
  ) {
    const root = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    panel.webview.html = webviewHtml({
      title: 'Remote Exec Status',
      cspSource: panel.webview.cspSource,
      nonce: makeNonce(),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(root, 'status.js')).toString(),
    });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: FromStatusView) => this.onMessage(m)),
      // statusChanged is this page's own notification (one page at a time), not one of ServerEvents'.
      ctx.client.onNotification(statusChanged, (s: ServiceStatus) => this.show(s)),
      // Pushes only while the page can be seen: a hidden page costs the agents no STATUS requests.
      panel.onDidChangeViewState(() => this.setWatching(panel.visible)),
      // A restarted server has no watchers: watch again, and show it at once.
      ctx.client.onDidChangeState((e) => {
        if (e.newState === State.Running && panel.visible) {
          this.watching = false;
          this.setWatching(true);
          void this.refresh();
        } else if (e.newState === State.Stopped) {
          this.watching = false;
          this.post({ type: 'disconnected', reason: 'the Remote Exec server stopped' });
        }
      }),
    );
  }

  dispose(): void {
    // Disposing the panel fires onDidDispose, which lands here again.
    if (this.disposed) return;
    this.disposed = true;
    if (StatusPage.current === this) StatusPage.current = undefined;
    this.setWatching(false);
    this.panel.dispose();
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }

  private onMessage(message: FromStatusView): void {
    switch (message.type) {
      case 'ready':
        // A (re)loaded webview gets a snapshot at once, then pushes.
        this.setWatching(false);
        this.setWatching(true);
        void this.refresh();
        break;
      case 'refresh':
        void this.refresh();
        break;
    }
  }

  private async refresh(): Promise<void> {
    try {
      const snapshot: ServiceStatus = await this.ctx.request0(status);
      this.show(snapshot);
    } catch (err) {
      this.post({ type: 'disconnected', reason: (err as Error).message });
    }
  }

  private setWatching(on: boolean): void {
    if (on === this.watching) return;
    this.watching = on;
    if (!on && !this.ctx.client.isRunning()) return;
    this.ctx.request(watchStatus, { watch: on }).catch((err: Error) => {
      if (on) this.post({ type: 'disconnected', reason: err.message });
    });
  }

  private show(snapshot: ServiceStatus): void {
    this.post({ type: 'status', status: snapshot, receivedAt: Date.now() });
  }

  private post(message: ToStatusView): void {
    void this.panel.webview.postMessage(message);
  }
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    retainContextWhenHidden: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/** Registers `remoteExec.showStatus` and the serializer that restores an open status page after a reload. */
export function registerStatusPage(ctx: Ctx): void {
  const extensionUri = ctx.extensionContext.extensionUri;
  ctx.push(vscode.commands.registerCommand('remoteExec.showStatus', () => StatusPage.createOrShow(extensionUri, ctx)));
  ctx.push(
    vscode.window.registerWebviewPanelSerializer(STATUS_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel) {
        StatusPage.revive(panel, extensionUri, ctx);
      },
    }),
  );
  ctx.push({ dispose: () => StatusPage.current?.dispose() });
}
