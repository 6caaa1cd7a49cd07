import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { status, statusChanged, watchStatus, type ServiceStatus } from '../server/service/contract';
import { makeNonce, webviewHtml } from '../webview-ui/shared/html';
import type { FromStatusView, ToStatusView } from '../webview-ui/shared/messages';

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

  static createOrShow(extensionUri: vscode.Uri, client: LanguageClient): void {
    if (StatusPage.current) {
      StatusPage.current.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(STATUS_VIEW_TYPE, 'Remote Exec Status', vscode.ViewColumn.Active, webviewOptions(extensionUri));
    StatusPage.current = new StatusPage(panel, extensionUri, client);
  }

  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, client: LanguageClient): void {
    panel.webview.options = webviewOptions(extensionUri);
    StatusPage.current?.dispose();
    StatusPage.current = new StatusPage(panel, extensionUri, client);
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly client: LanguageClient,
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
      client.onNotification(statusChanged, (s: ServiceStatus) => this.show(s)),
      // Pushes only while the page can be seen: a hidden page costs the agents no STATUS requests.
      panel.onDidChangeViewState(() => this.setWatching(panel.visible)),
    );
  }

  dispose(): void {
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
      const snapshot: ServiceStatus = await this.client.sendRequest(status);
      this.show(snapshot);
    } catch (err) {
      this.post({ type: 'disconnected', reason: (err as Error).message });
    }
  }

  private setWatching(on: boolean): void {
    if (on === this.watching) return;
    this.watching = on;
    this.client.sendRequest(watchStatus, { watch: on }).catch((err: Error) => {
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
export function registerStatusPage(context: vscode.ExtensionContext, client: LanguageClient): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('remoteExec.showStatus', () => StatusPage.createOrShow(context.extensionUri, client)),
    vscode.window.registerWebviewPanelSerializer(STATUS_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel) {
        StatusPage.revive(panel, context.extensionUri, client);
      },
    }),
    { dispose: () => StatusPage.current?.dispose() },
  );
}
