import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { PRIORITIES, STEP_NAMES } from '../lib/vocabulary.js';

/** Seconds: from a fast cache hit to a slow model call (LLM calls take 10–60 s). */
const CALL_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
/** Seconds: queue waits and whole jobs, up to the job deadline's order of magnitude. */
const JOB_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/** How a delivery of a job ended in the worker. */
export const JOB_OUTCOMES = ['succeeded', 'failed', 'retried', 'paused', 'cancelled', 'released'] as const;
export type JobOutcome = (typeof JOB_OUTCOMES)[number];

/**
 * The Prometheus metrics of one Distill process (prom-client), declared once: each process has its
 * own registry (tests run several systems in one Node process). Labels are bounded: priorities,
 * outcomes, steps, providers, configured models, error kinds — never article or job ids, nor
 * tenants (/metrics answers without a key). Gauges that mirror other parts (queue depth, open subscriptions, budgets) are filled by
 * collectors when scraped.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const collectors: (() => Promise<void> | void)[] = [];
  const registers = [registry];

  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Counter({ name, help, labelNames, registers });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Gauge({ name, help, labelNames, registers });
  const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]) =>
    new Histogram({ name, help, labelNames, buckets, registers });

  const metrics = {
    submitted: counter('distill_articles_submitted_total', 'Articles accepted by the API', ['priority'] as const),
    jobs: counter(
      'distill_jobs_total',
      'Job deliveries by how they ended: succeeded, failed, retried, paused, cancelled, released',
      ['outcome', 'priority'] as const,
    ),
    retries: counter('distill_job_retries_total', 'Job attempts that failed and will be retried, by error kind', [
      'error_kind',
    ] as const),
    failures: counter('distill_job_failures_total', 'Jobs that failed for good, by error kind', ['error_kind'] as const),
    queueWait: histogram(
      'distill_job_queue_wait_seconds',
      'From a job queued to its attempt started',
      ['priority'] as const,
      JOB_BUCKETS,
    ),
    jobDuration: histogram(
      'distill_job_duration_seconds',
      'From a job queued to it succeeded (end to end, retries included)',
      ['priority'] as const,
      JOB_BUCKETS,
    ),
    stepDuration: histogram(
      'distill_step_duration_seconds',
      'One booked LLM call (or cache answer) of a step',
      ['step', 'provider', 'model'] as const,
      CALL_BUCKETS,
    ),
    llmCalls: counter('distill_llm_calls_total', 'Booked LLM calls (cached: answered from the content cache, no HTTP call)', [
      'provider',
      'model',
      'step',
      'cached',
    ] as const),
    llmTokens: counter('distill_llm_tokens_total', 'Tokens of booked LLM calls', [
      'provider',
      'model',
      'step',
      'direction',
    ] as const),
    llmCost: counter('distill_llm_cost_usd_total', 'USD of booked LLM calls (calls of a model with no price count 0 here)', [
      'provider',
      'model',
      'step',
    ] as const),
    cacheSaved: counter(
      'distill_cache_saved_usd_total',
      'USD the content cache saved: what the cached answers cost when they were paid for',
      ['step'] as const,
    ),
    queueDepth: gauge(
      'distill_queue_pending',
      'Jobs waiting in the queue, per priority (the same in every process: aggregate with max)',
      ['priority'] as const,
    ),
    queueInFlight: gauge('distill_queue_in_flight', 'Jobs delivered and not yet settled, per priority', ['priority'] as const),
    queueRedelivered: gauge('distill_queue_redelivered', 'Deliveries in flight that are redeliveries, per priority', [
      'priority',
    ] as const),
    queueOldestWait: gauge('distill_queue_oldest_wait_seconds', 'How long the oldest waiting job of a priority has waited', [
      'priority',
    ] as const),
    subscriptions: gauge('distill_subscriptions_open', 'GraphQL subscriptions open on this API process'),
    budgetSpent: gauge('distill_budget_spent_usd', "This month's spend of the global budget (scope *)", ['scope'] as const),
    budgetLimit: gauge('distill_budget_limit_usd', 'Monthly limit of the global budget (scope *)', ['scope'] as const),
  };

  // Series with bounded labels start at 0, so rate() sees their first increase (Prometheus counts
  // a series from its first scrape).
  for (const step of STEP_NAMES) metrics.cacheSaved.inc({ step }, 0);
  for (const priority of PRIORITIES) {
    metrics.submitted.inc({ priority }, 0);
    for (const outcome of JOB_OUTCOMES) metrics.jobs.inc({ outcome, priority }, 0);
    metrics.queueWait.zero({ priority });
    metrics.jobDuration.zero({ priority });
  }

  return {
    ...metrics,
    /** Runs before each scrape: sets the gauges that mirror state held elsewhere. */
    addCollector(collect: () => Promise<void> | void): void {
      collectors.push(collect);
    },
    /** The text exposition format; a collector that fails leaves its gauges as they were. */
    async exposition(onError: (err: unknown) => void): Promise<{ contentType: string; body: string }> {
      await Promise.all(
        collectors.map(async (collect) => {
          try {
            await collect();
          } catch (err) {
            onError(err);
          }
        }),
      );
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
