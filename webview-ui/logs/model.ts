import type { LogEntry, LogStream } from '../../contract/logs';
import { stripAnsi } from '../shared/ansi';

/** One display row: a line of an entry (a traceback is one entry, several rows). */
export interface Row {
  entry: LogEntry;
  text: string;
  /** 0 for the entry's first line; continuation lines are indented. */
  line: number;
}

export interface Filter {
  hiddenGateways: ReadonlySet<string>;
  hiddenStreams: ReadonlySet<LogStream | string>;
  minLevel: number;
  /** Case-insensitive text to find in the entry's message, logger or thread. */
  search: string;
}

export const NO_FILTER: Filter = { hiddenGateways: new Set(), hiddenStreams: new Set(), minLevel: 0, search: '' };

export const DEFAULT_MAX_LINES = 100_000;

const searchText = new WeakMap<LogEntry, string>();

export function matches(entry: LogEntry, filter: Filter): boolean {
  // Drop markers always show: losing lines must never be silent, whatever the filter.
  if (entry.stream === 'dropped') return !filter.hiddenGateways.has(entry.gateway);
  if (filter.hiddenGateways.has(entry.gateway) || filter.hiddenStreams.has(entry.stream)) return false;
  if (entry.level < filter.minLevel) return false;
  if (!filter.search) return true;
  let hay = searchText.get(entry);
  if (hay === undefined) {
    hay = `${stripAnsi(entry.text)}\n${entry.logger ?? ''}\n${entry.thread ?? ''}`.toLowerCase();
    searchText.set(entry, hay);
  }
  return hay.includes(filter.search.toLowerCase());
}

/**
 * The webview's lines: at most `maxLines` rows (oldest dropped first, counted), and the rows passing the
 * filter. Both are arrays with a moving start, so dropping the oldest rows costs nothing per row.
 */
export class LogModel {
  private all: Row[] = [];
  private allStart = 0;
  private shown: Row[] = [];
  private shownStart = 0;
  /** Rows this view dropped to stay under its cap. */
  dropped = 0;
  readonly gateways = new Set<string>();
  private filter: Filter = NO_FILTER;

  constructor(public maxLines = DEFAULT_MAX_LINES) {}

  get size(): number {
    return this.all.length - this.allStart;
  }

  /** Rows passing the filter. */
  get visibleCount(): number {
    return this.shown.length - this.shownStart;
  }

  visibleRow(i: number): Row {
    return this.shown[this.shownStart + i];
  }

  /** Adds entries; returns how many rows became visible. */
  append(entries: readonly LogEntry[]): number {
    const before = this.visibleCount;
    for (const entry of entries) {
      this.gateways.add(entry.gateway);
      const visible = matches(entry, this.filter);
      const lines = entry.text.split('\n');
      for (let line = 0; line < lines.length; line++) {
        const row: Row = { entry, text: lines[line], line };
        this.all.push(row);
        if (visible) this.shown.push(row);
      }
    }
    this.enforceCap();
    return this.visibleCount - before;
  }

  reset(entries: readonly LogEntry[]): void {
    this.all = [];
    this.allStart = 0;
    this.shown = [];
    this.shownStart = 0;
    this.dropped = 0;
    this.gateways.clear();
    this.append(entries);
  }

  setFilter(filter: Filter): void {
    this.filter = filter;
    const shown: Row[] = [];
    for (let i = this.allStart; i < this.all.length; i++) {
      const row = this.all[i];
      if (matches(row.entry, filter)) shown.push(row);
    }
    this.shown = shown;
    this.shownStart = 0;
  }

  setMaxLines(maxLines: number): void {
    this.maxLines = Math.max(1, maxLines);
    this.enforceCap();
  }

  private enforceCap(): void {
    const excess = this.size - this.maxLines;
    if (excess > 0) {
      this.allStart += excess;
      this.dropped += excess;
      const oldest = this.all[this.allStart];
      while (this.shownStart < this.shown.length && isOlder(this.shown[this.shownStart], oldest)) this.shownStart++;
    }
    // Compact once the dead prefix is as long as the live part, keeping appends amortised O(1).
    if (this.allStart > 1024 && this.allStart >= this.size) {
      this.all = this.all.slice(this.allStart);
      this.allStart = 0;
    }
    if (this.shownStart > 1024 && this.shownStart >= this.visibleCount) {
      this.shown = this.shown.slice(this.shownStart);
      this.shownStart = 0;
    }
  }
}

function isOlder(a: Row, b: Row): boolean {
  return a.entry.seq < b.entry.seq || (a.entry === b.entry && a.line < b.line);
}

/** A row as plain text, for copying. */
export function rowText(row: Row): string {
  const e = row.entry;
  if (row.line > 0) return `    ${stripAnsi(row.text)}`;
  const time = new Date(e.time).toISOString().slice(11, 23);
  const who = [e.logger, e.thread].filter(Boolean).join(' ');
  return `${time} ${e.gateway} ${e.stream} ${e.levelname}${who ? ` ${who}` : ''}: ${stripAnsi(row.text)}`;
}
