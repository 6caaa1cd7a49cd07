import * as vscode from 'vscode';
import type { VariableFilter } from '../contract/service';

const STATE_KEY = 'remoteExec.variableFilter';

/** The toggles of the explorer, as Jupyter's variables view has them: all off by default. */
const TOGGLES = [
  { key: 'private', label: 'Private names', detail: 'names starting with _ (and dunder names)' },
  { key: 'functions', label: 'Functions and methods', detail: 'def, lambda, builtins, bound methods' },
  { key: 'classes', label: 'Classes', detail: 'class definitions and types' },
  { key: 'modules', label: 'Modules', detail: 'imported modules' },
] as const;

const SORTS = [
  { sort: 'name', label: 'Name' },
  { sort: 'type', label: 'Type' },
  { sort: 'size', label: 'Size' },
] as const;

/**
 * The explorer's filter: a text on names, toggles for what is hidden, and the sort. Computed by the
 * agent, so a filter over thousands of names costs one request; kept in the workspace state, so it
 * survives a reload.
 */
export class VariableFilters implements vscode.Disposable {
  private state: VariableFilter;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly memento: vscode.Memento) {
    this.state = { ...memento.get<VariableFilter>(STATE_KEY, {}) };
  }

  get current(): VariableFilter {
    return this.state;
  }

  set(next: VariableFilter): void {
    this.state = { ...next };
    void this.memento.update(STATE_KEY, this.state);
    this.changed.fire();
  }

  /** What the view's description says is filtered, or '' when nothing is. */
  summary(): string {
    const parts: string[] = [];
    if (this.state.text) parts.push(`“${this.state.text}”`);
    const shown = TOGGLES.filter((t) => this.state[t.key]).map((t) => t.label.split(' ')[0].toLowerCase());
    if (shown.length) parts.push(`+ ${shown.join(', ')}`);
    if (this.state.sort && this.state.sort !== 'name') parts.push(`by ${this.state.sort}${this.state.descending ? ' ↓' : ''}`);
    else if (this.state.descending) parts.push('Z–A');
    return parts.join(' · ');
  }

  /** Type to filter by name: the explorer follows as the text changes; Escape restores the previous one. */
  async editText(): Promise<void> {
    const before = this.state.text ?? '';
    const box = vscode.window.createInputBox();
    box.title = 'Remote Exec: Filter Variables';
    box.placeholder = 'Part of a name (case-insensitive); empty shows all';
    box.value = before;
    let timer: NodeJS.Timeout | undefined;
    let accepted = false;
    const done = new Promise<void>((resolve) => {
      box.onDidChangeValue((value) => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => this.set({ ...this.state, text: value.trim() || undefined }), 150);
      });
      box.onDidAccept(() => {
        accepted = true;
        box.hide();
      });
      box.onDidHide(() => resolve());
    });
    box.show();
    await done;
    if (timer) clearTimeout(timer);
    box.dispose();
    const text = accepted ? box.value.trim() || undefined : before || undefined;
    if (text !== this.state.text) this.set({ ...this.state, text });
  }

  /** Show and hide kinds of names: a checkbox list. */
  async editToggles(): Promise<void> {
    type Item = vscode.QuickPickItem & { key: (typeof TOGGLES)[number]['key'] };
    const items: Item[] = TOGGLES.map((t) => ({ label: t.label, detail: t.detail, key: t.key, picked: !!this.state[t.key] }));
    const picked = await vscode.window.showQuickPick(items, {
      title: 'Remote Exec: Show in Variables',
      placeHolder: 'Checked kinds of names are shown (all are hidden by default, as in Jupyter)',
      canPickMany: true,
    });
    if (!picked) return;
    const on = new Set(picked.map((p) => p.key));
    const next: VariableFilter = { ...this.state };
    for (const t of TOGGLES) next[t.key] = on.has(t.key) || undefined;
    this.set(next);
  }

  async editSort(): Promise<void> {
    type Item = vscode.QuickPickItem & { sort: VariableFilter['sort']; descending: boolean };
    const current = this.state.sort ?? 'name';
    const items: Item[] = SORTS.flatMap((s) =>
      [false, true].map((descending) => ({
        label: `${s.label}${descending ? ', descending' : ''}`,
        description: s.sort === current && !!this.state.descending === descending ? 'current' : undefined,
        sort: s.sort,
        descending,
      })),
    );
    const picked = await vscode.window.showQuickPick(items, { title: 'Remote Exec: Sort Variables' });
    if (picked) this.set({ ...this.state, sort: picked.sort, descending: picked.descending || undefined });
  }

  clear(): void {
    this.set({});
  }

  dispose(): void {
    this.changed.dispose();
  }
}
