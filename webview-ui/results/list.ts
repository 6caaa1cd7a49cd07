import type { RunEntry } from '../../contract/webviews';
import { renderEntry, SHOWN_LINES, type EntryOptions } from './entry';

const LINE_H = 18;
const HEADER_H = 26;
/** Pixels drawn above and below the view, so a small scroll needs no drawing. */
const OVERSCAN = 800;

/** What the list asks of its owner: the runs in order, and how each is folded. */
export interface ListSource {
  ids(): string[];
  run(id: string): RunEntry | undefined;
  options(id: string): Omit<EntryOptions, 'now'>;
}

/**
 * The runs as a virtualized list: only those near the visible part are in the DOM, between two spacers
 * standing for the rest, so 10,000 runs cost the DOM of a screenful. Heights are measured once drawn
 * (and again when they change: an image loading) and estimated before. Following keeps the newest run
 * in view until the user scrolls up.
 */
export class ResultsList {
  readonly scroller: HTMLElement;
  private readonly top = document.createElement('div');
  private readonly rows = document.createElement('div');
  private readonly bottom = document.createElement('div');
  private readonly heights = new Map<string, number>();
  private readonly drawn = new Map<string, HTMLElement>();
  private readonly dirty = new Set<string>();
  private readonly resize: ResizeObserver;
  private frame = 0;
  private programmaticScroll = false;
  follow = true;
  onFollowChange: (follow: boolean) => void = () => undefined;

  constructor(
    parent: HTMLElement,
    private readonly source: ListSource,
  ) {
    this.scroller = document.createElement('div');
    this.scroller.className = 'scroller';
    this.scroller.tabIndex = 0;
    this.scroller.setAttribute('role', 'feed');
    this.top.className = 'spacer';
    this.bottom.className = 'spacer';
    this.rows.className = 'rows';
    this.scroller.append(this.top, this.rows, this.bottom);
    parent.append(this.scroller);
    this.resize = new ResizeObserver((entries) => {
      let changed = false;
      for (const e of entries) {
        const id = (e.target as HTMLElement).dataset.runId;
        const h = Math.ceil((e.target as HTMLElement).offsetHeight);
        if (id && h > 0 && this.heights.get(id) !== h) {
          this.heights.set(id, h);
          changed = true;
        }
      }
      if (changed) this.schedule();
    });
    this.scroller.addEventListener('scroll', () => this.onScroll());
  }

  /** The runs changed: those named are drawn again; a full refresh redraws all. */
  changed(ids?: Iterable<string>): void {
    if (ids) for (const id of ids) this.dirty.add(id);
    else for (const id of this.drawn.keys()) this.dirty.add(id);
    this.schedule();
  }

  /** Forgets measured heights of runs that are gone (and, with no ids, all of them). */
  forget(ids?: string[]): void {
    if (!ids) this.heights.clear();
    else for (const id of ids) this.heights.delete(id);
  }

  /** Scrolls a run into view (following stops unless it is the newest). */
  reveal(id: string): void {
    const ids = this.source.ids();
    const index = ids.indexOf(id);
    if (index < 0) return;
    this.setFollow(index === ids.length - 1);
    this.scrollTo(this.offsets(ids)[index]);
    this.schedule();
    requestAnimationFrame(() => this.drawn.get(id)?.classList.add('flash'));
  }

  /** How many run elements are in the DOM (for tests of the virtualization). */
  drawnCount(): number {
    return this.drawn.size;
  }

  schedule(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.layout());
  }

  private onScroll(): void {
    if (this.programmaticScroll) {
      this.programmaticScroll = false;
    } else {
      const atBottom = this.scroller.scrollHeight - this.scroller.scrollTop - this.scroller.clientHeight < 4;
      this.setFollow(atBottom);
    }
    this.schedule();
  }

  private setFollow(follow: boolean): void {
    if (this.follow === follow) return;
    this.follow = follow;
    this.onFollowChange(follow);
  }

  private scrollTo(top: number): void {
    if (Math.abs(this.scroller.scrollTop - top) < 1) return;
    this.programmaticScroll = true;
    this.scroller.scrollTop = top;
  }

  private heightOf(id: string): number {
    const known = this.heights.get(id);
    if (known !== undefined) return known;
    const run = this.source.run(id);
    return run ? estimate(run, this.source.options(id)) : HEADER_H;
  }

  /** offsets[i] is the top of run i; offsets[n] the total height. */
  private offsets(ids: string[]): number[] {
    const out = new Array<number>(ids.length + 1);
    out[0] = 0;
    for (let i = 0; i < ids.length; i++) out[i + 1] = out[i] + this.heightOf(ids[i]);
    return out;
  }

  private layout(): void {
    this.frame = 0;
    const ids = this.source.ids();
    let offsets = this.offsets(ids);
    const total = offsets[ids.length];
    const view = this.scroller.clientHeight || 600;
    let scrollTop = this.follow ? Math.max(0, total - view) : this.scroller.scrollTop;
    const from = scrollTop - OVERSCAN;
    const to = scrollTop + view + OVERSCAN;
    let first = upperBound(offsets, from) - 1;
    first = Math.max(0, Math.min(first, ids.length - 1));
    let last = first;
    while (last < ids.length - 1 && offsets[last + 1] < to) last++;
    const wanted = ids.slice(first, last + 1);
    const wantedSet = new Set(wanted);

    for (const [id, node] of this.drawn) {
      if (!wantedSet.has(id) || !this.source.run(id)) {
        this.resize.unobserve(node);
        node.remove();
        this.drawn.delete(id);
      }
    }
    const now = Date.now();
    let before: Element | null = null;
    for (let i = wanted.length - 1; i >= 0; i--) {
      const id = wanted[i];
      let node = this.drawn.get(id);
      if (!node || this.dirty.has(id)) {
        const run = this.source.run(id)!;
        const fresh = renderEntry(run, { ...this.source.options(id), now });
        if (node) {
          this.resize.unobserve(node);
          node.replaceWith(fresh);
        }
        node = fresh;
        this.drawn.set(id, node);
        this.resize.observe(node);
      }
      if (node.parentElement !== this.rows || node.nextElementSibling !== before) this.rows.insertBefore(node, before);
      before = node;
    }
    this.dirty.clear();
    // Measure what was drawn now, so the spacers are right in this frame.
    for (const id of wanted) {
      const h = this.drawn.get(id)?.offsetHeight;
      if (h) this.heights.set(id, Math.ceil(h));
    }
    offsets = this.offsets(ids);
    this.top.style.height = `${offsets[first] ?? 0}px`;
    this.bottom.style.height = `${Math.max(0, offsets[ids.length] - (offsets[last + 1] ?? 0))}px`;
    if (this.follow) {
      scrollTop = Math.max(0, this.scroller.scrollHeight - view);
      this.scrollTo(scrollTop);
    }
  }
}

/** The height a run will have once drawn, from what it holds (an image's own size, the lines shown). */
export function estimate(run: RunEntry, options: Omit<EntryOptions, 'now'>): number {
  let h = HEADER_H + LINE_H + 10;
  if (options.codeShown) h += LINE_H * (run.source.split('\n').length - 1);
  if (options.collapsed) return h;
  for (const o of run.outputs) {
    if (o.kind === 'stream') h += LINE_H * (Math.min(o.lines.length, SHOWN_LINES) + (o.lines.length > SHOWN_LINES ? 1 : 0)) + 4;
    else {
      const size = Object.values(o.metadata ?? {}).find((m) => typeof (m as { height?: number })?.height === 'number') as
        { height: number } | undefined;
      h += size ? size.height + 8 : o.data['image/png'] || o.data['image/jpeg'] ? 300 : o.data['text/html'] ? 200 : LINE_H * 2;
    }
  }
  if (run.value) h += LINE_H;
  if (run.error) h += LINE_H * (run.error.traceback.split('\n').length + 1) + 8;
  return h;
}

/** The first index whose value is above `x` (offsets ascend). */
function upperBound(values: number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
