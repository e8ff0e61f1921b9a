import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { ArticleRow } from '../../db/tables.js';
import type { StepName } from '../../lib/vocabulary.js';
import type { Job, LlmCall } from '../article.model.js';
import { ARTICLE_STATUS_OF, articleStatusesFor, TRANSITIONS } from '../job-states.js';
import { STEP_COUNT, stepDefinition, STEPS } from '../step-catalog.js';
import { settleReservationsCtes, type BookedCall } from './budget.sql.js';
import { eventPayloadSql, logJobEventsCte, stateList, stepDoneSql, stepsDoneSql } from './event-sql.js';

/** One step's result with its ledger entry, as a worker stores it. */
export type StepResultRow = BookedCall &
  Pick<LlmCall, 'cached' | 'savedUsd'> & {
    job: Job;
    step: StepName;
    /** The result field's value: the summary, the keywords or the sentiment label. */
    value: string | string[];
    /** A paid answer to keep in the content cache under this key, for this long. */
    cacheFill?: { key: string; ttlSeconds: number };
  };

/** Per stored result: the article after the statement, its STEP_COMPLETED event, and COMPLETED if it completed the job. */
export type StoredRow = ArticleRow & { payload: string; stored_step: StepName; completed_payload: string | null };

const complete = TRANSITIONS.complete;
// Per-step column lists, as static text.
const each = (f: (s: (typeof STEPS)[number]) => string) => sql.raw(STEPS.map(f).join(', '));
const RESULT_COLUMNS = each((s) => `${s.field} ${s.columnType}`);
const RESULT_FIELDS = each((s) => s.field);
const RESULT_MAX = each((s) => `max(${s.field}) as ${s.field}`);
const RESULT_SET = each((s) => `${s.field} = coalesce(g.${s.field}, t.${s.field})`);

// After this statement every step has its result (stored before, or now), and the article and its
// job are still in a state `complete` applies to (a cancel that committed first is respected).
const completes = sql`(
  g.had + g.n = ${sql.lit(STEP_COUNT)} and t.status in (${stateList(articleStatusesFor('complete'))})
  and exists (select 1 from jobs where jobs.id = g.job_id and jobs.state in (${stateList(complete.from)})))`;
const completedNow = sql`a.status = ${sql.lit(ARTICLE_STATUS_OF[complete.to])}`;

/**
 * `storeStepResult`, for results of several jobs in one statement; at most one result per article
 * and step (the steps of one article may share it). For each result whose field is still empty:
 * the value, its ledger row, the step row DONE and a STEP_COMPLETED event (seqs in input order);
 * a result whose field is set already (a redelivery racing the live job) books nothing. The
 * statement that stores an article's last missing result also performs `complete` (job
 * SUCCEEDED, article COMPLETED, COMPLETED event). Which fields were empty is read from the locked
 * article rows, so two statements cannot both complete an article (or both miss it).
 */
export async function storeStepResults(db: Db, results: StepResultRow[]): Promise<StoredRow[]> {
  const input = results.map((r, ord) => ({
    ord,
    article_id: r.articleId,
    job_id: r.job.id,
    job: r.job,
    step: r.step,
    [stepDefinition(r.step).field]: r.value,
    provider: r.provider,
    model: r.model,
    prompt_version: r.promptVersion,
    input_tokens: r.inputTokens,
    output_tokens: r.outputTokens,
    cost_usd: r.costUsd,
    latency_ms: r.latencyMs,
    cached: r.cached,
    saved_usd: r.savedUsd,
    attempt: r.job.attempt,
    cache_key: r.cacheFill?.key ?? null,
    cache_value: r.cacheFill ? r.value : null,
    cache_ttl_s: r.cacheFill?.ttlSeconds ?? null,
    reservation_id: r.reservation?.id ?? null,
    reservation_scopes: r.reservation?.scopes ?? null,
  }));
  // Only statements that book reserved calls carry the budget CTEs (most deployments have no budget).
  const reserved = results.some((r) => r.reservation !== undefined);
  const { rows } = await sql<StoredRow>`
    with r as (
      select * from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as r(
        ord int, article_id bigint, job_id uuid, job jsonb, step text,
        ${RESULT_COLUMNS},
        provider text, model text, prompt_version text, input_tokens int, output_tokens int,
        cost_usd numeric, latency_ms int, cached boolean, saved_usd numeric, attempt int,
        cache_key text, cache_value jsonb, cache_ttl_s int, reservation_id bigint,
        reservation_scopes text[])),
    -- Rows locked in id order (batches of one worker run concurrently and may share an article);
    -- the locked row is the latest version, so it tells which results are still missing.
    l as (
      select id, event_seq, ${RESULT_FIELDS}, ${stepsDoneSql('articles')} as had
      from articles where id in (select article_id from r) order by id for update),
    -- The results that store, numbered per article in input order: event seq l.event_seq + k.
    s as (
      select r.*, l.event_seq as seq0, l.had, row_number() over (partition by r.article_id order by r.ord) as k
      from r join l on l.id = r.article_id
      where not ${stepDoneSql('l', 'r.step')}),
    g as (
      select article_id, ${RESULT_MAX},
             count(*)::int as n, max(had) as had, (array_agg(job_id))[1] as job_id
      from s group by article_id),
    a as (
      update articles t set
        ${RESULT_SET},
        status = case when ${completes} then ${sql.lit(ARTICLE_STATUS_OF[complete.to])} else t.status end,
        error = case when ${completes} then null else t.error end,
        processed_at = case when ${completes} then now() else t.processed_at end,
        version = t.version + 1,
        event_seq = t.event_seq + g.n + case when ${completes} then 1 else 0 end,
        updated_at = now()
      from g
      where t.id = g.article_id
      returning t.*),
    j as (
      update jobs set state = ${sql.lit(complete.to)}, finished_at = now(), error = null, error_kind = null
      from a join g on g.article_id = a.id
      where jobs.id = g.job_id and jobs.state in (${stateList(complete.from)}) and ${completedNow}
      returning jobs.*),
    e as (
      insert into article_events (article_id, seq, type, job_id, payload)
      select a.id, s.seq0 + s.k, 'STEP_COMPLETED', s.job_id,
             ${eventPayloadSql({
               seq: sql`s.seq0 + s.k`,
               type: sql`'STEP_COMPLETED'::text`,
               jobId: sql`s.job_id`,
               step: sql`s.step`,
               job: sql`s.job`,
               // This step's share, though the article carries every result stored with it.
               progress: sql`(s.had + s.k) / ${sql.lit(STEP_COUNT)}::numeric`,
             })}
      from a join s on s.article_id = a.id
      returning article_id, seq, payload),
    ${logJobEventsCte('f', complete.event, sql`a.event_seq`, { when: completedNow })},
    c as (
      insert into llm_calls (article_id, job_id, step, provider, model, prompt_version, input_tokens, output_tokens, cost_usd, latency_ms, cached, saved_usd, attempt)
      select a.id, s.job_id, s.step, s.provider, s.model, s.prompt_version, s.input_tokens, s.output_tokens, s.cost_usd, s.latency_ms, s.cached, s.saved_usd, s.attempt
      from a join s on s.article_id = a.id),
    -- The paid answer fills the cache (ending its lease) in the statement that books it.
    k as (
      insert into llm_cache (key, value, provider, model, cost_usd, expires_at)
      select s.cache_key, s.cache_value, s.provider, s.model, s.cost_usd, now() + make_interval(secs => s.cache_ttl_s)
      from a join s on s.article_id = a.id
      where s.cache_key is not null
      on conflict (key) do update set value = excluded.value, provider = excluded.provider, model = excluded.model,
        cost_usd = excluded.cost_usd, created_at = now(), expires_at = excluded.expires_at, lease_until = null, leased_by = null),
    ${reserved ? sql`${settleReservationsCtes(sql`select s.reservation_id, s.reservation_scopes as scopes, s.cost_usd from a join s on s.article_id = a.id where s.reservation_id is not null`)},` : sql``}
    d as (
      update job_steps set state = 'DONE', finished_at = now(), model = s.model, cached = s.cached, error = null
      from a join s on s.article_id = a.id
      where job_steps.job_id = s.job_id and job_steps.step = s.step)
    select a.*, e.payload::text as payload, s.step as stored_step,
           case when s.k = g.n then f.payload::text end as completed_payload
    from a join g on g.article_id = a.id join s on s.article_id = a.id join e on e.article_id = a.id and e.seq = s.seq0 + s.k
    left join f on f.article_id = a.id`.execute(db);
  return rows;
}
