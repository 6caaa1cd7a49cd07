import * as vscode from 'vscode';
import { languageGatewaySpec } from './config';
import type { Ctx } from './ctx';

/**
 * The status bar item: the gateway runs of the active editor's language go to, and its state; a click
 * switches gateways.
 */
export class GatewayStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('remoteExec.gateway', vscode.StatusBarAlignment.Left, 50);
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly ctx: Ctx) {
    this.item.name = 'Remote Exec Gateway';
    this.item.command = 'remoteExec.switchGateway';
    this.subscriptions = [ctx.gateways.onDidChange(() => this.update()), vscode.window.onDidChangeActiveTextEditor(() => this.update())];
    this.update();
  }

  update(): void {
    const anyRunning = this.ctx.gateways.list().some((g) => g.counters.running > 0);
    void vscode.commands.executeCommand('setContext', 'remoteExec.running', anyRunning);
    const languageId = vscode.window.activeTextEditor?.document.languageId ?? 'python';
    const active = this.ctx.gateways.activeFor(languageId) ?? this.ctx.gateways.list().find((g) => g.state === 'open');
    if (active) {
      const busy = active.counters.running > 0;
      this.item.text = `${busy ? '$(sync~spin)' : '$(vm-running)'} ${active.id}: ${active.name && active.name !== active.spec ? active.name : active.spec} (${busy ? 'running' : active.state})`;
      this.item.tooltip = `Remote Exec: ${languageId} runs go to ${active.id} (${active.spec}), ${active.state}${active.info ? `, pid ${active.info.pid}` : ''}. Click to switch.`;
      this.item.backgroundColor = undefined;
    } else {
      const spec = languageGatewaySpec(languageId);
      this.item.text = `$(vm-outline) ${spec ? `${spec} (not started)` : 'no gateway'}`;
      this.item.tooltip = spec
        ? `Remote Exec: ${languageId} runs open ${spec} on first use. Click to choose a gateway.`
        : `Remote Exec: no gateway for ${languageId}. Click to open one.`;
    }
    this.item.show();
  }

  dispose(): void {
    this.subscriptions.forEach((d) => d.dispose());
    this.item.dispose();
  }
}
