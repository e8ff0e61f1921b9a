import { topicMatches, type EventBus } from './event-bus.js';

type Handler = (topic: string, payload: unknown) => void;

/** In-process event bus: delivers asynchronously (like the network would), JSON round-tripped. */
export class MemoryEventBus implements EventBus {
  readonly kind = 'memory';
  private readonly subscriptions = new Set<{ pattern: string; handler: Handler }>();
  private pending = 0;
  private idle: (() => void)[] = [];

  async start(): Promise<void> {}

  publish(topic: string, payload: object | string): void {
    // Round-trip through JSON so subscribers see exactly what NATS would deliver (dates as strings).
    const copy: unknown = JSON.parse(typeof payload === 'string' ? payload : JSON.stringify(payload));
    this.pending++;
    queueMicrotask(() => {
      for (const { pattern, handler } of this.subscriptions) {
        if (!topicMatches(pattern, topic)) continue;
        try {
          handler(topic, copy);
        } catch {
          // a failing subscriber must not stop the others
        }
      }
      if (--this.pending === 0) for (const resolve of this.idle.splice(0)) resolve();
    });
  }

  async subscribe(pattern: string, handler: Handler): Promise<() => void> {
    const subscription = { pattern, handler };
    this.subscriptions.add(subscription);
    return () => this.subscriptions.delete(subscription);
  }

  /** In-process delivery cannot be cut off: there is never a reconnect. */
  onReconnect(_listener: () => void): () => void {
    return () => {};
  }

  flush(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  async stop(): Promise<void> {
    this.subscriptions.clear();
  }
}
