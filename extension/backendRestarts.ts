/** What the user is told when the backend (`remote-exec server --stdio`) exits without being asked to. */
export interface BackendNotice {
  restarted: boolean;
  message: string;
}

/**
 * When the backend exits unasked it is restarted, at most `maxRestarts` times within `windowMs`; past
 * that it stays down until the user asks again, so a backend that dies on start does not spin. Either
 * way the user is told: every gateway lived in the backend and is gone with it.
 */
export class BackendRestarts {
  private readonly exits: number[] = [];
  private readonly told: BackendNotice[] = [];

  constructor(
    private readonly maxRestarts = 4,
    private readonly windowMs = 3 * 60_000,
  ) {}

  /** The backend exited at `now` (ms): whether to restart it, and what to tell the user. */
  exited(now: number): BackendNotice {
    this.exits.push(now);
    while (now - this.exits[0] > this.windowMs) this.exits.shift();
    const restarted = this.exits.length <= this.maxRestarts;
    const minutes = Math.round(this.windowMs / 60_000);
    const notice: BackendNotice = restarted
      ? {
          restarted,
          message: 'The Remote Exec backend stopped unexpectedly and was restarted. Its gateways closed with it: open them again to go on.',
        }
      : {
          restarted,
          message: `The Remote Exec backend stopped ${this.exits.length} times in ${minutes} minutes and was not restarted. Its log says why; Restart Backend (or the next run) starts it again.`,
        };
    this.told.push(notice);
    if (this.told.length > 20) this.told.shift();
    return notice;
  }

  /** The user restarted the backend: the count starts again. */
  reset(): void {
    this.exits.length = 0;
  }

  /** The last notices given, oldest first. */
  notices(): readonly BackendNotice[] {
    return this.told;
  }
}
