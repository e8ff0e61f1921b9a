import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventBus } from '../src/events/event-bus.js';
import { MemoryEventBus } from '../src/events/memory.event-bus.js';
import { NatsEventBus } from '../src/events/nats.event-bus.js';
import { EventQueue } from './support/event-queue.js';
import { hasRealServices, natsUrl, uniqueNamespace } from './support/services.js';

interface Pair {
  /** Two buses of one namespace: in production, two processes. */
  publisher: EventBus;
  subscriber: EventBus;
  /** A bus of another namespace on the same server. */
  stranger: EventBus;
  close(): Promise<void>;
}

const adapters: [string, () => Promise<Pair>][] = [
  [
    'in-process',
    async () => {
      const bus = new MemoryEventBus();
      return { publisher: bus, subscriber: bus, stranger: new MemoryEventBus(), close: () => bus.stop() };
    },
  ],
];
if (hasRealServices()) {
  adapters.push([
    'NATS',
    async () => {
      const namespace = uniqueNamespace();
      const connections: NatsConnection[] = await Promise.all([1, 2, 3].map(() => connect({ servers: natsUrl() })));
      const [a, b, c] = connections as [NatsConnection, NatsConnection, NatsConnection];
      const pair = {
        publisher: new NatsEventBus(a, namespace),
        subscriber: new NatsEventBus(b, namespace),
        stranger: new NatsEventBus(c, uniqueNamespace()),
      };
      await Promise.all(Object.values(pair).map((bus) => bus.start()));
      return {
        ...pair,
        close: async () => {
          await Promise.all(Object.values(pair).map((bus) => bus.stop()));
          await Promise.all(connections.map((nc) => nc.close()));
        },
      };
    },
  ]);
}

describe.each(adapters)('EventBus contract: %s', (_name, create) => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await create();
  });
  afterAll(() => pair.close());

  it('delivers events to every subscriber of the namespace, in publish order, as JSON', async () => {
    const first = new EventQueue<[string, unknown]>();
    const second = new EventQueue<[string, unknown]>();
    const offA = pair.subscriber.subscribe((topic, payload) => first.push([topic, payload]));
    const offB = pair.subscriber.subscribe((topic, payload) => second.push([topic, payload]));
    const at = new Date('2026-01-02T03:04:05.000Z');
    for (let i = 1; i <= 20; i++) pair.publisher.publish(`article.${i}`, { n: i, at });
    await pair.publisher.flush();
    for (const queue of [first, second]) {
      for (let i = 1; i <= 20; i++) expect(await queue.next()).toEqual([`article.${i}`, { n: i, at: at.toISOString() }]);
    }
    offA();
    offB();
  });

  it('stops delivering to a subscriber that unsubscribed', async () => {
    const kept = new EventQueue<string>();
    const dropped = new EventQueue<string>();
    const offKept = pair.subscriber.subscribe((topic) => kept.push(topic));
    const offDropped = pair.subscriber.subscribe((topic) => dropped.push(topic));
    offDropped();
    pair.publisher.publish('article.1', {});
    await pair.publisher.flush();
    expect(await kept.next()).toBe('article.1');
    expect(dropped.received).toHaveLength(0);
    offKept();
  });

  it('keeps namespaces apart and survives a throwing subscriber', async () => {
    const stranger = new EventQueue<string>();
    const mine = new EventQueue<string>();
    const offStranger = pair.stranger.subscribe((topic) => stranger.push(topic));
    const offThrowing = pair.subscriber.subscribe(() => {
      throw new Error('subscriber bug');
    });
    const offMine = pair.subscriber.subscribe((topic) => mine.push(topic));
    pair.publisher.publish('article.7', { x: 1 });
    pair.stranger.publish('article.8', { x: 2 });
    await Promise.all([pair.publisher.flush(), pair.stranger.flush()]);
    expect(await mine.next()).toBe('article.7');
    expect(await stranger.next()).toBe('article.8');
    expect(mine.received).toEqual(['article.7']);
    expect(stranger.received).toEqual(['article.8']);
    offStranger();
    offThrowing();
    offMine();
  });
});
