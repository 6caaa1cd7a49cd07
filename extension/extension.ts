import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('remoteExec.execSelection', () => {
      void vscode.window.showInformationMessage('Remote Exec: the extension is being built.');
    }),
  );
}

export function deactivate(): void {}
