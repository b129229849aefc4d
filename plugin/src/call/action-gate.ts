/**
 * The call view learns the call's state two ways: from a status poll every two seconds, and from
 * the answer to a button (start or stop recording, let in, remove). A poll the server answered
 * before a button's change may arrive after it and show the state from before the click: the
 * recording indicator would come back, and "recording started" be announced, moments after the
 * customer stopped it. The gate tells which poll answers may be shown: only those of polls sent
 * while no action ran and after the last one finished.
 */
export class ActionGate {
  private running = 0;
  private lastDoneAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Runs a button's request; polls sent meanwhile, or before it, are stale once it ends. */
  async run<T>(action: () => Promise<T>): Promise<T> {
    this.running += 1;
    try {
      return await action();
    } finally {
      this.running -= 1;
      this.lastDoneAt = this.now();
    }
  }

  /** Call as a poll is sent; the result says, when its answer comes, whether it may be shown. */
  ask(): () => boolean {
    const askedAt = this.now();
    return () => this.running === 0 && askedAt > this.lastDoneAt;
  }
}
