import { Channel, ChannelClosedError, RemoteError, TimeoutError, type Gateway } from '../../protocol';

/** Marks the end of one channel inside the queue; never handed to the caller. */
const CHANNEL_END = Symbol('channel end');

type Waiter = { resolve(entry: [Channel, unknown]): void; reject(err: Error): void; timer?: NodeJS.Timeout };

/**
 * Items of several channels in the order they arrive, as `[channel, item]` (execnet's receive queue).
 * Iteration ends once every channel has ended, and then raises the first RemoteError one of them closed
 * with, so a `for await` loop cannot miss a remote failure. Items are taken off the channels as they
 * arrive, so a consumer that never reads lets them pile up here (as in execnet).
 */
export class ReceiveQueue implements AsyncIterable<[Channel, unknown]> {
  private readonly entries: [Channel, unknown][] = [];
  private head = 0;
  private readonly waiters: Waiter[] = [];
  private open: number;

  constructor(
    private readonly channels: readonly Channel[],
    private readonly endmarker: { value: unknown } | undefined,
  ) {
    this.open = channels.length;
    for (const channel of channels) channel.setCallback((item) => this.put(channel, item), CHANNEL_END);
  }

  /** Items waiting to be taken. */
  get size(): number {
    return this.entries.length - this.head;
  }

  /** True once every channel has ended and every item has been taken. */
  get done(): boolean {
    return this.open === 0 && this.size === 0;
  }

  /**
   * The next `[channel, item]`. Rejects with TimeoutError after `timeoutMs`, and once every channel has
   * ended and the queue is empty, with the first RemoteError a channel closed with, else ChannelClosedError.
   */
  get(timeoutMs?: number): Promise<[Channel, unknown]> {
    if (this.size > 0) return Promise.resolve(this.take());
    if (this.open === 0) return this.endError().then((err) => Promise.reject(err));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
        waiter.timer = setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(new TimeoutError(`no item on any of ${this.channels.length} channels within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.waiters.push(waiter);
    });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<[Channel, unknown]> {
    while (true) {
      try {
        yield await this.get();
      } catch (err) {
        if (err instanceof ChannelClosedError && this.done) return;
        throw err;
      }
    }
  }

  private put(channel: Channel, item: unknown): void {
    if (item === CHANNEL_END) {
      this.open--;
      if (this.endmarker) this.push([channel, this.endmarker.value]);
      if (this.open === 0 && this.size === 0) this.failWaiters();
      return;
    }
    this.push([channel, item]);
  }

  private push(entry: [Channel, unknown]): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.resolve(entry);
    } else this.entries.push(entry);
  }

  private take(): [Channel, unknown] {
    const entry = this.entries[this.head];
    this.entries[this.head++] = undefined as unknown as [Channel, unknown];
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
    return entry;
  }

  private failWaiters(): void {
    const waiters = this.waiters.splice(0);
    if (waiters.length === 0) return;
    void this.endError().then((err) => {
      for (const w of waiters) {
        if (w.timer) clearTimeout(w.timer);
        w.reject(err);
      }
    });
  }

  /** The first RemoteError among the closed channels, in channel order; else "all closed". */
  private async endError(): Promise<Error> {
    // A channel's end reaches its callback just before it is marked closed: let that happen first.
    await null;
    for (const channel of this.channels) {
      if (!channel.isClosed()) continue;
      try {
        await channel.waitClose();
      } catch (err) {
        if (err instanceof RemoteError) return err;
      }
    }
    return new ChannelClosedError(`all ${this.channels.length} channels have ended`);
  }
}

/** Several channels used as one (execnet's MultiChannel): what a Group's remoteExec returns. */
export class MultiChannel implements Iterable<Channel> {
  readonly [index: number]: Channel;
  readonly channels: readonly Channel[];
  private queue?: ReceiveQueue;
  private readonly gateways = new Map<Channel, Gateway>();

  /** `channels`, or `[gateway, channel]` pairs so that `gatewayOf` can tell where an item came from. */
  constructor(channels: Iterable<Channel | [Gateway, Channel]>) {
    const list: Channel[] = [];
    for (const entry of channels) {
      if (Array.isArray(entry)) {
        this.gateways.set(entry[1], entry[0]);
        list.push(entry[1]);
      } else list.push(entry);
    }
    this.channels = Object.freeze(list);
    this.channels.forEach((channel, i) => Object.defineProperty(this, i, { value: channel, enumerable: true }));
  }

  get length(): number {
    return this.channels.length;
  }

  [Symbol.iterator](): Iterator<Channel> {
    return this.channels[Symbol.iterator]();
  }

  /** The gateway a channel of this MultiChannel runs on, when it was made by a Group. */
  gatewayOf(channel: Channel): Gateway | undefined {
    return this.gateways.get(channel);
  }

  /** Sends `item` on every channel; resolves when every gateway's send buffer has room again. */
  async sendEach(item: unknown): Promise<void> {
    await Promise.all(this.channels.map((channel) => channel.send(item)));
  }

  /** One item from each channel, in channel order (`[channel, item]` pairs with `withChannel`). */
  receiveEach(withChannel?: false, timeoutMs?: number): Promise<unknown[]>;
  receiveEach(withChannel: true, timeoutMs?: number): Promise<[Channel, unknown][]>;
  receiveEach(withChannel = false, timeoutMs?: number): Promise<unknown[]> {
    if (this.queue) return Promise.reject(new Error('receiveEach cannot be used after makeReceiveQueue: the queue takes every item'));
    return Promise.all(
      this.channels.map(async (channel) => {
        const item = await channel.receive(timeoutMs);
        return withChannel ? [channel, item] : item;
      }),
    );
  }

  /**
   * A queue of `[channel, item]` from every channel as they arrive; with `endmarker`, each channel's end
   * is queued as `[channel, endmarker]`. Made once: later calls return the same queue.
   */
  makeReceiveQueue(...endmarker: [unknown?]): ReceiveQueue {
    if (!this.queue) this.queue = new ReceiveQueue(this.channels, endmarker.length > 0 ? { value: endmarker[0] } : undefined);
    return this.queue;
  }

  /**
   * Waits until every channel is closed. Rejects with the first RemoteError (in channel order) any of
   * them closed with, else with the first other failure (TimeoutError after `timeoutMs`, GatewayClosedError).
   */
  async waitClose(timeoutMs?: number): Promise<void> {
    const results = await Promise.allSettled(this.channels.map((channel) => channel.waitClose(timeoutMs)));
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    const remote = failures.find((err) => err instanceof RemoteError);
    if (remote) throw remote;
    if (failures.length > 0) throw failures[0];
  }

  toString(): string {
    return `<MultiChannel ${this.channels.map((c) => c.id).join(',')}>`;
  }
}
