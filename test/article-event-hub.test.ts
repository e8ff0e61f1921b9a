import { describe, expect, it } from 'vitest';
import { articleTopic, type ArticleEvent } from '../src/articles/article-event.js';
import type { EventBus } from '../src/events/event-bus.js';
import { MemoryEventBus } from '../src/events/memory.event-bus.js';
import { ArticleEventHub, RESYNC, type EventStream, type HubItem } from '../src/server/article-event.hub.js';

/** An in-process bus that records which patterns are subscribed, and can be made to fail. */
class WatchedBus extends MemoryEventBus {
  readonly active = new Map<string, number>();
  failNext = false;
  private readonly reconnectListeners = new Set<() => void>();
  override onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }
  /** What the NATS adapter does when its connection comes back. */
  reconnect(): void {
    for (const listener of this.reconnectListeners) listener();
  }
  override async subscribe(pattern: string, handler: (topic: string, payload: unknown) => void): Promise<() => void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('bus unavailable');
    }
    const unsubscribe = await super.subscribe(pattern, handler);
    this.active.set(pattern, (this.active.get(pattern) ?? 0) + 1);
    return () => {
      this.active.set(pattern, this.active.get(pattern)! - 1);
      if (this.active.get(pattern) === 0) this.active.delete(pattern);
      unsubscribe();
    };
  }
}

const event = (articleId: number, seq: number): object => ({
  type: 'STEP_COMPLETED',
  articleId,
  seq,
  at: new Date().toISOString(),
  article: { id: articleId },
  job: null,
});

async function nextItem(stream: EventStream): Promise<HubItem> {
  const { value } = await stream[Symbol.asyncIterator]().next();
  return value as HubItem;
}
const next = async (stream: EventStream) => (await nextItem(stream)) as ArticleEvent;

describe('article event hub', () => {
  it('subscribes on the bus only to watched articles, once per article, and drops it with the last listener', async () => {
    const bus = new WatchedBus();
    const hub = new ArticleEventHub(bus as EventBus);
    expect(bus.active.size).toBe(0);

    const a1 = await hub.listen(1);
    const a2 = await hub.listen(1);
    const b = await hub.listen(2);
    expect(Object.fromEntries(bus.active)).toEqual({ [articleTopic(1)]: 1, [articleTopic(2)]: 1 });
    expect(hub.listenerCount).toBe(3);

    bus.publish(articleTopic(2), event(2, 7));
    bus.publish(articleTopic(1), event(1, 5));
    expect((await next(a1)).seq).toBe(5);
    expect((await next(a2)).seq).toBe(5);
    expect((await next(b)).seq).toBe(7); // only article 2's event reached b

    a1.close();
    expect(bus.active.get(articleTopic(1))).toBe(1);
    a2.close();
    b.close();
    expect(bus.active.size).toBe(0);
    expect(hub.listenerCount).toBe(0);
  });

  it('listens to every article on request', async () => {
    const bus = new WatchedBus();
    const hub = new ArticleEventHub(bus as EventBus);
    const all = await hub.listen(undefined);
    bus.publish(articleTopic(3), event(3, 1));
    bus.publish(articleTopic(4), event(4, 1));
    expect([(await next(all)).articleId, (await next(all)).articleId]).toEqual([3, 4]);
    all.close();
    expect(bus.active.size).toBe(0);
  });

  it('lets a listener leave while its bus subscription is still being set up', async () => {
    const bus = new WatchedBus();
    const hub = new ArticleEventHub(bus as EventBus);
    const pending = hub.listen(5);
    hub.stop();
    (await pending).close();
    expect(bus.active.size).toBe(0);
  });

  it('rejects when the bus cannot subscribe, and tries again for the next listener', async () => {
    const bus = new WatchedBus();
    const hub = new ArticleEventHub(bus as EventBus);
    bus.failNext = true;
    await expect(hub.listen(6)).rejects.toThrow('bus unavailable');
    expect(hub.subscriptionCount).toBe(0);
    const stream = await hub.listen(6);
    bus.publish(articleTopic(6), event(6, 2));
    expect((await next(stream)).seq).toBe(2);
    stream.close();
  });

  it('tells every listener to catch up from the log when the bus reconnects', async () => {
    const bus = new WatchedBus();
    const hub = new ArticleEventHub(bus as EventBus);
    const a = await hub.listen(7);
    const b = await hub.listen(8);
    bus.reconnect();
    expect([await nextItem(a), await nextItem(b)]).toEqual([RESYNC, RESYNC]);
    a.close();
    b.close();
    hub.stop();
  });

  it('lets go of a stream whose reader is waiting when return() is called: the wait ends, nothing stays', async () => {
    const bus = new WatchedBus();
    const hub = new ArticleEventHub(bus as EventBus);
    const stream = await hub.listen(9);
    const iterator = stream[Symbol.asyncIterator]();
    const waiting = iterator.next();
    await expect(iterator.return!()).resolves.toEqual({ value: undefined, done: true });
    await expect(waiting).resolves.toEqual({ value: undefined, done: true });
    expect(hub.listenerCount).toBe(0);
    expect(bus.active.size).toBe(0);
  });

  it('ends every waiting reader when the hub stops', async () => {
    const bus = new WatchedBus();
    const hub = new ArticleEventHub(bus as EventBus);
    const readers = await Promise.all([hub.listen(10), hub.listen(10), hub.listen(undefined)]);
    const waits = readers.map((r) => r[Symbol.asyncIterator]().next());
    hub.stop();
    expect(await Promise.all(waits)).toEqual(readers.map(() => ({ value: undefined, done: true })));
    expect(hub.listenerCount).toBe(0);
    expect(bus.active.size).toBe(0);
  });
});
