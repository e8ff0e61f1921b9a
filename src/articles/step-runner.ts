import type { Db } from '../db/database.js';
import type { EventBus } from '../events/event-bus.js';
import type { StepName } from '../lib/vocabulary.js';
import type { Metrics } from '../metrics/metrics.js';
import type { LlmRouter } from '../llm/llm-router.js';
import { makeEvent } from './article-event.js';
import type { BudgetGuard } from './budget.js';
import { publishEvents } from './event-publish.js';
import type { JobRepository, StepResult } from './job.repository.js';
import { createContentSource } from './long-content.js';
import { createPaidCalls, LEASE_MARGIN_MS, stepCall, type JobContext, type PaidAnswer, type StepCall } from './paid-call.js';
import { buildPrompt, choosePromptVersion, stepDefinition } from './step-catalog.js';
import { createStepCache, type CacheEntry } from './step-cache.js';

export type { JobContext } from './paid-call.js';

export interface StepRunnerDeps {
  db: Db;
  bus: EventBus;
  llm: LlmRouter;
  workerId: string;
  /** How long a paid answer is kept in the content cache; 0 (default): no cache. */
  cacheTtlSeconds?: number;
  /** Monthly budgets: each paid call reserves its estimate first. None: no budgets. */
  budget?: BudgetGuard;
  /** Articles watched live: their summaries stream to subscribers as SUMMARY_DELTA events. None: no streaming. */
  watched?: { has(articleId: number): boolean };
  /** Counts booked calls; absent, nothing is counted. */
  metrics?: Metrics;
}

/**
 * One step of one job, from the model's answer to its stored result: the step's models in order
 * (routing, fallback), the content cache (single flight), the budget reservation, the live summary,
 * and the statement that stores the result with its ledger row.
 */
export function createStepRunner(deps: StepRunnerDeps, jobs: JobRepository) {
  const { bus, llm } = deps;
  const cacheTtlSeconds = deps.cacheTtlSeconds ?? 0;
  const paid = createPaidCalls(deps);
  const source = createContentSource({ db: deps.db, llm, paid });
  const cache =
    cacheTtlSeconds > 0 ? createStepCache({ db: deps.db, bus, workerId: deps.workerId, ttlSeconds: cacheTtlSeconds }) : undefined;

  /**
   * Runs one step and stores its result; true when that completed the job. Not async up to the
   * call: a worker holds thousands of calls open, and a suspended frame per call costs memory.
   */
  function runStep(ctx: JobContext, step: StepName, signal: AbortSignal): Promise<boolean> {
    try {
      const { article } = ctx;
      const chain = llm.chain(step, article.content.length);
      publishEvents(bus, [makeEvent(article, 'STEP_STARTED', article.eventSeq, { job: ctx.job, step })]);
      const version = choosePromptVersion(step, llm.promptWeights[step], article.id);
      const live = stepDefinition(step).streams && deps.watched?.has(article.id) === true;
      const call = stepCall(step, chain, buildPrompt(step, article, version), live);
      // The step reads the content, or a long content's chunk summaries (paid for only on a cache miss).
      const complete = () =>
        source.textOf(ctx, signal).then((text) => {
          if (text !== article.content) {
            call.prompt = buildPrompt(step, { ...article, content: text }, version);
            // The ledger's latency is this call's, not the chunk summaries' before it.
            call.started = performance.now();
          }
          return paid.pay(ctx, call, { signal, timeoutMs: llm.timeoutMs(text.length) });
        });
      // The offline provider costs nothing: caching it would only add writes.
      if (!cache || !article.cacheEnabled || call.providerName === 'local')
        return complete().then((answer) => storePaid(ctx, call, answer));
      const key = cache.keyOf({
        step,
        model: call.model,
        promptVersion: version,
        options: article.options,
        title: article.title,
        contentHash: article.contentHash,
      });
      return cache.acquire(key, llm.timeoutMs(article.content.length) + LEASE_MARGIN_MS, signal).then((entry) => {
        if (entry) return storeCached(ctx, call, entry);
        return complete().then(
          (answer) => storePaid(ctx, call, answer, key).finally(() => cache.announce(key)),
          (err: unknown) => {
            releaseLease(ctx, key);
            throw err;
          },
        );
      });
    } catch (err) {
      // As an async function would: a throw becomes this step's failure, not runSteps' (the other steps run on).
      return Promise.reject(err as Error);
    }
  }

  /** Gives up a cache lease this worker did not fill; waiters look again (one of them takes over). */
  function releaseLease(ctx: JobContext, key: string): void {
    cache?.release(key).catch((err: unknown) => ctx.log.warn({ err }, 'could not release a cache lease'));
  }

  /** Books a paid call (filling the cache under `cacheKey`) and stores the step's result. */
  async function storePaid(ctx: JobContext, call: StepCall, answer: PaidAnswer, cacheKey?: string): Promise<boolean> {
    const { completion, reservation } = answer;
    const value = stepDefinition(call.step).parse(completion.text, call.providerName, ctx.article.options ?? {});
    const stored = await storeStepResult(ctx, call, {
      value,
      reservation,
      provider: call.providerName,
      model: completion.model,
      inputTokens: completion.inputTokens,
      outputTokens: completion.outputTokens,
      costUsd: paid.costOf(ctx, call, completion),
      cached: false,
      savedUsd: 0,
      cacheFill: cacheKey ? { key: cacheKey, ttlSeconds: cacheTtlSeconds } : undefined,
    });
    paid.settled(ctx, answer, stored !== undefined);
    // Another delivery booked the step, and filled (or will fill) the entry: this lease ends here.
    if (stored === undefined && cacheKey) releaseLease(ctx, cacheKey);
    return stored ?? false;
  }

  /** Books a cached answer at cost 0 with the cost it saved, and stores the step's result. */
  async function storeCached(ctx: JobContext, call: StepCall, entry: CacheEntry): Promise<boolean> {
    ctx.log.debug({ step: call.step, model: entry.model }, 'step answered from the cache');
    const stored = await storeStepResult(ctx, call, {
      value: entry.value,
      provider: entry.provider,
      model: entry.model,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      cached: true,
      savedUsd: entry.costUsd ?? 0,
    });
    return stored ?? false;
  }

  /** Stores the step's result with its ledger row; true when that completed the job, undefined when another delivery had stored it. */
  async function storeStepResult(
    ctx: JobContext,
    call: StepCall,
    booked: Omit<StepResult, 'articleId' | 'job' | 'step' | 'promptVersion' | 'latencyMs'>,
  ): Promise<boolean | undefined> {
    const { step } = call;
    const definition = stepDefinition(step);
    const latencyMs = Math.round(performance.now() - call.started);
    const stored = await jobs.storeStepResult({
      ...booked,
      articleId: ctx.article.id,
      job: ctx.job,
      step,
      promptVersion: call.prompt.version,
      latencyMs,
    });
    const value = booked.value;
    if (!stored) {
      ctx.log.info({ step }, 'step result already stored by another delivery; nothing booked');
      return undefined;
    }
    paid.counted({ ...booked, step, latencyMs });
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

  return runStep;
}
