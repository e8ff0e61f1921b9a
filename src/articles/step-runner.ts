import type { ProviderName } from '../config/llm-route.js';
import type { Db } from '../db/database.js';
import type { EventBus } from '../events/event-bus.js';
import { createDeltaCoalescer } from '../lib/delta-coalescer.js';
import type { Logger } from '../lib/logger.js';
import type { StepName } from '../lib/vocabulary.js';
import type { Answer, Candidate, LlmRouter } from '../llm/llm-router.js';
import { costUsd, maxCostUsd } from '../llm/pricing.js';
import type { Completion } from '../llm/provider.js';
import type { Article, Job } from './article.model.js';
import { makeEvent } from './article-event.js';
import type { BudgetGuard } from './budget.js';
import { publishEvents } from './event-publish.js';
import type { JobRepository, StepResult } from './job.repository.js';
import { buildPrompt, choosePromptVersion, stepDefinition, type StepPrompt } from './step-catalog.js';
import { createStepCache, type CacheEntry } from './step-cache.js';

/** A job being run: its row, its article (results stored so far) and a logger bound to both. */
export interface JobContext {
  job: Job;
  article: Article;
  log: Logger;
}

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
}

/** A step's call: where it goes and what it asks. */
interface StepCall {
  step: StepName;
  /** The models it may go to, in order. */
  chain: Candidate[];
  /** The model it went to: the chain's first until another one answers. */
  providerName: ProviderName;
  model: string;
  prompt: StepPrompt;
  started: number;
}

/** A model's answer, and the budget reservation it was made under (booked with it). */
interface PaidAnswer {
  completion: Completion;
  reservation?: { id: number; scopes: string[] };
}

/** Extra time a cache lease runs past the call's own deadline, for the statement that books it. */
const LEASE_MARGIN_MS = 30_000;
/** At most one SUMMARY_DELTA per article per this interval: a subscriber renders it, not every token. */
const DELTA_INTERVAL_MS = 50;

/**
 * One step of one job, from the model's answer to its stored result: the step's models in order
 * (routing, fallback), the content cache (single flight), the budget reservation, the live summary,
 * and the statement that stores the result with its ledger row.
 */
export function createStepRunner(deps: StepRunnerDeps, jobs: JobRepository) {
  const { bus, llm } = deps;
  const cacheTtlSeconds = deps.cacheTtlSeconds ?? 0;
  const cache =
    cacheTtlSeconds > 0 ? createStepCache({ db: deps.db, bus, workerId: deps.workerId, ttlSeconds: cacheTtlSeconds }) : undefined;

  /**
   * Runs one step and stores its result; true when that completed the job. Not async up to the
   * call: a worker holds thousands of calls open, and a suspended frame per call costs memory.
   */
  function runStep(ctx: JobContext, step: StepName, signal: AbortSignal): Promise<boolean> {
    try {
      const chain = llm.chain(step, ctx.article.content.length);
      const { provider, model } = chain[0]!;
      publishEvents(bus, [makeEvent(ctx.article, 'STEP_STARTED', ctx.article.eventSeq, { job: ctx.job, step })]);
      const call: StepCall = {
        step,
        chain,
        providerName: provider.name,
        model,
        prompt: buildPrompt(step, ctx.article, choosePromptVersion(step, llm.promptWeights[step], ctx.article.id)),
        started: performance.now(),
      };
      const timeoutMs = llm.timeoutMs(ctx.article.content.length);
      const complete = () => payForCall(ctx, call, { signal, timeoutMs });
      // The offline provider costs nothing: caching it would only add writes.
      if (!cache || !ctx.article.cacheEnabled || provider.name === 'local')
        return complete().then((paid) => storePaid(ctx, call, paid));
      const key = cache.keyOf({
        step,
        model,
        promptVersion: call.prompt.version,
        options: ctx.article.options,
        title: ctx.article.title,
        contentHash: ctx.article.contentHash,
      });
      return cache.acquire(key, timeoutMs + LEASE_MARGIN_MS, signal).then((entry) => {
        if (entry) return storeCached(ctx, call, entry);
        return complete().then(
          (paid) => storePaid(ctx, call, paid, key).finally(() => cache.announce(key)),
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

  /**
   * The model call under a budget reservation of its most it can cost (when a budget covers the
   * article; BudgetExhaustedError when it would pass one). A failed call gives its reservation back.
   */
  function payForCall(ctx: JobContext, call: StepCall, options: { signal: AbortSignal; timeoutMs: number }): Promise<PaidAnswer> {
    const scopes = deps.budget?.scopesFor(ctx.article.tenantId) ?? [];
    if (scopes.length === 0) return callModel(ctx, call, options).then((completion) => ({ completion }));
    const budget = deps.budget!;
    // Whichever model of the chain answers, the reservation covers it.
    const text = call.prompt.system + call.prompt.prompt;
    const usd = Math.max(...call.chain.map((c) => maxCostUsd(llm.price(c.model), text, call.prompt.maxTokens)));
    return budget
      .reserve({
        scopes,
        priority: ctx.job.priority,
        usd,
        jobId: ctx.job.id,
        step: call.step,
        ttlMs: options.timeoutMs + LEASE_MARGIN_MS,
      })
      .then((id) =>
        callModel(ctx, call, options).then(
          (completion) => ({ completion, reservation: { id, scopes } }),
          (err: unknown) => {
            releaseReservation(ctx, id);
            throw err;
          },
        ),
      );
  }

  /** Gives up a cache lease this worker did not fill; waiters look again (one of them takes over). */
  function releaseLease(ctx: JobContext, key: string): void {
    cache?.release(key).catch((err: unknown) => ctx.log.warn({ err }, 'could not release a cache lease'));
  }

  function releaseReservation(ctx: JobContext, id: number): void {
    // A reservation not released expires with its lease: the budget is held a little longer, never lost.
    deps.budget!.release(id).catch((err: unknown) => ctx.log.warn({ err }, 'could not release a budget reservation'));
  }

  /**
   * The model call; a step that streams, of an article someone watches, publishes its text as
   * SUMMARY_DELTA events (not logged, carrying the job and so its attempt: a retry's text starts
   * again from nothing).
   */
  function callModel(ctx: JobContext, call: StepCall, options: { signal: AbortSignal; timeoutMs: number }): Promise<Completion> {
    const request = { ...call.prompt, ...options };
    // The ledger and the step row name the model that answered (a fallback, when the first failed).
    const answered = (answer: Answer) => {
      call.providerName = answer.provider;
      call.model = answer.model;
      return answer.completion;
    };
    if (!stepDefinition(call.step).streams || !deps.watched?.has(ctx.article.id))
      return llm.complete(call.chain, request).then(answered);
    const deltas = createDeltaCoalescer(DELTA_INTERVAL_MS, (delta) =>
      publishEvents(bus, [
        makeEvent(ctx.article, 'SUMMARY_DELTA', ctx.article.eventSeq, { job: ctx.job, step: call.step, delta }),
      ]),
    );
    return llm.complete(call.chain, { ...request, onDelta: deltas.push }).then(
      (answer) => deltas.end().then(() => answered(answer)),
      (err: unknown) => {
        deltas.discard();
        throw err;
      },
    );
  }

  /** Books a paid call (filling the cache under `cacheKey`) and stores the step's result. */
  async function storePaid(ctx: JobContext, call: StepCall, paid: PaidAnswer, cacheKey?: string): Promise<boolean> {
    const { completion, reservation } = paid;
    const value = stepDefinition(call.step).parse(completion.text, call.providerName, ctx.article.options ?? {});
    const price = llm.price(completion.model) ?? llm.price(call.model);
    if (!price) ctx.log.warn({ model: completion.model, step: call.step }, 'no price for model: cost recorded as null');
    const stored = await storeStepResult(ctx, call, {
      value,
      reservation,
      provider: call.providerName,
      model: completion.model,
      inputTokens: completion.inputTokens,
      outputTokens: completion.outputTokens,
      costUsd: costUsd(price, completion.inputTokens, completion.outputTokens),
      cached: false,
      savedUsd: 0,
      cacheFill: cacheKey ? { key: cacheKey, ttlSeconds: cacheTtlSeconds } : undefined,
    });
    if (reservation) {
      if (stored === undefined) releaseReservation(ctx, reservation.id);
      else deps.budget!.booked(reservation.scopes);
    }
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
    const stored = await jobs.storeStepResult({
      ...booked,
      articleId: ctx.article.id,
      job: ctx.job,
      step,
      promptVersion: call.prompt.version,
      latencyMs: Math.round(performance.now() - call.started),
    });
    const value = booked.value;
    if (!stored) {
      ctx.log.info({ step }, 'step result already stored by another delivery; nothing booked');
      return undefined;
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

  return runStep;
}
