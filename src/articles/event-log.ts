import { sql, type Transaction, type Updateable } from 'kysely';
import type { ArticleRow, ArticlesTable, Database, JobRow } from '../db/tables.js';
import type { EventBus } from '../events/event-bus.js';
import type { ArticleEventType, StepName } from '../lib/vocabulary.js';
import { articleTopic, progressOf, withoutContent, type ArticleEvent } from './article-event.js';

type Tx = Transaction<Database>;

export interface ArticleChange {
  articleId: number;
  /** Columns to set; version, event_seq and updated_at are bumped here. */
  set?: Updateable<ArticlesTable>;
  /** Apply only while this column is still null: the checkpoint guard against a second writer. */
  onlyIfNull?: 'summary' | 'keywords' | 'sentiment';
  event: { type: ArticleEventType; job: JobRow | null; step?: StepName; error?: string | null };
}

/**
 * Changes an article and logs the event in the same transaction (the event's seq comes from the
 * article row, so concurrent steps of one article get distinct, gap-free seqs).
 * Returns undefined when the guard found the column already written (or the article is gone).
 */
export async function changeArticle(
  tx: Tx,
  change: ArticleChange,
): Promise<{ article: ArticleRow; event: ArticleEvent } | undefined> {
  let query = tx
    .updateTable('articles')
    .set({
      ...change.set,
      version: sql`version + 1`,
      event_seq: sql`event_seq + 1`,
      updated_at: new Date(),
    })
    .where('id', '=', change.articleId);
  if (change.onlyIfNull) query = query.where(change.onlyIfNull, 'is', null);
  const article = await query.returningAll().executeTakeFirst();
  if (!article) return undefined;
  const event = makeEvent(article, change.event.type, article.event_seq, change.event);
  await tx
    .insertInto('article_events')
    .values({
      article_id: article.id,
      seq: event.seq,
      type: event.type,
      job_id: event.jobId,
      payload: JSON.stringify(event),
      created_at: event.at,
    })
    .execute();
  return { article, event };
}

/** An event for the current state, not logged (SNAPSHOT, STEP_STARTED, SUMMARY_DELTA). */
export function makeEvent(
  article: ArticleRow | ArticleEvent['article'],
  type: ArticleEventType,
  seq: number,
  extra: { job: JobRow | null; step?: StepName; error?: string | null; delta?: string },
): ArticleEvent {
  return {
    articleId: article.id,
    seq,
    type,
    at: new Date(),
    jobId: extra.job?.id ?? null,
    step: extra.step ?? null,
    progress: progressOf(article),
    delta: extra.delta ?? null,
    error: extra.error ?? null,
    article: withoutContent(article),
    job: extra.job,
  };
}

/** Publishes events after their transaction committed (never before: a rollback would leave a lie). */
export function publishEvents(bus: EventBus, events: (ArticleEvent | undefined)[]): void {
  for (const event of events) if (event) bus.publish(articleTopic(event.articleId), event);
}
