import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { createTurnBatcher } from '../lib/turn-batcher.js';
import type { EventBus } from './event-bus.js';

type Handler = (topic: string, payload: unknown) => void;

const CONFIRM_WAIT_MS = 1_000;

/**
 * Core-NATS event bus on `<ns>.events.<topic>`. Each subscription is one NATS subscription on its
 * pattern, so the server filters: a process only receives (and parses) what it asked for.
 * The API's hub holds one NATS subscription per watched article, whatever its subscriber count.
 */
export class NatsEventBus implements EventBus {
  readonly kind = 'nats';
  private readonly prefix: string;
  private readonly subscriptions = new Set<Subscription>();
  /** Publishes of one event-loop turn leave in one socket write. */
  private readonly outgoing = createTurnBatcher<[subject: string, data: string]>(([subject, data]) => {
    try {
      this.nc.publish(subject, data);
    } catch {
      // closed connection: events are at-most-once; the log in PostgreSQL has them
    }
  });

  constructor(
    private readonly nc: NatsConnection,
    namespace: string,
  ) {
    this.prefix = `${namespace}.events.`;
  }

  private readonly reconnectListeners = new Set<() => void>();
  private watchingStatus = false;

  async start(): Promise<void> {}

  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    if (!this.watchingStatus) {
      this.watchingStatus = true;
      void this.watchReconnects();
    }
    return () => this.reconnectListeners.delete(listener);
  }

  /** Ends when the connection closes. The client has re-sent its subscriptions by the time it reports a reconnect. */
  private async watchReconnects(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type !== 'reconnect') continue;
      for (const listener of this.reconnectListeners) {
        try {
          listener();
        } catch {
          // one failing listener must not keep the others from resyncing
        }
      }
    }
  }

  publish(topic: string, payload: object | string): void {
    this.outgoing.push([`${this.prefix}${topic}`, typeof payload === 'string' ? payload : JSON.stringify(payload)]);
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
    await this.confirm();
    return () => {
      this.subscriptions.delete(subscription);
      subscription.unsubscribe();
    };
  }

  /**
   * Waits until the server has registered what was subscribed so far, but not through an outage:
   * while disconnected the client keeps its subscriptions and re-sends them on reconnect, and a
   * GraphQL subscriber is better served by its snapshot now than by a wait of unknown length.
   */
  private async confirm(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.nc.flush().catch(() => {}),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, CONFIRM_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }

  async flush(): Promise<void> {
    this.outgoing.drain();
    await this.nc.flush();
  }

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  async stop(): Promise<void> {
    this.outgoing.drain();
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions.clear();
  }
}
