import { ChannelClosedError, GatewayClosedError, RemoteError, TimeoutError } from './errors';
import type { Gateway } from './gateway';
import { checkWindow, ReceiveWindow, type WindowSize } from './window';
import { Fifo } from './fifo';

/** What a Channel needs from its gateway: sending its own messages and forgetting it when done. */
export interface ChannelHost {
  readonly spec: string;
  sendChannelData(channel: Channel, item: unknown): Promise<void>;
  sendChannelClose(channel: Channel, error?: unknown): void;
  /** Called when items leave the channel's queue, so the gateway can resume reading (flow control). */
  consumed(bytes: number): void;
  /** Grants the other end more window on this channel (CREDIT, PROTOCOL.md §6.4). */
  sendCredit(channel: Channel, grant: WindowSize): void;
  channelEnded(channel: Channel): void;
  /** Why the gateway died, once it has. */
  deathError(): GatewayClosedError | undefined;
}

type Waiter = { resolve(value: unknown): void; reject(err: Error): void; timer?: NodeJS.Timeout };
type Entry = { item: unknown; bytes: number };

/** Marks "no end marker" for setCallback, as execnet's NO_ENDMARKER_WANTED. */
const NO_ENDMARKER = Symbol('no endmarker');

/**
 * One end of a channel: execnet's Channel in JavaScript idiom. Items arrive in order; after the other end
 * closes, the items already delivered can still be received, then receive reports the end.
 */
export class Channel implements AsyncIterable<unknown> {
  private readonly items = new Fifo<Entry>();
  private readonly waiters: Waiter[] = [];
  private readonly closeWaiters: Waiter[] = [];
  private callback?: (item: unknown) => void;
  private endmarker: unknown = NO_ENDMARKER;
  /** Set when the other end will send nothing more: its CLOSE, CLOSE_ERROR, LAST_MESSAGE, or the gateway's end. */
  private receiveEnd?: Error;
  private remoteError?: RemoteError;
  /** Why waitClose fails once the channel is closed: the remote error, or the gateway's end. */
  private closeFailure?: Error;
  /** Set by LAST_MESSAGE: the other end is done sending (execnet's "sendonly"); waitClose returns. */
  private lastMessage = false;
  /** Set when this end may no longer send. */
  private sendClosed = false;
  private closed = false;
  /** How the other end ended, once it has (undefined inside: a plain CLOSE). */
  private remoteEnd?: { error?: Error };
  private readonly remoteEndWaiters: ((error: Error | undefined) => void)[] = [];

  constructor(
    readonly id: number,
    private readonly host: ChannelHost,
    /** This end's receive window, when the other end is held to one (PROTOCOL.md §6.4). */
    private readonly receiveWindow?: ReceiveWindow,
  ) {}

  /** The gateway this channel belongs to (execnet's `channel.gateway`). */
  get gateway(): Gateway {
    return this.host as Gateway;
  }

  /**
   * Sends one item. Throws at once if the channel is closed or the item has no encoding; the promise
   * resolves once the item is on its way: at once while the channel's window (PROTOCOL.md §6.4) has credit
   * and the gateway's send buffer has room, else when the other end's user has consumed enough (await it
   * when flooding). It rejects with ChannelClosedError or GatewayClosedError if the item can no longer go.
   */
  send(item: unknown): Promise<void> {
    if (this.sendClosed) throw new ChannelClosedError(`channel ${this.id} is closed; cannot send`);
    return this.host.sendChannelData(this, item);
  }

  /** The next item; rejects with TimeoutError, RemoteError (closed with an error), ChannelClosedError or GatewayClosedError. */
  receive(timeoutMs?: number): Promise<unknown> {
    if (this.callback) return Promise.reject(new Error(`channel ${this.id} has a callback; it cannot also receive`));
    if (this.items.length > 0) return Promise.resolve(this.shift());
    const dead = this.diedUnended();
    if (dead) return Promise.reject(dead);
    if (this.receiveEnd) return Promise.reject(this.receiveEnd);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      if (timeoutMs !== undefined && timeoutMs !== null && Number.isFinite(timeoutMs)) {
        waiter.timer = setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(new TimeoutError(`no item on channel ${this.id} within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.waiters.push(waiter);
    });
  }

  /**
   * Delivers every item, those already queued first, to `fn` as it arrives; when the channel ends,
   * `fn(endmarker)` is called if an end marker was given.
   */
  setCallback(fn: (item: unknown) => void, ...endmarker: [unknown?]): void {
    if (this.callback) throw new Error(`channel ${this.id} already has a callback`);
    this.callback = fn;
    if (endmarker.length > 0) this.endmarker = endmarker[0];
    while (this.items.length > 0) this.invokeCallback(this.shift());
    if (this.receiveEnd) this.fireEndmarker();
  }

  /** Closes this end: the other end's receive reports the end (or raises `error` when given). */
  close(error?: unknown): void {
    if (this.closed) return;
    this.host.sendChannelClose(this, error);
    this.sendClosed = true;
    this.markClosed(new ChannelClosedError(`channel ${this.id} was closed by this side`));
  }

  /**
   * Resolves once both ends are done; rejects with the remote error if the other end closed with one, or
   * with GatewayClosedError if the gateway ended first (whether the wait began before or after).
   */
  waitClose(timeoutMs?: number): Promise<void> {
    const dead = this.diedUnended();
    if (dead) return Promise.reject(dead);
    if (this.closed) return this.closeFailure ? Promise.reject(this.closeFailure) : Promise.resolve();
    if (this.lastMessage) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve: () => resolve(), reject };
      if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
        waiter.timer = setTimeout(() => {
          const i = this.closeWaiters.indexOf(waiter);
          if (i >= 0) this.closeWaiters.splice(i, 1);
          reject(new TimeoutError(`channel ${this.id} still open after ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.closeWaiters.push(waiter);
    });
  }

  isClosed(): boolean {
    return this.closed;
  }

  /**
   * Sets how many items and bytes the other end may send on this channel before this end's user consumes
   * them (the gateway's `window` by default). Without windows (a version-1 agent) it does nothing.
   */
  setWindow(items: number, bytes: number): void {
    const grant = this.receiveWindow?.resize(checkWindow({ items, bytes }, `channel ${this.id}`));
    if (grant && !this.closed) this.host.sendCredit(this, grant);
  }

  /** This end's receive window, or undefined without windows. */
  get window(): WindowSize | undefined {
    return this.receiveWindow?.window;
  }

  /**
   * Settles when the other end has closed: with its error (a RemoteError for CLOSE_ERROR, or the
   * GatewayClosedError), or undefined for a plain CLOSE. For a channel running remote code this is the
   * end of that code, also when this side closed the channel first (PROTOCOL.md §6.2).
   */
  whenRemoteEnds(): Promise<Error | undefined> {
    if (this.remoteEnd) return Promise.resolve(this.remoteEnd.error);
    return new Promise((resolve) => this.remoteEndWaiters.push(resolve));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<unknown> {
    while (true) {
      try {
        yield await this.receive();
      } catch (err) {
        if (err instanceof ChannelClosedError) return;
        throw err;
      }
    }
  }

  toString(): string {
    return `<Channel id=${this.id} ${this.closed ? 'closed' : 'open'}>`;
  }

  // ---- called by the gateway ----

  /** An item arrived (DATA). */
  deliver(item: unknown, bytes: number): void {
    if (this.callback) {
      this.consume(bytes);
      this.invokeCallback(item);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) {
      this.consume(bytes);
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.resolve(item);
      return;
    }
    this.items.push({ item, bytes });
  }

  /** The other end closed (CLOSE or CLOSE_ERROR), or said it sends no more (LAST_MESSAGE: `sendOnly`). */
  remoteClosed(error?: RemoteError, sendOnly = false): void {
    if (error) this.remoteError = error;
    const end = error ?? new ChannelClosedError(`channel ${this.id} was closed by the other side`);
    if (sendOnly) {
      this.lastMessage = true;
      this.endReceiving(end);
      for (const w of this.closeWaiters.splice(0)) {
        if (w.timer) clearTimeout(w.timer);
        w.resolve(undefined);
      }
      return;
    }
    this.sendClosed = true;
    this.settleRemoteEnd(error);
    this.markClosed(end);
  }

  /** The other end's CLOSE or CLOSE_ERROR arrived after this side had closed: only its outcome is kept. */
  remoteClosedAfterLocalClose(error?: RemoteError): void {
    this.settleRemoteEnd(error);
  }

  /** The gateway ended: everything pending rejects at once. */
  gatewayClosed(err: GatewayClosedError): void {
    this.sendClosed = true;
    this.markClosed(err, err);
    this.settleRemoteEnd(err);
  }

  /** Whether the other end has closed. */
  get remoteEnded(): boolean {
    return this.remoteEnd !== undefined;
  }

  /**
   * The gateway's death, when it died before the other end said how this channel ended: then nothing
   * is known of the remote code, and waitClose and receive say so whenever they are called, also on a
   * channel this side had closed.
   */
  private diedUnended(): GatewayClosedError | undefined {
    const dead = this.host.deathError();
    if (!dead || this.lastMessage || (this.remoteEnd && !(this.remoteEnd.error instanceof GatewayClosedError))) return undefined;
    return dead;
  }

  private settleRemoteEnd(error: Error | undefined): void {
    if (this.remoteEnd) return;
    this.remoteEnd = { error };
    for (const w of this.remoteEndWaiters.splice(0)) w(error);
  }

  private markClosed(end: Error, closeError?: Error): void {
    this.endReceiving(end);
    if (this.closed) return;
    this.closed = true;
    this.host.channelEnded(this);
    // Nothing more can arrive for this channel, so its queue can no longer grow: the items still in it
    // belong to whoever holds the channel, and no longer count against the gateway's reading.
    let queued = 0;
    for (const entry of this.items) {
      queued += entry.bytes;
      entry.bytes = 0;
    }
    if (queued > 0) this.host.consumed(queued);
    const failure = (this.closeFailure = closeError ?? this.remoteError);
    for (const w of this.closeWaiters.splice(0)) {
      if (w.timer) clearTimeout(w.timer);
      if (failure) w.reject(failure);
      else w.resolve(undefined);
    }
  }

  private endReceiving(end: Error): void {
    if (this.receiveEnd) return;
    this.receiveEnd = end;
    for (const w of this.waiters.splice(0)) {
      if (w.timer) clearTimeout(w.timer);
      w.reject(end);
    }
    if (this.callback) this.fireEndmarker();
  }

  private fireEndmarker(): void {
    if (this.endmarker === NO_ENDMARKER) return;
    const marker = this.endmarker;
    this.endmarker = NO_ENDMARKER;
    this.invokeCallback(marker);
  }

  private invokeCallback(item: unknown): void {
    try {
      this.callback!(item);
    } catch (err) {
      // As in execnet: a failing callback closes the channel with its error, so the other side learns of it.
      if (!this.closed) this.close(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private shift(): unknown {
    const entry = this.items.shift()!;
    this.consume(entry.bytes);
    return entry.item;
  }

  /** The user took one item: the gateway's reading may resume, and the other end may be granted more. */
  private consume(bytes: number): void {
    this.host.consumed(bytes);
    const grant = this.receiveWindow?.consumed(1, bytes);
    if (grant && !this.closed) this.host.sendCredit(this, grant);
  }
}
