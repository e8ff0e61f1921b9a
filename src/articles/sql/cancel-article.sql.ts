import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { ArticleRow } from '../../db/tables.js';
import { ARTICLE_STATUS_OF, articleStatusesFor, TRANSITIONS } from '../job-states.js';
import { eventPayloadSql, jobJson, stateList } from './event-sql.js';

export type CancelledRow = ArticleRow & { payload: string; job_id: string | null };

const t = TRANSITIONS.cancel;
export const CANCELLED_ERROR = 'cancelled by request';

/**
 * `cancel` of an article's open job: article CANCELLED, job CANCELLED, its open steps CANCELLED,
 * a CANCELLED event. The article row is locked first, as the step statements lock it. No row
 * when the article is missing or not in a status cancel applies to.
 */
export async function cancelArticle(db: Db, articleId: number): Promise<CancelledRow | undefined> {
  const { rows } = await sql<CancelledRow>`
    with a as (
      update articles set status = ${ARTICLE_STATUS_OF[t.to]}, error = null,
                          version = version + 1, event_seq = event_seq + 1, updated_at = now()
      where id = ${articleId}::bigint and status in (${stateList(articleStatusesFor('cancel'))})
      returning *),
    j as (
      update jobs set state = ${t.to}, finished_at = now(), error = ${CANCELLED_ERROR}, error_kind = 'cancelled'
      where article_id in (select id from a) and state in (${stateList(t.from)})
      returning *),
    s as (
      update job_steps set state = ${t.openSteps}, finished_at = now()
      where job_id in (select id from j) and state <> 'DONE'),
    e as (
      insert into article_events (article_id, seq, type, job_id, payload)
      select a.id, a.event_seq, ${t.event}, j.id, ${eventPayloadSql({
        seq: sql`a.event_seq`,
        type: sql`${t.event}::text`,
        jobId: sql`j.id`,
        job: sql`case when j.id is null then null else ${jobJson()} end`,
      })}
      from a left join j on j.article_id = a.id
      returning payload, job_id)
    select a.*, e.payload::text as payload, e.job_id from a, e`.execute(db);
  return rows[0];
}
