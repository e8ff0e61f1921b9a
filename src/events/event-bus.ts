/**
 * Fire-and-forget fan-out of small JSON events between processes (core NATS, or in-process).
 * Delivery is at-most-once: anything that must not be missed is also logged in PostgreSQL
 * (article_events) and replayed from there by the subscriber.
 */
export interface EventBus {
  readonly kind: 'nats' | 'memory';
  start(): Promise<void>;
  /** Publishes `payload` under `topic` (dot-separated, e.g. `article.42`). */
  publish(topic: string, payload: object): void;
  /** Receives every event of this namespace until the returned function is called. */
  subscribe(handler: (topic: string, payload: unknown) => void): () => void;
  /** Resolves once everything published so far has left the process. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}
