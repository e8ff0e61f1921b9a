import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { STEP_NAMES, TERMINAL_JOB_STATES } from '../lib/vocabulary.js';
import { logJobEventsCte, type ChangeRow } from './event-log.js';

/** The terminal job states as an SQL list, for `state not in (…)`. */
export const TERMINAL = sql.join(TERMINAL_JOB_STATES.map((state) => sql`${state}`));
const ALL_STEPS = `{${STEP_NAMES.join(',')}}`;

/**
 * Starts several jobs in one statement: each job RUNNING (attempt + 1, this worker), its step rows
 * RUNNING unless DONE, its article PROCESSING, and a STARTED event. A job that is finished,
 * cancelled or out of attempts is left alone. Resolves per job id, in order: the article with its
 * event, or undefined when that job did not start (the caller looks at why).
 */
export async function startJobs(db: Db, workerId: string, jobIds: string[]): Promise<(ChangeRow | undefined)[]> {
  const { rows } = await sql<ChangeRow & { started_job_id: string }>`
    with j as (
      update jobs set state = 'RUNNING', attempt = attempt + 1, started_at = coalesce(started_at, now()), worker_id = ${workerId}
      where id = any(${`{${jobIds.join(',')}}`}::uuid[]) and state not in (${TERMINAL}) and attempt < max_attempts
      returning *),
    s as (
      insert into job_steps (job_id, step, state, started_at)
      select j.id, step, 'RUNNING', now() from j cross join unnest(${ALL_STEPS}::text[]) as step
      on conflict (job_id, step) do update set state = 'RUNNING', error = null where job_steps.state <> 'DONE'),
    a as (
      update articles set status = 'PROCESSING', error = null, version = version + 1, event_seq = event_seq + 1, updated_at = now()
      from j where articles.id = j.article_id
      returning articles.*),
    ${logJobEventsCte('e', 'STARTED', sql`a.event_seq`)}
    select a.*, e.payload::text as payload, j.id as started_job_id
    from a join e on e.article_id = a.id join j on j.article_id = a.id`.execute(db);
  const byJob = new Map(rows.map(({ started_job_id, ...row }) => [started_job_id, row]));
  return jobIds.map((id) => byJob.get(id));
}
