import * as vscode from 'vscode';
import type { ExecError, ExecSelectionResult } from '../contract/service';
import { showInlineResults } from './config';

interface Shown {
  range: vscode.Range;
  text: string;
  kind: 'value' | 'error' | 'running';
}

const MAX_INLINE = 120;

/**
 * Results shown beside the code that produced them: the last expression's value (or the error, or a
 * "running" mark) after the end of the run's last line, and a diagnostic on the line that raised.
 */
export class InlineResults implements vscode.Disposable {
  private readonly styles: Record<Shown['kind'], vscode.TextEditorDecorationType>;
  private readonly shown = new Map<string, Shown[]>();
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('remote-exec');
  private readonly subscriptions: vscode.Disposable[];

  constructor() {
    const after = (color: string, fontStyle = 'normal') =>
      vscode.window.createTextEditorDecorationType({
        after: { margin: '0 0 0 2em', color: new vscode.ThemeColor(color), fontStyle },
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      });
    this.styles = {
      value: after('editorCodeLens.foreground'),
      error: after('editorError.foreground'),
      running: after('editorCodeLens.foreground', 'italic'),
    };
    this.subscriptions = [
      vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((e) => this.apply(e))),
      vscode.workspace.onDidChangeTextDocument((e) => this.onEdit(e)),
    ];
  }

  running(editor: vscode.TextEditor, endLine: number): void {
    this.set(editor, endLine, '⏳ running…', 'running');
  }

  /** Shows a finished run's outcome after `endLine` and, for an exception, a diagnostic where it raised. */
  finished(editor: vscode.TextEditor, endLine: number, result: ExecSelectionResult): void {
    const uri = editor.document.uri;
    if (result.status === 'ok') {
      this.diagnostics.delete(uri);
      if (result.value) this.set(editor, endLine, `⇒ ${oneLine(result.value.repr)}`, 'value');
      else this.set(editor, endLine, '✓', 'value');
      return;
    }
    const error = result.error!;
    this.set(
      editor,
      endLine,
      result.status === 'interrupted' ? '⏹ interrupted' : `✗ ${oneLine(`${error.type}: ${error.message}`)}`,
      'error',
    );
    if (result.status === 'error') this.showDiagnostic(uri, error);
  }

  /** Removes what is shown after one line (a run that turned out to have nothing to run). */
  clearLine(editor: vscode.TextEditor, line: number): void {
    const key = editor.document.uri.toString();
    this.shown.set(
      key,
      (this.shown.get(key) ?? []).filter((s) => s.range.start.line !== line),
    );
    this.apply(editor);
  }

  clear(editor: vscode.TextEditor): void {
    this.shown.delete(editor.document.uri.toString());
    this.apply(editor);
    this.diagnostics.delete(editor.document.uri);
  }

  /** What is shown on a line of a document (for tests and hovers). */
  textAt(uri: vscode.Uri, line: number): string | undefined {
    return this.shown.get(uri.toString())?.find((s) => s.range.start.line === line)?.text;
  }

  dispose(): void {
    this.subscriptions.forEach((d) => d.dispose());
    Object.values(this.styles).forEach((s) => s.dispose());
    this.diagnostics.dispose();
  }

  private showDiagnostic(uri: vscode.Uri, error: ExecError): void {
    const here = error.frames.filter((f) => !f.uri || f.uri === uri.toString());
    const last = here[here.length - 1];
    if (!last) {
      this.diagnostics.delete(uri);
      return;
    }
    const diagnostic = new vscode.Diagnostic(
      new vscode.Range(last.line, 0, last.line, Number.MAX_SAFE_INTEGER),
      `${error.type}: ${error.message}`,
      vscode.DiagnosticSeverity.Error,
    );
    diagnostic.source = 'remote-exec';
    diagnostic.relatedInformation = error.frames
      .filter((f) => f !== last && f.uri)
      .map(
        (f) =>
          new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.parse(f.uri!), new vscode.Position(f.line, 0)), f.text),
      );
    this.diagnostics.set(uri, [diagnostic]);
  }

  private set(editor: vscode.TextEditor, line: number, text: string, kind: Shown['kind']): void {
    if (!showInlineResults()) return;
    const key = editor.document.uri.toString();
    const end = editor.document.lineAt(line).range.end;
    const list = (this.shown.get(key) ?? []).filter((s) => s.range.start.line !== line);
    list.push({ range: new vscode.Range(end, end), text, kind });
    this.shown.set(key, list);
    this.apply(editor);
  }

  private apply(editor: vscode.TextEditor): void {
    const list = this.shown.get(editor.document.uri.toString()) ?? [];
    for (const kind of Object.keys(this.styles) as Shown['kind'][]) {
      editor.setDecorations(
        this.styles[kind],
        list.filter((s) => s.kind === kind).map((s) => ({ range: s.range, renderOptions: { after: { contentText: s.text } } })),
      );
    }
  }

  /** An edit on a line drops the result shown there: it no longer describes that code. */
  private onEdit(event: vscode.TextDocumentChangeEvent): void {
    const key = event.document.uri.toString();
    const list = this.shown.get(key);
    if (!list || event.contentChanges.length === 0) return;
    const kept = list.filter(
      (s) => !event.contentChanges.some((c) => c.range.start.line <= s.range.start.line && s.range.start.line <= c.range.end.line),
    );
    if (kept.length === list.length) return;
    this.shown.set(key, kept);
    for (const editor of vscode.window.visibleTextEditors) if (editor.document === event.document) this.apply(editor);
  }
}

function oneLine(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, ' ⏎ ');
  return flat.length > MAX_INLINE ? `${flat.slice(0, MAX_INLINE - 1)}…` : flat;
}
