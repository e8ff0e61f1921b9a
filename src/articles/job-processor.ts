import type { Db } from '../db/database.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../lib/logger.js';
import type { StepName } from '../lib/vocabulary.js';
import type { ProviderName } from '../config/llm-route.js';
import type { LlmRouter } from '../llm/llm-router.js';
import type { Completion } from '../llm/provider.js';
import { costUsd } from '../llm/pricing.js';
import type { Article, Job } from './article.model.js';
import { makeEvent } from './article-event.js';
import { publishEvents, type LoggedEvent } from './event-publish.js';
import { InvalidTransitionError } from './job-states.js';
import { createJobRepository, type JobRepository } from './job.repository.js';
import { buildPrompt, pendingSteps, stepDefinition } from './step-catalog.js';

export interface JobContext {
  job: Job;
  article: Article;
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

/**
 * The domain side of running one job: the steps, their results and the cost ledger, through the
 * job repository's transitions. Queue semantics (ack, nak, leases) belong to the caller. Events
 * are published after the statement that logged them.
 */
export function createJobProcessor(deps: ProcessorDeps) {
  const { bus, llm } = deps;
  const jobs: JobRepository = createJobRepository(deps.db, { workerId: deps.workerId });

  function context(job: Job, article: Article): JobContext {
    return { job, article, log: deps.log.child({ jobId: job.id, articleId: article.id, attempt: job.attempt }) };
  }

  /** `start`s the job (attempt + 1), unless it needs no work. */
  async function begin(jobId: string): Promise<BeginResult> {
    try {
      const outcome = await jobs.start(jobId);
      if (outcome.kind === 'exhausted') return { kind: 'exhausted', ctx: context(outcome.job, outcome.article) };
      publishEvents(bus, [outcome.event]);
      return { kind: 'run', ctx: context(outcome.job, outcome.article) };
    } catch (err) {
      if (err instanceof InvalidTransitionError)
        return { kind: 'settled', reason: err.state ? `job already ${err.state}` : 'job not found' };
      throw err;
    }
  }

  /**
   * Runs every step whose result is not stored yet, concurrently. Waits for all of them, then throws
   * the first failure (steps that succeeded stay committed: the retry resumes from there).
   * Resolves true when the last step's statement completed the job; otherwise `complete` must.
   */
  async function runSteps(ctx: JobContext, signal: AbortSignal): Promise<boolean> {
    const results = await Promise.allSettled(pendingSteps(ctx.article).map((step) => runStep(ctx, step.name, signal)));
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
      publishEvents(bus, [makeEvent(ctx.article, 'STEP_STARTED', ctx.article.eventSeq, { job: ctx.job, step })]);
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

  /** Books the call and stores the step's result; true when that completed the job. */
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
    const definition = stepDefinition(step);
    const value = definition.parse(completion.text, providerName);
    const price = llm.price(completion.model) ?? llm.price(model);
    if (!price) ctx.log.warn({ model: completion.model, step }, 'no price for model: cost recorded as null');

    const stored = await jobs.storeStepResult({
      articleId: ctx.article.id,
      job: ctx.job,
      step,
      value,
      provider: providerName,
      model: completion.model,
      promptVersion,
      inputTokens: completion.inputTokens,
      outputTokens: completion.outputTokens,
      costUsd: costUsd(price, completion.inputTokens, completion.outputTokens),
      latencyMs,
    });
    if (!stored) {
      ctx.log.info({ step }, 'step result already stored by another delivery; nothing booked');
      return false;
    }
    // Steps of one job finish in any order: keep this step's result and the highest seq seen.
    Object.assign(ctx.article, { [definition.field]: value, eventSeq: Math.max(ctx.article.eventSeq, stored.article.eventSeq) });
    const completedJob = stored.completed?.decoded.job;
    if (completedJob) {
      Object.assign(ctx.article, stored.article);
      ctx.job = completedJob;
    }
    publishEvents(bus, [stored.event, stored.completed]);
    return stored.completed !== undefined;
  }

  /**
   * Publishes a settling transition's event; false when the job had moved on meanwhile (cancelled,
   * or settled by another delivery): a race, not a failure.
   */
  async function settle(write: () => Promise<{ event: LoggedEvent }>): Promise<boolean> {
    try {
      publishEvents(bus, [(await write()).event]);
      return true;
    } catch (err) {
      if (err instanceof InvalidTransitionError) return false;
      throw err;
    }
  }

  return {
    begin,
    runSteps,
    /** Job SUCCEEDED, article COMPLETED; false if the job was cancelled or settled meanwhile. */
    complete: (ctx: JobContext) => settle(() => jobs.complete(ctx.job.id)),
    /** Job and article FAILED with a readable error; false if the job was settled meanwhile. */
    fail: (ctx: JobContext, error: string, errorKind: string) => settle(() => jobs.fail(ctx.job.id, error, errorKind)),
    /** Job RETRYING with the error; a rate-limited attempt is given back (it did no work). */
    retryLater: (ctx: JobContext, error: string, errorKind: string, refundAttempt: boolean) =>
      settle(() => jobs.retryLater(ctx.job.id, error, errorKind, refundAttempt)),
  };
}

export type JobProcessor = ReturnType<typeof createJobProcessor>;
