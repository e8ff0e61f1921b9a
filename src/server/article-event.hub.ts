import { ARTICLE_TOPICS, articleTopic, decodeArticleEvent, type ArticleEvent } from '../articles/article-event.js';
import { ARTICLE_WATCH_TOPIC, WATCH_RENEW_MS } from '../articles/watch-list.js';
import type { EventBus } from '../events/event-bus.js';

/** The article of a per-article topic (`article.42` → 42). */
const articleIdOf = (topic: string) => Number(topic.slice(topic.indexOf('.') + 1));

const MAX_BUFFERED = 10_000;

/** Told to a listener after the bus reconnected: events may have been missed; read the log. */
export const RESYNC = Symbol('resync');

export type HubItem = ArticleEvent | typeof RESYNC;

export interface EventStream extends AsyncIterable<HubItem> {
  close(): void;
}

type Listener = (item: HubItem) => void;

/** One bus subscription and the GraphQL subscribers it feeds. */
interface Topic {
  listeners: Set<Listener>;
  /** Settles once the bus subscription is in place. */
  ready: Promise<void>;
  unsubscribe?: () => void;
}

/**
 * Fans bus events out to GraphQL subscribers. The API subscribes on the bus only to the articles
 * someone is watching, one bus subscription per article however many subscribers it has, and
 * drops it with the last one: an API instance with no subscribers receives no events at all.
 * (Listening to every article's events costs the API CPU per article processed: bench/RESULTS.md.)
 *
 * Each listener buffers events until its subscriber reads them; a subscriber that falls more
 * than MAX_BUFFERED events behind is closed rather than allowed to grow without bound.
 */
export class ArticleEventHub {
  private readonly topics = new Map<string, Topic>();
  /** Closes each open stream (stop() ends them all). */
  private readonly closers = new Set<() => void>();
  private readonly stopWatching: () => void;
  private readonly renewer: NodeJS.Timeout;

  constructor(private readonly bus: EventBus) {
    // Workers stream the summaries of watched articles only: the watches are renewed while they last.
    this.renewer = setInterval(() => this.announce(this.watchedIds()), WATCH_RENEW_MS);
    this.renewer.unref();
    // Events published while this process was cut off from the bus never arrive: every listener
    // is told to catch up from the log.
    this.stopWatching = bus.onReconnect(() => {
      for (const topic of this.topics.values()) for (const listener of topic.listeners) listener(RESYNC);
    });
  }

  /** Ends every open stream (their waiting readers get `done`) and drops every bus subscription. */
  stop(): void {
    clearInterval(this.renewer);
    this.stopWatching();
    for (const close of [...this.closers]) close();
    for (const topic of this.topics.values()) topic.unsubscribe?.();
    this.topics.clear();
  }

  /**
   * Live events of one article (or of every article, with `undefined`) from the moment this
   * resolves: the bus subscription is in place by then. The stream ends when closed — by `close()`,
   * by `return()` on its iterator (even while a `next()` is waiting), or by `stop()` — and then
   * holds nothing in the hub.
   */
  async listen(articleId: number | undefined): Promise<EventStream> {
    const name = articleId === undefined ? ARTICLE_TOPICS : articleTopic(articleId);
    const buffer: HubItem[] = [];
    let waiting: ((result: IteratorResult<HubItem>) => void) | undefined;
    let closed = false;
    const topic = this.join(name);
    const listener: Listener = (item) => {
      if (buffer.length >= MAX_BUFFERED) return close();
      if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve({ value: item, done: false });
      } else buffer.push(item);
    };
    const close = () => {
      if (closed) return;
      closed = true;
      this.leave(name, topic, listener);
      this.closers.delete(close);
      const resolve = waiting;
      waiting = undefined;
      resolve?.({ value: undefined, done: true });
    };
    topic.listeners.add(listener);
    this.closers.add(close);
    try {
      await topic.ready;
    } catch (err) {
      close();
      throw err;
    }
    // Not an async generator: a generator waiting at an `await` runs `return()` only once that
    // await settles, so a subscription to an article that never changes again would never let go.
    const iterator: AsyncIterableIterator<HubItem> = {
      next: () => {
        if (buffer.length > 0) return Promise.resolve({ value: buffer.shift()!, done: false });
        if (closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (waiting = resolve));
      },
      return: () => {
        buffer.length = 0;
        close();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return { close, [Symbol.asyncIterator]: () => iterator };
  }

  /** Number of live listeners (for metrics and leak checks in tests). */
  get listenerCount(): number {
    let n = 0;
    for (const topic of this.topics.values()) n += topic.listeners.size;
    return n;
  }

  /** Bus subscriptions currently held. */
  get subscriptionCount(): number {
    return this.topics.size;
  }

  /** Tells the workers which articles are watched live (see articles/watch-list.ts). */
  private announce(articleIds: number[]): void {
    if (articleIds.length > 0) this.bus.publish(ARTICLE_WATCH_TOPIC, { articleIds });
  }

  private watchedIds(): number[] {
    return [...this.topics.keys()].filter((name) => name !== ARTICLE_TOPICS).map(articleIdOf);
  }

  private join(name: string): Topic {
    const existing = this.topics.get(name);
    if (existing) return existing;
    const topic: Topic = { listeners: new Set(), ready: Promise.resolve() };
    this.topics.set(name, topic);
    topic.ready = this.bus
      .subscribe(name, (_topic, payload) => {
        const event = decodeArticleEvent(payload);
        if (event) for (const listener of topic.listeners) listener(event);
      })
      .then(
        (unsubscribe) => {
          topic.unsubscribe = unsubscribe;
          // Everyone left while the subscription was being set up.
          if (this.topics.get(name) !== topic) unsubscribe();
          else if (name !== ARTICLE_TOPICS) this.announce([articleIdOf(name)]);
        },
        (err: unknown) => {
          if (this.topics.get(name) === topic) this.topics.delete(name);
          throw err;
        },
      );
    return topic;
  }

  private leave(name: string, topic: Topic, listener: Listener): void {
    topic.listeners.delete(listener);
    if (topic.listeners.size > 0 || this.topics.get(name) !== topic) return;
    this.topics.delete(name);
    topic.unsubscribe?.();
  }
}
