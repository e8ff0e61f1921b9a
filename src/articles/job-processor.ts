import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { ArticleRow, JobRow } from '../db/tables.js';
import type { EventBus } from '../events/event-bus.js';
import { createGroupCommit } from '../lib/group-commit.js';
import type { Logger } from '../lib/logger.js';
import { STEP_NAMES, TERMINAL_JOB_STATES, type StepName } from '../lib/vocabulary.js';
import type { ProviderName } from '../config/llm-route.js';
import type { LlmRouter } from '../llm/llm-router.js';
import type { Completion } from '../llm/provider.js';
import { costUsd } from '../llm/pricing.js';
import { buildPrompt } from '../llm/tasks.js';
import { changeArticle, LoggedEvent, makeEvent, publishEvents, splitResult } from './event-log.js';
import { isStepDone, STEPS } from './pipeline.steps.js';
import { startJobs, TERMINAL } from './job-start.js';
import { storeStepResults, type StepResult } from './step-results.js';

export interface JobContext {
  job: JobRow;
  article: ArticleRow;
  log: Logger;
}

export type BeginResult =
  | { kind: 'run'; ctx: JobContext }
  /** Nothing to do: the job finished, was cancelled, or its article is gone. Settle the message. */
  | { kind: 'settled'; reason: string }
  /** Every attempt is used up (the worker died on each): record it as FAILED. */
  | { kind: 'exhausted'; ctx: JobContext };

export interface ProcessorDeps {
  db: Db;
  bus: EventBus;
  llm: LlmRouter;
  log: Logger;
  workerId: string;
}

/** Enough to carry a round trip's worth of starts or results at thousands per second. */
const BATCH_MAX = 100;

/**
 * The domain side of running one job: state transitions, the three steps, checkpoints and the cost
 * ledger. Queue semantics (ack, nak, leases) belong to the caller. Each write is one statement that
 * changes the job and the article and logs the event together; events are published after it.
 */
export function createJobProcessor(deps: ProcessorDeps) {
  const { db, bus, llm, workerId } = deps;
  // Jobs starting together, and step results of concurrent jobs, share statements (see createGroupCommit).
  const startJob = createGroupCommit({
    write: (jobIds: string[]) => startJobs(db, workerId, jobIds),
    key: (jobId) => jobId,
    maxBatch: BATCH_MAX,
  });
  const storeStep = createGroupCommit({
    write: (results: StepResult[]) => storeStepResults(db, results),
    // The steps of one article may share a statement; the same step twice (a redelivery racing
    // the live job) may not.
    key: (result) => `${result.articleId}:${result.step}`,
    maxBatch: BATCH_MAX,
    // Results that arrive while batches are in flight need not wait for them: up to four
    // statements run side by side (storeStepResults locks rows in id order).
    maxInFlight: 4,
  });

  function context(job: JobRow, article: ArticleRow): JobContext {
    return { job, article, log: deps.log.child({ jobId: job.id, articleId: article.id, attempt: job.attempt }) };
  }

  /** Marks the job RUNNING (attempt + 1) and its article PROCESSING, unless it needs no work. */
  async function begin(jobId: string): Promise<BeginResult> {
    // The common case in one statement (shared with jobs starting together); only when it changes
    // nothing do we look at why.
    const row = await startJob(jobId);
    if (row) {
      const started = splitResult(row);
      publishEvents(bus, [started.event]);
      return { kind: 'run', ctx: context(started.event.decoded.job!, started.article) };
    }
    const job = await db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
    if (!job) return { kind: 'settled', reason: 'job not found' };
    if (TERMINAL_JOB_STATES.includes(job.state)) return { kind: 'settled', reason: `job already ${job.state}` };
    const article = await db.selectFrom('articles').selectAll().where('id', '=', job.article_id).executeTakeFirst();
    if (!article) return { kind: 'settled', reason: 'article not found' };
    return { kind: 'exhausted', ctx: context(job, article) };
  }

  /**
   * Runs every step whose result is not stored yet, concurrently. Waits for all of them, then throws
   * the first failure (steps that succeeded stay committed: the retry resumes from there).
   * Resolves true when the last step's statement completed the job; otherwise `complete` must.
   */
  async function runSteps(ctx: JobContext, signal: AbortSignal): Promise<boolean> {
    const pending = STEP_NAMES.filter((step) => !isStepDone(ctx.article, step));
    const results = await Promise.allSettled(pending.map((step) => runStep(ctx, step, signal)));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    return results.some((r) => r.status === 'fulfilled' && r.value);
  }

  /**
   * Runs one step and stores its result; true when that completed the job. Not async up to the
   * call: a worker holds thousands of calls open, and a suspended frame per call costs memory.
   */
  function runStep(ctx: JobContext, step: StepName, signal: AbortSignal): Promise<boolean> {
    try {
      const { provider, model } = llm.route(step);
      publishEvents(bus, [makeEvent(ctx.article, 'STEP_STARTED', ctx.article.event_seq, { job: ctx.job, step })]);
      const prompt = buildPrompt(step, ctx.article);
      const started = performance.now();
      return provider
        .complete({ model, ...prompt, signal, timeoutMs: llm.timeoutMs(ctx.article.content.length) })
        .then((completion) => storeStepResult(ctx, step, provider.name, model, prompt.version, completion, started));
    } catch (err) {
      // As an async function would: a throw becomes this step's failure, not runSteps' (the other steps run on).
      return Promise.reject(err as Error);
    }
  }

  /** Books the call and stores the step's result (see storeStepResults); true when that completed the job. */
  async function storeStepResult(
    ctx: JobContext,
    step: StepName,
    providerName: ProviderName,
    model: string,
    promptVersion: string,
    completion: Completion,
    started: number,
  ): Promise<boolean> {
    const latencyMs = Math.round(performance.now() - started);
    const value = STEPS[step].parse(completion.text, providerName);
    const price = llm.price(completion.model) ?? llm.price(model);
    if (!price) ctx.log.warn({ model: completion.model, step }, 'no price for model: cost recorded as null');
    const cost = costUsd(price, completion.inputTokens, completion.outputTokens);

    const column = STEPS[step].column;
    const row = await storeStep({
      articleId: ctx.article.id,
      job: ctx.job,
      step,
      column,
      value: value[column] as string | string[],
      provider: providerName,
      model: completion.model,
      promptVersion,
      inputTokens: completion.inputTokens,
      outputTokens: completion.outputTokens,
      costUsd: cost,
      latencyMs,
    });
    if (!row) {
      ctx.log.info({ step }, 'step result already stored by another delivery; nothing booked');
      return false;
    }
    const stored = splitResult(row);
    const completedEvent = typeof stored.extra === 'string' ? new LoggedEvent(stored.article.id, stored.extra) : undefined;
    // Steps of one job finish in any order: keep this step's column and the highest seq seen.
    Object.assign(ctx.article, value, { event_seq: Math.max(ctx.article.event_seq, stored.article.event_seq) });
    const completedJob = completedEvent?.decoded.job;
    if (completedJob) {
      Object.assign(ctx.article, stored.article);
      ctx.job = completedJob;
    }
    publishEvents(bus, [stored.event, completedEvent]);
    return completedEvent !== undefined;
  }

  /** Job SUCCEEDED, article COMPLETED (unless the job was cancelled meanwhile). */
  async function complete(ctx: JobContext): Promise<boolean> {
    return finish(ctx, { jobState: 'SUCCEEDED', status: 'COMPLETED', eventType: 'COMPLETED', error: null, errorKind: null });
  }

  /** Job FAILED with a readable error, article FAILED; the steps not done are marked FAILED. */
  async function fail(ctx: JobContext, error: string, errorKind: string): Promise<boolean> {
    return finish(ctx, { jobState: 'FAILED', status: 'FAILED', eventType: 'FAILED', error, errorKind });
  }

  async function finish(
    ctx: JobContext,
    o: {
      jobState: 'SUCCEEDED' | 'FAILED';
      status: 'COMPLETED' | 'FAILED';
      eventType: 'COMPLETED' | 'FAILED';
      error: string | null;
      errorKind: string | null;
    },
  ): Promise<boolean> {
    const before = [
      sql`j as (
        update jobs set state = ${o.jobState}, finished_at = now(), error = ${o.error}, error_kind = ${o.errorKind}
        where id = ${ctx.job.id}::uuid and state not in (${TERMINAL})
        returning *)`,
    ];
    if (o.error !== null)
      before.push(sql`s as (
        update job_steps set state = 'FAILED', error = ${o.error}, finished_at = now()
        where job_id = ${ctx.job.id}::uuid and state <> 'DONE' and exists (select 1 from j))`);
    const changed = await changeArticle(db, {
      articleId: ctx.article.id,
      before,
      requires: 'j',
      set: { status: o.status, error: o.error, ...(o.status === 'COMPLETED' ? { processed_at: new Date() } : {}) },
      event: { type: o.eventType, job: 'j', error: o.error },
    });
    publishEvents(bus, [changed?.event]);
    return changed !== undefined;
  }

  /** Job RETRYING with the error; a rate-limited attempt is given back (it did no work). */
  async function retryLater(ctx: JobContext, error: string, errorKind: string, refundAttempt: boolean): Promise<void> {
    const changed = await changeArticle(db, {
      articleId: ctx.article.id,
      before: [
        sql`j as (
          update jobs set state = 'RETRYING', error = ${error}, error_kind = ${errorKind},
                          attempt = case when ${refundAttempt} then greatest(attempt - 1, 0) else attempt end
          where id = ${ctx.job.id}::uuid and state = 'RUNNING'
          returning *)`,
      ],
      requires: 'j',
      set: { status: 'PENDING' },
      event: { type: 'RETRYING', job: 'j', error },
    });
    publishEvents(bus, [changed?.event]);
  }

  return { begin, runSteps, complete, fail, retryLater };
}

export type JobProcessor = ReturnType<typeof createJobProcessor>;
