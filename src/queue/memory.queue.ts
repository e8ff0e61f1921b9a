import { PRIORITIES, type Priority } from '../lib/vocabulary.js';
import {
  decodeJobMessage,
  type Delivery,
  type FetchOptions,
  type JobMessage,
  type PriorityQueueStats,
  type WorkQueue,
  type WorkQueueOptions,
} from './work-queue.js';

interface Entry {
  id: string;
  raw: string;
  priority: Priority;
  enqueuedAt: number;
  deliveries: number;
}

const DUPLICATE_WINDOW_MS = 120_000;

/**
 * In-process work queue with JetStream's semantics: explicit ack, redelivery after the ack wait,
 * nak with delay, term, max deliveries, msg-id de-duplication. State lives in memory only.
 */
export class MemoryWorkQueue implements WorkQueue {
  readonly kind = 'memory';
  private readonly ready = new Map<Priority, Entry[]>(PRIORITIES.map((p) => [p, []]));
  private readonly inFlight = new Map<Entry, NodeJS.Timeout>();
  private readonly delayed = new Set<NodeJS.Timeout>();
  private readonly seen = new Map<string, number>();
  private readonly waiters = new Map<Priority, Set<() => void>>(PRIORITIES.map((p) => [p, new Set()]));
  private stopped = false;

  constructor(private readonly options: WorkQueueOptions) {}

  async start(): Promise<void> {}

  async publish(message: JobMessage): Promise<void> {
    const now = Date.now();
    for (const [id, at] of this.seen) if (now - at > DUPLICATE_WINDOW_MS) this.seen.delete(id);
    const id = message.msgId ?? message.jobId;
    if (this.seen.has(id)) return;
    this.seen.set(id, now);
    this.enqueue({ id, raw: JSON.stringify(message), priority: message.priority, enqueuedAt: now, deliveries: 0 });
  }

  /** Test hook: enqueue an arbitrary payload, as a foreign or corrupted producer would. */
  publishRaw(priority: Priority, raw: string): void {
    this.enqueue({ id: `raw-${Math.random()}`, raw, priority, enqueuedAt: Date.now(), deliveries: 0 });
  }

  async *fetch(priority: Priority, options: FetchOptions): AsyncIterable<Delivery> {
    const deadline = Date.now() + options.expiresMs;
    let given = 0;
    while (given < options.max && !this.stopped && !options.signal?.aborted) {
      const entry = this.ready.get(priority)!.shift();
      if (entry) {
        given++;
        yield this.deliver(entry);
        continue;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) return;
      await this.waitForMessage(priority, remaining, options.signal);
    }
  }

  async stats(): Promise<PriorityQueueStats[]> {
    const now = Date.now();
    return PRIORITIES.map((priority) => {
      const ready = this.ready.get(priority)!;
      const flying = [...this.inFlight.keys()].filter((e) => e.priority === priority);
      const waiting = [...ready, ...flying];
      return {
        priority,
        pending: ready.length,
        inFlight: flying.length,
        redelivered: waiting.filter((e) => e.deliveries > 1).length,
        oldestWaitMs: ready.length > 0 ? now - Math.min(...ready.map((e) => e.enqueuedAt)) : null,
      };
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.inFlight.values()) clearTimeout(timer);
    for (const timer of this.delayed) clearTimeout(timer);
    this.inFlight.clear();
    this.delayed.clear();
    for (const set of this.waiters.values()) for (const wake of set) wake();
  }

  private enqueue(entry: Entry): void {
    if (this.stopped) return;
    this.ready.get(entry.priority)!.push(entry);
    const set = this.waiters.get(entry.priority)!;
    const [first] = set;
    if (first) {
      set.delete(first);
      first();
    }
  }

  private waitForMessage(priority: Priority, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiters.get(priority)!;
      const wake = () => {
        clearTimeout(timer);
        set.delete(wake);
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      signal?.addEventListener('abort', wake);
      set.add(wake);
    });
  }

  private deliver(entry: Entry): Delivery {
    entry.deliveries++;
    let settled = false;
    const lease = () => setTimeout(() => this.requeue(entry, 0), this.options.ackWaitMs);
    this.inFlight.set(entry, lease());
    const settle = (): boolean => {
      if (settled || !this.inFlight.has(entry)) return false;
      settled = true;
      clearTimeout(this.inFlight.get(entry));
      this.inFlight.delete(entry);
      return true;
    };
    return {
      message: decodeJobMessage(entry.raw),
      raw: entry.raw,
      priority: entry.priority,
      deliveryCount: entry.deliveries,
      enqueuedAt: entry.enqueuedAt,
      ack: async () => {
        settle();
      },
      nak: (delayMs) => {
        if (settle()) this.requeueLater(entry, delayMs);
      },
      term: () => {
        settle();
      },
      working: () => {
        if (settled || !this.inFlight.has(entry)) return;
        clearTimeout(this.inFlight.get(entry));
        this.inFlight.set(entry, lease());
      },
    };
  }

  /** Lease expired: like JetStream, redeliver unless the delivery limit is reached. */
  private requeue(entry: Entry, delayMs: number): void {
    if (!this.inFlight.delete(entry)) return;
    this.requeueLater(entry, delayMs);
  }

  private requeueLater(entry: Entry, delayMs: number): void {
    if (entry.deliveries >= this.options.maxDeliver) return;
    if (delayMs <= 0) return this.enqueue(entry);
    const timer = setTimeout(() => {
      this.delayed.delete(timer);
      this.enqueue(entry);
    }, delayMs);
    this.delayed.add(timer);
  }
}
