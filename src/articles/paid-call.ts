import type { ProviderName } from '../config/llm-route.js';
import type { EventBus } from '../events/event-bus.js';
import { createDeltaCoalescer } from '../lib/delta-coalescer.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { StepName } from '../lib/vocabulary.js';
import type { Answer, Candidate, LlmRouter } from '../llm/llm-router.js';
import { costUsd, maxCostUsd } from '../llm/pricing.js';
import type { Completion } from '../llm/provider.js';
import type { Article, Job, LlmCall } from './article.model.js';
import { makeEvent } from './article-event.js';
import type { BudgetGuard } from './budget.js';
import { publishEvents } from './event-publish.js';
import type { StepPrompt } from './step-catalog.js';

/** A job being run: its row, its article (results stored so far) and a logger bound to both. */
export interface JobContext {
  job: Job;
  article: Article;
  log: Logger;
  /** The text the steps read, once asked for: the content, or a long content's chunk summaries (map-reduce). */
  source?: Promise<string>;
}

/** One model call of a step: where it goes and what it asks. */
export interface StepCall {
  step: StepName;
  /** The models it may go to, in order. */
  chain: Candidate[];
  /** The model it went to: the chain's first until another one answers. */
  providerName: ProviderName;
  model: string;
  prompt: StepPrompt;
  started: number;
  /** Streams the text to subscribers as SUMMARY_DELTA events while the model writes it. */
  live: boolean;
}

/** A model's answer, and the budget reservation it was made under (booked with it). */
export interface PaidAnswer {
  completion: Completion;
  reservation?: { id: number; scopes: string[] };
}

export interface PaidCallDeps {
  bus: EventBus;
  llm: LlmRouter;
  /** Monthly budgets: each paid call reserves its estimate first. None: no budgets. */
  budget?: BudgetGuard;
  /** Counts booked calls, their tokens and cost; absent, nothing is counted. */
  metrics?: Metrics;
}

/** A booked call as the metrics count it. */
export type CountedCall = Pick<
  LlmCall,
  'provider' | 'model' | 'inputTokens' | 'outputTokens' | 'costUsd' | 'latencyMs' | 'cached' | 'savedUsd'
> & { step: StepName };

/** Extra time a lease (cache entry, budget reservation) runs past the call's own deadline, for the statement that books it. */
export const LEASE_MARGIN_MS = 30_000;
/** At most one SUMMARY_DELTA per article per this interval: a subscriber renders it, not every token. */
const DELTA_INTERVAL_MS = 50;

/** The call to the first model of `chain`, asking `prompt`. */
export function stepCall(step: StepName, chain: Candidate[], prompt: StepPrompt, live: boolean): StepCall {
  const { provider, model } = chain[0]!;
  return { step, chain, providerName: provider.name, model, prompt, started: performance.now(), live };
}

/**
 * Model calls as a job pays for them: under a budget reservation, through the chain's failover,
 * streaming live text when asked; and what an answer cost.
 */
export function createPaidCalls(deps: PaidCallDeps) {
  const { bus, llm } = deps;

  /**
   * The model call under a budget reservation of the most it can cost (when a budget covers the
   * article; BudgetExhaustedError when it would pass one). A failed call gives its reservation back.
   */
  function pay(ctx: JobContext, call: StepCall, options: { signal: AbortSignal; timeoutMs: number }): Promise<PaidAnswer> {
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

  function releaseReservation(ctx: JobContext, id: number): void {
    // A reservation not released expires with its lease: the budget is held a little longer, never lost.
    deps.budget!.release(id).catch((err: unknown) => ctx.log.warn({ err }, 'could not release a budget reservation'));
  }

  /**
   * After the statement that booked a paid answer (`booked`: whether it booked it, or another
   * delivery had): the reservation is spent (thresholds checked) or given back.
   */
  function settled(ctx: JobContext, paid: PaidAnswer, booked: boolean): void {
    if (!paid.reservation) return;
    if (booked) deps.budget!.booked(paid.reservation.scopes);
    else releaseReservation(ctx, paid.reservation.id);
  }

  /** What the answer cost in USD; null (and a warning) when its model has no price. */
  function costOf(ctx: JobContext, call: StepCall, completion: Completion): number | null {
    const price = llm.price(completion.model) ?? llm.price(call.model);
    if (!price) ctx.log.warn({ model: completion.model, step: call.step }, 'no price for model: cost recorded as null');
    return costUsd(price, completion.inputTokens, completion.outputTokens);
  }

  /**
   * The model call; a live call publishes its text as SUMMARY_DELTA events (not logged, carrying
   * the job and so its attempt: a retry's text starts again from nothing).
   */
  function callModel(ctx: JobContext, call: StepCall, options: { signal: AbortSignal; timeoutMs: number }): Promise<Completion> {
    const request = { ...call.prompt, ...options };
    // The ledger and the step row name the model that answered (a fallback, when the first failed).
    const answered = (answer: Answer) => {
      call.providerName = answer.provider;
      call.model = answer.model;
      return answer.completion;
    };
    if (!call.live) return llm.complete(call.chain, request).then(answered);
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

  /** Counts a call its statement booked (paid, a chunk's, or answered from the cache). */
  function counted(call: CountedCall): void {
    const m = deps.metrics;
    if (!m) return;
    const { step, provider, model } = call;
    m.llmCalls.inc({ provider, model, step, cached: String(call.cached) });
    m.stepDuration.observe({ step, provider, model }, call.latencyMs / 1000);
    if (call.cached) {
      m.cacheSaved.inc({ step }, call.savedUsd);
      return;
    }
    m.llmTokens.inc({ provider, model, step, direction: 'input' }, call.inputTokens);
    m.llmTokens.inc({ provider, model, step, direction: 'output' }, call.outputTokens);
    m.llmCost.inc({ provider, model, step }, call.costUsd ?? 0);
  }

  return { pay, settled, costOf, counted };
}

export type PaidCalls = ReturnType<typeof createPaidCalls>;
