import { sql, type RawBuilder } from 'kysely';
import type { JobState, StepState } from '../../lib/vocabulary.js';
import { articleMapping, jobMapping } from '../article.model.js';
import { EVENT_VERSION } from '../article-event.js';
import { STEP_COUNT, STEPS } from '../step-catalog.js';

/**
 * SQL fragments the job statements share; private to the repository. By convention, a statement
 * names the article row it changed `a` and the job row `j`.
 */

// The fragments below are static text built from code constants (states, step names, columns),
// not parameters: they cost no bind work and compile as one node.
const word = (value: string) => {
  if (!/^[A-Za-z_]+$/.test(value)) throw new Error(`not an SQL word: ${value}`);
  return value;
};

/** `state in (…)` as an SQL list. */
export const stateList = (states: readonly (JobState | string)[]) => sql.raw(states.map((s) => `'${word(s)}'`).join(', '));

/** How many steps of the article row `alias` have their result stored. */
export const stepsDoneSql = (alias: string) =>
  sql.raw(STEPS.map((s) => `(${word(alias)}.${s.field} is not null)::int`).join(' + '));

/** True when the step named by the SQL expression `step` has its result on the article row `alias`. */
export const stepDoneSql = (alias: string, step: string) =>
  sql.raw(`case ${step} ${STEPS.map((s) => `when '${s.name}' then ${word(alias)}.${s.field} is not null`).join(' ')} end`);

/** The catalog's step names as an SQL text[] literal. */
export const stepNamesArray = () => sql.raw(`'{${STEPS.map((s) => word(s.name)).join(',')}}'::text[]`);

/** The article row `alias` as the domain's JSON, without its content. */
export const articleJson = (alias = 'a') => articleMapping.jsonSql(alias, ['content']);
/** The job row `alias` as the domain's JSON. */
export const jobJson = (alias = 'j') => jobMapping.jsonSql(alias);

/** The parts of a logged event that vary, as SQL expressions (they may read other CTEs' rows). */
export interface EventParts {
  seq: RawBuilder<unknown>;
  type: RawBuilder<unknown>;
  jobId: RawBuilder<unknown>;
  step?: RawBuilder<unknown>;
  error?: RawBuilder<unknown>;
  /** The job as JSON (null for none). */
  job: RawBuilder<unknown>;
  /** Default: the share of `a`'s steps that are done. */
  progress?: RawBuilder<unknown>;
}

/**
 * The logged event for the article row `a`: what subscribers receive and what
 * `articleEvents(afterSeq)` replays (`ArticleEvent`, version EVENT_VERSION).
 */
export function eventPayloadSql(p: EventParts): RawBuilder<unknown> {
  return sql`jsonb_build_object(
    'v', ${sql.lit(EVENT_VERSION)}::int, 'articleId', a.id, 'seq', ${p.seq}, 'type', ${p.type}, 'at', now(),
    'jobId', ${p.jobId}, 'step', ${p.step ?? sql`null::text`},
    'progress', ${p.progress ?? sql`(${stepsDoneSql('a')}) / ${sql.lit(STEP_COUNT)}::numeric`},
    'delta', null, 'error', ${p.error ?? sql`null::text`},
    'article', ${articleJson()}, 'job', ${p.job})`;
}

/**
 * A CTE that logs a `type` event for each article row in `a`, carrying its job from the CTE `j`
 * (joined on the article); returns article_id and payload.
 */
export function logJobEventsCte(
  name: string,
  type: string,
  seq: RawBuilder<unknown>,
  options: { when?: RawBuilder<unknown>; error?: RawBuilder<unknown> } = {},
): RawBuilder<unknown> {
  return sql`${sql.raw(name)} as (
    insert into article_events (article_id, seq, type, job_id, payload)
    select a.id, ${seq}, ${type}, j.id, ${eventPayloadSql({
      seq,
      type: sql`${type}::text`,
      jobId: sql`j.id`,
      error: options.error,
      job: jobJson(),
    })}
    from a join j on j.article_id = a.id
    where ${options.when ?? sql`true`}
    returning article_id, payload)`;
}

/**
 * Rows for `job_steps` of the job rows in `j`, one per catalog step: DONE (with the model of its
 * latest ledger row) when the article row `a` has the step's result, otherwise `open`.
 */
export function stepRowsSql(open: StepState): RawBuilder<unknown> {
  const done = stepDoneSql('a', 'st.step');
  return sql`
    select j.id as job_id, st.step,
           case when ${done} then 'DONE' else ${open}::text end as state,
           ${open === 'RUNNING' ? sql`case when not ${done} then now() end` : sql`null::timestamptz`} as started_at,
           case when ${done} then now() end as finished_at,
           case when ${done} then (select c.model from llm_calls c where c.article_id = a.id and c.step = st.step
                                   order by c.id desc limit 1) end as model
    from j join a on a.id = j.article_id cross join unnest(${stepNamesArray()}) as st(step)`;
}
