import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { ArticleRow } from '../../db/tables.js';
import type { Submission } from '../submission.validation.js';
import { logJobEventsCte } from './event-sql.js';

/** How much of the content `search` covers: a bound on the search index's cost per article. */
const SEARCHED_CONTENT_CHARS = sql.lit(1_000);

/** One article to insert, with its new job's id and whoever submitted it. */
export interface NewArticleRow {
  jobId: string;
  maxAttempts: number;
  tenantId: string;
  submission: Submission;
}

export type InsertedRow = ArticleRow & { payload: string; job_id: string; outbox_id: number };

/** A batch row to write with its articles. */
export interface NewBatch {
  id: string;
  tenantId: string;
}

/**
 * `enqueue`: new articles, each PENDING with its QUEUED job, outbox row and QUEUED event (seq 1),
 * and with `batch` the batch row they belong to. One statement for all of them: all or nothing.
 */
export async function insertArticles(db: Db, articles: NewArticleRow[], batch?: NewBatch): Promise<InsertedRow[]> {
  const input = articles.map(({ submission: s, tenantId, jobId, maxAttempts }) => ({
    job_id: jobId,
    max_attempts: maxAttempts,
    tenant_id: tenantId,
    title: s.title,
    content: s.content,
    source_url: s.sourceUrl,
    content_hash: createHash('sha256').update(s.content).digest('hex'),
    priority: s.priority,
    cache_enabled: s.cache,
    options: s.options,
    batch_id: batch?.id ?? null,
  }));
  // Article ids are drawn first so each job, outbox row and event can name its article.
  const { rows } = await sql<InsertedRow>`
    with n as materialized (
      select r.*, nextval(pg_get_serial_sequence('articles', 'id')) as article_id
      from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as r(
        job_id uuid, max_attempts int, tenant_id text, title text, content text, source_url text, content_hash text,
        priority text, cache_enabled boolean, options jsonb, batch_id uuid)),
    ${batch ? sql`b as (insert into batches (id, tenant_id, total) values (${batch.id}::uuid, ${batch.tenantId}, ${articles.length})),` : sql``}
    a as (
      insert into articles (id, tenant_id, title, content, source_url, content_hash, priority, status, event_seq, cache_enabled, options, batch_id)
      overriding system value
      select article_id, tenant_id, title, content, source_url, content_hash, priority, 'PENDING', 1, cache_enabled, options, batch_id from n
      returning *),
    s as (
      insert into article_search (article_id, doc)
      select article_id, title || ' ' || left(content, ${SEARCHED_CONTENT_CHARS}) from n),
    j as (
      insert into jobs (id, article_id, state, priority, max_attempts)
      select job_id, article_id, 'QUEUED', priority, max_attempts from n
      returning *),
    o as (
      insert into outbox (kind, payload)
      select 'job', jsonb_build_object('jobId', j.id, 'articleId', j.article_id, 'priority', j.priority) from j
      returning id, (payload->>'articleId')::bigint as article_id),
    ${logJobEventsCte('e', 'QUEUED', sql`1`)}
    select a.*, e.payload::text as payload, j.id as job_id, o.id as outbox_id
    from a join e on e.article_id = a.id join j on j.article_id = a.id join o on o.article_id = a.id`.execute(db);
  return rows;
}
