import { ARTICLE_TOPICS, articleTopic, decodeArticleEvent, type ArticleEvent } from '../articles/article-event.js';
import type { EventBus } from '../events/event-bus.js';

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
  private readonly stopWatching: () => void;

  constructor(private readonly bus: EventBus) {
    // Events published while this process was cut off from the bus never arrive: every listener
    // is told to catch up from the log.
    this.stopWatching = bus.onReconnect(() => {
      for (const topic of this.topics.values()) for (const listener of topic.listeners) listener(RESYNC);
    });
  }

  stop(): void {
    this.stopWatching();
    for (const topic of this.topics.values()) topic.unsubscribe?.();
    this.topics.clear();
  }

  /**
   * Live events of one article (or of every article, with `undefined`) from the moment this
   * resolves: the bus subscription is in place by then.
   */
  async listen(articleId: number | undefined): Promise<EventStream> {
    const name = articleId === undefined ? ARTICLE_TOPICS : articleTopic(articleId);
    const buffer: HubItem[] = [];
    let wake: (() => void) | undefined;
    let closed = false;
    const topic = this.join(name);
    const listener: Listener = (item) => {
      if (buffer.length >= MAX_BUFFERED) return close();
      buffer.push(item);
      wake?.();
    };
    const close = () => {
      if (closed) return;
      closed = true;
      this.leave(name, topic, listener);
      wake?.();
    };
    topic.listeners.add(listener);
    try {
      await topic.ready;
    } catch (err) {
      close();
      throw err;
    }
    return {
      close,
      async *[Symbol.asyncIterator]() {
        try {
          while (!closed || buffer.length > 0) {
            const next = buffer.shift();
            if (next !== undefined) {
              yield next;
              continue;
            }
            if (closed) return;
            await new Promise<void>((resolve) => (wake = resolve));
            wake = undefined;
          }
        } finally {
          close();
        }
      },
    };
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
