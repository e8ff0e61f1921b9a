import type { EventBus } from '../events/event-bus.js';
import { articleTopic, decodeArticleEvent, encodeArticleEvent, type ArticleEvent } from './article-event.js';

/**
 * A logged event as its statement returned it: the JSON text is published as it is and decoded
 * only where a caller reads it (parsing and serialising it again is a measurable share of a
 * worker's CPU).
 */
export class LoggedEvent {
  #decoded?: ArticleEvent;

  constructor(
    readonly articleId: number,
    /** The payload, as PostgreSQL rendered the jsonb (`payload::text`). */
    readonly json: string,
  ) {}

  /** The event as an object, parsed on first access. */
  get decoded(): ArticleEvent {
    if (!this.#decoded) {
      const event = decodeArticleEvent(JSON.parse(this.json));
      if (!event) throw new Error(`undecodable event payload for article ${this.articleId}`);
      this.#decoded = event;
    }
    return this.#decoded;
  }
}

/** Publishes events after their statement committed (never before: a rollback would leave a lie). */
export function publishEvents(bus: EventBus, events: (ArticleEvent | LoggedEvent | undefined)[]): void {
  for (const event of events) {
    if (event instanceof LoggedEvent) bus.publish(articleTopic(event.articleId), event.json);
    else if (event) bus.publish(articleTopic(event.articleId), encodeArticleEvent(event));
  }
}
