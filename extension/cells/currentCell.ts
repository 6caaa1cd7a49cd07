import * as vscode from 'vscode';
import { cellAt, parseCells, type Cell } from './cellParser';

/**
 * The cells of the active editor: the current one is marked (a line above and below it, as the Jupyter
 * extension draws it), and `remoteExec.editorHasCells` tells the keybindings a cell file has focus.
 */
export class CurrentCell implements vscode.Disposable {
  private readonly top = vscode.window.createTextEditorDecorationType({
    borderColor: new vscode.ThemeColor('interactive.activeCodeBorder'),
    borderWidth: '2px 0px 0px 0px',
    borderStyle: 'solid',
    isWholeLine: true,
  });
  private readonly bottom = vscode.window.createTextEditorDecorationType({
    borderColor: new vscode.ThemeColor('interactive.activeCodeBorder'),
    borderWidth: '0px 0px 1px 0px',
    borderStyle: 'solid',
    isWholeLine: true,
  });
  private readonly cache = new Map<string, { version: number; cells: Cell[] }>();
  private readonly subscriptions: vscode.Disposable[];
  private hasCells: boolean | undefined;

  constructor() {
    this.subscriptions = [
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      vscode.window.onDidChangeTextEditorSelection((e) => e.textEditor === vscode.window.activeTextEditor && this.update()),
      vscode.workspace.onDidChangeTextDocument((e) => e.document === vscode.window.activeTextEditor?.document && this.update()),
      vscode.workspace.onDidCloseTextDocument((d) => this.cache.delete(d.uri.toString())),
    ];
    this.update();
  }

  /** The cells of a document, parsed once per version. */
  cellsOf(document: vscode.TextDocument): Cell[] {
    const key = document.uri.toString();
    const cached = this.cache.get(key);
    if (cached && cached.version === document.version) return cached.cells;
    const lines = Array.from({ length: document.lineCount }, (_, i) => document.lineAt(i).text);
    const cells = parseCells(lines, document.languageId);
    this.cache.set(key, { version: document.version, cells });
    return cells;
  }

  /** The cell at a line of a document. */
  cellAt(document: vscode.TextDocument, line: number): Cell | undefined {
    return cellAt(this.cellsOf(document), line);
  }

  update(): void {
    const editor = vscode.window.activeTextEditor;
    const cells = editor ? this.cellsOf(editor.document) : [];
    const has = cells.length > 0;
    if (has !== this.hasCells) {
      this.hasCells = has;
      void vscode.commands.executeCommand('setContext', 'remoteExec.editorHasCells', has);
    }
    if (!editor) return;
    const cell = cellAt(cells, editor.selection.active.line);
    editor.setDecorations(this.top, cell ? [new vscode.Range(cell.start, 0, cell.start, 0)] : []);
    editor.setDecorations(this.bottom, cell ? [new vscode.Range(cell.end, 0, cell.end, 0)] : []);
  }

  dispose(): void {
    this.subscriptions.forEach((d) => d.dispose());
    this.top.dispose();
    this.bottom.dispose();
  }
}
