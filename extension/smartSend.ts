import * as vscode from 'vscode';

/** The code a run sends and where it came from in the document (0-based lines, inclusive). */
export interface CodeToSend {
  source: string;
  startLine: number;
  endLine: number;
}

/** Asks the agent's parser for the top-level statement around a line; rejects when the agent cannot. */
export type StatementFinder = (source: string, line: number) => Promise<[number, number] | null>;

/**
 * What Remote Exec Selection sends: the selection (whole lines unless it lies within one line), dedented;
 * with no selection, the top-level statement under the cursor as the agent's own parser sees it, or
 * the block of non-blank lines around the cursor when the agent has no parser for this.
 */
export async function codeToSend(editor: vscode.TextEditor, findStatement: StatementFinder): Promise<CodeToSend | undefined> {
  const doc = editor.document;
  const selection = editor.selection;
  if (!selection.isEmpty) {
    if (selection.isSingleLine) {
      return { source: doc.getText(selection).trim(), startLine: selection.start.line, endLine: selection.start.line };
    }
    // A selection ending at column 0 does not include that line.
    const endLine = selection.end.character === 0 ? selection.end.line - 1 : selection.end.line;
    return fromLines(doc, selection.start.line, endLine);
  }
  const line = selection.active.line;
  if (doc.lineAt(line).isEmptyOrWhitespace) return undefined;
  let range: [number, number] | null;
  try {
    range = await findStatement(doc.getText(), line);
  } catch {
    range = blockAround(doc, line);
  }
  return range ? fromLines(doc, range[0], range[1]) : undefined;
}

function fromLines(doc: vscode.TextDocument, startLine: number, endLine: number): CodeToSend {
  const lines: string[] = [];
  for (let i = startLine; i <= endLine; i++) lines.push(doc.lineAt(i).text);
  return { source: dedent(lines).join('\n') + '\n', startLine, endLine };
}

/** Removes the indentation all non-blank lines share, so an indented block runs at top level. */
export function dedent(lines: string[]): string[] {
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)![0]);
  if (indents.length === 0) return lines;
  let common = indents[0];
  for (const indent of indents) {
    let i = 0;
    while (i < common.length && i < indent.length && common[i] === indent[i]) i++;
    common = common.slice(0, i);
  }
  return common ? lines.map((l) => (l.startsWith(common) ? l.slice(common.length) : l.trimStart())) : lines;
}

/** The non-blank lines around `line`: a fallback statement for agents without a parser of their own. */
function blockAround(doc: vscode.TextDocument, line: number): [number, number] {
  let start = line;
  let end = line;
  while (start > 0 && !doc.lineAt(start - 1).isEmptyOrWhitespace) start--;
  while (end < doc.lineCount - 1 && !doc.lineAt(end + 1).isEmptyOrWhitespace) end++;
  return [start, end];
}

/** Moves the cursor to the first non-blank line after `endLine`, as a notebook moves to the next cell. */
export function moveToNextStatement(editor: vscode.TextEditor, endLine: number): void {
  const doc = editor.document;
  let next = endLine + 1;
  while (next < doc.lineCount && (doc.lineAt(next).isEmptyOrWhitespace || /^\s*#/.test(doc.lineAt(next).text))) next++;
  if (next >= doc.lineCount) next = doc.lineCount - 1;
  const position = new vscode.Position(next, doc.lineAt(next).firstNonWhitespaceCharacterIndex);
  editor.selection = new vscode.Selection(position, position);
  editor.revealRange(new vscode.Range(position, position));
}
