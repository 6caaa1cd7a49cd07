/** Why a queued run never ran. */
export class RunCancelled extends Error {
  override readonly name = 'RunCancelled';
}

interface Waiting {
  runId: string;
  start(): void;
  cancel(reason: string): void;
}

/**
 * The runs of one gateway, one at a time in the order they were sent, as a kernel runs cells: `enter`
 * resolves when it is the run's turn (at once when none runs) and rejects with RunCancelled when the
 * run is taken off the queue first. Every run that entered calls `leave` when it is done.
 */
export class RunQueue {
  private current: string | undefined;
  private readonly waiting: Waiting[] = [];

  /** Waits for the run's turn. */
  enter(runId: string): Promise<void> {
    if (this.current === undefined && this.waiting.length === 0) {
      this.current = runId;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({
        runId,
        start: () => {
          this.current = runId;
          resolve();
        },
        cancel: (reason) => reject(new RunCancelled(reason)),
      });
    });
  }

  /** The run is done: the next one in line starts. */
  leave(runId: string): void {
    if (this.current !== runId) return;
    this.current = undefined;
    this.waiting.shift()?.start();
  }

  /** The run executing now, if any. */
  get running(): string | undefined {
    return this.current;
  }

  /** The runs waiting, first in line first. */
  queued(): string[] {
    return this.waiting.map((w) => w.runId);
  }

  /** Takes one waiting run off the queue; false when it is not waiting. */
  cancel(runId: string, reason: string): boolean {
    const i = this.waiting.findIndex((w) => w.runId === runId);
    if (i < 0) return false;
    this.waiting.splice(i, 1)[0].cancel(reason);
    return true;
  }

  /** Takes every waiting run off the queue; returns their ids. */
  cancelAll(reason: string): string[] {
    const cancelled = this.waiting.splice(0);
    for (const w of cancelled) w.cancel(reason);
    return cancelled.map((w) => w.runId);
  }
}
