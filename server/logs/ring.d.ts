/** A fixed-capacity FIFO that overwrites its oldest item when full and counts what it overwrote. */
export declare class Ring<T> {
  readonly capacity: number;
  private readonly items;
  private head;
  private size;
  /** Items overwritten since creation or the last clear(). */
  dropped: number;
  constructor(capacity: number);
  get length(): number;
  push(item: T): void;
  toArray(): T[];
  clear(): void;
}
