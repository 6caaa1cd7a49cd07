import * as vscode from 'vscode';
import { outputSize } from '../../contract/runChanges';
import type { RunEntry } from '../../contract/webviews';
import type { RunStore } from './runStore';

/** Output characters written to disk: the newest runs keep theirs, older ones are saved without. */
const SAVED_CHARS = 16 * 1024 * 1024;
const SAVE_DELAY_MS = 1500;
const FILE = 'results.json';

/**
 * The results survive a window reload: the runs are written to the workspace's storage folder shortly
 * after they change (and when the window closes), bounded in size, and read back on activation.
 */
export class ResultsPersistence implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private readonly file: vscode.Uri | undefined;

  constructor(
    storage: vscode.Uri | undefined,
    private readonly store: RunStore,
  ) {
    this.file = storage && vscode.Uri.joinPath(storage, FILE);
  }

  async restore(): Promise<void> {
    if (!this.file) return;
    try {
      const bytes = await vscode.workspace.fs.readFile(this.file);
      const saved = JSON.parse(Buffer.from(bytes).toString('utf8')) as { version: number; runs: RunEntry[] };
      if (saved.version === 1 && Array.isArray(saved.runs)) this.store.restore(saved.runs);
    } catch {
      // Nothing saved yet, or from another version: the view starts empty.
    }
  }

  changed(): void {
    if (!this.file || this.timer) return;
    this.timer = setTimeout(() => void this.save(), SAVE_DELAY_MS);
  }

  async save(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.file) return;
    const text = JSON.stringify({ version: 1, runs: boundedRuns(this.store.runs(), SAVED_CHARS) });
    try {
      await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(this.file, '..'));
      await vscode.workspace.fs.writeFile(this.file, Buffer.from(text, 'utf8'));
    } catch {
      // A read-only storage folder: the results live as long as the window.
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

/** The runs with outputs kept newest first until `chars` are spent; older runs keep their header only. */
export function boundedRuns(runs: RunEntry[], chars: number): RunEntry[] {
  let left = chars;
  const out: RunEntry[] = new Array(runs.length);
  for (let i = runs.length - 1; i >= 0; i--) {
    const run = runs[i];
    const size = run.outputs.reduce((n, o) => n + outputSize(o), 0);
    if (size <= left) {
      left -= size;
      out[i] = run;
    } else out[i] = { ...run, outputs: [], outputsDropped: run.outputs.length > 0 || run.outputsDropped };
  }
  return out;
}
