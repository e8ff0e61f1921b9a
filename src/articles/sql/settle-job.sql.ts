import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { ArticleRow } from '../../db/tables.js';
import { ARTICLE_STATUS_OF, isTerminal, TRANSITIONS } from '../job-states.js';
import { STEP_COUNT } from '../step-catalog.js';
import { logJobEventsCte, stateList, stepsDoneSql } from './event-sql.js';

export type SettledRow = ArticleRow & { payload: string };

export interface Settlement {
  transition: 'complete' | 'fail' | 'retryLater' | 'pause';
  jobId: string;
  /** The attempt's error (null for complete). */
  error: string | null;
  errorKind: string | null;
  /** Give the attempt back (a rate-limited attempt did no work). */
  refundAttempt?: boolean;
}

/**
 * `complete`, `fail`, `retryLater` or `pause` for one job: the job, its open steps, its article (status,
 * error) and the event, in one statement. `complete` applies only when every step has its result.
 * No row when the job is not in a state the transition applies from. Like every job statement,
 * it locks the article row before the job's.
 */
export async function settleJob(db: Db, s: Settlement): Promise<SettledRow | undefined> {
  const t = TRANSITIONS[s.transition];
  const terminal = isTerminal(t.to);
  const guard =
    s.transition === 'complete'
      ? sql`and exists (select 1 from articles where articles.id = jobs.article_id and ${stepsDoneSql('articles')} = ${sql.lit(STEP_COUNT)})`
      : sql``;
  const { rows } = await sql<SettledRow>`
    with l as (
      select articles.id from articles join jobs on jobs.article_id = articles.id
      where jobs.id = ${s.jobId}::uuid for update of articles),
    j as (
      update jobs set state = ${t.to}, error = ${s.error}, error_kind = ${s.errorKind},
                      finished_at = ${terminal ? sql`now()` : sql`finished_at`},
                      attempt = case when ${s.refundAttempt ?? false} then greatest(attempt - 1, 0) else attempt end
      where id = ${s.jobId}::uuid and state in (${stateList(t.from)}) and exists (select 1 from l) ${guard}
      returning *),
    s as (
      update job_steps set state = ${t.openSteps}, error = ${s.error}, finished_at = ${terminal ? sql`now()` : sql`null`}
      where job_id = ${s.jobId}::uuid and state <> 'DONE' and exists (select 1 from j)),
    a as (
      update articles set status = ${ARTICLE_STATUS_OF[t.to]}, error = ${t.to === 'FAILED' ? s.error : null},
                          processed_at = ${t.to === 'SUCCEEDED' ? sql`now()` : sql`processed_at`},
                          version = version + 1, event_seq = event_seq + 1, updated_at = now()
      from j where articles.id = j.article_id
      returning articles.*),
    ${logJobEventsCte('e', t.event, sql`a.event_seq`, { error: sql`${s.error}::text` })}
    select a.*, e.payload::text as payload from a join e on e.article_id = a.id`.execute(db);
  return rows[0];
}
