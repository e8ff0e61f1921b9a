/**
 * Fire-and-forget fan-out of small JSON events between processes (core NATS, or in-process).
 * Delivery is at-most-once: anything that must not be missed is also logged in PostgreSQL
 * (article_events) and replayed from there by the subscriber.
 *
 * Topics are dot-separated (`article.42`, `job.cancel`). Patterns use NATS syntax: `*` matches one
 * token, `>` the rest (`article.>`). A process receives only what its patterns match, so a worker
 * listening for cancellations does not parse the fleet's progress events.
 */
export interface EventBus {
  readonly kind: 'nats' | 'memory';
  start(): Promise<void>;
  /** Publishes `payload` under `topic`: an object, or its JSON text (sent as it is). */
  publish(topic: string, payload: object | string): void;
  /**
   * Receives the events whose topic matches `pattern` until the returned function is called.
   * Resolves once the subscription is in place (events published after that reach it).
   */
  subscribe(pattern: string, handler: (topic: string, payload: unknown) => void): Promise<() => void>;
  /**
   * Calls `listener` whenever the connection to the other processes came back after a loss:
   * whatever was published meanwhile did not arrive (subscribers replay it from the log).
   * Returns a function that removes the listener.
   */
  onReconnect(listener: () => void): () => void;
  /** Subscriptions held now (leak checks; a gauge with the metrics). */
  readonly subscriptionCount: number;
  /** Resolves once everything published so far has left the process. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/** Whether a topic matches a NATS-style pattern (`*` one token, `>` one or more trailing tokens). */
export function topicMatches(pattern: string, topic: string): boolean {
  const p = pattern.split('.');
  const t = topic.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return t.length > i;
    if (i >= t.length || (p[i] !== '*' && p[i] !== t[i])) return false;
  }
  return p.length === t.length;
}
