import * as vscode from 'vscode';
import type { ExecError, ExecSelectionResult } from '../contract/service';
import { showInlineResults } from './config';

type Kind = 'value' | 'error' | 'running';

interface Shown {
  line: number;
  text: string;
  kind: Kind;
  gatewayId?: string;
}

interface ShownDiagnostic {
  line: number;
  diagnostic: vscode.Diagnostic;
  gatewayId: string;
}

const MAX_INLINE = 120;

/**
 * Results shown beside the code that produced them: the last expression's value (or the error, or a
 * "queued"/"running" mark) after the end of the run's last line, and a diagnostic on the line that raised.
 * Both follow edits: lines inserted or deleted above move them, an edit of their own line removes them,
 * and a gateway that restarts or closes takes its own with it.
 */
export class InlineResults implements vscode.Disposable {
  private readonly styles: Record<Kind, vscode.TextEditorDecorationType>;
  private readonly shown = new Map<string, Shown[]>();
  private readonly diagnosticsShown = new Map<string, ShownDiagnostic[]>();
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

  running(editor: vscode.TextEditor, endLine: number, gatewayId?: string): void {
    this.set(editor, endLine, '⏳ running…', 'running', gatewayId);
  }

  queued(editor: vscode.TextEditor, endLine: number, gatewayId?: string): void {
    this.set(editor, endLine, '⏳ queued', 'running', gatewayId);
  }

  /** Shows a finished run's outcome after `endLine` and, for an exception, a diagnostic where it raised. */
  finished(editor: vscode.TextEditor, endLine: number, result: ExecSelectionResult): void {
    const uri = editor.document.uri;
    if (result.status === 'ok') {
      this.setDiagnostics(uri, []);
      if (result.value) this.set(editor, endLine, `⇒ ${oneLine(result.value.repr)}`, 'value', result.gatewayId);
      else this.set(editor, endLine, '✓', 'value', result.gatewayId);
      return;
    }
    if (result.status === 'cancelled') {
      this.set(editor, endLine, '⊘ cancelled', 'error', result.gatewayId);
      return;
    }
    const error = result.error!;
    this.set(
      editor,
      endLine,
      result.status === 'interrupted' ? '⏹ interrupted' : `✗ ${oneLine(`${error.type}: ${error.message}`)}`,
      'error',
      result.gatewayId,
    );
    if (result.status === 'error') this.showDiagnostic(uri, error, result.gatewayId);
  }

  /** Removes what is shown after one line (a run that turned out to have nothing to run). */
  clearLine(editor: vscode.TextEditor, line: number): void {
    const key = editor.document.uri.toString();
    this.shown.set(
      key,
      (this.shown.get(key) ?? []).filter((s) => s.line !== line),
    );
    this.apply(editor);
  }

  clear(editor: vscode.TextEditor): void {
    this.shown.delete(editor.document.uri.toString());
    this.apply(editor);
    this.setDiagnostics(editor.document.uri, []);
  }

  /** A gateway restarted or closed: what its runs showed no longer describes a session. */
  clearGateway(gatewayId: string): void {
    for (const [key, list] of this.shown)
      this.shown.set(
        key,
        list.filter((s) => s.gatewayId !== gatewayId),
      );
    for (const [key, list] of this.diagnosticsShown) {
      const kept = list.filter((d) => d.gatewayId !== gatewayId);
      if (kept.length !== list.length) this.setDiagnostics(vscode.Uri.parse(key), kept);
    }
    vscode.window.visibleTextEditors.forEach((e) => this.apply(e));
  }

  /** What is shown on a line of a document (for tests and hovers). */
  textAt(uri: vscode.Uri, line: number): string | undefined {
    return this.shown.get(uri.toString())?.find((s) => s.line === line)?.text;
  }

  dispose(): void {
    this.subscriptions.forEach((d) => d.dispose());
    Object.values(this.styles).forEach((s) => s.dispose());
    this.diagnostics.dispose();
  }

  private showDiagnostic(uri: vscode.Uri, error: ExecError, gatewayId: string): void {
    const here = error.frames.filter((f) => !f.uri || f.uri === uri.toString());
    const last = here[here.length - 1];
    if (!last) {
      this.setDiagnostics(uri, []);
      return;
    }
    const diagnostic = new vscode.Diagnostic(
      new vscode.Range(last.line, 0, last.line, Number.MAX_SAFE_INTEGER),
      `${error.type}: ${error.message}`,
      vscode.DiagnosticSeverity.Error,
    );
    diagnostic.source = 'remote-exec';
    diagnostic.relatedInformation = (error.stack ?? error.frames)
      .filter((f) => f !== last && f.uri && !(f.uri === last.uri && f.line === last.line))
      .map(
        (f) =>
          new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.parse(f.uri!), new vscode.Position(f.line, 0)), f.text),
      );
    this.setDiagnostics(uri, [{ line: last.line, diagnostic, gatewayId }]);
  }

  private setDiagnostics(uri: vscode.Uri, list: ShownDiagnostic[]): void {
    const key = uri.toString();
    if (list.length === 0) {
      this.diagnosticsShown.delete(key);
      this.diagnostics.delete(uri);
      return;
    }
    this.diagnosticsShown.set(key, list);
    this.diagnostics.set(
      uri,
      list.map((d) => d.diagnostic),
    );
  }

  private set(editor: vscode.TextEditor, line: number, text: string, kind: Kind, gatewayId?: string): void {
    if (!showInlineResults()) return;
    const key = editor.document.uri.toString();
    const list = (this.shown.get(key) ?? []).filter((s) => s.line !== line);
    list.push({ line, text, kind, gatewayId });
    this.shown.set(key, list);
    this.apply(editor);
  }

  private apply(editor: vscode.TextEditor): void {
    const doc = editor.document;
    const list = (this.shown.get(doc.uri.toString()) ?? []).filter((s) => s.line < doc.lineCount);
    for (const kind of Object.keys(this.styles) as Kind[]) {
      editor.setDecorations(
        this.styles[kind],
        list
          .filter((s) => s.kind === kind)
          .map((s) => {
            const end = doc.lineAt(s.line).range.end;
            return { range: new vscode.Range(end, end), renderOptions: { after: { contentText: s.text } } };
          }),
      );
    }
  }

  /**
   * An edit of a line drops what is shown there (it no longer describes that code); lines inserted or
   * deleted above move what is shown below them.
   */
  private onEdit(event: vscode.TextDocumentChangeEvent): void {
    if (event.contentChanges.length === 0) return;
    const key = event.document.uri.toString();
    const moved = <T extends { line: number }>(items: T[]): T[] => {
      let out = items;
      // Changes are applied one by one, each against the document as the one before left it.
      for (const change of [...event.contentChanges].sort((a, b) => b.range.start.line - a.range.start.line)) {
        const { start, end } = change.range;
        const delta = (change.text.match(/\n/g)?.length ?? 0) - (end.line - start.line);
        out = out
          .filter((s) => s.line < start.line || s.line > end.line)
          .map((s) => (s.line > end.line && delta !== 0 ? { ...s, line: s.line + delta } : s));
      }
      return out;
    };
    const marks = this.shown.get(key);
    if (marks) {
      this.shown.set(key, moved(marks));
      for (const editor of vscode.window.visibleTextEditors) if (editor.document === event.document) this.apply(editor);
    }
    const diagnostics = this.diagnosticsShown.get(key);
    if (diagnostics) {
      const kept = moved(diagnostics).map((d) => {
        if (d.line === d.diagnostic.range.start.line) return d;
        const diagnostic = new vscode.Diagnostic(
          new vscode.Range(d.line, 0, d.line, Number.MAX_SAFE_INTEGER),
          d.diagnostic.message,
          d.diagnostic.severity,
        );
        diagnostic.source = d.diagnostic.source;
        diagnostic.relatedInformation = d.diagnostic.relatedInformation;
        return { ...d, diagnostic };
      });
      this.setDiagnostics(event.document.uri, kept);
    }
  }
}

function oneLine(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, ' ⏎ ');
  return flat.length > MAX_INLINE ? `${flat.slice(0, MAX_INLINE - 1)}…` : flat;
}
