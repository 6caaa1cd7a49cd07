/**
 * The runs of the results view and the one way they change: the extension's store makes each change
 * and applies it here, then sends it; the webview applies the same changes to its copy. One function on
 * both sides, so the two copies cannot drift.
 */
import type { RunChange, RunEntry, RunOutput } from './webviews';

export class RunModel {
  /** By id, in the order the runs were sent (a Map keeps insertion order). */
  readonly runs = new Map<string, RunEntry>();

  reset(runs: RunEntry[]): void {
    this.runs.clear();
    for (const run of runs) this.runs.set(run.id, run);
  }

  apply(change: RunChange): void {
    switch (change.op) {
      case 'run': {
        // A header never carries outputs: those change by their own operations.
        const { outputs: _outputs, ...header } = change.run as RunEntry;
        const existing = this.runs.get(header.id);
        if (existing) Object.assign(existing, header);
        else this.runs.set(header.id, { ...header, outputs: [] });
        break;
      }
      case 'lines': {
        const run = this.runs.get(change.runId);
        if (!run) break;
        const last = run.outputs[run.outputs.length - 1];
        if (last?.kind === 'stream' && last.stream === change.stream) {
          const lines = change.lines.slice();
          if (change.replaceOpen && last.open && lines.length > 0) last.lines[last.lines.length - 1] = lines.shift()!;
          last.lines.push(...lines);
          last.open = change.open;
        } else {
          if (last?.kind === 'stream') last.open = false;
          run.outputs.push({ kind: 'stream', stream: change.stream, lines: change.lines.slice(), open: change.open });
        }
        break;
      }
      case 'display':
        this.runs.get(change.runId)?.outputs.push(change.output);
        break;
      case 'drop': {
        const run = this.runs.get(change.runId);
        if (run) dropLines(run, change.lines);
        break;
      }
      case 'dropOutputs': {
        const run = this.runs.get(change.runId);
        if (run) {
          run.outputs = [];
          run.outputsDropped = true;
        }
        break;
      }
      case 'remove':
        for (const id of change.runIds) this.runs.delete(id);
        break;
    }
  }
}

/** Drops the first `count` stream lines of a run (displays stay), counting them. */
function dropLines(run: RunEntry, count: number): void {
  let left = count;
  const kept: RunOutput[] = [];
  for (const output of run.outputs) {
    if (left > 0 && output.kind === 'stream') {
      const n = Math.min(left, output.lines.length);
      output.lines.splice(0, n);
      left -= n;
      if (output.lines.length === 0) continue;
    }
    kept.push(output);
  }
  run.outputs = kept;
  run.droppedLines = (run.droppedLines ?? 0) + (count - left);
}

/** The characters of an output, for the store's bounds (an image counts its base64 text). */
export function outputSize(output: RunOutput): number {
  if (output.kind === 'stream') return output.lines.reduce((n, l) => n + l.length + 1, 0);
  let n = 0;
  for (const value of Object.values(output.data)) n += typeof value === 'string' ? value.length : JSON.stringify(value ?? null).length;
  return n;
}

/**
 * A line after carriage returns, as a terminal shows it: each `\r` goes back to the line's start and
 * what follows overwrites it (a progress bar shows its last state). Text with ANSI codes is replaced
 * whole, since its columns are not its characters.
 */
export function carriageReturn(text: string): string {
  if (!text.includes('\r')) return text;
  const segments = text.split('\r');
  let line = segments[0];
  for (const segment of segments.slice(1)) {
    if (segment === '') continue;
    line =
      line.includes('\x1b') || segment.includes('\x1b') || segment.length >= line.length ? segment : segment + line.slice(segment.length);
  }
  return line;
}
