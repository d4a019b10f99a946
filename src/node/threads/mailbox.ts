// Messages from worker threads, by key, to whoever asks for them: a message may arrive before
// or after it is asked for, and a failed worker fails every asker, now and later.

type Waiter<M> = { resolve: (m: M) => void; reject: (e: Error) => void };

export class Mailbox<M> {
  private readonly arrived = new Map<string, M>();
  private readonly waiting = new Map<string, Waiter<M>>();
  private failure: Error | undefined;

  deliver(key: string, m: M): void {
    const w = this.waiting.get(key);
    if (w) {
      this.waiting.delete(key);
      w.resolve(m);
    } else this.arrived.set(key, m);
  }

  /** Rejects every pending and later take() with `e` (the first failure wins). */
  fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  take(key: string): Promise<M> {
    const m = this.arrived.get(key);
    if (m !== undefined) {
      this.arrived.delete(key);
      return Promise.resolve(m);
    }
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<M>((resolve, reject) => this.waiting.set(key, { resolve, reject }));
  }
}
