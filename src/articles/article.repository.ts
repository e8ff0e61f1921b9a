import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { ArticleEventRow, ArticleRow, JobRow, JobStepRow, LlmCallRow } from '../db/tables.js';
import { NotFoundError } from '../lib/errors.js';

/** Read side of articles and their jobs: plain functions over `db`, batched for dataloaders. */

export async function findArticlesByIds(db: Db, ids: readonly number[]): Promise<ArticleRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('articles').selectAll().where('id', 'in', ids).execute();
}

export async function getArticle(db: Db, id: number): Promise<ArticleRow> {
  const [article] = await findArticlesByIds(db, [id]);
  if (!article) throw new NotFoundError(`Article ${id} not found`);
  return article;
}

export async function findJobsByIds(db: Db, ids: readonly string[]): Promise<JobRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('jobs').selectAll().where('id', 'in', ids).execute();
}

/** Every job of these articles, newest first. */
export async function findJobsByArticleIds(db: Db, articleIds: readonly number[]): Promise<JobRow[]> {
  if (articleIds.length === 0) return [];
  return db
    .selectFrom('jobs')
    .selectAll()
    .where('article_id', 'in', articleIds)
    .orderBy('queued_at', 'desc')
    .orderBy('id')
    .execute();
}

export async function findStepsByJobIds(db: Db, jobIds: readonly string[]): Promise<JobStepRow[]> {
  if (jobIds.length === 0) return [];
  return db.selectFrom('job_steps').selectAll().where('job_id', 'in', jobIds).execute();
}

export async function findLlmCallsByArticleIds(db: Db, articleIds: readonly number[]): Promise<LlmCallRow[]> {
  if (articleIds.length === 0) return [];
  return db.selectFrom('llm_calls').selectAll().where('article_id', 'in', articleIds).orderBy('id').execute();
}

/** Total booked cost per article (calls with an unknown price count as 0 here, and say so in the ledger). */
export async function sumCostByArticleIds(db: Db, articleIds: readonly number[]): Promise<Map<number, number>> {
  if (articleIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('llm_calls')
    .select(['article_id', sql<number>`coalesce(sum(cost_usd), 0)::float8`.as('usd')])
    .where('article_id', 'in', articleIds)
    .groupBy('article_id')
    .execute();
  return new Map(rows.map((r) => [r.article_id, r.usd]));
}

/** Logged events after `afterSeq`, in order (the replay behind `articleEvents(afterSeq)`). */
export async function findEventsAfter(db: Db, articleId: number, afterSeq: number): Promise<ArticleEventRow[]> {
  return db
    .selectFrom('article_events')
    .selectAll()
    .where('article_id', '=', articleId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .execute();
}
