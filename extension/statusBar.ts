import * as vscode from 'vscode';
import { languageGatewaySpec } from './config';
import type { Ctx } from './ctx';

/** Editors whose language is not the user's code: the Output panel, diff and settings views. */
const NOT_CODE = new Set(['output', 'debug', 'vscode-settings', 'comment']);

/**
 * The status bar item (on the right, as language items are): the gateway runs of the active editor's
 * language go to, its state and its queue; nothing for a language with no gateway. A click switches.
 */
export class GatewayStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('remoteExec.gateway', vscode.StatusBarAlignment.Right, 100);
  private readonly subscriptions: vscode.Disposable[];
  private languageId: string | undefined;

  constructor(private readonly ctx: Ctx) {
    this.item.name = 'Remote Exec Gateway';
    this.item.command = 'remoteExec.switchGateway';
    this.subscriptions = [ctx.gateways.onDidChange(() => this.update()), vscode.window.onDidChangeActiveTextEditor((e) => this.update(e))];
    this.update();
  }

  update(editor = vscode.window.activeTextEditor): void {
    // Focus moving to the Output panel is not a change of the code being worked on: the last code editor's language stays.
    if (!editor || !NOT_CODE.has(editor.document.uri.scheme)) this.languageId = editor?.document.languageId;
    const languageId = this.languageId;
    const active = languageId ? this.ctx.gateways.activeFor(languageId) : undefined;
    if (active) {
      const { running, queued } = active.counters;
      const busy = running > 0;
      const state = busy ? `running${queued ? `, ${queued} queued` : ''}` : active.state;
      this.item.text = `${busy ? '$(sync~spin)' : '$(vm-running)'} ${active.id}: ${active.name && active.name !== active.spec ? active.name : active.spec} (${state})`;
      this.item.tooltip = `Remote Exec: ${languageId} runs go to ${active.id} (${active.spec}), ${state}${active.info ? `, pid ${active.info.pid}` : ''}. Click to switch.`;
      this.item.show();
      return;
    }
    const spec = languageId ? languageGatewaySpec(languageId) : undefined;
    if (!spec) {
      this.item.hide();
      return;
    }
    this.item.text = `$(vm-outline) ${spec} (not started)`;
    this.item.tooltip = `Remote Exec: ${languageId} runs open ${spec} on first use. Click to choose a gateway.`;
    this.item.show();
  }

  dispose(): void {
    this.subscriptions.forEach((d) => d.dispose());
    this.item.dispose();
  }
}
