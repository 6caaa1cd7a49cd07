/**
 * Pushes status snapshots to whoever watches (the status page), so the page never polls: one push soon
 * after every change the service reports, and one about every second while any gateway is busy.
 * Nothing runs while nobody watches, so an idle server sends no STATUS requests to its agents.
 */
export interface StatusPublisherOptions<S> {
  /** Builds a snapshot (the service's `remoteExec/status` handler). */
  collect(): Promise<S>;
  /** Whether a tick is worth it: some gateway is starting, executing, or closing. */
  busy(): boolean;
  publish(snapshot: S): void;
  tickMs?: number;
  /** Changes that arrive together are pushed as one snapshot after this delay. */
  debounceMs?: number;
}

export class StatusPublisher<S> {
  private watchers = 0;
  private tick: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private collecting = false;
  private again = false;

  constructor(private readonly options: StatusPublisherOptions<S>) {}

  /** Counts a watcher in or out; the first one gets a snapshot at once. */
  watch(on: boolean): void {
    this.watchers = Math.max(0, this.watchers + (on ? 1 : -1));
    if (this.watchers === 0) this.stop();
    else this.changed(0);
  }

  /** The service calls this on every gateway, run or channel change. */
  changed(delayMs = this.options.debounceMs ?? 100): void {
    if (this.watchers === 0 || this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.push();
    }, delayMs);
    this.soon.unref?.();
  }

  dispose(): void {
    this.watchers = 0;
    this.stop();
  }

  private stop(): void {
    if (this.tick) clearTimeout(this.tick);
    if (this.soon) clearTimeout(this.soon);
    this.tick = this.soon = undefined;
  }

  private async push(): Promise<void> {
    if (this.collecting) {
      this.again = true;
      return;
    }
    this.collecting = true;
    try {
      const snapshot = await this.options.collect();
      if (this.watchers > 0) this.options.publish(snapshot);
    } catch {
      // A snapshot that could not be built is skipped; the next change or tick tries again.
    } finally {
      this.collecting = false;
    }
    if (this.watchers === 0) return;
    if (this.again) {
      this.again = false;
      this.changed();
    }
    if (this.tick) clearTimeout(this.tick);
    this.tick = undefined;
    if (this.options.busy()) {
      this.tick = setTimeout(() => {
        this.tick = undefined;
        void this.push();
      }, this.options.tickMs ?? 1000);
      this.tick.unref?.();
    }
  }
}

/** The agent's STATUS with the round trip the server measured for it. */
export async function timedRemoteStatus<T>(
  gateway: { remoteStatus(): Promise<T> },
  timeoutMs = 2000,
): Promise<{ remoteStatus?: T; roundTripMs?: number; remoteStatusError?: string }> {
  const start = process.hrtime.bigint();
  let timer: NodeJS.Timeout | undefined;
  try {
    const remoteStatus = await Promise.race([
      gateway.remoteStatus(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no STATUS reply within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { remoteStatus, roundTripMs: Number(process.hrtime.bigint() - start) / 1e6 };
  } catch (err) {
    return { remoteStatusError: (err as Error).message };
  } finally {
    if (timer) clearTimeout(timer);
  }
}
