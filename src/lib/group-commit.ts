/**
 * Group commit: many callers' writes reach the database as one statement.
 *
 * An idle writer sends what arrived during the current event-loop turn on the next (setImmediate);
 * while a batch is in flight, new items wait and leave together when it returns. So under light
 * load an item waits one turn, and under heavy load one round trip carries what arrived during the
 * previous one. A statement costs PostgreSQL and the client about as much as several rows do, and
 * every round trip is a socket write that wakes another process.
 *
 * Items with the same key never share a batch (a set-based UPDATE … FROM applies only one change
 * per row); the later one goes in the next batch. Up to `maxInFlight` batches run at once (default
 * one). With more than one, batches may touch the same rows, so `write` must lock them in a fixed
 * order (e.g. by id) to rule out deadlocks; PostgreSQL then runs them one after the other without
 * a client round trip in between.
 */
export interface GroupCommitOptions<T, R> {
  /** Writes the items in one statement; resolves with one result per item, in order. */
  write: (items: T[]) => Promise<R[]>;
  key: (item: T) => unknown;
  maxBatch: number;
  maxInFlight?: number;
}

interface Entry<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

export function createGroupCommit<T, R>(options: GroupCommitOptions<T, R>): (item: T) => Promise<R> {
  const maxInFlight = options.maxInFlight ?? 1;
  let waiting: Entry<T, R>[] = [];
  let inFlight = 0;
  let scheduled = false;

  function schedule(): void {
    if (inFlight >= maxInFlight || scheduled || waiting.length === 0) return;
    scheduled = true;
    setImmediate(flush);
  }

  function flush(): void {
    scheduled = false;
    while (inFlight < maxInFlight && waiting.length > 0) {
      const batch = take();
      inFlight++;
      void run(batch).finally(() => {
        inFlight--;
        schedule();
      });
    }
  }

  /** The next batch: waiting items in order, at most one per key, at most maxBatch. */
  function take(): Entry<T, R>[] {
    const batch: Entry<T, R>[] = [];
    const later: Entry<T, R>[] = [];
    const keys = new Set<unknown>();
    for (const entry of waiting) {
      const key = options.key(entry.item);
      if (batch.length < options.maxBatch && !keys.has(key)) {
        keys.add(key);
        batch.push(entry);
      } else later.push(entry);
    }
    waiting = later;
    return batch;
  }

  async function run(batch: Entry<T, R>[]): Promise<void> {
    try {
      settle(batch, await write(batch));
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      // One bad item must not fail the others: each is tried alone, and only its own error counts.
      await Promise.all(batch.map((entry) => write([entry]).then((results) => settle([entry], results), entry.reject)));
    }
  }

  async function write(batch: Entry<T, R>[]): Promise<R[]> {
    const results = await options.write(batch.map((e) => e.item));
    if (results.length !== batch.length) throw new Error(`group commit: ${results.length} results for ${batch.length} items`);
    return results;
  }

  function settle(batch: Entry<T, R>[], results: R[]): void {
    batch.forEach((entry, i) => entry.resolve(results[i]!));
  }

  return (item) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      schedule();
    });
}
