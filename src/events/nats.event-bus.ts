import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import type { EventBus } from './event-bus.js';

type Handler = (topic: string, payload: unknown) => void;

/**
 * Core-NATS event bus on `<ns>.events.<topic>`. Each subscription is one NATS subscription on its
 * pattern, so the server filters: a process only receives (and parses) what it asked for.
 * A thousand GraphQL subscribers still cost one NATS subscription: the API's hub fans out.
 */
export class NatsEventBus implements EventBus {
  readonly kind = 'nats';
  private readonly prefix: string;
  private readonly subscriptions = new Set<Subscription>();

  constructor(
    private readonly nc: NatsConnection,
    namespace: string,
  ) {
    this.prefix = `${namespace}.events.`;
  }

  async start(): Promise<void> {}

  publish(topic: string, payload: object): void {
    this.nc.publish(`${this.prefix}${topic}`, JSON.stringify(payload));
  }

  async subscribe(pattern: string, handler: Handler): Promise<() => void> {
    const subscription = this.nc.subscribe(`${this.prefix}${pattern}`, {
      callback: (err, msg) => {
        if (err) return;
        let payload: unknown;
        try {
          payload = msg.json();
        } catch {
          return; // not ours: ignore malformed events
        }
        try {
          handler(msg.subject.slice(this.prefix.length), payload);
        } catch {
          // a failing subscriber must not break the connection's dispatch
        }
      },
    });
    this.subscriptions.add(subscription);
    // Make sure the server has registered the subscription before anyone relies on it.
    await this.nc.flush();
    return () => {
      this.subscriptions.delete(subscription);
      subscription.unsubscribe();
    };
  }

  async flush(): Promise<void> {
    await this.nc.flush();
  }

  async stop(): Promise<void> {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions.clear();
  }
}
