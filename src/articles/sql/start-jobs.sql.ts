import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { ArticleRow } from '../../db/tables.js';
import { ARTICLE_STATUS_OF, TRANSITIONS } from '../job-states.js';
import { logJobEventsCte, stateList, stepRowsSql } from './event-sql.js';

export type StartedRow = ArticleRow & { payload: string; started_job_id: string };

const { from, to, event, openSteps } = TRANSITIONS.start;

/**
 * `start`, for several jobs in one statement: each job RUNNING (attempt + 1, this worker), its
 * article PROCESSING, its step rows RUNNING — or DONE where the article has the result — and a
 * STARTED event. A job not in a `start` state or out of attempts is left alone (no row). The
 * article rows are locked first, in id order, as every job statement does.
 */
export async function startJobs(db: Db, workerId: string, jobIds: string[]): Promise<StartedRow[]> {
  const ids = `{${jobIds.join(',')}}`;
  const { rows } = await sql<StartedRow>`
    with l as (
      select articles.id from articles join jobs on jobs.article_id = articles.id
      where jobs.id = any(${ids}::uuid[]) order by articles.id for update of articles),
    j as (
      update jobs set state = ${to}, attempt = attempt + 1, started_at = coalesce(started_at, now()), worker_id = ${workerId}
      where id = any(${ids}::uuid[]) and state in (${stateList(from)}) and attempt < max_attempts
        and article_id in (select id from l)
      returning *),
    a as (
      update articles set status = ${ARTICLE_STATUS_OF[to]}, error = null, version = version + 1,
                          event_seq = event_seq + 1, updated_at = now()
      from j where articles.id = j.article_id
      returning articles.*),
    s as (
      insert into job_steps (job_id, step, state, started_at, finished_at, model)
      ${stepRowsSql(openSteps)}
      on conflict (job_id, step) do update set state = excluded.state, error = null,
        started_at = coalesce(job_steps.started_at, excluded.started_at), finished_at = excluded.finished_at,
        model = coalesce(excluded.model, job_steps.model)
      where job_steps.state <> 'DONE'),
    ${logJobEventsCte('e', event, sql`a.event_seq`)}
    select a.*, e.payload::text as payload, j.id as started_job_id
    from a join e on e.article_id = a.id join j on j.article_id = a.id`.execute(db);
  return rows;
}
