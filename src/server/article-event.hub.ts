import { ARTICLE_TOPICS, decodeArticleEvent, type ArticleEvent } from '../articles/article-event.js';
import type { EventBus } from '../events/event-bus.js';

const MAX_BUFFERED = 10_000;

export interface EventStream extends AsyncIterable<ArticleEvent> {
  close(): void;
}

/**
 * Fans the process's one bus subscription out to GraphQL subscribers, by article id.
 * Each listener buffers events until its subscriber reads them; a subscriber that falls
 * more than MAX_BUFFERED events behind is closed rather than allowed to grow without bound.
 */
export class ArticleEventHub {
  private readonly byArticle = new Map<number, Set<(e: ArticleEvent) => void>>();
  private readonly all = new Set<(e: ArticleEvent) => void>();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly bus: EventBus) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.bus.subscribe(ARTICLE_TOPICS, (_topic, payload) => {
      const event = decodeArticleEvent(payload);
      if (!event) return;
      for (const listener of this.byArticle.get(event.articleId) ?? []) listener(event);
      for (const listener of this.all) listener(event);
    });
  }

  stop(): void {
    this.unsubscribe?.();
  }

  /** Live events of one article (or of all, with `undefined`), from now on. */
  listen(articleId: number | undefined): EventStream {
    const buffer: ArticleEvent[] = [];
    let wake: (() => void) | undefined;
    let closed = false;
    const set = articleId === undefined ? this.all : this.setFor(articleId);
    const listener = (event: ArticleEvent) => {
      if (buffer.length >= MAX_BUFFERED) return close();
      buffer.push(event);
      wake?.();
    };
    const close = () => {
      closed = true;
      set.delete(listener);
      if (articleId !== undefined && set.size === 0) this.byArticle.delete(articleId);
      wake?.();
    };
    set.add(listener);
    return {
      close,
      async *[Symbol.asyncIterator]() {
        try {
          while (!closed || buffer.length > 0) {
            const next = buffer.shift();
            if (next) {
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
    let n = this.all.size;
    for (const set of this.byArticle.values()) n += set.size;
    return n;
  }

  private setFor(articleId: number): Set<(e: ArticleEvent) => void> {
    let set = this.byArticle.get(articleId);
    if (!set) this.byArticle.set(articleId, (set = new Set()));
    return set;
  }
}
