import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicMatches, type EventBus } from '../src/events/event-bus.js';
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
    const offA = await pair.subscriber.subscribe('article.>', (topic, payload) => first.push([topic, payload]));
    const offB = await pair.subscriber.subscribe('article.>', (topic, payload) => second.push([topic, payload]));
    const at = new Date('2026-01-02T03:04:05.000Z');
    for (let i = 1; i <= 20; i++) pair.publisher.publish(`article.${i}`, { n: i, at });
    await pair.publisher.flush();
    for (const queue of [first, second]) {
      for (let i = 1; i <= 20; i++) expect(await queue.next()).toEqual([`article.${i}`, { n: i, at: at.toISOString() }]);
    }
    offA();
    offB();
  });

  it('sends a payload given as JSON text as it is: subscribers receive the object it encodes', async () => {
    const received = new EventQueue<unknown>();
    const off = await pair.subscriber.subscribe('article.*', (_topic, payload) => received.push(payload));
    // As PostgreSQL renders jsonb (spaces after separators, timestamps with microseconds).
    pair.publisher.publish('article.7', '{"n": 7, "at": "2026-01-02T03:04:05.123456+00:00", "tags": ["a", "b"]}');
    pair.publisher.publish('article.8', { n: 8 });
    await pair.publisher.flush();
    expect(await received.next()).toEqual({ n: 7, at: '2026-01-02T03:04:05.123456+00:00', tags: ['a', 'b'] });
    expect(await received.next()).toEqual({ n: 8 });
    off();
  });

  it('stops delivering to a subscriber that unsubscribed', async () => {
    const kept = new EventQueue<string>();
    const dropped = new EventQueue<string>();
    const offKept = await pair.subscriber.subscribe('article.>', (topic) => kept.push(topic));
    const offDropped = await pair.subscriber.subscribe('article.>', (topic) => dropped.push(topic));
    offDropped();
    pair.publisher.publish('article.1', {});
    await pair.publisher.flush();
    expect(await kept.next()).toBe('article.1');
    expect(dropped.received).toHaveLength(0);
    offKept();
  });

  it('delivers only what a subscription pattern matches', async () => {
    const cancels = new EventQueue<[string, unknown]>();
    const articles = new EventQueue<string>();
    const offCancels = await pair.subscriber.subscribe('job.cancel', (topic, payload) => cancels.push([topic, payload]));
    const offArticles = await pair.subscriber.subscribe('article.*', (topic) => articles.push(topic));
    pair.publisher.publish('article.5', { n: 1 });
    pair.publisher.publish('job.cancel', { jobId: 'j-1' });
    pair.publisher.publish('article.5.extra', { n: 2 });
    pair.publisher.publish('article.6', { n: 3 });
    await pair.publisher.flush();
    expect(await cancels.next()).toEqual(['job.cancel', { jobId: 'j-1' }]);
    expect(await articles.next()).toBe('article.5');
    expect(await articles.next()).toBe('article.6');
    expect(cancels.received).toHaveLength(1);
    expect(articles.received).toEqual(['article.5', 'article.6']);
    offCancels();
    offArticles();
  });

  it('keeps namespaces apart and survives a throwing subscriber', async () => {
    const stranger = new EventQueue<string>();
    const mine = new EventQueue<string>();
    const offStranger = await pair.stranger.subscribe('article.>', (topic) => stranger.push(topic));
    const offThrowing = await pair.subscriber.subscribe('article.>', () => {
      throw new Error('subscriber bug');
    });
    const offMine = await pair.subscriber.subscribe('article.>', (topic) => mine.push(topic));
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

describe('topic patterns', () => {
  it('match NATS-style: * one token, > one or more trailing tokens', () => {
    expect(topicMatches('article.>', 'article.1')).toBe(true);
    expect(topicMatches('article.>', 'article.1.step')).toBe(true);
    expect(topicMatches('article.>', 'article')).toBe(false);
    expect(topicMatches('article.*', 'article.1')).toBe(true);
    expect(topicMatches('article.*', 'article.1.step')).toBe(false);
    expect(topicMatches('job.cancel', 'job.cancel')).toBe(true);
    expect(topicMatches('job.cancel', 'job.cancelled')).toBe(false);
    expect(topicMatches('job.cancel', 'article.1')).toBe(false);
  });
});
