import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { InsertedRow } from './insert-articles.sql.js';
import { ARTICLE_STATUS_OF, articleStatusesFor, TRANSITIONS } from '../job-states.js';
import { logJobEventsCte, stateList, stepRowsSql } from './event-sql.js';

const t = TRANSITIONS.retry;

/**
 * `retry`: a new QUEUED job for an article whose latest job FAILED or was CANCELLED, with step rows
 * seeded from the article (steps with a result DONE, with their model; the rest PENDING), an
 * outbox row and a QUEUED event. The article's status is the guard, so two retries racing queue
 * one job. No row when the article is missing or not in a status retry applies to.
 */
export async function retryArticle(
  db: Db,
  articleId: number,
  jobId: string,
  maxAttempts: number,
): Promise<InsertedRow | undefined> {
  const { rows } = await sql<InsertedRow>`
    with a as (
      update articles set status = ${ARTICLE_STATUS_OF[t.to]}, error = null, processed_at = null,
                          version = version + 1, event_seq = event_seq + 1, updated_at = now()
      where id = ${articleId}::bigint and status in (${stateList(articleStatusesFor('retry'))})
      returning *),
    j as (
      insert into jobs (id, article_id, state, priority, max_attempts)
      select ${jobId}::uuid, a.id, ${t.to}, a.priority, ${maxAttempts} from a
      returning *),
    s as (
      insert into job_steps (job_id, step, state, started_at, finished_at, model)
      ${stepRowsSql(t.openSteps)}),
    o as (
      insert into outbox (kind, payload)
      select 'job', jsonb_build_object('jobId', j.id, 'articleId', j.article_id, 'priority', j.priority) from j
      returning id),
    ${logJobEventsCte('e', t.event, sql`a.event_seq`)}
    select a.*, e.payload::text as payload, j.id as job_id, o.id as outbox_id from a, e, j, o`.execute(db);
  return rows[0];
}
