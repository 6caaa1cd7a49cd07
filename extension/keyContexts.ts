import * as vscode from 'vscode';
import { DEFAULT_LANGUAGE_GATEWAYS } from './config';
import type { GatewayStore } from './gatewayStore';
import { JUPYTER_EXTENSION_ID, PYTHON_EXTENSION_ID } from './interpreters/pythonInterpreters';

/**
 * The context keys the menus and keybindings of package.json read:
 * - `remoteExec.gatewayLanguages`: languages that have a gateway (configured, default, or open), so Run
 *   Selection's menu entry and Ctrl+Alt+Enter are there only for them;
 * - `remoteExec.deferKeys`: the Python or Jupyter extension is installed and `remoteExec.shiftEnterRuns`
 *   is off, so their Shift+Enter and Ctrl+Enter win in Python editors;
 * - `remoteExec.running`: some gateway is running code (for the Interrupt key).
 */
export class KeyContexts implements vscode.Disposable {
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly gateways: GatewayStore) {
    this.subscriptions = [
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('remoteExec')) this.update();
      }),
      vscode.extensions.onDidChange(() => this.update()),
      gateways.onDidChange(() => this.updateRunning()),
    ];
    this.update();
  }

  update(): void {
    const configured = vscode.workspace.getConfiguration('remoteExec').get<Record<string, string>>('languageGateways') ?? {};
    const languages = new Set([...Object.keys(DEFAULT_LANGUAGE_GATEWAYS), ...Object.keys(configured)]);
    void vscode.commands.executeCommand('setContext', 'remoteExec.gatewayLanguages', Array.from(languages));
    const other = !!vscode.extensions.getExtension(PYTHON_EXTENSION_ID) || !!vscode.extensions.getExtension(JUPYTER_EXTENSION_ID);
    const shiftEnterRuns = vscode.workspace.getConfiguration('remoteExec').get<boolean>('shiftEnterRuns', false);
    void vscode.commands.executeCommand('setContext', 'remoteExec.deferKeys', other && !shiftEnterRuns);
    this.updateRunning();
  }

  private updateRunning(): void {
    const running = this.gateways.list().some((g) => g.counters.running > 0);
    void vscode.commands.executeCommand('setContext', 'remoteExec.running', running);
  }

  dispose(): void {
    this.subscriptions.forEach((d) => d.dispose());
  }
}
