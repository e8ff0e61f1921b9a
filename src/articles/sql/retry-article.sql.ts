import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { InsertedRow } from './insert-articles.sql.js';
import { ARTICLE_STATUS_OF, articleStatusesFor, TRANSITIONS } from '../job-states.js';
import { logJobEventsCte, stateList, stepRowsSql } from './event-sql.js';

const t = TRANSITIONS.retry;

/**
 * `retry`: for each article whose latest job FAILED or was CANCELLED, a new QUEUED job (its id
 * given in `jobIds`, pairwise) with step rows seeded from the article (steps with a result DONE,
 * with their model; the rest PENDING), an outbox row and a QUEUED event. The article's status is
 * the guard, so two retries racing queue one job. No row for an article that is missing or not in
 * a status retry applies to.
 */
export async function retryArticles(
  db: Db,
  articleIds: readonly number[],
  jobIds: readonly string[],
  maxAttempts: number,
): Promise<InsertedRow[]> {
  const { rows } = await sql<InsertedRow>`
    with r as (select * from unnest(${articleIds}::bigint[], ${jobIds}::uuid[]) as r(article_id, job_id)),
    a as (
      update articles set status = ${ARTICLE_STATUS_OF[t.to]}, error = null, processed_at = null,
                          version = version + 1, event_seq = event_seq + 1, updated_at = now()
      from r
      where articles.id = r.article_id and articles.status in (${stateList(articleStatusesFor('retry'))})
      returning articles.*),
    j as (
      insert into jobs (id, article_id, state, priority, max_attempts)
      select r.job_id, a.id, ${t.to}, a.priority, ${maxAttempts} from a join r on r.article_id = a.id
      returning *),
    s as (
      insert into job_steps (job_id, step, state, started_at, finished_at, model)
      ${stepRowsSql(t.openSteps)}),
    o as (
      insert into outbox (kind, payload)
      select 'job', jsonb_build_object('jobId', j.id, 'articleId', j.article_id, 'priority', j.priority) from j
      returning id, (payload->>'articleId')::bigint as article_id),
    ${logJobEventsCte('e', t.event, sql`a.event_seq`)}
    select a.*, e.payload::text as payload, j.id as job_id, o.id as outbox_id
    from a join e on e.article_id = a.id join j on j.article_id = a.id join o on o.article_id = a.id
    order by a.id`.execute(db);
  return rows;
}
