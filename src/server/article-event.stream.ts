import { makeEvent, type ArticleEvent } from '../articles/article-event.js';
import { NotFoundError } from '../lib/errors.js';
import type { ArticleEventType } from '../lib/vocabulary.js';
import { RESYNC, type ArticleEventHub, type EventStream } from './article-event.hub.js';
import type { Loaders } from './loaders.js';

// Not written to article_events: they carry the seq of the last logged event and are never replayed.
const UNLOGGED: readonly ArticleEventType[] = ['STEP_STARTED', 'SUMMARY_DELTA'];

/**
 * One article's events for a subscriber: a SNAPSHOT of the current state first (or, with
 * `afterSeq`, every logged event after it; a SNAPSHOT first when retention dropped the first of
 * them), then live events — no gaps, no duplicates. A live
 * event whose seq skips ahead (the bus is at-most-once) triggers a replay from the log. The
 * loaders are cleared before each event, so every event renders fresh rows.
 * Throws NotFoundError for an unknown article.
 *
 * `return()` (the client completed, its socket closed, the server stops) ends it at once, even
 * while it waits for the next event: it closes the hub stream first, which wakes the generator.
 */
export function streamArticleEvents(
  deps: { loaders: Loaders; hub: ArticleEventHub },
  articleId: number,
  afterSeq: number | null | undefined,
): AsyncIterableIterator<ArticleEvent> {
  let live: EventStream | undefined;
  let ended = false;
  const events = generate(deps, articleId, afterSeq, (stream) => {
    live = stream;
    if (ended) stream.close();
  });
  const end = () => {
    ended = true;
    live?.close();
  };
  const iterator: AsyncIterableIterator<ArticleEvent> = {
    next: () =>
      events.next().then((result) => {
        if (!result.done) deps.loaders.clearAll();
        return result;
      }),
    return: (value?: unknown) => {
      end();
      return events.return(value as undefined);
    },
    throw: (err?: unknown) => {
      end();
      return events.throw(err);
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

async function* generate(
  deps: { loaders: Loaders; hub: ArticleEventHub },
  articleId: number,
  afterSeq: number | null | undefined,
  listening: (stream: EventStream) => void,
): AsyncGenerator<ArticleEvent> {
  // Listen before reading the state, so nothing that happens in between is missed.
  const live = await deps.hub.listen(articleId);
  listening(live);
  try {
    const [article, jobs] = await Promise.all([deps.loaders.article.load(articleId), deps.loaders.jobsByArticle.load(articleId)]);
    if (!article) throw new NotFoundError(`Article ${articleId} not found`);
    let lastSeq: number;
    if (afterSeq === null || afterSeq === undefined) {
      yield makeEvent(article, 'SNAPSHOT', article.eventSeq, { job: jobs[0] ?? null });
      lastSeq = article.eventSeq;
    } else {
      lastSeq = afterSeq;
      const logged = await deps.loaders.eventsAfter(articleId, lastSeq);
      if (article.eventSeq > lastSeq && logged[0]?.seq !== lastSeq + 1) {
        // The events after afterSeq are past their retention (EVENT_RETENTION_DAYS): the current
        // state stands in for them.
        yield makeEvent(article, 'SNAPSHOT', article.eventSeq, { job: jobs[0] ?? null });
        lastSeq = article.eventSeq;
      }
      for (const event of logged) {
        if (event.seq <= lastSeq) continue;
        yield event;
        lastSeq = event.seq;
      }
    }
    for await (const event of live) {
      if (event === RESYNC) {
        // The bus reconnected: whatever was logged meanwhile comes from the log.
        for (const missed of await deps.loaders.eventsAfter(articleId, lastSeq)) {
          yield missed;
          lastSeq = missed.seq;
        }
        continue;
      }
      if (UNLOGGED.includes(event.type)) {
        if (event.seq >= lastSeq) yield event;
        continue;
      }
      if (event.seq <= lastSeq) continue;
      const missed = event.seq > lastSeq + 1 ? await deps.loaders.eventsAfter(articleId, lastSeq) : [event];
      for (const e of missed) {
        if (e.seq <= lastSeq) continue;
        yield e;
        lastSeq = e.seq;
      }
    }
  } finally {
    live.close();
  }
}
