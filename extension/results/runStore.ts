import type { LogEntry } from '../../contract/logs';
import { carriageReturn, outputSize, RunModel } from '../../contract/runChanges';
import type { DisplayEntry, RunEvent } from '../../contract/service';
import type { RunChange, RunEntry, RunFrameLink, RunState } from '../../contract/webviews';

/** How much the results keep: runs, and the characters of output per run and in all. */
export interface RunStoreLimits {
  maxRuns: number;
  /** Output lines a run keeps; older ones are dropped and counted. */
  maxLinesPerRun: number;
  /** Output characters a run keeps (lines and images). */
  maxCharsPerRun: number;
  /** Output characters of all runs; the oldest runs' outputs go first. */
  maxChars: number;
}

export const DEFAULT_LIMITS: RunStoreLimits = {
  maxRuns: 10_000,
  maxLinesPerRun: 5_000,
  maxCharsPerRun: 4 * 1024 * 1024,
  maxChars: 64 * 1024 * 1024,
};

const STATE_OF: Record<string, RunState> = { ok: 'done', error: 'failed', interrupted: 'interrupted', cancelled: 'cancelled' };

/**
 * The runs of the Remote Exec Results view, made from what the server says of them: `runChanged`
 * (queued, started, finished), the output lines of `logEntries` that carry a run, and displays. Every
 * change is applied to the model and queued for the webview, which applies the same changes. Memory is
 * bounded: runs, lines and characters per run, characters in all.
 */
export class RunStore {
  readonly model = new RunModel();
  private pending: RunChange[] = [];
  private readonly sizes = new Map<string, number>();
  private total = 0;
  /** Runs executing per gateway, for output no task claimed (a child process writing to fd 1). */
  private readonly runningOn = new Map<string, string>();

  private readonly listeners = new Set<() => void>();

  constructor(
    private limits: RunStoreLimits = DEFAULT_LIMITS,
    /** The file as the workspace names it, for a run's header. */
    private readonly fileLabel: (uri: string) => string = (uri) => uri,
  ) {}

  /** Called when changes start waiting (the view takes them with `takeChanges`), and by persistence. */
  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  setLimits(limits: RunStoreLimits): void {
    this.limits = limits;
    this.enforceTotal();
    this.enforceRunCount();
  }

  runs(): RunEntry[] {
    return Array.from(this.model.runs.values());
  }

  get(runId: string): RunEntry | undefined {
    return this.model.runs.get(runId);
  }

  /** The changes made since the last call, in order. */
  takeChanges(): RunChange[] {
    const changes = this.pending;
    this.pending = [];
    return changes;
  }

  onRunEvent(e: RunEvent): void {
    const run = this.model.runs.get(e.runId);
    if (e.phase === 'queued') {
      // Only the fields that are there: the copy the webview gets (through JSON) is then the same.
      const run: Omit<RunEntry, 'outputs'> = {
        id: e.runId,
        gatewayId: e.gatewayId,
        source: e.source ?? '',
        state: 'queued',
        queuedAt: e.time,
      };
      if (e.language) run.language = e.language;
      if (e.uri) Object.assign(run, { uri: e.uri, file: this.fileLabel(e.uri) });
      if (e.range) run.range = e.range;
      if (e.label) run.label = e.label;
      this.change({ op: 'run', run });
      this.enforceRunCount();
      return;
    }
    if (!run) return;
    if (e.phase === 'started') {
      this.runningOn.set(e.gatewayId, e.runId);
      this.change({ op: 'run', run: { ...header(run), state: 'running', startedAt: e.time } });
      return;
    }
    if (this.runningOn.get(e.gatewayId) === e.runId) this.runningOn.delete(e.gatewayId);
    const result = e.result;
    const next = { ...header(run), state: STATE_OF[e.status ?? 'ok'] ?? 'done', finishedAt: e.time };
    if (result?.value) next.value = { type: result.value.type, repr: result.value.repr };
    if (result?.error) {
      const links: RunFrameLink[] = (result.error.stack ?? [])
        .filter((f) => f.uri && f.tracebackLine !== undefined)
        .map((f) => ({ tracebackLine: f.tracebackLine!, uri: f.uri!, line: f.line }));
      // A REPL gateway's "traceback" is the tail of the run's own output, shown already: not twice.
      const traceback = this.repeatsOutput(run.id, result.error.traceback) ? '' : result.error.traceback;
      next.error = { type: result.error.type, message: result.error.message, traceback, links: traceback ? links : [] };
    }
    this.change({ op: 'run', run: next });
  }

  /** Output lines: those of a run's task, and those no task claimed while exactly one run executes. */
  onLogEntries(entries: LogEntry[]): void {
    for (const entry of entries) {
      if (entry.stream !== 'stdout' && entry.stream !== 'stderr') continue;
      const runId = entry.run ?? (entry.channel ? undefined : this.runningOn.get(entry.gateway));
      const run = runId ? this.model.runs.get(runId) : undefined;
      if (run) this.addText(run, entry.stream, entry.text, entry.partial === true);
    }
  }

  onDisplay(display: DisplayEntry): void {
    const runId = display.runId ?? this.runningOn.get(display.gatewayId);
    const run = runId ? this.model.runs.get(runId) : undefined;
    if (!run) return;
    const output = { kind: 'display' as const, data: display.data, ...(display.metadata ? { metadata: display.metadata } : {}) };
    if (display.result) Object.assign(output, { result: true });
    this.grow(run.id, outputSize(output));
    this.change({ op: 'display', runId: run.id, output });
    this.enforceRun(run);
    this.enforceTotal();
  }

  clear(): void {
    const ids = Array.from(this.model.runs.keys());
    this.runningOn.clear();
    if (ids.length > 0) this.change({ op: 'remove', runIds: ids });
    this.sizes.clear();
    this.total = 0;
  }

  /** Replaces everything with restored runs (after a window reload); what was executing then no longer is. */
  restore(runs: RunEntry[]): void {
    for (const run of runs) {
      if (run.state === 'queued') run.state = 'cancelled';
      if (run.state === 'running') run.state = 'interrupted';
    }
    this.model.reset(runs);
    this.sizes.clear();
    this.total = 0;
    for (const run of runs)
      this.grow(
        run.id,
        run.outputs.reduce((n, o) => n + outputSize(o), 0),
      );
    this.enforceTotal();
    this.enforceRunCount();
    this.pending = [];
  }

  /** A run as plain text: its code, its output and its result or error. */
  textOf(runId: string): string {
    const run = this.model.runs.get(runId);
    if (!run) return '';
    const parts = [
      `# ${run.file ?? 'selection'}${run.range ? `:${run.range[0] + 1}` : ''} on ${run.gatewayId} (${run.state})`,
      run.source.trimEnd(),
    ];
    const output = this.outputText(runId);
    if (output) parts.push(output);
    if (run.value) parts.push(`⇒ ${run.value.repr}`);
    if (run.error) parts.push(run.error.traceback.trimEnd());
    return parts.join('\n');
  }

  /** All of a run's output as text (images and HTML as their text/plain form). */
  outputText(runId: string): string {
    const run = this.model.runs.get(runId);
    if (!run) return '';
    const text = run.outputs.map((o) => (o.kind === 'stream' ? o.lines.join('\n') : String(o.data['text/plain'] ?? ''))).join('\n');
    // eslint-disable-next-line no-control-regex
    return text.replace(/\x1b\[[0-9;:?]*[@-~]/g, '');
  }

  private repeatsOutput(runId: string, traceback: string): boolean {
    const tail = traceback.replace(/\s+/g, ' ').trim();
    if (tail === '') return false;
    return this.outputText(runId).replace(/\s+/g, ' ').trim().endsWith(tail);
  }

  private addText(run: RunEntry, stream: 'stdout' | 'stderr', text: string, partial: boolean): void {
    const last = run.outputs[run.outputs.length - 1];
    const continues = last?.kind === 'stream' && last.stream === stream && last.open;
    const lines = continues ? [carriageReturn(last.lines[last.lines.length - 1] + text)] : [carriageReturn(text)];
    const before = continues ? last.lines[last.lines.length - 1].length : 0;
    this.grow(run.id, lines[0].length + 1 - before);
    // Consecutive lines of one stream go out as one change.
    const prev = this.pending[this.pending.length - 1];
    if (!continues && prev?.op === 'lines' && prev.runId === run.id && prev.stream === stream && !prev.open) {
      prev.lines.push(lines[0]);
      prev.open = partial;
      this.model.apply({ op: 'lines', runId: run.id, stream, lines, open: partial, replaceOpen: false });
      this.notify();
    } else if (continues && prev?.op === 'lines' && prev.runId === run.id && prev.stream === stream && prev.open) {
      prev.lines[prev.lines.length - 1] = lines[0];
      prev.open = partial;
      this.model.apply({ op: 'lines', runId: run.id, stream, lines, open: partial, replaceOpen: true });
      this.notify();
    } else {
      this.change({ op: 'lines', runId: run.id, stream, lines, open: partial, replaceOpen: continues });
    }
    this.enforceRun(run);
    this.enforceTotal();
  }

  private change(change: RunChange): void {
    this.model.apply(change);
    // A copy goes to the view: the store's later edits of its own model must not reach a change not yet sent.
    this.pending.push(change.op === 'lines' ? { ...change, lines: change.lines.slice() } : change);
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }

  private grow(runId: string, chars: number): void {
    this.sizes.set(runId, (this.sizes.get(runId) ?? 0) + chars);
    this.total += chars;
  }

  /** One run over its lines or characters loses its oldest lines. */
  private enforceRun(run: RunEntry): void {
    let lines = 0;
    for (const o of run.outputs) if (o.kind === 'stream') lines += o.lines.length;
    let excess = Math.max(0, lines - this.limits.maxLinesPerRun);
    const size = this.sizes.get(run.id) ?? 0;
    if (excess === 0 && size <= this.limits.maxCharsPerRun) return;
    if (size > this.limits.maxCharsPerRun) {
      // Drop the oldest lines until the run fits again (a tenth more, so a flood does not trim line by line).
      let over = size - this.limits.maxCharsPerRun * 0.9;
      let n = 0;
      for (const o of run.outputs) {
        if (o.kind !== 'stream') continue;
        for (const line of o.lines) {
          if (over <= 0) break;
          over -= line.length + 1;
          n++;
        }
      }
      excess = Math.max(excess, n);
    } else {
      excess = Math.max(excess, Math.ceil(this.limits.maxLinesPerRun * 0.1));
    }
    if (excess === 0) return;
    let freed = 0;
    let left = excess;
    for (const o of run.outputs) {
      if (o.kind !== 'stream' || left <= 0) continue;
      for (const line of o.lines.slice(0, left)) freed += line.length + 1;
      left -= Math.min(left, o.lines.length);
    }
    this.grow(run.id, -freed);
    this.change({ op: 'drop', runId: run.id, lines: excess - left });
  }

  /** All runs over the total lose their outputs, oldest first (the newest run keeps its own). */
  private enforceTotal(): void {
    if (this.total <= this.limits.maxChars) return;
    const ids = Array.from(this.model.runs.keys());
    for (const id of ids.slice(0, -1)) {
      if (this.total <= this.limits.maxChars * 0.9) break;
      const size = this.sizes.get(id) ?? 0;
      if (size === 0) continue;
      this.grow(id, -size);
      this.change({ op: 'dropOutputs', runId: id });
    }
  }

  private enforceRunCount(): void {
    const excess = this.model.runs.size - this.limits.maxRuns;
    if (excess <= 0) return;
    const ids = Array.from(this.model.runs.keys()).slice(0, excess);
    for (const id of ids) {
      this.grow(id, -(this.sizes.get(id) ?? 0));
      this.sizes.delete(id);
    }
    this.change({ op: 'remove', runIds: ids });
  }
}

function header(run: RunEntry): Omit<RunEntry, 'outputs'> {
  const { outputs: _outputs, ...rest } = run;
  return rest;
}
