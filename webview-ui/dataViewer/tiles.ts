import type { TablePage } from '../../contract/webviews';

/** Rows and columns of one window fetched from the agent. */
export const TILE_ROWS = 100;
export const TILE_COLUMNS = 40;
/** Windows kept: enough for a screen and the ones beside it, so scrolling back does not refetch. */
export const MAX_TILES = 12;

export interface TileKey {
  row: number;
  column: number;
}

export function tileId(k: TileKey): string {
  return `${k.row}:${k.column}`;
}

/** The tiles a viewport of rows [r0, r1) and columns [c0, c1) needs, nearest first. */
export function tilesFor(r0: number, r1: number, c0: number, c1: number): TileKey[] {
  const keys: TileKey[] = [];
  for (let row = Math.floor(r0 / TILE_ROWS); row * TILE_ROWS < Math.max(r1, r0 + 1); row++) {
    for (let column = Math.floor(c0 / TILE_COLUMNS); column * TILE_COLUMNS < Math.max(c1, c0 + 1); column++) keys.push({ row, column });
  }
  return keys;
}

/**
 * The windows the page holds, least recently used first out, at most MAX_TILES. After the value changed
 * (a run), the old windows stay drawable as `stale` until their replacements arrive, so nothing flickers.
 */
export class TileCache {
  private tiles = new Map<string, TablePage>();
  private stale = new Map<string, TablePage>();
  private readonly pending = new Map<string, number>();

  get size(): number {
    return this.tiles.size;
  }

  get(k: TileKey): TablePage | undefined {
    const id = tileId(k);
    const tile = this.tiles.get(id);
    if (tile) {
      this.tiles.delete(id);
      this.tiles.set(id, tile);
      return tile;
    }
    return this.stale.get(id);
  }

  has(k: TileKey): boolean {
    return this.tiles.has(tileId(k));
  }

  isPending(k: TileKey): boolean {
    return this.pending.has(tileId(k));
  }

  markPending(k: TileKey, requestId: number): void {
    this.pending.set(tileId(k), requestId);
  }

  /** Stores a window if it answers the request still wanted for it; false for a late, superseded one. */
  put(k: TileKey, requestId: number, page: TablePage): boolean {
    const id = tileId(k);
    if (this.pending.get(id) !== requestId) return false;
    this.pending.delete(id);
    this.stale.delete(id);
    this.tiles.set(id, page);
    while (this.tiles.size > MAX_TILES) this.tiles.delete(this.tiles.keys().next().value!);
    return true;
  }

  failed(k: TileKey, requestId: number): boolean {
    const id = tileId(k);
    if (this.pending.get(id) !== requestId) return false;
    this.pending.delete(id);
    return true;
  }

  /** Another sort or filter: nothing fetched so far applies. */
  clear(): void {
    this.tiles.clear();
    this.stale.clear();
    this.pending.clear();
  }

  /** The value may have changed: fetch everything again, drawing the old windows meanwhile. */
  invalidate(): void {
    for (const [id, tile] of this.tiles) this.stale.set(id, tile);
    while (this.stale.size > MAX_TILES) this.stale.delete(this.stale.keys().next().value!);
    this.tiles.clear();
    this.pending.clear();
  }
}

/** Browsers cap an element's height (Chromium near 33,554,432 px): taller tables scroll scaled. */
export const MAX_SCROLL_PX = 10_000_000;

/**
 * The rows a vertical scroll position shows. Up to MAX_SCROLL_PX of rows scroll one to one; beyond, the
 * scroll range maps linearly onto all rows, so the last row is reachable in a 10,000,000-row table.
 */
export function visibleRows(
  scrollTop: number,
  viewHeight: number,
  rowHeight: number,
  rows: number,
): { first: number; count: number; y: number; height: number } {
  const full = rows * rowHeight;
  const height = Math.min(full, MAX_SCROLL_PX);
  const count = Math.ceil(viewHeight / rowHeight) + 1;
  if (full <= MAX_SCROLL_PX) {
    const first = Math.max(0, Math.floor(scrollTop / rowHeight));
    return { first, count, y: first * rowHeight, height };
  }
  const range = Math.max(1, height - viewHeight);
  const exact = (Math.min(Math.max(scrollTop, 0), range) / range) * Math.max(0, rows - count + 1);
  const first = Math.floor(exact);
  return { first, count, y: scrollTop - (exact - first) * rowHeight, height };
}
