import * as vscode from 'vscode';
import { interrupt } from '../../contract/service';
import type { FromResultsView, RunEntry, ToResultsView } from '../../contract/webviews';
import type { Ctx } from '../ctx';
import { makeNonce, webviewHtml } from '../webviewHtml';
import type { RunStore } from './runStore';

export const RESULTS_VIEW_ID = 'remoteExec.results';
/** How often the runs' changes go to the webview while output streams. */
const FLUSH_MS = 50;

/**
 * The Remote Exec Results view: a webview view in the panel showing the store's runs. The webview keeps
 * no runs of its own across hide/show (retainContextWhenHidden is off): a (re)loaded page says `ready` and
 * gets them all, then the store's changes as they happen; its folding and scroll are its own state.
 */
export class ResultsView implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private timer: NodeJS.Timeout | undefined;
  private revealedOnce = false;
  /** Device pixels per CSS pixel of the webview's screen; 2 until it says (images then stay sharp). */
  pixelRatio = 2;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly ctx: Ctx,
    readonly store: RunStore,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    const webviewRoot = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    view.webview.options = { enableScripts: true, localResourceRoots: [webviewRoot] };
    view.webview.html = webviewHtml({
      title: 'Remote Exec Results',
      cspSource: view.webview.cspSource,
      nonce: makeNonce(),
      scriptUri: view.webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot, 'results.js')).toString(),
    });
    const subscriptions = [view.webview.onDidReceiveMessage((m: FromResultsView) => this.onMessage(m))];
    view.onDidDispose(() => {
      subscriptions.forEach((d) => d.dispose());
      if (this.view === view) {
        this.view = undefined;
        this.ready = false;
      }
    });
  }

  /** The store has changes: they go out in the next batch, or are dropped while no page shows them. */
  changed(): void {
    if (!this.view || !this.ready) {
      this.store.takeChanges();
      return;
    }
    if (!this.timer) this.timer = setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** The first run of a window opens the view (keeping the focus where it is); later ones only scroll it. */
  async revealForRun(runId: string): Promise<void> {
    if (!this.revealedOnce) {
      this.revealedOnce = true;
      await this.show(true);
    }
    if (this.ready) {
      this.flush();
      this.post({ type: 'reveal', runId });
    }
  }

  async show(preserveFocus: boolean): Promise<void> {
    if (this.view) {
      this.view.show(preserveFocus);
      return;
    }
    const editor = vscode.window.activeTextEditor;
    await vscode.commands.executeCommand(`${RESULTS_VIEW_ID}.focus`);
    // The focus command moves the focus into the view; a run sent from the editor keeps it there.
    if (preserveFocus && editor) {
      await vscode.window.showTextDocument(editor.document, {
        viewColumn: editor.viewColumn,
        preserveFocus: false,
        selection: editor.selection,
      });
    }
  }

  collapseAll(): void {
    this.post({ type: 'collapseAll' });
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.disposables.forEach((d) => d.dispose());
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const changes = this.store.takeChanges();
    if (changes.length > 0) this.post({ type: 'changes', changes });
  }

  private onMessage(message: FromResultsView): void {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.pixelRatio = message.pixelRatio || this.pixelRatio;
        this.store.takeChanges();
        this.post({ type: 'reset', runs: this.store.runs() });
        break;
      case 'pixelRatio':
        this.pixelRatio = message.pixelRatio || this.pixelRatio;
        break;
      case 'open':
        void openAt(vscode.Uri.parse(message.uri), message.line, message.endLine);
        break;
      case 'copyRun':
        void vscode.env.clipboard.writeText(this.store.textOf(message.runId));
        break;
      case 'saveImage':
        void saveImage(this.store.get(message.runId), message.output);
        break;
      case 'openOutput':
        void openOutput(this.store, message.runId);
        break;
      case 'interrupt':
        void this.ctx
          .request(interrupt, { gatewayId: message.gatewayId, runId: message.runId })
          .catch((err: Error) => vscode.window.showWarningMessage(`Remote Exec: ${err.message}`));
        break;
    }
  }

  private post(message: ToResultsView): void {
    void this.view?.webview.postMessage(message);
  }
}

/** Opens a document at a 0-based line (a range of lines when `endLine` is given), beside the panel. */
export async function openAt(uri: vscode.Uri, line: number, endLine = line): Promise<void> {
  try {
    const doc = await vscode.workspace.openTextDocument(uri);
    const end = Math.min(endLine, doc.lineCount - 1);
    const range = new vscode.Range(line, 0, end, doc.lineAt(Math.max(0, end)).text.length);
    const editor = await vscode.window.showTextDocument(doc, { selection: new vscode.Range(range.start, range.start), preview: true });
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  } catch (err) {
    void vscode.window.showWarningMessage(
      `Remote Exec: cannot open ${uri.toString(true)}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** Saves an image a run displayed, as the file type it is. */
export async function saveImage(run: RunEntry | undefined, index: number): Promise<void> {
  const output = run?.outputs[index];
  if (!output || output.kind !== 'display') return;
  const mime = (['image/png', 'image/jpeg', 'image/svg+xml'] as const).find((m) => typeof output.data[m] === 'string');
  if (!mime) return;
  const ext = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/svg+xml': 'svg' }[mime];
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, `plot.${ext}`) : undefined,
    filters: { Images: [ext] },
    title: 'Remote Exec: save image',
  });
  if (!target) return;
  const value = output.data[mime] as string;
  const bytes = mime === 'image/svg+xml' ? Buffer.from(value, 'utf8') : Buffer.from(value, 'base64');
  await vscode.workspace.fs.writeFile(target, bytes);
}

/** All the output a run kept, in an untitled editor (the view shows the last lines of long outputs). */
async function openOutput(store: RunStore, runId: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument({ content: store.outputText(runId), language: 'log' });
  await vscode.window.showTextDocument(doc, { preview: true });
}
