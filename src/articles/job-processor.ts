import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { ArticleRow, JobRow } from '../db/tables.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../lib/logger.js';
import { STEP_NAMES, TERMINAL_JOB_STATES, type StepName } from '../lib/vocabulary.js';
import type { LlmRouter } from '../llm/llm-router.js';
import { costUsd } from '../llm/pricing.js';
import { buildPrompt } from '../llm/tasks.js';
import { changeArticle, makeEvent, publishEvents } from './event-log.js';
import { isStepDone, STEPS } from './pipeline.steps.js';

export interface JobContext {
  job: JobRow;
  article: ArticleRow;
  log: Logger;
}

export type BeginResult =
  | { kind: 'run'; ctx: JobContext }
  /** Nothing to do: the job finished, was cancelled, or its article is gone. Settle the message. */
  | { kind: 'settled'; reason: string }
  /** Every attempt is used up (the worker died on each): recorded as FAILED. */
  | { kind: 'exhausted'; ctx: JobContext };

export interface ProcessorDeps {
  db: Db;
  bus: EventBus;
  llm: LlmRouter;
  log: Logger;
  workerId: string;
}

/**
 * The domain side of running one job: state transitions, the three steps, checkpoints and the cost
 * ledger. Queue semantics (ack, nak, leases) belong to the caller. Every change is committed with its
 * event, and events are published only after the commit.
 */
export function createJobProcessor(deps: ProcessorDeps) {
  const { db, bus, llm, workerId } = deps;

  /** Marks the job RUNNING (attempt + 1) and its article PROCESSING, unless it needs no work. */
  async function begin(jobId: string): Promise<BeginResult> {
    const result = await db.transaction().execute(async (tx) => {
      const job = await tx.selectFrom('jobs').selectAll().where('id', '=', jobId).forUpdate().executeTakeFirst();
      if (!job) return { kind: 'settled', reason: 'job not found' } as const;
      if (TERMINAL_JOB_STATES.includes(job.state)) return { kind: 'settled', reason: `job already ${job.state}` } as const;
      if (job.attempt >= job.max_attempts) return { kind: 'exhausted', job } as const;
      const running = await tx
        .updateTable('jobs')
        .set({ state: 'RUNNING', attempt: sql`attempt + 1`, started_at: sql`coalesce(started_at, now())`, worker_id: workerId })
        .where('id', '=', jobId)
        .returningAll()
        .executeTakeFirstOrThrow();
      await tx
        .insertInto('job_steps')
        .values(
          STEP_NAMES.map((step) => ({
            job_id: jobId,
            step,
            state: 'RUNNING' as const,
            started_at: new Date(),
            finished_at: null,
            model: null,
            error: null,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['job_id', 'step']).doUpdateSet({ state: 'RUNNING', error: null }).where('job_steps.state', '!=', 'DONE'),
        )
        .execute();
      const changed = await changeArticle(tx, {
        articleId: job.article_id,
        set: { status: 'PROCESSING', error: null },
        event: { type: 'STARTED', job: running },
      });
      return changed
        ? ({ kind: 'run', job: running, ...changed } as const)
        : ({ kind: 'settled', reason: 'article not found' } as const);
    });
    if (result.kind === 'settled') return result;
    if (result.kind === 'exhausted') {
      const article = await db
        .selectFrom('articles')
        .selectAll()
        .where('id', '=', result.job.article_id)
        .executeTakeFirstOrThrow();
      return { kind: 'exhausted', ctx: context(result.job, article) };
    }
    publishEvents(bus, [result.event]);
    return { kind: 'run', ctx: context(result.job, { ...result.article }) };
  }

  function context(job: JobRow, article: ArticleRow): JobContext {
    return { job, article, log: deps.log.child({ jobId: job.id, articleId: article.id, attempt: job.attempt }) };
  }

  /**
   * Runs every step whose result is not stored yet, concurrently. Waits for all of them, then throws
   * the first failure (steps that succeeded stay committed: the retry resumes from there).
   */
  async function runSteps(ctx: JobContext, signal: AbortSignal): Promise<void> {
    const pending = STEP_NAMES.filter((step) => !isStepDone(ctx.article, step));
    const results = await Promise.allSettled(pending.map((step) => runStep(ctx, step, signal)));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }

  async function runStep(ctx: JobContext, step: StepName, signal: AbortSignal): Promise<void> {
    const { provider, model } = llm.route(step);
    publishEvents(bus, [makeEvent(ctx.article, 'STEP_STARTED', ctx.article.event_seq, { job: ctx.job, step })]);
    const prompt = buildPrompt(step, ctx.article);
    const timeout = AbortSignal.timeout(llm.timeoutMs(ctx.article.content.length));
    const started = performance.now();
    const completion = await provider.complete({ model, ...prompt, signal: AbortSignal.any([signal, timeout]) });
    const latencyMs = Math.round(performance.now() - started);
    const value = STEPS[step].parse(completion.text, provider.name);
    const price = llm.price(completion.model) ?? llm.price(model);
    if (!price) ctx.log.warn({ model: completion.model, step }, 'no price for model: cost recorded as null');

    const event = await db.transaction().execute(async (tx) => {
      // The guard makes the result, the step checkpoint and the ledger row one unit: a redelivered
      // job that races a live one books nothing twice.
      const changed = await changeArticle(tx, {
        articleId: ctx.article.id,
        set: value,
        onlyIfNull: STEPS[step].column,
        event: { type: 'STEP_COMPLETED', job: ctx.job, step },
      });
      if (!changed) return undefined;
      await tx
        .insertInto('llm_calls')
        .values({
          article_id: ctx.article.id,
          job_id: ctx.job.id,
          step,
          provider: provider.name,
          model: completion.model,
          prompt_version: prompt.version,
          input_tokens: completion.inputTokens,
          output_tokens: completion.outputTokens,
          cost_usd: costUsd(price, completion.inputTokens, completion.outputTokens),
          latency_ms: latencyMs,
          attempt: ctx.job.attempt,
        })
        .execute();
      await tx
        .updateTable('job_steps')
        .set({ state: 'DONE', finished_at: new Date(), model: completion.model, error: null })
        .where('job_id', '=', ctx.job.id)
        .where('step', '=', step)
        .execute();
      return changed;
    });
    if (!event) {
      ctx.log.info({ step }, 'step result already stored by another delivery; nothing booked');
      return;
    }
    Object.assign(ctx.article, value, { event_seq: event.article.event_seq });
    publishEvents(bus, [event.event]);
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
    const event = await db.transaction().execute(async (tx) => {
      const job = await tx
        .updateTable('jobs')
        .set({ state: o.jobState, finished_at: new Date(), error: o.error, error_kind: o.errorKind })
        .where('id', '=', ctx.job.id)
        .where('state', 'not in', TERMINAL_JOB_STATES)
        .returningAll()
        .executeTakeFirst();
      if (!job) return undefined;
      if (o.error !== null) {
        await tx
          .updateTable('job_steps')
          .set({ state: 'FAILED', error: o.error, finished_at: new Date() })
          .where('job_id', '=', job.id)
          .where('state', '!=', 'DONE')
          .execute();
      }
      return changeArticle(tx, {
        articleId: ctx.article.id,
        set: { status: o.status, error: o.error, ...(o.status === 'COMPLETED' ? { processed_at: new Date() } : {}) },
        event: { type: o.eventType, job, error: o.error },
      });
    });
    publishEvents(bus, [event?.event]);
    return event !== undefined;
  }

  /** Job RETRYING with the error; a rate-limited attempt is given back (it did no work). */
  async function retryLater(ctx: JobContext, error: string, errorKind: string, refundAttempt: boolean): Promise<void> {
    const event = await db.transaction().execute(async (tx) => {
      const job = await tx
        .updateTable('jobs')
        .set({
          state: 'RETRYING',
          error,
          error_kind: errorKind,
          attempt: refundAttempt ? sql`greatest(attempt - 1, 0)` : sql`attempt`,
        })
        .where('id', '=', ctx.job.id)
        .where('state', '=', 'RUNNING')
        .returningAll()
        .executeTakeFirst();
      if (!job) return undefined;
      return changeArticle(tx, {
        articleId: ctx.article.id,
        set: { status: 'PENDING' },
        event: { type: 'RETRYING', job, error },
      });
    });
    publishEvents(bus, [event?.event]);
  }

  return { begin, runSteps, complete, fail, retryLater };
}

export type JobProcessor = ReturnType<typeof createJobProcessor>;
