import { decodeArticleEvent, type ArticleEvent } from '../articles/article-event.js';
import { findEventsAfter, getArticle } from '../articles/article.repository.js';
import { makeEvent } from '../articles/event-log.js';
import type { Db } from '../db/database.js';
import type { ArticleEventType } from '../lib/vocabulary.js';
import { RESYNC, type ArticleEventHub } from './article-event.hub.js';

// Not written to article_events: they carry the seq of the last logged event and are never replayed.
const UNLOGGED: readonly ArticleEventType[] = ['STEP_STARTED', 'SUMMARY_DELTA'];

/**
 * One article's events for a subscriber: a SNAPSHOT of the current state first (or, with
 * `afterSeq`, every logged event after it), then live events — no gaps, no duplicates. A live
 * event whose seq skips ahead (the bus is at-most-once) triggers a replay from the log.
 * Throws NotFoundError for an unknown article.
 */
export async function* streamArticleEvents(
  deps: { db: Db; hub: ArticleEventHub },
  articleId: number,
  afterSeq: number | null | undefined,
): AsyncGenerator<ArticleEvent> {
  // Listen before reading the state, so nothing that happens in between is missed.
  const live = await deps.hub.listen(articleId);
  try {
    const article = await getArticle(deps.db, articleId);
    let lastSeq: number;
    if (afterSeq === null || afterSeq === undefined) {
      const job = await deps.db
        .selectFrom('jobs')
        .selectAll()
        .where('article_id', '=', articleId)
        .orderBy('queued_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      yield makeEvent(article, 'SNAPSHOT', article.event_seq, { job: job ?? null });
      lastSeq = article.event_seq;
    } else {
      lastSeq = afterSeq;
      for (const event of await replay(deps.db, articleId, lastSeq)) {
        yield event;
        lastSeq = event.seq;
      }
    }
    for await (const event of live) {
      if (event === RESYNC) {
        // The bus reconnected: whatever was logged meanwhile comes from the log.
        for (const missed of await replay(deps.db, articleId, lastSeq)) {
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
      const missed = event.seq > lastSeq + 1 ? await replay(deps.db, articleId, lastSeq) : [event];
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

async function replay(db: Db, articleId: number, afterSeq: number): Promise<ArticleEvent[]> {
  const rows = await findEventsAfter(db, articleId, afterSeq);
  return rows.map((row) => decodeArticleEvent(row.payload)).filter((e): e is ArticleEvent => e !== undefined);
}
