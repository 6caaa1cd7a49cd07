import * as vscode from 'vscode';
import { State } from 'vscode-languageclient/node';
import type { LogEntry, LogSnapshot } from '../contract/logs';
import { clearLogs, logSnapshot, setLogLevel } from '../contract/service';
import { parseLevel } from '../contract/logs';
import { makeNonce, webviewHtml } from './webviewHtml';
import type { FromLogView, ToLogView } from '../contract/webviews';
import type { Ctx } from './ctx';

export const LOG_VIEW_ID = 'remoteExec.logs';

/**
 * The Remote Logs panel: a webview view in the bottom panel fed with the server's batched log lines,
 * and a LogOutputChannel mirroring them so the usual log tools can search them. The view keeps no lines
 * of its own across hide/show (retainContextWhenHidden is off): it asks the server for its ring again.
 */
export class LogPanelProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  /** Live lines that arrived while the view was loading its snapshot. */
  private waiting: LogEntry[] | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly ctx: Ctx,
    private readonly channel: vscode.LogOutputChannel,
  ) {
    this.disposables.push(ctx.events.onLogEntries((entries) => this.onEntries(entries)));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const webviewRoot = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    view.webview.options = { enableScripts: true, localResourceRoots: [webviewRoot, vscode.Uri.joinPath(this.extensionUri, 'media')] };
    view.webview.html = webviewHtml({
      title: 'Remote Logs',
      cspSource: view.webview.cspSource,
      nonce: makeNonce(),
      scriptUri: view.webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot, 'logs.js')).toString(),
    });
    const subscriptions = [
      view.webview.onDidReceiveMessage((m: FromLogView) => this.onMessage(m)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('remoteExec.logs.maxLines')) this.post({ type: 'config', maxLines: maxLines() });
      }),
    ];
    view.onDidDispose(() => {
      subscriptions.forEach((d) => d.dispose());
      if (this.view === view) this.view = undefined;
    });
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }

  private onMessage(message: FromLogView): void {
    switch (message.type) {
      case 'ready':
        void this.sendSnapshot();
        break;
      case 'clear':
        void this.ctx.request(clearLogs, {}).then(
          () => this.post({ type: 'reset', entries: [], maxLines: maxLines() }),
          (err: Error) => this.channel.error(`clearing the logs failed: ${err.message}`),
        );
        break;
      case 'copy':
        void vscode.env.clipboard.writeText(message.text);
        break;
    }
  }

  private async sendSnapshot(): Promise<void> {
    // Showing the panel is no reason to start the server: until something does, there are no lines.
    if (!this.ctx.client.isRunning()) {
      this.post({ type: 'reset', entries: [], maxLines: maxLines() });
      return;
    }
    this.waiting = [];
    try {
      const snapshot: LogSnapshot = await this.ctx.request0(logSnapshot);
      const cap = maxLines();
      const live = (this.waiting ?? []).filter((e) => e.seq > snapshot.lastSeq);
      this.post({ type: 'reset', entries: [...snapshot.entries.slice(-cap), ...live], maxLines: cap });
    } catch (err) {
      this.channel.warn(`the log snapshot could not be had: ${(err as Error).message}`);
      this.post({ type: 'reset', entries: this.waiting ?? [], maxLines: maxLines() });
    } finally {
      this.waiting = undefined;
    }
  }

  private onEntries(entries: LogEntry[]): void {
    mirror(this.channel, entries);
    if (!this.view) return;
    if (this.waiting) this.waiting.push(...entries);
    else this.post({ type: 'append', entries });
  }

  private post(message: ToLogView): void {
    void this.view?.webview.postMessage(message);
  }
}

/** Writes log lines to the "Remote Exec Logs" channel at their own level. */
function mirror(channel: vscode.LogOutputChannel, entries: LogEntry[]): void {
  for (const e of entries) {
    const who = [e.logger, e.thread].filter(Boolean).join(' ');
    const text = `[${e.gateway}] ${e.stream}${who ? ` ${who}` : ''}: ${e.text}`;
    if (e.level >= 40) channel.error(text);
    else if (e.level >= 30) channel.warn(text);
    else if (e.level >= 20) channel.info(text);
    else channel.debug(text);
  }
}

function maxLines(): number {
  const n = vscode.workspace.getConfiguration('remoteExec.logs').get<number>('maxLines', 100_000);
  return Math.max(1000, Math.min(1_000_000, Math.floor(n)));
}

/** `remoteExec.logs.level` as a Python logging number (default 30, WARNING). */
export function configuredLogLevel(): number {
  return parseLevel(vscode.workspace.getConfiguration('remoteExec.logs').get<string | number>('level', 'WARNING')) ?? 30;
}

/**
 * Registers the Remote Logs view and its output channel, and keeps the server's log level in step with
 * `remoteExec.logs.level` (gateways opened afterwards forward from that level).
 */
export function registerLogPanel(ctx: Ctx): LogPanelProvider {
  const channel = ctx.push(vscode.window.createOutputChannel('Remote Exec Logs', { log: true }));
  const provider = ctx.push(new LogPanelProvider(ctx.extensionContext.extensionUri, ctx, channel));
  const sendLevel = () => {
    if (!ctx.client.isRunning()) return;
    ctx.client
      .sendRequest(setLogLevel, { level: configuredLogLevel() })
      .catch((err: Error) => channel.warn(`setting the log level failed: ${err.message}`));
  };
  ctx.push(vscode.window.registerWebviewViewProvider(LOG_VIEW_ID, provider));
  // Sent on every (re)start, since a restarted server knows no level, and on every change of the setting.
  ctx.push(
    ctx.client.onDidChangeState((e) => {
      if (e.newState === State.Running) sendLevel();
    }),
  );
  ctx.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('remoteExec.logs.level')) sendLevel();
    }),
  );
  sendLevel();
  return provider;
}
