import * as vscode from 'vscode';
import { languageGatewaySpec } from '../config';
import { parseCells } from './cellParser';

/**
 * "Run Cell", "Run Above" and "Run Below" above every code cell of a file with `# %%` cells (`// %%` in
 * JavaScript and TypeScript), in languages that have a gateway.
 */
export class CellCodeLens implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscription = vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('remoteExec.languageGateways')) this.changed.fire();
  });

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!languageGatewaySpec(document.languageId)) return [];
    const lines = Array.from({ length: document.lineCount }, (_, i) => document.lineAt(i).text);
    const cells = parseCells(lines, document.languageId);
    const lenses: vscode.CodeLens[] = [];
    cells.forEach((cell, index) => {
      if (cell.kind !== 'code') return;
      const range = new vscode.Range(cell.start, 0, cell.start, 0);
      const args = [document.uri, cell.start];
      lenses.push(new vscode.CodeLens(range, { title: '$(play) Run Cell', command: 'remoteExec.runCell', arguments: args }));
      if (index > 0) lenses.push(new vscode.CodeLens(range, { title: 'Run Above', command: 'remoteExec.runAbove', arguments: args }));
      lenses.push(new vscode.CodeLens(range, { title: 'Run Below', command: 'remoteExec.runBelow', arguments: args }));
    });
    return lenses;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
