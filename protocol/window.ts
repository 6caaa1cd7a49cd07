/**
 * Per-channel credit windows (PROTOCOL.md §6.4), as SSH and HTTP/2 channels have them: a sender may have
 * at most a window of DATA items and body bytes that the receiving user has not consumed; the receiver
 * grants more with CREDIT as its user consumes them.
 */

/** A window's size: DATA items and DATA body bytes (the frame body's length, as both sides count it). */
export interface WindowSize {
  items: number;
  bytes: number;
}

/** The default window of each channel in each direction: wide enough that the bench rows do not notice it. */
export const DEFAULT_WINDOW: Readonly<WindowSize> = { items: 65536, bytes: 64 * 1024 * 1024 };

/** A window as HELLO and CREDIT carry it, `[items, bytes]`, or undefined when `value` is not one. */
export function parseWindow(value: unknown): WindowSize | undefined {
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [items, bytes] = value as unknown[];
  if (!isCount(items) || !isCount(bytes)) return undefined;
  return { items, bytes };
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** Checks a window given by a user (xspec, API): both counts positive integers. */
export function checkWindow(size: WindowSize, what: string): WindowSize {
  if (!(Number.isSafeInteger(size.items) && size.items > 0 && Number.isSafeInteger(size.bytes) && size.bytes > 0)) {
    throw new RangeError(`${what}: a window is a positive number of items and of bytes, got ${size.items} items, ${size.bytes} bytes`);
  }
  return size;
}

/**
 * The sending side of one channel's window: the credit left. A send may start while any credit is left of
 * both kinds, so one item larger than the whole byte window still goes (the credit goes below zero and the
 * next send waits until the receiver has consumed it).
 */
export class SendCredit {
  private items: number;
  private bytes: number;

  constructor(window: WindowSize) {
    this.items = window.items;
    this.bytes = window.bytes;
  }

  get open(): boolean {
    return this.items > 0 && this.bytes > 0;
  }

  spend(bytes: number): void {
    this.items -= 1;
    this.bytes -= bytes;
  }

  grant(items: number, bytes: number): void {
    this.items += items;
    this.bytes += bytes;
  }
}

/**
 * The receiving side of one channel's window: what the user consumed that is not yet granted back. Grants
 * go out once half of the window is consumed (of either kind), so a stream of items costs one CREDIT per
 * half window, and a channel nobody reads grants nothing.
 */
export class ReceiveWindow {
  private size: WindowSize;
  private items = 0;
  private bytes = 0;

  constructor(size: WindowSize) {
    this.size = { ...size };
  }

  get window(): WindowSize {
    return { ...this.size };
  }

  /** The user consumed items; returns the grant to send, if one is due. */
  consumed(items: number, bytes: number): WindowSize | undefined {
    this.items += items;
    this.bytes += bytes;
    return this.due();
  }

  /**
   * A new size: a larger window is granted at once, a smaller one withholds the difference from the next
   * grants (credit already given cannot be taken back).
   */
  resize(size: WindowSize): WindowSize | undefined {
    this.items += size.items - this.size.items;
    this.bytes += size.bytes - this.size.bytes;
    this.size = { ...size };
    return this.due();
  }

  private due(): WindowSize | undefined {
    // Both kinds are granted together once either is half spent; a negative part (after a shrink) waits.
    if (this.items * 2 < this.size.items && this.bytes * 2 < this.size.bytes) return undefined;
    const grant = { items: Math.max(0, this.items), bytes: Math.max(0, this.bytes) };
    if (grant.items === 0 && grant.bytes === 0) return undefined;
    this.items -= grant.items;
    this.bytes -= grant.bytes;
    return grant;
  }
}
