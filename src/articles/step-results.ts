import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { JobRow } from '../db/tables.js';
import type { StepName } from '../lib/vocabulary.js';
import { eventPayloadSql, logJobEventsCte, type ChangeRow } from './event-log.js';
import type { StepDefinition } from './pipeline.steps.js';

/** One step's result with its ledger entry, as a worker stores it. */
export interface StepResult {
  articleId: number;
  job: JobRow;
  step: StepName;
  column: StepDefinition['column'];
  /** The column's value: the summary, the keywords or the sentiment label. */
  value: string | string[];
  provider: string;
  model: string;
  promptVersion: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  latencyMs: number;
}

// After this statement every result column is set (those set before plus those stored now), the
// article is still PROCESSING and its job RUNNING (a cancel that committed first is respected).
const completes = sql`(
  g.had + g.n = 3 and t.status = 'PROCESSING'
  and exists (select 1 from jobs where jobs.id = g.job_id and jobs.state = 'RUNNING'))`;
const completedNow = sql`a.status = 'COMPLETED'`;

/**
 * Stores step results of several jobs in one statement; at most one result per article and step
 * (the steps of one article may share it). For each result whose column is still empty: the
 * value, its ledger row, the step checkpoint and a STEP_COMPLETED event (seqs in input order); a
 * redelivered job that races a live one books nothing twice. The statement that stores an
 * article's last missing result also completes its job (article COMPLETED, job SUCCEEDED and a
 * COMPLETED event), saving the critical path a round trip. Which columns were empty is read from
 * the locked article rows, so two statements cannot both complete an article (or both miss it).
 *
 * Resolves per result, in order: the updated article with its event (and, for the article's last
 * result, the COMPLETED event as `extra`), or undefined when the column was already written.
 */
export async function storeStepResults(db: Db, results: StepResult[]): Promise<(ChangeRow | undefined)[]> {
  const input = results.map((r, ord) => ({
    ord,
    article_id: r.articleId,
    job_id: r.job.id,
    job: r.job,
    step: r.step,
    col: r.column,
    [r.column]: r.value,
    provider: r.provider,
    model: r.model,
    prompt_version: r.promptVersion,
    input_tokens: r.inputTokens,
    output_tokens: r.outputTokens,
    cost_usd: r.costUsd,
    latency_ms: r.latencyMs,
    attempt: r.job.attempt,
  }));
  const { rows } = await sql<ChangeRow & { stored_step: string }>`
    with r as (
      select * from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as r(
        ord int, article_id bigint, job_id uuid, job jsonb, step text, col text, summary text, keywords text[],
        sentiment text, provider text, model text, prompt_version text, input_tokens int, output_tokens int,
        cost_usd numeric, latency_ms int, attempt int)),
    -- Rows locked in id order (batches of one worker run concurrently and may share an article);
    -- the locked row is the latest version, so it tells which columns are still empty.
    l as (
      select id, event_seq, (summary is not null)::int + (keywords is not null)::int + (sentiment is not null)::int as had,
             summary is null as need_summary, keywords is null as need_keywords, sentiment is null as need_sentiment
      from articles where id in (select article_id from r) order by id for update),
    -- The results that store, numbered per article in input order: event seq l.event_seq + k.
    s as (
      select r.*, l.event_seq as seq0, l.had, row_number() over (partition by r.article_id order by r.ord) as k
      from r join l on l.id = r.article_id
      where case r.col when 'summary' then l.need_summary when 'keywords' then l.need_keywords else l.need_sentiment end),
    g as (
      select article_id, max(summary) as summary, max(keywords) as keywords, max(sentiment) as sentiment,
             count(*)::int as n, max(had) as had, (array_agg(job_id))[1] as job_id
      from s group by article_id),
    a as (
      update articles t set
        summary = coalesce(g.summary, t.summary),
        keywords = coalesce(g.keywords, t.keywords),
        sentiment = coalesce(g.sentiment, t.sentiment),
        status = case when ${completes} then 'COMPLETED' else t.status end,
        error = case when ${completes} then null else t.error end,
        processed_at = case when ${completes} then now() else t.processed_at end,
        version = t.version + 1,
        event_seq = t.event_seq + g.n + case when ${completes} then 1 else 0 end,
        updated_at = now()
      from g
      where t.id = g.article_id
      returning t.*),
    j as (
      update jobs set state = 'SUCCEEDED', finished_at = now(), error = null, error_kind = null
      from a join g on g.article_id = a.id
      where jobs.id = g.job_id and jobs.state = 'RUNNING' and ${completedNow}
      returning jobs.*),
    e as (
      insert into article_events (article_id, seq, type, job_id, payload)
      select a.id, s.seq0 + s.k, 'STEP_COMPLETED', s.job_id,
             ${eventPayloadSql({
               seq: sql`s.seq0 + s.k`,
               type: sql`'STEP_COMPLETED'::text`,
               jobId: sql`s.job_id`,
               step: sql`s.step`,
               error: sql`null::text`,
               job: sql`s.job`,
               // This step's share, though the article carries every result stored with it.
               progress: sql`(s.had + s.k) / 3.0`,
             })}
      from a join s on s.article_id = a.id
      returning article_id, seq, payload),
    ${logJobEventsCte('f', 'COMPLETED', sql`a.event_seq`, completedNow)},
    c as (
      insert into llm_calls (article_id, job_id, step, provider, model, prompt_version, input_tokens, output_tokens, cost_usd, latency_ms, attempt)
      select a.id, s.job_id, s.step, s.provider, s.model, s.prompt_version, s.input_tokens, s.output_tokens, s.cost_usd, s.latency_ms, s.attempt
      from a join s on s.article_id = a.id),
    d as (
      update job_steps set state = 'DONE', finished_at = now(), model = s.model, error = null
      from a join s on s.article_id = a.id
      where job_steps.job_id = s.job_id and job_steps.step = s.step)
    select a.*, e.payload::text as payload, s.step as stored_step, case when s.k = g.n then f.payload::text end as extra
    from a join g on g.article_id = a.id join s on s.article_id = a.id join e on e.article_id = a.id and e.seq = s.seq0 + s.k
    left join f on f.article_id = a.id`.execute(db);
  const byResult = new Map(rows.map(({ stored_step, ...row }) => [`${row.id}:${stored_step}`, row]));
  return results.map((r) => byResult.get(`${r.articleId}:${r.step}`));
}
