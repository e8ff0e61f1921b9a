import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import type { EventBus } from './event-bus.js';

type Handler = (topic: string, payload: unknown) => void;

/**
 * Core-NATS event bus on `<ns>.events.<topic>`. One NATS subscription per process, fanned out
 * in-process, so a thousand GraphQL subscribers cost one NATS subscription.
 */
export class NatsEventBus implements EventBus {
  readonly kind = 'nats';
  private readonly prefix: string;
  private readonly handlers = new Set<Handler>();
  private subscription: Subscription | undefined;

  constructor(
    private readonly nc: NatsConnection,
    namespace: string,
  ) {
    this.prefix = `${namespace}.events.`;
  }

  async start(): Promise<void> {
    this.subscription = this.nc.subscribe(`${this.prefix}>`, {
      callback: (err, msg) => {
        if (err) return;
        let payload: unknown;
        try {
          payload = msg.json();
        } catch {
          return; // not ours: ignore malformed events
        }
        const topic = msg.subject.slice(this.prefix.length);
        for (const handler of this.handlers) {
          try {
            handler(topic, payload);
          } catch {
            // a failing subscriber must not stop the others
          }
        }
      },
    });
    // Make sure the server has registered the subscription before anyone relies on it.
    await this.nc.flush();
  }

  publish(topic: string, payload: object): void {
    this.nc.publish(`${this.prefix}${topic}`, JSON.stringify(payload));
  }

  subscribe(handler: Handler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  async flush(): Promise<void> {
    await this.nc.flush();
  }

  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    this.handlers.clear();
  }
}
