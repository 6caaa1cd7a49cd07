import * as vscode from 'vscode';

/**
 * What Remote Exec Selection asks the server to run: the selection (whole lines unless it lies within
 * one line), or, with no selection, the whole document and the cursor's line, so the server runs the
 * top-level statement there as the gateway's own parser sees it, in one request. The lines are 0-based.
 */
export interface RunRequest {
  source: string;
  startLine?: number;
  cursorLine?: number;
  /** Where a "running" mark goes until the server says which lines ran. */
  markLine: number;
}

export function runRequest(editor: vscode.TextEditor): RunRequest | undefined {
  const doc = editor.document;
  const selection = editor.selection;
  if (!selection.isEmpty) {
    if (selection.isSingleLine) return { source: doc.getText(selection), startLine: selection.start.line, markLine: selection.start.line };
    // A selection ending at column 0 does not include that line.
    const endLine = selection.end.character === 0 ? selection.end.line - 1 : selection.end.line;
    const range = new vscode.Range(selection.start.line, 0, endLine, doc.lineAt(endLine).text.length);
    return { source: doc.getText(range), startLine: selection.start.line, markLine: endLine };
  }
  const line = selection.active.line;
  if (doc.lineAt(line).isEmptyOrWhitespace) return undefined;
  return { source: doc.getText(), cursorLine: line, markLine: line };
}

/**
 * Moves the cursor to the first non-blank line after `endLine`, as a notebook moves to the next cell;
 * with nothing after it, to the end of the run's last line (not back to its start).
 */
export function moveToNextStatement(editor: vscode.TextEditor, endLine: number): void {
  const doc = editor.document;
  let next = endLine + 1;
  while (next < doc.lineCount && (doc.lineAt(next).isEmptyOrWhitespace || /^\s*#/.test(doc.lineAt(next).text))) next++;
  const position =
    next < doc.lineCount
      ? new vscode.Position(next, doc.lineAt(next).firstNonWhitespaceCharacterIndex)
      : doc.lineAt(Math.min(endLine, doc.lineCount - 1)).range.end;
  editor.selection = new vscode.Selection(position, position);
  editor.revealRange(new vscode.Range(position, position));
}
