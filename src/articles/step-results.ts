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

// The step writes only its own column, so the article is complete when each other column is set.
const completes = sql`(
  (r.col = 'summary' or t.summary is not null) and (r.col = 'keywords' or t.keywords is not null)
  and (r.col = 'sentiment' or t.sentiment is not null) and t.status = 'PROCESSING'
  and exists (select 1 from jobs where jobs.id = r.job_id and jobs.state = 'RUNNING'))`;
const completedNow = sql`a.status = 'COMPLETED'`;

/**
 * Stores step results of several jobs (at most one per article) in one statement. For each: the
 * result (only while its column is empty), its ledger row, the step checkpoint and a STEP_COMPLETED
 * event; a redelivered job that races a live one books nothing twice. The step that stores an
 * article's last missing result also completes its job (article COMPLETED, job SUCCEEDED and a
 * COMPLETED event), saving the critical path a round trip. That decision is made on the locked
 * article row, so two steps finishing together cannot both complete it (or both miss it: the second
 * to commit sees the first's column), and a cancel that committed first is respected.
 *
 * Resolves per result, in order: the updated article with its event (and the COMPLETED event as
 * `extra`), or undefined when the column was already written.
 */
export async function storeStepResults(db: Db, results: StepResult[]): Promise<(ChangeRow | undefined)[]> {
  const input = results.map((r) => ({
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
  const { rows } = await sql<ChangeRow>`
    with r as (
      select * from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as r(
        article_id bigint, job_id uuid, job jsonb, step text, col text, summary text, keywords text[], sentiment text,
        provider text, model text, prompt_version text, input_tokens int, output_tokens int, cost_usd numeric,
        latency_ms int, attempt int)),
    -- Rows locked in id order: batches of one worker run concurrently and may share an article.
    l as (select id from articles where id in (select article_id from r) order by id for update),
    a as (
      update articles t set
        summary = coalesce(r.summary, t.summary),
        keywords = coalesce(r.keywords, t.keywords),
        sentiment = coalesce(r.sentiment, t.sentiment),
        status = case when ${completes} then 'COMPLETED' else t.status end,
        error = case when ${completes} then null else t.error end,
        processed_at = case when ${completes} then now() else t.processed_at end,
        version = t.version + 1,
        event_seq = t.event_seq + case when ${completes} then 2 else 1 end,
        updated_at = now()
      from r
      where t.id = r.article_id and t.id in (select id from l) and case r.col
        when 'summary' then t.summary is null when 'keywords' then t.keywords is null else t.sentiment is null end
      returning t.*),
    j as (
      update jobs set state = 'SUCCEEDED', finished_at = now(), error = null, error_kind = null
      from a join r on r.article_id = a.id
      where jobs.id = r.job_id and jobs.state = 'RUNNING' and ${completedNow}
      returning jobs.*),
    e as (
      insert into article_events (article_id, seq, type, job_id, payload)
      select a.id, a.event_seq - (${completedNow})::int, 'STEP_COMPLETED', r.job_id,
             ${eventPayloadSql({
               seq: sql`a.event_seq - (${completedNow})::int`,
               type: sql`'STEP_COMPLETED'::text`,
               jobId: sql`r.job_id`,
               step: sql`r.step`,
               error: sql`null::text`,
               job: sql`r.job`,
             })}
      from a join r on r.article_id = a.id
      returning article_id, payload),
    ${logJobEventsCte('f', 'COMPLETED', sql`a.event_seq`, completedNow)},
    c as (
      insert into llm_calls (article_id, job_id, step, provider, model, prompt_version, input_tokens, output_tokens, cost_usd, latency_ms, attempt)
      select a.id, r.job_id, r.step, r.provider, r.model, r.prompt_version, r.input_tokens, r.output_tokens, r.cost_usd, r.latency_ms, r.attempt
      from a join r on r.article_id = a.id),
    s as (
      update job_steps set state = 'DONE', finished_at = now(), model = r.model, error = null
      from a join r on r.article_id = a.id
      where job_steps.job_id = r.job_id and job_steps.step = r.step)
    select a.*, e.payload, f.payload as extra from a join e on e.article_id = a.id left join f on f.article_id = a.id`.execute(
    db,
  );
  const byArticle = new Map(rows.map((row) => [Number(row.id), row]));
  return results.map((r) => byArticle.get(r.articleId));
}
