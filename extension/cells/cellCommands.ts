import * as vscode from 'vscode';
import type { ExecSelectionResult } from '../../contract/service';
import type { CommandDeps, Factory } from '../commands';
import { runRequest } from '../smartSend';
import { cellSource, type Cell } from './cellParser';

/**
 * The cell commands, as the Jupyter extension has them: Run Cell, Run Cell and Advance (Shift+Enter in a
 * file with cells), Run Above, Run Below, Run File. From a CodeLens they get the document and the cell's
 * marker line; from a key, the active editor's cursor. Each cell is one run; several cells are queued in
 * order on the gateway.
 */

/** The editor and line a cell command acts on: the CodeLens's, else the cursor's. */
async function where(uri?: vscode.Uri, line?: number): Promise<{ editor: vscode.TextEditor; line: number } | undefined> {
  let editor = vscode.window.activeTextEditor;
  if (uri instanceof vscode.Uri && editor?.document.uri.toString() !== uri.toString()) {
    editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preserveFocus: false });
  }
  if (!editor) {
    void vscode.window.showWarningMessage('Remote Exec: open a file with # %% cells.');
    return undefined;
  }
  return { editor, line: typeof line === 'number' ? line : editor.selection.active.line };
}

function lines(document: vscode.TextDocument): string[] {
  return Array.from({ length: document.lineCount }, (_, i) => document.lineAt(i).text);
}

function runCells(deps: CommandDeps, editor: vscode.TextEditor, cells: Cell[]): Promise<(ExecSelectionResult | undefined)[]> {
  const all = deps.cells.cellsOf(editor.document);
  const text = lines(editor.document);
  // Sent one after another without waiting: the gateway queues them in this order.
  return Promise.all(
    cells
      .filter((c) => c.kind === 'code')
      .map((cell) =>
        deps.runner.run(
          editor,
          { source: cellSource(text, cell), startLine: cell.start, markLine: cell.end },
          { label: `cell ${all.indexOf(cell) + 1}${cell.title ? ` · ${cell.title}` : ''}`, moveCursor: false },
        ),
      ),
  );
}

/** Run Cell: the cell at the cursor (or the CodeLens's); outside any cell, what Run Selection would run. */
export const runCell: Factory =
  (deps) =>
  async (uri?: vscode.Uri, line?: number): Promise<ExecSelectionResult | undefined> => {
    const at = await where(uri, line);
    if (!at) return undefined;
    const cell = deps.cells.cellAt(at.editor.document, at.line);
    if (!cell) {
      const request = runRequest(at.editor);
      return request ? deps.runner.run(at.editor, request) : undefined;
    }
    const [result] = await runCells(deps, at.editor, [cell]);
    return result;
  };

/**
 * Run Cell and Advance: runs the cell and moves the cursor to the next one at once (the run goes on in
 * the background); after the last cell a new one is added, as the Jupyter extension does.
 */
export const runCellAndAdvance: Factory =
  (deps) =>
  async (uri?: vscode.Uri, line?: number): Promise<ExecSelectionResult | undefined> => {
    const at = await where(uri, line);
    if (!at) return undefined;
    const { editor } = at;
    const cell = deps.cells.cellAt(editor.document, at.line);
    if (!cell) return runCell(deps)(uri, line) as Promise<ExecSelectionResult | undefined>;
    const running = runCells(deps, editor, [cell]);
    const cells = deps.cells.cellsOf(editor.document);
    const next = cells[cells.indexOf(cell) + 1];
    if (next) {
      const target = Math.min(next.start + 1, editor.document.lineCount - 1);
      const position = new vscode.Position(target, 0);
      editor.selection = new vscode.Selection(position, position);
      editor.revealRange(new vscode.Range(position, position));
    } else {
      const doc = editor.document;
      const marker = doc.languageId === 'python' || !/^\s*\/\//.test(doc.lineAt(cell.start).text) ? '# %%' : '// %%';
      const end = doc.lineAt(doc.lineCount - 1).range.end;
      const blank = doc.lineAt(doc.lineCount - 1).isEmptyOrWhitespace ? '' : '\n';
      await editor.edit((e) => e.insert(end, `${blank}\n${marker}\n`));
      const position = new vscode.Position(editor.document.lineCount - 1, 0);
      editor.selection = new vscode.Selection(position, position);
      editor.revealRange(new vscode.Range(position, position));
    }
    const [result] = await running;
    return result;
  };

/** The cells on one side of the cursor's cell, each as its own run, in order: before it, or it and after. */
const runSide =
  (side: 'above' | 'below'): Factory =>
  (deps) =>
  async (uri?: vscode.Uri, line?: number): Promise<(ExecSelectionResult | undefined)[]> => {
    const at = await where(uri, line);
    if (!at) return [];
    const cells = deps.cells.cellsOf(at.editor.document);
    const current = deps.cells.cellAt(at.editor.document, at.line);
    const index = current ? cells.indexOf(current) : cells.filter((c) => c.start < at.line).length;
    return runCells(deps, at.editor, side === 'above' ? cells.slice(0, index) : cells.slice(index));
  };

/** Run Above: every code cell before the current one. */
export const runAbove: Factory = runSide('above');

/** Run Below: the current cell and every one after it. */
export const runBelow: Factory = runSide('below');

/** Run File: the whole file as one run (its cells too). */
export const runFile: Factory =
  (deps) =>
  async (uri?: vscode.Uri): Promise<ExecSelectionResult | undefined> => {
    const at = await where(uri instanceof vscode.Uri ? uri : undefined, 0);
    if (!at) return undefined;
    const text = at.editor.document.getText();
    if (text.trim() === '') return undefined;
    return deps.runner.run(
      at.editor,
      { source: text, startLine: 0, markLine: at.editor.document.lineCount - 1 },
      { label: 'file', moveCursor: false },
    );
  };
