/** Values pushed by a producer, awaited one at a time by a test, each wait bounded by a timeout. */
export class EventQueue<T> {
  private readonly items: T[] = [];
  private waiter: { resolve: (v: T) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  /** Everything received so far, in order. */
  readonly received: T[] = [];

  push(item: T): void {
    this.received.push(item);
    if (this.waiter) {
      const { resolve } = this.waiter;
      this.waiter = undefined;
      resolve(item);
    } else this.items.push(item);
  }

  fail(error: Error): void {
    this.failure = error;
    this.waiter?.reject(error);
    this.waiter = undefined;
  }

  /** The next value; rejects after `timeoutMs` or when the producer failed. */
  next(timeoutMs = 10_000): Promise<T> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`no event within ${timeoutMs} ms (received so far: ${JSON.stringify(this.received).slice(0, 1500)})`));
      }, timeoutMs);
      this.waiter = {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  /** Values up to and including the first that matches. */
  async until(match: (item: T) => boolean, timeoutMs = 15_000): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    const out: T[] = [];
    for (;;) {
      const item = await this.next(Math.max(1, deadline - Date.now()));
      out.push(item);
      if (match(item)) return out;
    }
  }
}
